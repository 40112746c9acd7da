// The node-link view of a CONSTRUCT or DESCRIBE result: a node per IRI or blank node, an
// arrow per statement between two of them, named by its label (rdfs:label, skos:prefLabel,
// schema:name, foaf:name, in the page's language first). Types and other literal values go
// in the node's <title>, not on the picture: a node per class or per literal would bury the
// entities under hubs. Laid out by d3-force, run to rest before drawing (deterministic: its
// starting positions and its random source are fixed), drawn with Plot.

import * as Plot from "@observablehq/plot";
import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation } from "d3-force";

import { VIEWS } from "./choose.js";
import { RDF, compactIri, readable } from "./terms.js";
import {
  ACCENT,
  LINK_TARGET,
  PLOT_CLASS,
  PictureView,
  context,
  paragraph,
  withoutInlineStyles,
} from "./view.js";

// Above this, a force layout is a hairball and slow to settle: the table is the better view.
export const MAX_NODES = 300;
const LABELS = [
  "http://www.w3.org/2000/01/rdf-schema#label",
  "http://www.w3.org/2004/02/skos/core#prefLabel",
  "http://schema.org/name",
  "http://xmlns.com/foaf/0.1/name",
];
const TYPE = `${RDF}type`;

function key(term) {
  return `${term.type === "bnode" ? "_:" : ""}${term.value}`;
}

/** Nodes and links of the statements ``{subject, predicate, object}`` (SPARQL JSON terms). */
export function nodesAndLinks(statements, site) {
  const nodes = new Map();
  const links = [];
  const node = (term) => {
    const id = key(term);
    if (!nodes.has(id)) {
      const shown = readable(term, site);
      nodes.set(id, {
        id,
        text: shown.text,
        href: shown.href || null,
        ours: shown.external === false,
        label: null,
        notes: [],
      });
    }
    return nodes.get(id);
  };
  for (const { subject, predicate, object } of statements) {
    const from = node(subject);
    const property = compactIri(predicate.value, site);
    if (object.type === "literal") {
      const rank = LABELS.indexOf(predicate.value);
      const inLanguage = object["xml:lang"] === site.lang && from.labelLang !== site.lang;
      const better = !from.label || inLanguage;
      if (rank >= 0 && better) {
        from.label = object.value;
        from.labelLang = object["xml:lang"];
      }
      from.notes.push(`${property}: ${readable(object, site).text}`);
    } else if (predicate.value === TYPE) {
      from.notes.push(`a ${compactIri(object.value, site)}`);
    } else {
      links.push({ source: from.id, target: node(object).id, property });
    }
  }
  return { nodes: [...nodes.values()], links };
}

function layout(nodes, links) {
  const simulation = forceSimulation(nodes)
    .force("link", forceLink(links).id((d) => d.id).distance(70))
    .force("charge", forceManyBody().strength(-160))
    .force("collide", forceCollide(18))
    .force("center", forceCenter(0, 0))
    .stop();
  const ticks = Math.ceil(Math.log(simulation.alphaMin()) / Math.log(1 - simulation.alphaDecay()));
  simulation.tick(ticks);
}

/** The graph view. */
export class GraphView extends PictureView {
  constructor(yasr) {
    super(yasr);
    this.view = VIEWS.graph;
    this.label = "Graph";
    this.iconPath = "M3 3a2 2 0 1 0 .01 0zM13 2a2 2 0 1 0 .01 0zM8 11a2 2 0 1 0 .01 0zM4.2 4.6l3 5 .9-.5-3-5zM12 3.8l-3.2 5.6.9.5 3.2-5.6z";
  }

  canHandleResults() {
    const results = this.yasr.results;
    return Boolean(
      results &&
        !results.hasError() &&
        results.getType() === "ttl" &&
        (results.getBindings() || []).length > 0,
    );
  }

  draw() {
    const site = context();
    const { nodes, links } = nodesAndLinks(this.yasr.results.getBindings(), site);
    const figure = this.figure();
    if (nodes.length > MAX_NODES) {
      figure.append(
        paragraph(
          `${nodes.length} nodes: too many to draw (at most ${MAX_NODES}). ` +
            "Narrow the query; the table shows every statement.",
        ),
      );
      return;
    }
    layout(nodes, links);
    for (const entity of nodes) {
      entity.name = entity.label || entity.text;
      entity.title = [entity.name, entity.label ? entity.text : null, ...entity.notes]
        .filter(Boolean)
        .join("\n");
    }
    const byId = new Map(nodes.map((entity) => [entity.id, entity]));
    const arrows = links.map((edge) => {
      const [from, to] = [edge.source, edge.target].map((end) => byId.get(end.id || end));
      const title = `${from.name} ${edge.property} ${to.name}`;
      return { x1: from.x, y1: from.y, x2: to.x, y2: to.y, title };
    });
    const width = this.width();
    const chart = Plot.plot({
      className: PLOT_CLASS,
      width,
      height: Math.min(720, Math.max(320, nodes.length * 14)),
      inset: 40,
      axis: null,
      color: { type: "identity" },
      x: { type: "linear" },
      y: { type: "linear" },
      marks: [
        Plot.arrow(arrows, {
          x1: "x1",
          y1: "y1",
          x2: "x2",
          y2: "y2",
          stroke: "#9aa3b2",
          insetEnd: 9,
          headLength: 6,
          title: "title",
          className: "ftkg-graph-link",
        }),
        Plot.dot(nodes, {
          x: "x",
          y: "y",
          r: 7,
          fill: (d) => (d.ours ? ACCENT : "#8a94a6"),
          stroke: "white",
          href: "href",
          target: LINK_TARGET,
          title: "title",
          className: "ftkg-graph-node",
        }),
        Plot.text(nodes, { x: "x", y: "y", text: "name", dy: -12, lineWidth: 14 }),
      ],
      ariaLabel: `Graph of ${nodes.length} nodes and ${links.length} links`,
    });
    figure.append(withoutInlineStyles(chart));
    this.picture = chart;
    figure.append(
      paragraph(
        `${nodes.length} nodes, ${links.length} links; types and values are in each node's title.`,
        "ftkg-caption",
      ),
    );
  }
}

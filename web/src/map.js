// The map: the shapes /map serves (same origin, plain SVG, one element per territory with a
// data-code attribute and a <title>), the territories of the result coloured by their number
// (or by how many rows name them), each a link to its page.
//
// The shapes' contract: /map/shapes/france-departements.svg (INSEE département codes, "59",
// "2A", "971"), france-regions.svg (INSEE région codes, "32"), world.svg (ISO 3166-1 alpha-2,
// "FR"). The page's policy refuses inline styles, so the file's <style> elements and style
// attributes are dropped and its scripts and event handlers too, should it ever hold any.

import * as Plot from "@observablehq/plot";

import { VIEWS, cellText } from "./choose.js";
import { numberOf, readable, territoryOf } from "./terms.js";
import { LINK_TARGET, PictureView, SVG, context, paragraph } from "./view.js";

export const SHAPES = {
  departement: "map/shapes/france-departements.svg",
  region: "map/shapes/france-regions.svg",
  country: "map/shapes/world.svg",
};
const KIND_NAMES = { departement: "départements", region: "régions", country: "countries" };
const RANGE = ["#c9d6f5", "#1f4fd1"];
const SHAPE_ELEMENTS = "path, polygon, rect, circle, ellipse, polyline";

async function loadShapes(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
  const root = parsed.documentElement;
  if (root.localName !== "svg" || root.namespaceURI !== SVG) throw new Error(`${url} is no SVG`);
  for (const element of root.querySelectorAll("script, style, foreignObject")) element.remove();
  for (const element of [root, ...root.querySelectorAll("*")]) {
    for (const attribute of [...element.attributes]) {
      if (attribute.name === "style" || attribute.name.toLowerCase().startsWith("on")) {
        element.removeAttribute(attribute.name);
      }
    }
  }
  return document.importNode(root, true);
}

// A territory's rows, its number (the sum of the value column, or the count of rows), its
// name (the label, if the result has one) and its page.
function territories(bindings, territory, value, variables) {
  const byCode = new Map();
  for (const row of bindings) {
    const place = territoryOf(row[territory.name], territory.name, context());
    if (!place) continue;
    const { code } = place;
    if (!byCode.has(code)) {
      const named = cellText(row, territory, context());
      byCode.set(code, { code, name: named.text, href: named.href || null, amount: 0, rows: [] });
    }
    const entry = byCode.get(code);
    entry.amount += value ? (numberOf(row[value.name]) ?? 0) : 1;
    entry.rows.push(
      variables
        .filter((name) => name !== territory.name && name !== territory.label && row[name])
        .map((name) => readable(row[name], context()).text)
        .join(", "),
    );
  }
  return byCode;
}

function paint(element, colour) {
  for (const shape of [element, ...element.querySelectorAll(SHAPE_ELEMENTS)]) {
    // CSSOM, which the policy allows, and which wins over the shapes' own fill attributes.
    shape.style.setProperty("fill", colour);
  }
}

function retitle(element, text) {
  let title = [...element.children].find((child) => child.localName === "title");
  if (!title) {
    title = document.createElementNS(SVG, "title");
    element.insertBefore(title, element.firstChild);
  }
  title.textContent = title.textContent ? `${title.textContent} — ${text}` : text;
}

function link(element, href) {
  const anchor = document.createElementNS(SVG, "a");
  anchor.setAttribute("href", href);
  anchor.setAttribute("target", LINK_TARGET);
  element.parentNode.insertBefore(anchor, element);
  anchor.appendChild(element);
}

// A few values and their colours. Not Plot's ramp legend: it paints a canvas into a data:
// image, which the policy (img-src 'self') refuses.
function legend(amounts, colour, name) {
  const distinct = [...new Set(amounts)].sort((a, b) => a - b);
  const top = Math.max(1, ...amounts);
  const shown =
    distinct.length <= 6 ? distinct : [0, 1, 2, 3, 4].map((step) => Math.round((top * step) / 4));
  const list = document.createElement("ul");
  list.className = "ftkg-legend";
  list.setAttribute("aria-label", `Colours: ${name}`);
  for (const amount of shown) {
    const item = document.createElement("li");
    const swatch = document.createElementNS(SVG, "svg");
    swatch.setAttribute("width", "14");
    swatch.setAttribute("height", "14");
    swatch.setAttribute("aria-hidden", "true");
    const box = document.createElementNS(SVG, "rect");
    box.setAttribute("width", "14");
    box.setAttribute("height", "14");
    box.setAttribute("fill", colour.apply(amount));
    swatch.appendChild(box);
    item.append(swatch, ` ${amount.toLocaleString(context().lang)}`);
    list.appendChild(item);
  }
  const caption = document.createElement("li");
  caption.textContent = name;
  caption.className = "ftkg-legend-name";
  list.insertBefore(caption, list.firstChild);
  return list;
}

/** The map view. */
export class MapView extends PictureView {
  constructor(yasr) {
    super(yasr);
    this.view = VIEWS.map;
    this.label = "Map";
    this.iconPath = "M1 3l4.5-2 5 2L15 1v12l-4.5 2-5-2L1 15zM5.5 2.2v10.7M10.5 3.2v10.7";
  }

  async draw() {
    const { territory, value } = this.parts();
    const results = this.yasr.results;
    const figure = this.figure();
    let svg;
    try {
      svg = await loadShapes(context().root + SHAPES[territory.territory]);
    } catch (error) {
      figure.append(
        paragraph(
          `The map's shapes could not be loaded (${error.message}); ` +
            "the table shows the same rows.",
        ),
      );
      return;
    }
    const places = territories(results.getBindings(), territory, value, results.getVariables());
    const kinds = KIND_NAMES[territory.territory];
    const measure = value ? value.name : "the number of rows naming them";
    const amounts = [...places.values()].map((place) => place.amount);
    const colour = Plot.scale({
      color: { type: "linear", domain: [0, Math.max(1, ...amounts)], range: RANGE },
    });
    const found = new Set();
    for (const shape of svg.querySelectorAll("[data-code]")) {
      const place = places.get(shape.getAttribute("data-code"));
      if (!place || found.has(place.code)) continue;
      found.add(place.code);
      shape.classList.add("ftkg-hit");
      paint(shape, colour.apply(place.amount));
      const amount = value ? `${value.name}: ${place.amount.toLocaleString(context().lang)}` : "";
      retitle(shape, [place.name, amount, ...place.rows].filter(Boolean).join("\n"));
      if (place.href) link(shape, place.href);
    }
    svg.classList.add("ftkg-map");
    svg.setAttribute(
      "aria-label",
      `Map of ${kinds}: ${found.size} coloured by ${measure}`,
    );
    this.picture = svg;
    figure.append(legend(amounts, colour, value ? value.name : "rows per territory"), svg);
    const missing = [...places.keys()].filter((code) => !found.has(code));
    figure.append(
      paragraph(
        `${found.size} ${kinds} coloured by ${measure}.` +
          (missing.length ? ` Not on this map: ${missing.join(", ")}.` : ""),
        "ftkg-caption",
      ),
    );
  }
}

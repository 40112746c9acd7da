// The bar chart, the line chart and the timeline, drawn with Observable Plot as SVG: each
// mark has a <title> (its values, read by screen readers and shown on hover) and, where the
// row names an entity, is a link to that entity's page, so the picture is a way into the data.

import * as Plot from "@observablehq/plot";

import { VIEWS, cellText } from "./choose.js";
import { dateOf, numberOf, periodEnd, readable } from "./terms.js";
import {
  ACCENT,
  LINK_TARGET,
  PLOT_CLASS,
  PictureView,
  context,
  paragraph,
  withoutInlineStyles,
} from "./view.js";

const LABEL_CHARACTERS = 48;

function truncate(text) {
  const value = String(text);
  return value.length > LABEL_CHARACTERS ? `${value.slice(0, LABEL_CHARACTERS - 1)}…` : value;
}

// Room for the longest category name on the left, within reason (about 6 px a character at
// Plot's 10 px font).
function leftMargin(names, width) {
  const longest = Math.max(0, ...names.map((name) => truncate(name).length));
  return Math.min(Math.max(40, longest * 6 + 12), Math.floor(width / 2));
}

function unique(values) {
  return [...new Set(values)];
}

// Every bound variable of the row as "name: value" lines, for a mark's <title>.
function describeRow(row, variables) {
  return variables
    .filter((name) => row[name])
    .map((name) => `${name}: ${readable(row[name], context()).text}`)
    .join("\n");
}

function linkOf(shown) {
  return shown && shown.href ? shown.href : null;
}

function draw(view, chart, caption) {
  const figure = view.figure();
  const picture = withoutInlineStyles(chart);
  view.picture = picture.localName === "svg" ? picture : picture.querySelector("svg");
  figure.append(picture, paragraph(caption, "ftkg-caption"));
}

/** The bar chart: a bar per row, the value's length along the category's line. */
export class BarChart extends PictureView {
  constructor(yasr) {
    super(yasr);
    this.view = VIEWS.barchart;
    this.label = "Bar chart";
    this.iconPath = "M1 2h9v3H1zM1 6.5h14v3H1zM1 11h6v3H1z";
  }

  draw() {
    const { value, category, series } = this.parts();
    const variables = this.yasr.results.getVariables();
    const rows = this.yasr.results
      .getBindings()
      .map((row) => {
        const name = cellText(row, category, context());
        const amount = numberOf(row[value.name]);
        if (!name || amount === null) return null;
        return {
          category: name.text,
          value: amount,
          shown: readable(row[value.name], context()).text,
          series: series ? (cellText(row, series, context())?.text ?? "") : null,
          href: linkOf(name),
          title: describeRow(row, variables),
        };
      })
      .filter(Boolean);
    const categories = unique(rows.map((row) => row.category));
    const width = this.width();
    const marks = [
      Plot.barX(rows, {
        x: "value",
        y: "category",
        fill: series ? "series" : ACCENT,
        href: "href",
        target: LINK_TARGET,
        title: "title",
      }),
      Plot.ruleX([0]),
    ];
    if (!series) {
      marks.push(
        Plot.text(rows, { x: "value", y: "category", text: "shown", dx: 4, textAnchor: "start" }),
      );
    }
    const chart = Plot.plot({
      className: PLOT_CLASS,
      width,
      height: categories.length * 24 + 50,
      marginLeft: leftMargin(categories, width),
      marginRight: 40,
      x: { label: value.name, grid: true },
      y: { label: null, domain: categories, tickFormat: truncate },
      color: series ? { legend: true } : undefined,
      marks,
      ariaLabel: `Bar chart of ${value.name} by ${category.name}`,
    });
    draw(
      this,
      chart,
      `${value.name} by ${category.name}${series ? ` and ${series.name}` : ""}: ` +
        `${rows.length} bar${rows.length === 1 ? "" : "s"}.`,
    );
  }
}

function xValue(term, column) {
  return column.kind === "date" ? dateOf(term)?.date : numberOf(term);
}

/** The line chart: a line per series through its points, in the order of x. */
export class LineChart extends PictureView {
  constructor(yasr) {
    super(yasr);
    this.view = VIEWS.linechart;
    this.label = "Line chart";
    this.iconPath = "M1 14h14v1H1zM1.5 12.5l4-5 3 3 5-8 .9.6-5.7 9.1-3-3-3.4 4z";
  }

  draw() {
    const { x, y, series } = this.parts();
    const variables = this.yasr.results.getVariables();
    const points = this.yasr.results
      .getBindings()
      .map((row) => {
        const at = row[x.name] && xValue(row[x.name], x);
        const amount = numberOf(row[y.name]);
        if (at === null || at === undefined || amount === null) return null;
        const named = series ? cellText(row, series, context()) : null;
        return {
          x: at,
          y: amount,
          series: named ? named.text : "",
          href: linkOf(named),
          title: describeRow(row, variables),
        };
      })
      .filter(Boolean)
      .sort((a, b) => a.x - b.x);
    const colour = series ? "series" : ACCENT;
    const chart = Plot.plot({
      className: PLOT_CLASS,
      width: this.width(),
      height: 360,
      x: {
        label: x.name,
        type: x.kind === "date" ? "utc" : "linear",
        // Whole numbers along x are mostly years or ranks: 2019, not 2,019.
        tickFormat:
          x.kind === "number" && points.every((point) => Number.isInteger(point.x))
            ? String
            : undefined,
      },
      y: { label: y.name, grid: true },
      color: series ? { legend: true } : undefined,
      marks: [
        Plot.lineY(points, { x: "x", y: "y", z: series ? "series" : null, stroke: colour }),
        Plot.dot(points, {
          x: "x",
          y: "y",
          fill: colour,
          href: "href",
          target: LINK_TARGET,
          title: "title",
        }),
      ],
      ariaLabel: `Line chart of ${y.name} over ${x.name}`,
    });
    draw(
      this,
      chart,
      `${y.name} over ${x.name}${series ? `, one line per ${series.name}` : ""}: ` +
        `${points.length} point${points.length === 1 ? "" : "s"}.`,
    );
  }
}

/** The timeline: each dated item on its line, a day as a dot, a month or a year as the span
 * it covers (a gYear says the year, not the day). Rows with the same name and date make one
 * item, its <title> listing them all. */
export class Timeline extends PictureView {
  constructor(yasr) {
    super(yasr);
    this.view = VIEWS.timeline;
    this.label = "Timeline";
    this.iconPath = "M1 7.5h14v1H1zM3 5h2v6H3zM7.5 3h1v10h-1zM11 5h2v6h-2z";
  }

  draw() {
    const { date, name } = this.parts();
    const variables = this.yasr.results.getVariables();
    const items = new Map();
    for (const row of this.yasr.results.getBindings()) {
      const dated = row[date.name] && dateOf(row[date.name]);
      if (!dated) continue;
      const named = name ? cellText(row, name, context()) : null;
      const line = named ? named.text : "";
      const key = `${line}\u0000${row[date.name].value}\u0000${dated.precision}`;
      if (!items.has(key)) {
        items.set(key, {
          line,
          start: dated.date,
          end: periodEnd(dated),
          precision: dated.precision,
          when: readable(row[date.name], context()).text,
          href: linkOf(named),
          rows: [],
        });
      }
      items.get(key).rows.push(describeRow(row, variables));
    }
    const all = [...items.values()].map((item) => ({
      ...item,
      title: `${item.line ? `${item.line}, ` : ""}${item.when}` +
        (item.rows.length > 1 ? ` (${item.rows.length} rows)` : "") +
        `\n\n${item.rows.join("\n\n")}`,
      count: item.rows.length > 1 ? `×${item.rows.length}` : "",
    }));
    const days = all.filter((item) => item.precision === "day" || item.precision === "time");
    const spans = all.filter((item) => item.precision === "year" || item.precision === "month");
    const lines = unique(all.map((item) => item.line));
    const width = this.width();
    const chart = Plot.plot({
      className: PLOT_CLASS,
      width,
      height: lines.length * 44 + 60,
      marginLeft: leftMargin(lines, width),
      marginRight: 30,
      x: { type: "utc", label: date.name, grid: true },
      y: { label: null, domain: lines, tickFormat: truncate },
      marks: [
        Plot.ruleY(lines, { stroke: "#d9dde5" }),
        Plot.barX(spans, {
          x1: "start",
          x2: "end",
          y: "line",
          fill: ACCENT,
          fillOpacity: 0.35,
          stroke: ACCENT,
          insetTop: 10,
          insetBottom: 10,
          href: "href",
        target: LINK_TARGET,
          title: "title",
          className: "ftkg-timeline-span",
        }),
        Plot.dot(days, {
          x: "start",
          y: "line",
          r: 6,
          fill: ACCENT,
          stroke: "white",
          href: "href",
        target: LINK_TARGET,
          title: "title",
          className: "ftkg-timeline-day",
        }),
        Plot.text(all, { x: "start", y: "line", text: "count", dy: -12 }),
      ],
      ariaLabel: `Timeline of ${date.name}`,
    });
    draw(
      this,
      chart,
      `${all.length} dated item${all.length === 1 ? "" : "s"} by ${date.name}` +
        `${name ? `, one line per ${name.name}` : ""}; a span is a month or a year.`,
    );
  }
}

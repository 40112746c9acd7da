// What every picture view of the editor shares: the YASR plugin contract (canHandleResults,
// draw, getIcon, download), the figure it draws into, and the page's Content-Security-Policy,
// which allows no inline <style>: Plot writes one into each chart and legend, whose rules
// views.css carries instead, so they are taken out before the chart joins the page.

import { viewParts } from "./choose.js";

export const SVG = "http://www.w3.org/2000/svg";
// The site's accent colour (server/static/style.css), for marks of a single colour.
export const ACCENT = "#1f4fd1";
// Plot's class for our charts and legends; views.css styles it.
export const PLOT_CLASS = "ftkg-plot";
// Links from a picture open in a new tab, as YASR's table opens IRIs: the editor stays.
export const LINK_TARGET = "_blank";

let current = { base: "", root: "/", lang: "en", prefixes: {} };
const PARTS = new WeakMap();

/** Set what the views need to know of the site: base URI, app root, language, prefixes. */
export function configure(context) {
  current = { ...current, ...context };
}

/** The site context given to ``configure``. */
export function context() {
  return current;
}

/** ``node`` without the <style> elements Plot inserts (the policy would refuse them). */
export function withoutInlineStyles(node) {
  if (node.localName === "style") return null;
  for (const style of node.querySelectorAll("style")) style.remove();
  return node;
}

/** A paragraph of ``text``, for captions and notes under a picture. */
export function paragraph(text, className = "ftkg-note") {
  const element = document.createElement("p");
  element.className = className;
  element.textContent = text;
  return element;
}

function icon(path) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 16 16");
  svg.setAttribute("aria-hidden", "true");
  const shape = document.createElementNS(SVG, "path");
  shape.setAttribute("d", path);
  shape.setAttribute("fill", "currentColor");
  svg.appendChild(shape);
  return svg;
}

/** A result view drawn as a picture: subclasses say which ``view`` they are and ``render``. */
export class PictureView {
  constructor(yasr) {
    this.yasr = yasr;
    // Below the table's 10: when the selected view cannot draw a result, YASR falls back to
    // the compatible plugin of highest priority, which must be the table.
    this.priority = 5;
    this.picture = null;
  }

  /** The parts of the view for the current result (``choose.viewParts``), or null. */
  parts() {
    const results = this.yasr.results;
    if (!results || results.hasError() || results.getType() === "ttl") return null;
    const bindings = results.getBindings();
    if (!bindings) return null;
    // YASR asks every view whether it can draw at each redraw: look at the rows once.
    if (!PARTS.has(results)) PARTS.set(results, new Map());
    const known = PARTS.get(results);
    if (!known.has(this.view)) {
      known.set(this.view, viewParts(this.view, results.getVariables(), bindings, current));
    }
    return known.get(this.view);
  }

  canHandleResults() {
    return this.parts() !== null;
  }

  getIcon() {
    return icon(this.iconPath);
  }

  /** The figure the picture goes in, already in the results area. */
  figure() {
    const figure = document.createElement("figure");
    figure.className = `ftkg-view ftkg-view-${this.view}`;
    this.yasr.resultsEl.appendChild(figure);
    return figure;
  }

  /** The width the results area offers. */
  width() {
    return Math.max(320, this.yasr.resultsEl.clientWidth || 800);
  }

  download(filename) {
    if (!this.picture) return undefined;
    const picture = this.picture;
    return {
      contentType: "image/svg+xml",
      getData: () => new XMLSerializer().serializeToString(picture),
      filename: `${filename || "queryResults"}.svg`,
      title: "Download the picture (SVG)",
    };
  }

  destroy() {
    this.picture = null;
  }
}

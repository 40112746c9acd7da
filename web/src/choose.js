// Which view shows a result, and which variable plays which part in it.
//
// The query chooses the view, as on the Wikidata Query Service: a comment
// `#defaultView:BarChart` (Map, Timeline, BarChart, LineChart, Graph, Table). Without one the
// table is shown, and each other view is offered when the result has what it needs. Variables
// fill the parts of a view by what their values are (numbers, dates, territories) and by
// their names where the values alone are ambiguous: `?xLabel` names `?x`, and a plain code
// such as "32" is a région only in a variable named like one (`?region`, `?regionCode`).

import { dateOf, isNumeric, readable, territoryOf } from "./terms.js";

/** The views, by the name a `#defaultView:` comment gives them, and their YASR plugin names. */
export const VIEWS = {
  table: "table",
  map: "map",
  timeline: "timeline",
  barchart: "barchart",
  linechart: "linechart",
  graph: "graph",
};

const DEFAULT_VIEW = /(?:^|\s)#\s*defaultView:\s*([A-Za-z]+)/m;

/** The plugin name the query's `#defaultView:` comment asks for, or null (none, or unknown). */
export function defaultViewOf(query) {
  const match = DEFAULT_VIEW.exec(query || "");
  return match ? VIEWS[match[1].toLowerCase()] || null : null;
}

/** The view to show first: the query's `#defaultView:`, else the table. */
export function chooseView(query) {
  return defaultViewOf(query) || VIEWS.table;
}

function everyBound(values, test) {
  return values.length > 0 && values.every(test);
}

/** What each variable holds: ``{name, kind, territory?, label?, labels?}`` in SELECT order.
 * ``kind`` is territory, number, date, iri, text or empty; ``label`` names the variable that
 * labels this one (`?xLabel` for `?x`), ``labels`` the one this one labels. */
export function describeColumns(variables, bindings, context) {
  const names = new Set(variables);
  return variables.map((name) => {
    const values = bindings.map((row) => row[name]).filter(Boolean);
    const column = { name, kind: "text" };
    if (names.has(`${name}Label`)) column.label = `${name}Label`;
    if (name.endsWith("Label") && names.has(name.slice(0, -5))) column.labels = name.slice(0, -5);
    const places = values.map((term) => territoryOf(term, name, context));
    if (values.length === 0) column.kind = "empty";
    else if (places.every(Boolean) && new Set(places.map((p) => p.kind)).size === 1) {
      column.kind = "territory";
      column.territory = places[0].kind;
    } else if (everyBound(values, isNumeric)) column.kind = "number";
    else if (everyBound(values, (term) => dateOf(term) !== null)) column.kind = "date";
    else if (everyBound(values, (term) => term.type === "uri")) column.kind = "iri";
    return column;
  });
}

// A column that names things (an IRI, a territory, a text) and is not the label of another.
function naming(column) {
  return ["iri", "territory", "text"].includes(column.kind) && !column.labels;
}

/** Which variables play which part in ``view``, or null when the result cannot be drawn so.
 *
 * - map: ``territory`` (the first territory column), ``value`` (the first number, if any);
 * - timeline: ``date`` (the first date column), ``name`` (the first naming column);
 * - barchart: ``value`` (the first number), ``category`` (the first naming or date column),
 *   ``series`` (the next naming column, if any);
 * - linechart: ``x`` (the first date column, else the first number), ``y`` (the first other
 *   number), ``series`` (the first naming column, if any).
 */
export function viewParts(view, variables, bindings, context) {
  const columns = describeColumns(variables, bindings, context);
  const first = (test, except = []) =>
    columns.find((column) => test(column) && !except.includes(column)) || null;
  const ofKind = (kind) => (column) => column.kind === kind;
  if (view === VIEWS.map) {
    const territory = first(ofKind("territory"));
    return territory ? { territory, value: first(ofKind("number")) } : null;
  }
  if (view === VIEWS.timeline) {
    const date = first(ofKind("date"));
    return date ? { date, name: first(naming) } : null;
  }
  if (view === VIEWS.barchart) {
    const value = first(ofKind("number"));
    const category = first((column) => naming(column) || column.kind === "date");
    if (!value || !category) return null;
    return { value, category, series: first(naming, [category]) };
  }
  if (view === VIEWS.linechart) {
    const x = first(ofKind("date")) || first(ofKind("number"));
    const y = x && first(ofKind("number"), [x]);
    return y ? { x, y, series: first(naming) } : null;
  }
  return null;
}

/** How the cell of ``column`` reads in ``row``: its label's value when it has one, else the
 * readable form of the term (``{text, href?, external?}``); null when unbound. */
export function cellText(row, column, context) {
  const term = row[column.name];
  if (!term) return null;
  const shown = readable(term, context);
  const label = column.label && row[column.label];
  return label ? { ...shown, text: label.value } : shown;
}

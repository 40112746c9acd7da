// The query editor's result views and completers, bundled by web/build.js into
// server/static/vendor/views/ and installed by server/static/editor.js on the YASGUI the page
// loads first (window.Yasgui): the readable table, map, timeline, bar and line charts and the
// graph, the `#defaultView:` comment followed on every run, and our own vocabulary completed.

import "./views.css";

import { registerCompleters, vocabularyLoader } from "./autocomplete.js";
import { BarChart, LineChart, Timeline } from "./charts.js";
import { VIEWS, chooseView } from "./choose.js";
import { GraphView } from "./graph.js";
import { MapView } from "./map.js";
import { readableTable } from "./table.js";
import { configure } from "./view.js";

const ORDER = [
  VIEWS.table,
  VIEWS.map,
  VIEWS.timeline,
  VIEWS.barchart,
  VIEWS.linechart,
  VIEWS.graph,
  "response",
];

/** Register the views and completers on ``Yasgui`` (before any editor is created) for the
 * site described by ``site``: ``{base, root, lang, prefixes, endpoint, void}``. Returns the
 * names of the completers to enable. */
export function install(Yasgui, site) {
  configure(site);
  const { Yasr, Yasqe } = Yasgui;
  Yasr.registerPlugin(VIEWS.table, readableTable(Yasr.plugins.table));
  Yasr.registerPlugin(VIEWS.map, MapView);
  Yasr.registerPlugin(VIEWS.timeline, Timeline);
  Yasr.registerPlugin(VIEWS.barchart, BarChart);
  Yasr.registerPlugin(VIEWS.linechart, LineChart);
  Yasr.registerPlugin(VIEWS.graph, GraphView);
  Yasr.defaults.pluginOrder = ORDER;
  return registerCompleters(Yasqe, vocabularyLoader(site.endpoint, site.void));
}

/** Show each new result in the view its query asks for (`#defaultView:`), else the table, as
 * the Wikidata Query Service does; the reader may switch views afterwards. */
export function followDefaultView(yasgui) {
  // A tab announces a response just before handing it to its YASR: choosing the plugin then
  // draws the new result once, in its view. YASR offers no setter that does not also redraw
  // the previous result, hence the assignment.
  yasgui.on("queryResponse", (_yasgui, tab) => {
    const yasr = tab.getYasr();
    yasr.selectedPlugin = chooseView(tab.getQuery());
    yasr.emit("change", yasr);
  });
}

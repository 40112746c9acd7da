// The SPARQL editor page: YASGUI configured to work offline against this endpoint only,
// our prefixes preloaded, the example queries selectable, downloads in every format, and the
// result views of web/src/ (each result shown in the view its `#defaultView:` asks for).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("editor-data").textContent);
  var endpoint = data.endpoint;
  var examples = {};
  data.examples.forEach(function (example) { examples[example.name] = example; });

  var prologue = Object.keys(data.prefixes).map(function (name) {
    return "PREFIX " + name + ": <" + data.prefixes[name] + ">";
  }).join("\n");
  var initial = prologue + "\n\nSELECT ?award ?label WHERE {\n  ?award a ftkg:LabelAward ;\n         rdfs:label ?label .\n  FILTER(LANG(?label) = \"fr\")\n}\nLIMIT 20\n";

  // The result views (map, timeline, charts, graph, readable table) and the completers of
  // our own classes and properties, from server/static/vendor/views/ (built from web/src/).
  var views = window.FtkgViews;
  var completers = views ? views.install(Yasgui, {
    base: data.base,
    root: data.root,
    lang: document.documentElement.lang || "en",
    prefixes: data.prefixes,
    endpoint: endpoint,
    void: data.void
  }) : [];
  // Only local autocompleters: YASQE's own class and property ones ask lov.linkeddata.es.
  Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"].concat(completers);
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return []; } },
    // A shared link may name another endpoint: this page only ever queries its own.
    populateFromUrl: function (tab) { tab.requestConfig.endpoint = endpoint; return tab; },
    yasqe: { value: initial },
    yasr: { prefixes: data.prefixes }
  });

  if (views) views.followDefaultView(yasgui);  // `#defaultView:Map` and the like

  window.__ftkgYasgui = yasgui;  // for scripts and tests driving the page

  var select = document.getElementById("example");
  var described = document.getElementById("example-description");
  select.addEventListener("change", function () {
    var example = examples[select.value];
    if (!example) { described.textContent = ""; return; }
    described.textContent = example.description;
    var tab = yasgui.getTab();
    tab.setQuery(example.query);
    tab.query();
  });

  function currentQuery() {
    var tab = yasgui.getTab();
    return tab ? tab.getQuery() : "";
  }
  function refreshDownloads() {
    var query = currentQuery();
    document.querySelectorAll("#downloads a[data-format]").forEach(function (link) {
      // download: the server sends the result as a file to save, named for its format.
      link.href = endpoint + "?query=" + encodeURIComponent(query) + "&format=" +
        link.dataset.format + "&download=1";
    });
  }
  document.getElementById("downloads").addEventListener("mouseover", refreshDownloads);
  document.getElementById("downloads").addEventListener("focusin", refreshDownloads);
  yasgui.on("tabChange", refreshDownloads);
  refreshDownloads();
})();

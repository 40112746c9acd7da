import assert from "node:assert/strict";
import { test } from "node:test";

import { cellText, chooseView, defaultViewOf, describeColumns, viewParts } from "../src/choose.js";
import { context, iri, text, typed } from "./context.js";

test("a #defaultView comment chooses the view, as on the Wikidata Query Service", () => {
  assert.equal(defaultViewOf("#defaultView:BarChart\nSELECT * {}"), "barchart");
  assert.equal(defaultViewOf("PREFIX x: <y>\n  # defaultView: Map\nSELECT * {}"), "map");
  assert.equal(defaultViewOf("SELECT * {} #defaultView:LineChart"), "linechart");
  assert.equal(chooseView("#defaultView:Timeline\nSELECT * {}"), "timeline");
  assert.equal(chooseView("#defaultView:Graph\nCONSTRUCT WHERE { ?s ?p ?o }"), "graph");
});

test("without a #defaultView, or with an unknown one, the table is shown", () => {
  assert.equal(chooseView("SELECT * {}"), "table");
  assert.equal(chooseView("#defaultView:ImageGrid\nSELECT * {}"), "table");
  assert.equal(chooseView("SELECT * { <http://x.test/a#defaultView:Map> ?p ?o }"), "table");
});

const ROUNDS = ["round", "roundLabel", "awards"];
const ROUND_ROWS = [
  { round: iri("http://kg.test/id/round/2014-metropoles-french-tech"), roundLabel: text("French Tech Metropolises, first wave (2014)", "en"), awards: typed("10", "integer") },
  { round: iri("http://kg.test/id/round/2019-capitales-communautes"), roundLabel: text("French Tech Capitals and Communities, 2019", "en"), awards: typed("50", "integer") },
];

test("columns are described by their values, and ?xLabel as the label of ?x", () => {
  const columns = describeColumns(ROUNDS, ROUND_ROWS, context);
  assert.deepEqual(columns, [
    { name: "round", kind: "iri", label: "roundLabel" },
    { name: "roundLabel", kind: "text", labels: "round" },
    { name: "awards", kind: "number" },
  ]);
});

test("a bar chart takes the first number as value and the first named thing as category", () => {
  const parts = viewParts("barchart", ROUNDS, ROUND_ROWS, context);
  assert.equal(parts.value.name, "awards");
  assert.equal(parts.category.name, "round");
  assert.equal(parts.series, null);
  assert.deepEqual(cellText(ROUND_ROWS[1], parts.category, context), {
    text: "French Tech Capitals and Communities, 2019",
    kind: "iri",
    href: "/page/round/2019-capitales-communautes",
    external: false,
  });
});

test("a bar chart needs a number", () => {
  assert.equal(viewParts("barchart", ["round"], [{ round: ROUND_ROWS[0].round }], context), null);
});

test("a map takes the first territory column, IRI or named code, and a number if any", () => {
  const rows = [
    { region: iri("http://kg.test/id/region/32"), capitale: text("French Tech Lille", "fr") },
    { region: iri("http://kg.test/id/region/53"), capitale: text("French Tech Rennes Saint-Malo", "fr") },
  ];
  const parts = viewParts("map", ["capitale", "region"], rows, context);
  assert.equal(parts.territory.name, "region");
  assert.equal(parts.territory.territory, "region");
  assert.equal(parts.value, null);
  const coded = [{ dep: text("59"), n: typed("3", "integer") }];
  assert.equal(viewParts("map", ["dep", "n"], coded, context).territory.territory, "departement");
});

test("a map is not offered for codes whose kind their name does not tell", () => {
  assert.equal(viewParts("map", ["code"], [{ code: text("32") }], context), null);
});

test("a column mixing territory kinds is no territory column", () => {
  const rows = [{ t: iri("http://kg.test/id/region/32") }, { t: iri("http://kg.test/id/departement/59") }];
  assert.equal(viewParts("map", ["t"], rows, context), null);
});

test("a timeline takes the first date column and names its items by the first naming column", () => {
  const rows = [
    { label: text("Métropole French Tech", "fr"), date: typed("2014", "gYear"), source: text("Communiqué", "fr") },
    { label: text("Capitale French Tech", "fr"), date: typed("2019-04-03", "date"), source: text("Message", "fr") },
  ];
  const parts = viewParts("timeline", ["label", "date", "source"], rows, context);
  assert.equal(parts.date.name, "date");
  assert.equal(parts.name.name, "label");
});

test("a column with a value that is no date is no date column", () => {
  const rows = [{ date: typed("2014", "gYear") }, { date: text("soon") }];
  assert.equal(viewParts("timeline", ["date"], rows, context), null);
});

test("a line chart puts dates on x and a number on y, a named thing as series", () => {
  const rows = [
    { year: typed("2014", "gYear"), kind: text("Métropole", "fr"), n: typed("9", "integer") },
    { year: typed("2019", "gYear"), kind: text("Capitale", "fr"), n: typed("13", "integer") },
  ];
  const parts = viewParts("linechart", ["kind", "year", "n"], rows, context);
  assert.deepEqual([parts.x.name, parts.y.name, parts.series.name], ["year", "n", "kind"]);
});

test("a line chart over numbers needs two of them", () => {
  const rows = [{ wave: typed("1", "integer"), n: typed("9", "integer") }];
  assert.deepEqual(Object.values(viewParts("linechart", ["wave", "n"], rows, context)).map((c) => c?.name ?? null), ["wave", "n", null]);
  assert.equal(viewParts("linechart", ["n"], [{ n: typed("9", "integer") }], context), null);
});

import assert from "node:assert/strict";
import { test } from "node:test";

import { dateOf, escapeHtml, linkFor, pageHref, periodEnd, readable, territoryOf } from "../src/terms.js";
import { context, iri, text, typed } from "./context.js";

test("a language-tagged literal reads as its value, the tag kept apart", () => {
  assert.deepEqual(readable(text("Bretagne", "fr"), context), {
    text: "Bretagne",
    kind: "literal",
    lang: "fr",
  });
});

test("an integer reads formatted in the page's language, its datatype kept apart", () => {
  const shown = readable(typed("238246", "integer"), context);
  assert.equal(shown.text, "238,246");
  assert.equal(shown.datatype, "xsd:integer");
  assert.equal(shown.numeric, true);
  assert.equal(readable(typed("238246", "integer"), { ...context, lang: "fr" }).text, "238\u202f246");
});

test("dates read at their own precision", () => {
  assert.equal(readable(typed("2014", "gYear"), context).text, "2014");
  assert.equal(readable(typed("2014-11", "gYearMonth"), context).text, "November 2014");
  assert.equal(readable(typed("2019-04-03", "date"), context).text, "April 3, 2019");
});

test("an entity of ours reads as its kind and key and links to its page", () => {
  assert.deepEqual(readable(iri("http://kg.test/id/ecosystem/lille"), context), {
    text: "ecosystem/lille",
    kind: "iri",
    href: "/page/ecosystem/lille",
    external: false,
  });
});

test("our other IRIs link to their own path, under the app's root", () => {
  assert.equal(pageHref("http://kg.test/ontology#LabelAward", { ...context, root: "/kg/" }), "/kg/ontology#LabelAward");
  assert.equal(readable(iri("http://kg.test/ontology#LabelAward"), context).text, "ftkg:LabelAward");
});

test("someone else's http IRI links out; a javascript: IRI is not a link", () => {
  assert.deepEqual(linkFor("https://www.wikidata.org/wiki/Q648", context), {
    href: "https://www.wikidata.org/wiki/Q648",
    external: true,
  });
  assert.equal(linkFor("javascript:alert(1)", context), null);
  assert.equal(readable(iri("javascript:alert(1)"), context).href, undefined);
});

test("gYear, gYearMonth, date and dateTime give the first instant of their period", () => {
  assert.deepEqual(dateOf(typed("2014", "gYear")), { date: new Date("2014-01-01T00:00:00Z"), precision: "year" });
  assert.deepEqual(dateOf(typed("2014-11", "gYearMonth")).date, new Date("2014-11-01T00:00:00Z"));
  assert.deepEqual(dateOf(typed("2019-04-03", "date")).date, new Date("2019-04-03T00:00:00Z"));
  assert.deepEqual(dateOf(typed("2019-04-03T10:30:00", "dateTime")).date, new Date("2019-04-03T10:30:00Z"));
  assert.equal(dateOf(typed("April 2019", "date")), null);
  assert.equal(dateOf(text("2019-04-03")), null);
});

test("a gYear lasts until the next year begins", () => {
  assert.deepEqual(periodEnd(dateOf(typed("2014", "gYear"))), new Date("2015-01-01T00:00:00Z"));
});

test("territory IRIs of ours give their kind and code", () => {
  assert.deepEqual(territoryOf(iri("http://kg.test/id/region/32"), "r", context), { kind: "region", code: "32" });
  assert.deepEqual(territoryOf(iri("http://kg.test/id/departement/2A"), "d", context), { kind: "departement", code: "2A" });
  assert.deepEqual(territoryOf(iri("http://kg.test/id/country/FR"), "c", context), { kind: "country", code: "FR" });
  assert.equal(territoryOf(iri("http://kg.test/id/commune/59350"), "c", context), null);
  assert.equal(territoryOf(iri("http://elsewhere.test/id/region/32"), "r", context), null);
});

test("a plain code is a territory only when its variable's name says which kind", () => {
  assert.deepEqual(territoryOf(text("32"), "regionCode", context), { kind: "region", code: "32" });
  assert.deepEqual(territoryOf(text("59"), "departement", context), { kind: "departement", code: "59" });
  assert.deepEqual(territoryOf(text("FR"), "country", context), { kind: "country", code: "FR" });
  assert.equal(territoryOf(text("32"), "code", context), null);
  assert.equal(territoryOf(text("Nord"), "departement", context), null);
});

test("markup in values is escaped", () => {
  assert.equal(escapeHtml(`<img src=x onerror="a('1')">&`), "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;");
});

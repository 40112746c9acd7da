import assert from "node:assert/strict";
import { test } from "node:test";

import { nodesAndLinks } from "../src/graph.js";
import { context, iri, text } from "./context.js";

const RDFS_LABEL = iri("http://www.w3.org/2000/01/rdf-schema#label");
const TYPE = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type");
const AWARDEE = iri("http://kg.test/ontology#awardee");
const AWARD = iri("http://kg.test/id/award/2019-capitale-lille");
const LILLE = iri("http://kg.test/id/ecosystem/lille");

test("IRIs become nodes and statements between them links; types and literals stay in titles", () => {
  const { nodes, links } = nodesAndLinks(
    [
      { subject: AWARD, predicate: AWARDEE, object: LILLE },
      { subject: AWARD, predicate: TYPE, object: iri("http://kg.test/ontology#LabelAward") },
      { subject: LILLE, predicate: RDFS_LABEL, object: text("French Tech Lille", "fr") },
    ],
    context,
  );
  assert.deepEqual(nodes.map((n) => n.id), [AWARD.value, LILLE.value]);
  assert.deepEqual(links, [{ source: AWARD.value, target: LILLE.value, property: "ftkg:awardee" }]);
  assert.deepEqual(nodes[0].notes, ["a ftkg:LabelAward"]);
  assert.equal(nodes[1].label, "French Tech Lille");
  assert.equal(nodes[1].href, "/page/ecosystem/lille");
});

test("a label in the page's language wins over one in another", () => {
  const { nodes } = nodesAndLinks(
    [
      { subject: LILLE, predicate: RDFS_LABEL, object: text("French Tech Lille (fr)", "fr") },
      { subject: LILLE, predicate: RDFS_LABEL, object: text("French Tech Lille (en)", "en") },
      { subject: LILLE, predicate: RDFS_LABEL, object: text("French Tech Lille (de)", "de") },
    ],
    context,
  );
  assert.equal(nodes[0].label, "French Tech Lille (en)");
});

import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultDataset, matching, partitions, statements } from "../src/autocomplete.js";

const SD = `<http://kg.test/sparql> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/sparql-service-description#Service> .
<http://kg.test/sparql> <http://www.w3.org/ns/sparql-service-description#defaultDataset> <http://kg.test/id/dataset/french-tech-kg> .
`;
const VOID = `<http://kg.test/id/dataset/french-tech-kg> <http://rdfs.org/ns/void#classPartition> _:class0 .
_:class0 <http://rdfs.org/ns/void#class> <http://kg.test/ontology#Claim> .
_:class0 <http://rdfs.org/ns/void#entities> "12"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://kg.test/id/dataset/french-tech-kg> <http://rdfs.org/ns/void#classPartition> _:class1 .
_:class1 <http://rdfs.org/ns/void#class> <http://kg.test/ontology#LabelAward> .
_:class1 <http://rdfs.org/ns/void#entities> "207"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://kg.test/id/dataset/other> <http://rdfs.org/ns/void#classPartition> _:class2 .
_:class2 <http://rdfs.org/ns/void#class> <http://elsewhere.test/Thing> .
<http://kg.test/id/dataset/french-tech-kg> <http://rdfs.org/ns/void#propertyPartition> _:property0 .
_:property0 <http://rdfs.org/ns/void#property> <http://kg.test/ontology#awardee> .
_:property0 <http://rdfs.org/ns/void#triples> "300"^^<http://www.w3.org/2001/XMLSchema#integer> .
<http://kg.test/id/dataset/french-tech-kg> <http://purl.org/dc/terms/title> "A \\"quoted\\" title"@en .
`;

test("N-Triples statements are read with IRIs unwrapped and literals as written", () => {
  const read = statements(VOID);
  assert.equal(read.length, 12);
  assert.deepEqual(read.at(-1), [
    "http://kg.test/id/dataset/french-tech-kg",
    "http://purl.org/dc/terms/title",
    '"A \\"quoted\\" title"@en',
  ]);
});

test("the service description names the dataset the endpoint queries by default", () => {
  assert.equal(defaultDataset(SD), "http://kg.test/id/dataset/french-tech-kg");
});

test("the classes and properties of that dataset come from VoID, the most used first", () => {
  assert.deepEqual(partitions(VOID, "http://kg.test/id/dataset/french-tech-kg"), {
    classes: ["http://kg.test/ontology#LabelAward", "http://kg.test/ontology#Claim"],
    properties: ["http://kg.test/ontology#awardee"],
  });
});

test("completions start with what was typed, then contain it in their local name", () => {
  const candidates = [
    "http://kg.test/ontology#LabelAward",
    "http://kg.test/ontology#Claim",
    "http://kg.test/ontology#AwardStatus",
  ];
  assert.deepEqual(matching(candidates, "http://kg.test/ontology#Label"), ["http://kg.test/ontology#LabelAward"]);
  assert.deepEqual(matching(candidates, "http://kg.test/ontology#award"), [
    "http://kg.test/ontology#LabelAward",
    "http://kg.test/ontology#AwardStatus",
  ]);
  assert.deepEqual(matching(candidates, "claim"), ["http://kg.test/ontology#Claim"]);
});

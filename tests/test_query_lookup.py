"""Which queries are lookups, answered in the web process without a query worker: one triple
pattern about one named resource, whose reading the row cap bounds (server.query_text).
Anything else might run away, and goes to a worker that its deadline can stop."""

from __future__ import annotations

import pytest

from server.query_text import profile

BASE = "http://kg.test/"

LOOKUPS = [
    "SELECT ?p ?o WHERE { <http://kg.test/id/ecosystem/lille> ?p ?o }",
    "select * { <http://kg.test/id/ecosystem/lille> ?p ?o . }",
    "PREFIX kg: <http://kg.test/id/>\nSELECT DISTINCT ?o WHERE { kg:x a ?o } LIMIT 10 OFFSET 20",
    "BASE <http://kg.test/>\nSELECT ?o WHERE { <id/x> <http://kg.test/p> ?o }",
    "# the entity\nSELECT ?p ?o WHERE { <http://kg.test/id/x> ?p ?o }",
]

NOT_LOOKUPS = [
    "SELECT ?s WHERE { ?s ?p ?o }",  # no named subject: the whole store
    "SELECT ?p WHERE { <http://kg.test/x> ?p ?o . ?o ?q ?r }",  # a join
    "SELECT ?p WHERE { <http://kg.test/x> ?p ?o FILTER(?o > 1) }",
    "SELECT ?p WHERE { <http://kg.test/x> ?p ?o OPTIONAL { ?o ?q ?r } }",
    "SELECT ?p WHERE { <http://kg.test/x> ?p ?o } ORDER BY ?o",
    "SELECT ?o WHERE { <http://kg.test/x> <http://kg.test/p>* ?o }",  # a path
    "SELECT ?o WHERE { <http://kg.test/x> ^<http://kg.test/p> ?o }",
    "SELECT ?o WHERE { <http://kg.test/x> <http://kg.test/p> 'text' }",
    "SELECT ?o FROM <http://kg.test/g> WHERE { <http://kg.test/x> ?p ?o }",
    "SELECT ?o WHERE { GRAPH ?g { <http://kg.test/x> ?p ?o } }",
    "SELECT (COUNT(*) AS ?n) WHERE { <http://kg.test/x> ?p ?o }",
    "SELECT ?o WHERE { SERVICE <http://kg.test/sparql> { <http://kg.test/x> ?p ?o } }",
    "SELECT ?o WHERE { { <http://kg.test/x> ?p ?o } }",
    "SELECT ?o WHERE { <http://kg.test/x> ?p ?o } VALUES ?o { 1 }",
    "ASK { <http://kg.test/x> ?p ?o }",
    "CONSTRUCT { <http://kg.test/x> ?p ?o } WHERE { <http://kg.test/x> ?p ?o }",
    "SELECT ?o WHERE { <http://kg.test/x> ?p ?o, ?q }",
    "SELECT ?o WHERE { <http://kg.test/x> ?p ?o ; ?q ?r }",
]


@pytest.mark.parametrize("query", LOOKUPS)
def test_a_select_of_one_pattern_about_one_named_resource_is_a_lookup(query: str) -> None:
    assert profile(query, BASE).lookup


@pytest.mark.parametrize("query", NOT_LOOKUPS)
def test_any_other_query_is_not_a_lookup(query: str) -> None:
    assert not profile(query, BASE).lookup


def test_a_lookup_hidden_behind_codepoint_escapes_is_read_as_the_parser_reads_it() -> None:
    # SPARQL 1.1 Query §19.2: \\u escapes are undone before parsing; \\u003F is "?", so the
    # subject here is a variable and the query scans the whole store.
    assert not profile("SELECT ?o WHERE { \\u003Fs ?p ?o }", BASE).lookup

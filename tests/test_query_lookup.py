"""Which queries are lookups, answered in the web process without a query worker: one triple
pattern about one named resource, whose reading the row cap bounds (server.query_text).
And which are joins of triple patterns only, read pattern by pattern so that their worst case
can be counted (server.sparql.bounds). Anything else might run away, and goes to a worker that
its deadline can stop."""

from __future__ import annotations

import pytest

from server.query_text import Node, Pattern, profile

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


# --- joins of triple patterns only, whose worst case server.sparql.bounds counts -------------

IGEO = "PREFIX igeo: <http://rdf.insee.fr/def/geo#>\n"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

BASIC = [
    RDFS + 'SELECT ?s ?type WHERE { ?s rdfs:label "Lille"@fr ; a ?type }',
    IGEO + "SELECT ?n ?d WHERE { <http://kg.test/c> igeo:nom ?n ; igeo:subdivisionDe ?d, ?r . "
    "?d a igeo:Departement ; igeo:nom ?dn . ?r a igeo:Region ; igeo:nom ?rn . }",
    "SELECT * { ?s <http://kg.test/p> 'x'@es-419 ; }",  # a trailing ";", a region subtag
    'SELECT * { ?s <http://kg.test/p> "x"@fr-FR }',
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
    "SELECT * { ?s <http://kg.test/d> '2019-04-03'^^xsd:date }",
    "SELECT DISTINCT ?o { <http://kg.test/x> ?p ?o . ?o ?q ?r } LIMIT 10 OFFSET 5",
]

NOT_BASIC = [
    RDFS + "SELECT ?s WHERE { ?s rdfs:label ?l FILTER(?l = 'x') }",
    RDFS + "SELECT ?s WHERE { ?s rdfs:label 'x' OPTIONAL { ?s a ?t } }",
    RDFS + "SELECT ?s WHERE { ?s rdfs:label/rdfs:label 'x' }",  # a path
    RDFS + "SELECT ?s WHERE { ?s rdfs:label [ a ?t ] }",  # a blank node
    "SELECT ?s WHERE { _:b <http://kg.test/p> ?s }",
    "SELECT ?s WHERE { ?s <http://kg.test/p> 1 }",  # a number
    "SELECT ?s WHERE { ?s <http://kg.test/p> true }",
    "SELECT ?s FROM <http://kg.test/g> WHERE { ?s <http://kg.test/p> 'x' }",
    "SELECT ?s WHERE { GRAPH ?g { ?s <http://kg.test/p> 'x' } }",
    "SELECT ?s WHERE { ?s <http://kg.test/p> ?o } VALUES ?o { 'x' }",
    "SELECT ?s WHERE { ?s <http://kg.test/p> ?o } ORDER BY ?o",
    "SELECT ?s WHERE { ?s unknown:p 'x' }",  # a prefix the query does not declare
    "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://kg.test/p> 'x' }",
    "ASK { ?s <http://kg.test/p> 'x' }",
    "SELECT ?s WHERE { 'x' <http://kg.test/p> ?s }",  # a literal subject
    "SELECT ?s WHERE { ?s ?p ?o ?s2 ?p2 ?o2 }",  # two patterns without a "."
    "SELECT ?s WHERE { { ?s <http://kg.test/p> 'x' } }",
    "SELECT ?s WHERE { }",
]


@pytest.mark.parametrize("query", BASIC)
def test_a_select_of_triple_patterns_only_is_read_pattern_by_pattern(query: str) -> None:
    assert profile(query, BASE).patterns


@pytest.mark.parametrize("query", NOT_BASIC)
def test_any_other_operator_leaves_the_query_unread(query: str) -> None:
    assert profile(query, BASE).patterns is None


def test_the_patterns_are_those_the_abbreviations_stand_for() -> None:
    patterns = profile(RDFS + 'SELECT ?s ?t WHERE { ?s rdfs:label "Lille"@fr , "L" ; a ?t }', BASE)
    label = Node("iri", "http://www.w3.org/2000/01/rdf-schema#label")
    kind = Node("iri", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    s = Node("var", "s")
    assert patterns.patterns == (
        Pattern(s, label, Node("literal")),
        Pattern(s, label, Node("literal")),
        Pattern(s, kind, Node("var", "t")),
    )


def test_a_namespace_ending_in_a_hash_keeps_it() -> None:
    (pattern,) = profile(IGEO + "SELECT ?n { <http://kg.test/c> igeo:nom ?n }", BASE).patterns
    assert pattern.predicate == Node("iri", "http://rdf.insee.fr/def/geo#nom")


def test_a_service_named_in_a_hash_namespace_keeps_the_hash() -> None:
    # urljoin drops an empty fragment: "http://kg.test/ns#" would lose its "#".
    query = "PREFIX ex: <http://kg.test/ns#>\nSELECT * { SERVICE ex:sparql { ?s ?p ?o } }"
    assert profile(query, BASE).services == ["http://kg.test/ns#sparql"]


def test_a_relative_predicate_is_read_as_an_unknown_iri() -> None:
    # Resolved by the parser, perhaps otherwise than here: counted as any predicate could be.
    (pattern,) = profile("BASE <http://kg.test/>\nSELECT ?o { <c> <p> ?o }", BASE).patterns
    assert pattern.predicate == Node("iri", "")


def test_a_namespace_declared_relative_leaves_the_query_unread() -> None:
    query = "PREFIX ex: <ns#>\nSELECT ?o { <http://kg.test/c> ex:p ?o }"
    assert profile(query, BASE).patterns is None


# Read with its escapes undone (SPARQL 1.1 Query §19.2), the first line ends at "\u000A" and a
# long string then hides the second; pyoxigraph undoes escapes inside strings only, so it reads
# a comment, then a cross product of every statement with every statement.
HIDDEN = (
    'SELECT * { ?s <http://kg.test/p> ?o . # \\u000A ?s <http://kg.test/p> """\n'
    '?a ?b ?c . ?d ?e ?f BIND( """ . # """ AS ?w)\n}'
)


def test_a_query_with_codepoint_escapes_is_never_a_lookup_nor_a_join_to_count() -> None:
    read = profile(HIDDEN, BASE)
    assert not read.lookup
    assert read.patterns is None


def test_a_service_that_escapes_hide_from_one_reading_is_found_by_the_other() -> None:
    hidden = HIDDEN.replace(
        "?a ?b ?c . ?d ?e ?f", "SERVICE <http://127.0.0.1:9/sparql> { ?a ?b ?c }"
    )
    assert profile(hidden, BASE).services == ["http://127.0.0.1:9/sparql"]


def test_nesting_that_escapes_hide_from_one_reading_is_measured_by_the_other() -> None:
    hidden = HIDDEN.replace("?a ?b ?c . ?d ?e ?f", "(" * 500 + "1" + ")" * 500)
    assert profile(hidden, BASE).nesting >= 500

"""How much a join of triple patterns can read at worst (server.sparql.bounds), counted from
the fan-outs a build records (server.pipeline.statistics): what decides that a join is
answered in the web process rather than by a query worker that a deadline can stop."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from server.pipeline.statistics import fanout
from server.query_text import MAX_PATTERNS, Node, Pattern, profile
from server.sparql import bounds
from server.sparql.bounds import IN_THREAD_STEPS, worst_case_steps
from server.version.statistics import Fanout

BASE = "http://kg.test/"
EX = "http://kg.test/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
HEAD = f"PREFIX ex: <{EX}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
# As a build of the full data records them, in round figures: a label names at most 14
# resources, a resource has at most 4 types and 35 statements, 38,000 things share a type.
FULL = Fanout(
    out={LABEL: 7, TYPE: 4, EX + "in": 3, EX + "name": 1},
    out_any=35,
    into={LABEL: 14, TYPE: 38_000, EX + "in": 5_000},
)


def steps(query: str, recorded: Fanout = FULL) -> int | None:
    patterns = profile(HEAD + query, BASE).patterns
    assert patterns is not None, "not read as triple patterns"
    return worst_case_steps(patterns, recorded)


def test_the_build_records_each_predicates_largest_fan_out_both_ways() -> None:
    store = ox.Store()
    p, q = ox.NamedNode(EX + "p"), ox.NamedNode(EX + "q")
    a, b, c = (ox.NamedNode(EX + name) for name in "abc")
    for s, pred, o in [(a, p, b), (a, p, c), (a, q, ox.Literal("x")), (b, p, c), (c, q, b)]:
        store.add(ox.Quad(s, pred, o))
    # a has two p statements and three in all; c is the p value of two subjects.
    assert fanout(store) == {
        "out": {EX + "p": 2, EX + "q": 1},
        "out_any": 3,
        "in": {EX + "p": 2, EX + "q": 1},
    }


def test_an_empty_graph_has_no_fan_out() -> None:
    assert fanout(ox.Store()) == {"out": {}, "out_any": 0, "in": {}}


def test_a_label_with_the_types_of_what_bears_it_counts_the_label_then_each_bearers_types() -> None:
    # One seek and at most 14 bearers; then for each, one seek and at most 4 types.
    assert steps('SELECT * { ?s rdfs:label "Lille"@fr ; a ?type }') == (1 + 14) + 14 * (1 + 4)


def test_the_join_starts_from_the_pattern_reading_least() -> None:
    # Written type first, the type alone would read 38,000 resources; the label reads 14.
    assert steps('SELECT * { ?s a ex:Commune ; rdfs:label "Lille"@fr }') == (1 + 14) + 14 * (1 + 1)


def test_a_commune_with_its_departement_and_region_is_far_under_the_limit() -> None:
    query = (
        "SELECT * { ex:c ex:name ?n ; ex:in ?d, ?r . ?d a ex:Departement ; ex:name ?dn . "
        "?r a ex:Region ; ex:name ?rn }"
    )
    count = steps(query)
    assert count is not None and count <= 200 < IN_THREAD_STEPS


def test_a_variable_predicate_may_be_any_of_a_subjects_statements() -> None:
    assert steps("SELECT * { ex:x ?p ?o }") == 1 + 35
    assert steps("SELECT * { ex:x ?p ?o . ?o ?q ?r }") == (1 + 35) + 35 * (1 + 35)


def test_three_hops_from_a_resource_are_over_the_limit() -> None:
    count = steps("SELECT * { ex:x ?p ?o . ?o ?q ?r . ?r ?s ?t }")
    assert count is not None and count > IN_THREAD_STEPS


def test_every_member_of_a_class_is_over_the_limit() -> None:
    count = steps("SELECT * { ?c a ex:Commune ; rdfs:label ?l }")
    assert count is not None and count > IN_THREAD_STEPS


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o }",  # the whole graph
        "SELECT * { ?s rdfs:label ?l }",  # every label
        "SELECT * { ?s ?p 'x' }",  # a value under any predicate: no fan-out recorded for that
        "SELECT * { ?s ex:unrecorded 'x' }",  # a predicate the build did not see
        "SELECT * { ex:x ex:in ?d . ?a ?b ?c }",  # a second part joined to nothing
    ],
)
def test_a_pattern_no_index_scan_can_reach_has_no_bound(query: str) -> None:
    assert steps(query) is None


def test_a_predicate_the_data_lacks_still_counts_a_subjects_statements() -> None:
    # Should the parser read the IRI otherwise than the profile did, the bound must still hold.
    assert steps("SELECT * { ex:x ex:unrecorded ?o }") == 1 + 35


def test_joins_differing_only_in_their_named_terms_are_counted_once(monkeypatch) -> None:
    counted: list[object] = []
    count = bounds._steps
    monkeypatch.setattr(bounds, "_steps", lambda *args: counted.append(args) or count(*args))
    joins = bounds.JoinBounds(FULL)
    first, second = (
        profile(HEAD + f"SELECT * {{ ex:{c} ex:in ?d . ?d ex:name ?n }}", BASE).patterns
        for c in ("lille", "roubaix")
    )
    assert joins.steps(first) == joins.steps(second) == (1 + 3) + 3 * (1 + 1)
    assert len(counted) == 1


def test_the_counts_kept_are_bounded_and_stay_right_past_the_bound(monkeypatch) -> None:
    monkeypatch.setattr(bounds, "SHAPES_KEPT", 2)
    joins = bounds.JoinBounds(FULL)
    queries = [f"SELECT * {{ ex:x ?p{i} ?o }}" for i in range(5)]  # five shapes (variable names)
    for query in queries:
        assert joins.steps(profile(HEAD + query, BASE).patterns) == 1 + 35
    assert len(joins._counted) <= 2


def test_only_the_first_pattern_may_be_reached_by_its_value() -> None:
    # Two resources found by their values and joined on their type: Oxigraph's planner reads
    # every member of the type for the second (measured: seconds), whatever the count says.
    assert steps('SELECT * { ?c ex:name "S" . ?c a ?t . ?d a ?t . ?d ex:name "T" }') is None


def test_a_named_subject_leaves_no_pattern_to_be_reached_by_its_value() -> None:
    # Measured: 1.2 s, Oxigraph starting from the named subject and reading a whole class.
    assert steps('SELECT * { ex:x a ?t . ?d ex:name "X" . ?d a ?t }') is None


def test_more_patterns_than_a_join_may_have_are_not_read() -> None:
    objects = ", ".join(f"ex:o{i}" for i in range(MAX_PATTERNS + 1))
    assert profile(HEAD + f"SELECT * {{ ex:x ex:name {objects} }}", BASE).patterns is None
    fewer = ", ".join(f"ex:o{i}" for i in range(MAX_PATTERNS))
    assert steps(f"SELECT * {{ ex:x ex:name {fewer} }}") == MAX_PATTERNS * (1 + 1)


def test_more_patterns_than_a_join_may_have_are_not_counted() -> None:
    pattern = Pattern(Node("iri", EX + "x"), Node("iri", EX + "name"), Node("var", "o"))
    assert worst_case_steps([pattern] * (MAX_PATTERNS + 1), FULL) is None

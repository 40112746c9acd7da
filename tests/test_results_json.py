"""SELECT results in the SPARQL 1.1 Query Results JSON Format (W3C Recommendation, 2013, §3.2):
each solution is an object of bindings, one member per bound variable, each term an object
with its type, value, and language or datatype."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from server import negotiation, results

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

TERMS: list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal, dict[str, str]]] = [
    (ox.NamedNode(f"{EX}a/é?x=1&y=%22"), {"type": "uri", "value": f"{EX}a/é?x=1&y=%22"}),
    (ox.BlankNode("b0"), {"type": "bnode", "value": "b0"}),
    (
        ox.Literal('quote " backslash \\ tab \t nl \n'),
        {
            "type": "literal",
            "value": 'quote " backslash \\ tab \t nl \n',
        },
    ),
    (ox.Literal("Lille", language="fr"), {"type": "literal", "value": "Lille", "xml:lang": "fr"}),
    (
        ox.Literal("Île-de-France \u2028 \x01"),
        {"type": "literal", "value": "Île-de-France \u2028 \x01"},
    ),
    (
        ox.Literal("42", datatype=ox.NamedNode(f"{XSD}integer")),
        {
            "type": "literal",
            "value": "42",
            "datatype": f"{XSD}integer",
        },
    ),
]


def _solutions(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> ox.QuerySolutions:
    """One solution binding ?o to ``term`` and leaving ?unbound unbound, from a real store."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(f"{EX}s"), ox.NamedNode(f"{EX}p"), term))
    result = store.query(
        "SELECT ?s ?unbound ?o WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/absent> ?unbound } }"
    )
    assert isinstance(result, ox.QuerySolutions)
    return result


def _written(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> bytes:
    solutions = _solutions(term)
    variables = [v.value for v in solutions.variables]
    return b"".join(
        results.write_solutions(solutions, variables, negotiation.RESULTS_JSON, truncated=False)
    )


@pytest.mark.parametrize(("term", "expected"), TERMS)
def test_each_bound_variable_is_a_member_holding_its_term_as_the_format_defines(
    term: ox.NamedNode | ox.BlankNode | ox.Literal, expected: dict[str, str]
) -> None:
    document = json.loads(_written(term))
    assert document["head"] == {"vars": ["s", "unbound", "o"]}
    assert document["results"]["bindings"] == [
        {"s": {"type": "uri", "value": f"{EX}s"}, "o": expected}
    ]


@pytest.mark.parametrize(("term", "expected"), TERMS)
def test_rows_are_written_as_json_dumps_writes_the_binding_objects(
    term: ox.NamedNode | ox.BlankNode | ox.Literal, expected: dict[str, str]
) -> None:
    # The bytes are those of json.dumps(ensure_ascii=False) over the binding objects, as they
    # were before rows were written without building them: clients see no change at all.
    binding = {"s": {"type": "uri", "value": f"{EX}s"}, "o": expected}
    row = json.dumps(binding, ensure_ascii=False)
    assert _written(term).decode("utf-8") == (
        '{"head":{"vars": ["s", "unbound", "o"]},"results":{"bindings":[' + row + "]}}"
    )

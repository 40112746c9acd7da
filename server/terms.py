"""The RDF term types pyoxigraph hands out, as one name for annotations."""

from __future__ import annotations

from typing import TypeAlias

import pyoxigraph as ox

Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def term_value(term: Term | ox.DefaultGraph) -> str:
    """The IRI, blank node identifier or lexical form of ``term``; a quoted triple (RDF 1.2)
    as N-Triples writes it; "" for the default graph."""
    if isinstance(term, ox.Triple):
        return str(term)
    if isinstance(term, ox.DefaultGraph):
        return ""
    return term.value


def solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """The rows of a SELECT query's result (pyoxigraph types every result as any of the three
    forms of answer)."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"a SELECT query was expected, not one answered by {type(result).__name__}")
    return result

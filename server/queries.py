"""Running a SPARQL query on the store and serialising its result in a chosen format."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from server import negotiation
from server.store import KnowledgeStore


class QueryFailed(Exception):
    """The query could not be parsed or evaluated; the message says where and why."""


@dataclass
class QueryResult:
    """The outcome of one query: solutions, a boolean, or triples."""

    value: Any

    @property
    def is_graph(self) -> bool:
        """True for CONSTRUCT and DESCRIBE, whose result is a graph."""
        return isinstance(self.value, ox.QueryTriples)

    def serialize(self, fmt: negotiation.Format, prefixes: dict[str, str]) -> bytes:
        """The whole result in ``fmt``."""
        if self.is_graph:
            output = io.BytesIO()
            triples = list(self.value)
            kwargs: dict[str, Any] = {}
            if fmt in (negotiation.TURTLE, negotiation.RDF_XML):
                kwargs["prefixes"] = prefixes
            ox.serialize(triples, output, negotiation.OX_RDF[fmt], **kwargs)
            return output.getvalue()
        return self.value.serialize(format=negotiation.OX_RESULTS[fmt])


def execute(store: KnowledgeStore, text: str) -> QueryResult:
    """Evaluate ``text`` against ``store``; raise ``QueryFailed`` for invalid queries."""
    try:
        return QueryResult(store.query(text))
    except SyntaxError as error:
        raise QueryFailed(f"invalid SPARQL query: {error.msg}") from None
    except OSError as error:
        raise QueryFailed(f"the query could not be evaluated: {error}") from None

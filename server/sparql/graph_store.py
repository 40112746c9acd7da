"""The read side of the SPARQL 1.1 Graph Store HTTP Protocol, at /graph-store.

``GET /graph-store?graph=IRI`` returns one named graph (what one source states);
``?default`` returns the default graph (the union of all sources). §5.2 (indirect graph
identification): the IRI must be absolute (400 otherwise), a graph that does not exist is a
404, a type we cannot write a 406. The store is read-only: only GET (and HEAD) is routed, so
PUT, POST, DELETE and PATCH are the router's 405, whose message says so (``server.errors``).
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from server import negotiation
from server.errors import BadRequest, NotFound
from server.results import write_graph
from server.web import knowledge_store

bp = Blueprint("graph_store", __name__)


@bp.get("/graph-store")
def graph_store() -> Response:
    """One graph of the dataset, in the RDF format the client prefers (Turtle by default)."""
    graph = _graph_name()
    store = knowledge_store()
    if isinstance(graph, ox.NamedNode) and not store.store.contains_named_graph(graph):
        raise NotFound(f"no graph named <{graph.value}> in this dataset; see /sparql for the list")
    choice = negotiation.negotiate(
        negotiation.GRAPH_FORMATS, request.headers.get("Accept"), request.args.getlist("format")
    )
    fmt = choice.format
    triples = (
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.store.quads_for_pattern(None, None, None, graph)
    )
    prefixes = current_app.config["PREFIXES"]
    response = Response(_chunks(triples, fmt, prefixes), content_type=fmt.content_type)
    if choice.negotiated:
        response.vary.add("Accept")
    return response


def _graph_name() -> ox.NamedNode | ox.DefaultGraph:
    names = request.args.getlist("graph")
    default = "default" in request.args
    if default and names:
        raise BadRequest("give either ?default or ?graph=IRI, not both")
    if default:
        return ox.DefaultGraph()
    if len(names) != 1:
        raise BadRequest("name exactly one graph: ?graph=IRI (an absolute IRI), or ?default")
    iri = names[0]
    if not urlsplit(iri).scheme:
        raise BadRequest(f"the graph IRI must be absolute, got {iri!r}")
    try:
        return ox.NamedNode(iri)
    except ValueError as error:
        raise BadRequest(f"invalid graph IRI {iri!r}: {error}") from None


BATCH = 20000


def _chunks(
    triples: Iterator[ox.Triple], fmt: negotiation.Format, prefixes: dict[str, str]
) -> Iterator[bytes]:
    """The graph serialised batch by batch, so the first bytes leave before the last are read.

    N-Triples concatenates; Turtle too, once the repeated @prefix lines of later batches are
    dropped. RDF/XML and JSON-LD are single documents, written whole.
    """
    if fmt.writer not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
        chunks: list[bytes] = []
        write_graph(triples, fmt, prefixes, chunks.append)
        yield from chunks
        return
    first = True
    while True:
        batch = list(islice(triples, BATCH))
        if not batch:
            break
        chunks = []
        write_graph(batch, fmt, prefixes, chunks.append)
        data = b"".join(chunks)
        if not first and fmt.writer == ox.RdfFormat.TURTLE:
            data = b"".join(
                line for line in data.splitlines(keepends=True) if not line.startswith(b"@prefix ")
            )
        first = False
        yield data

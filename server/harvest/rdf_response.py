"""A small RDF document as an HTTP response, in the format the client asks for."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, current_app, request

from server import negotiation
from server.results import write_graph


def rdf_response(
    triples: list[ox.Triple],
    extension: str | None = None,
    extra_prefixes: dict[str, str] | None = None,
) -> Response:
    """``triples`` serialised in the format an extension, ``?format=`` or Accept chooses
    (``server.negotiation``; Turtle by default), with Vary when Accept decided it."""
    choice = negotiation.negotiate(
        negotiation.GRAPH_FORMATS,
        request.headers.get("Accept"),
        request.args.getlist("format"),
        extension,
    )
    chunks: list[bytes] = []
    prefixes = {**current_app.config["PREFIXES"], **(extra_prefixes or {})}
    write_graph(triples, choice.format, prefixes, chunks.append)
    response = Response(b"".join(chunks), content_type=choice.format.content_type)
    if choice.negotiated:
        response.vary.add("Accept")
    return response

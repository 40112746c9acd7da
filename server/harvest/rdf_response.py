"""A small RDF document as an HTTP response, in the format the client asks for."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Response, current_app, request

from server import negotiation
from server.errors import BadRequest, NotAcceptable
from server.results import write_graph


def choose_format(extension: str | None = None) -> tuple[negotiation.Format, bool]:
    """The format from an extension, ``?format=``, or Accept (Turtle by default); and whether
    Accept decided it (the response then varies on it)."""
    offered = negotiation.GRAPH_FORMATS
    by_extension = {
        "ttl": negotiation.TURTLE,
        "rdf": negotiation.RDF_XML,
        "jsonld": negotiation.JSON_LD,
        "nt": negotiation.N_TRIPLES,
    }
    if extension:
        return by_extension[extension], False
    name = request.args.get("format")
    try:
        if name:
            return negotiation.by_name(name, offered), False
        return negotiation.choose(
            request.accept_mimetypes, offered, request.headers.get("Accept", "")
        ), True
    except negotiation.UnknownFormatName as error:
        raise BadRequest(str(error)) from None
    except negotiation.NoAcceptableFormat as error:
        raise NotAcceptable(str(error)) from None


def rdf_response(
    triples: list[ox.Triple],
    extension: str | None = None,
    extra_prefixes: dict[str, str] | None = None,
) -> Response:
    """``triples`` serialised in the chosen format, with charset and Vary as needed."""
    fmt, negotiated = choose_format(extension)
    chunks: list[bytes] = []
    prefixes = {**current_app.config["PREFIXES"], **(extra_prefixes or {})}
    write_graph(triples, fmt, prefixes, chunks.append)
    response = Response(b"".join(chunks), content_type=fmt.content_type)
    if negotiated:
        response.vary.add("Accept")
    return response

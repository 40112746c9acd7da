"""Reading a query request as the SPARQL 1.1 Protocol defines it (§2.1, "query operation").

Three ways to send a query: GET with ``query`` in the query string (§2.1.1), POST of an
``application/x-www-form-urlencoded`` form (§2.1.2), and POST of the query itself as
``application/sparql-query`` (§2.1.3). ``default-graph-uri`` and ``named-graph-uri`` may repeat
in all three. Everything the Protocol calls malformed is a 400 with a readable reason (§2.1.4);
a body of another media type is a 415.

The endpoint is read-only, and says so the same way however an update comes: as the update
operation (§2.2: ``update`` in a form, or an ``application/sparql-update`` body; by GET too,
which §2.2 does not even allow) it is refused with 403, which §2.2.5 leaves open ("other 4XX
... as per HTTP"; RFC 9110 §15.5.4: understood, and refused); sent as ``query``, it is not a
legal query (the query grammar has no updates), a 400 per §2.1.7.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from flask import Request

from server.errors import BadRequest, Forbidden, UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE_TYPES = {"application/sparql-update"}


@dataclass(frozen=True)
class QueryRequest:
    """One query, with the dataset the request gives for it (None: not given)."""

    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"the {where} is not valid UTF-8 (byte {error.start}); SPARQL requests are UTF-8"
        ) from None


def _pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    # Decoded strictly: Werkzeug would quietly replace invalid bytes with U+FFFD, changing
    # the query without telling the client.
    text = _decode(raw, where)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(
            f"the {where} holds percent-encoded bytes that are not UTF-8; encode the query as UTF-8"
        ) from None
    return pairs


def _graphs(pairs: list[tuple[str, str]], name: str) -> tuple[str, ...] | None:
    values = tuple(v for k, v in pairs if k == name)
    for iri in values:
        parts = urlsplit(iri)
        if not parts.scheme or any(c in iri for c in ' <>"{}|\\^`'):
            raise BadRequest(f"{name} must be an absolute IRI, got {iri!r}")
    return values or None


def parse(request: Request) -> QueryRequest:
    """The query request carried by ``request``, or an ``HttpError`` saying what is wrong."""
    url_pairs = _pairs(request.query_string, "query string")
    if request.method in {"GET", "HEAD"}:
        pairs = url_pairs
        if any(k == "update" for k, _ in pairs):
            raise Forbidden(read_only_message())
        queries = [v for k, v in pairs if k == "query"]
    else:
        media_type = request.mimetype
        if media_type == FORM:
            pairs = _pairs(request.get_data(cache=True), "request body") + url_pairs
            if any(k == "update" for k, _ in pairs):
                raise Forbidden(read_only_message())
            queries = [v for k, v in pairs if k == "query"]
        elif media_type == DIRECT:
            pairs = url_pairs
            if any(k == "query" for k, _ in url_pairs):
                raise BadRequest(
                    "the query is both in the body and in the query string; send it once"
                )
            queries = [_decode(request.get_data(cache=True), "request body")]
        elif media_type in UPDATE_TYPES:
            raise Forbidden(read_only_message())
        else:
            raise UnsupportedMediaType(
                f"cannot read a query from a {media_type or 'typeless'} body; POST either "
                f"{FORM} (query=...) or {DIRECT} (the query itself)"
            )
    if not queries:
        raise BadRequest("no query: pass the SPARQL query in the 'query' parameter")
    if len(queries) > 1:
        raise BadRequest("several 'query' parameters: send exactly one query per request")
    if not queries[0].strip():
        raise BadRequest("the query is empty")
    return QueryRequest(
        query=queries[0],
        default_graphs=_graphs(pairs, "default-graph-uri"),
        named_graphs=_graphs(pairs, "named-graph-uri"),
    )


def read_only_message(sent_as_query: bool = False) -> str:
    """Why an update is refused, and what to send instead."""
    what = "this is a SPARQL Update, not a query: " if sent_as_query else ""
    return (
        f"{what}updates are refused: this endpoint is read-only (the data changes only when "
        "a new version is built). To read the data, send a SELECT, ASK, CONSTRUCT or "
        "DESCRIBE query in the 'query' parameter"
    )

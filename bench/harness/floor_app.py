"""The least a Python WSGI app can do to answer a SPARQL query: the floor under ours.

``FLOOR_STORE`` names an Oxigraph directory, opened read-only. A GET ``?query=`` is evaluated
on it in the request's thread and its result serialised by pyoxigraph in SPARQL JSON, with
two headers. Nothing else: no content negotiation, no rate limit, no row cap, no deadline
(so no query worker), no caching or CORS headers, no error handling (a bad query is a 500).

It is not a server to use, only a measurement: served by Granian as ``ftkg serve`` is, its
throughput beside Oxigraph server's is the best any service built on pyoxigraph and a Python
web server can reach on this machine (``bench/sparql_floor.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

import pyoxigraph as ox

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CONTENT_TYPE = "application/sparql-results+json"


def application() -> WSGIApplication:
    """The app, on the store ``FLOOR_STORE`` names (a factory: one store per worker)."""
    store = ox.Store.read_only(os.environ["FLOOR_STORE"])

    def answer(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        text = parse_qs(environ.get("QUERY_STRING", ""))["query"][0]
        result = store.query(text)
        if isinstance(result, ox.QueryTriples):
            raise ValueError("the floor answers SELECT and ASK only")
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        start_response(
            "200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))]
        )
        return [body]

    return answer

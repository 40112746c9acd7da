"""Answering from the response cache before Flask runs.

Most traffic asks again for what was already computed for the current data version (an
entity document, a page, a listing, a query's results). Flask's request handling (routing,
hooks, the compression and CORS extensions) costs several times what sending cached bytes
costs, so a hit is answered here, from the raw WSGI environ, with the same key the Flask side
stored it under (``server.caching``). Everything else, conditional and range requests
included, goes on to Flask unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import TYPE_CHECKING, Literal

from server.caching import read_query_body, representation_etag, response_cache_key
from server.version.live import LiveData

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Requests Flask must see: revalidations (answered 304 there), ranges, and anything unsafe
# (of POSTs, only queries to the SPARQL endpoint are answered here).
PASS_THROUGH_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE")


class CachedResponses:
    """WSGI middleware sending cache hits of the current data version straight back."""

    def __init__(self, app: WSGIApplication, live: LiveData) -> None:
        self.app = app
        self.live = live

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Send a kept response for this request, or hand the request to the app."""
        method = environ.get("REQUEST_METHOD")
        if any(h in environ for h in PASS_THROUGH_HEADERS):
            return self.app(environ, start_response)
        if method not in {"GET", "HEAD"} and not read_query_body(environ):
            return self.app(environ, start_response)
        version = self.live.acquire()
        try:
            responses = version.responses
            kept = None
            if responses.enabled:
                etag = representation_etag(version.store.data_version, environ)
                kept = responses.get(response_cache_key(etag, environ))
        finally:
            self.live.release(version)
        if kept is None:
            return self.app(environ, start_response)
        status = HTTPStatus(kept.status)
        headers = [*kept.headers, ("X-Cache", "hit")]
        if not any(name.lower() == "content-length" for name, _ in kept.headers):
            headers.append(("Content-Length", str(len(kept.body))))  # it was streamed
        start_response(f"{status.value} {status.phrase}", headers)
        return [] if method == "HEAD" else [kept.body]


def content_coding(environ: WSGIEnvironment, offered: Sequence[str]) -> str | Literal[False] | None:
    """The content coding flask-compress would choose from ``offered`` (its list, in its
    order) for this request (None: none), or False when a layer before Flask must not answer:
    a coding other than gzip, or an ``Accept-Encoding`` with q-values, ``identity`` or ``*``,
    where that library's reading and Werkzeug's differ (``gzip; q=0.5``, ``gzip;q=0``), so
    Flask decides."""
    asked = environ.get("HTTP_ACCEPT_ENCODING")
    if not asked:
        return None
    codings = {coding.strip().lower() for coding in asked.split(",")} - {""}
    if any(";" in c or c in {"identity", "*"} for c in codings):
        return False
    # Every listed coding has q=1: flask-compress takes the first of its own list.
    chosen = next((c for c in offered if c in codings), None)
    if chosen is None:
        return None
    return chosen if chosen == "gzip" else False

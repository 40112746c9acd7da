"""HTTP caching for every GET that serves data: ETag and Last-Modified tied to the data version.

The data changes only when a new version is built, so a representation is a pure function of
the data version and the request (path, query string, and the headers it is negotiated on).
The ETag is computed from exactly that before the view runs (RFC 9110 §13.1, RFC 9111 §4.3).
Flask-Compress marks the ETag of a compressed body ("tag:gzip").

A revalidation is answered with a 304 that carries what the 200 would (RFC 9110 §15.4.5):
its ETag, Cache-Control, Vary, Content-Location and Expires, whatever max-age its view chose.
They are recorded, per data version, when the 200 is sent, so a revalidation is answered
without touching the store; a worker that has not sent that 200 yet (each web worker keeps its
own records) produces it and sends the 304 in its place. If-None-Match compares
weakly (RFC 9110 §13.1.2, §8.8.3.2): a proxy compressing on the way (nginx's gzip) weakens our
"tag" to W/"tag", and its revalidations match too.

Byte ranges are Werkzeug's (the dumps): one range is a 206; several (Werkzeug writes no
multipart/byteranges) or another unit are ignored and the file sent whole, as RFC 9110 §14.2
allows.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Flask, Response, request
from werkzeug.http import is_resource_modified

from server.response_cache import CachedResponse, ResponseCache
from server.web import (
    body_digest,
    cache_key,
    knowledge_store,
    note_body_digest,
    note_cache_key,
    served,
    take_cache_key,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

    from server.version.store import KnowledgeStore

# The headers representations are negotiated on (and therefore vary on).
NEGOTIATED = ("Accept", "Accept-Language")
# Dump files carry their own validators (send_file's); health answers are never cached.
EXEMPT_ENDPOINTS = {"dumps.file", "dumps.latest", "health.health", "health.ready"}
MAX_AGE = 300
# Headers that belong to one exchange, never replayed from the response cache.
PER_CLIENT_HEADERS = {"date", "set-cookie", "retry-after", "x-cache"}
# A query sent by POST (SPARQL 1.1 Protocol §2.1.2, §2.1.3; YASGUI's default, and the only
# way for long queries) is as safe as one sent by GET, so its answer is kept too, keyed by
# the body's digest. Bodies up to this size are read ahead for that; larger ones are not kept.
QUERY_PATHS = frozenset({"/sparql"})
QUERY_BODY_TYPES = frozenset({"application/x-www-form-urlencoded", "application/sparql-query"})
MAX_KEPT_BODY = 64 * 1024
# What a 304 carries (RFC 9110 §15.4.5): the fields it must repeat from the 200, and the
# headers each exchange gets whatever its status (CORS, the rate limit's count). The rest
# describes a body the 304 does not have.
NOT_MODIFIED_FIELDS = frozenset({"etag", "cache-control", "vary", "content-location", "expires"})
PER_EXCHANGE_PREFIXES = ("access-control-", "x-ratelimit-")
# What the 304s of a version repeat of their 200s, kept apart from the response cache: a few
# hundred bytes per representation, kept even where that cache is off (RESPONSE_CACHE_MB=0,
# a remote engine), so that revalidating never needs the view.
VALIDATOR_BYTES = 4 * 2**20


def read_query_body(environ: WSGIEnvironment) -> bool:
    """For a query sent by POST, read its body ahead, leave it readable again for the app, and
    note its digest in ``environ``; whether the request's answer can be kept."""
    if body_digest(environ) is not None:
        return True
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in QUERY_PATHS:
        return False
    content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        return False
    if content_type not in QUERY_BODY_TYPES or not 0 < length <= MAX_KEPT_BODY:
        return False
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    note_body_digest(environ, hashlib.sha256(body).hexdigest())
    return True


def representation_etag(data_version: str, environ: WSGIEnvironment | None = None) -> str:
    """The ETag of the representation a request (this one by default) asks for.

    Computed from the raw WSGI environ, so that the response cache's fast path, which runs
    before Flask, derives exactly the same value.
    """
    environ = request.environ if environ is None else environ
    digest = body_digest(environ)
    identity = "\n".join(
        [
            data_version,
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            # Empty for GET; for a query sent by POST, what it asked (the same bytes mean
            # different things as a form and as a bare query).
            digest or "",
            environ.get("CONTENT_TYPE", "") if digest is not None else "",
        ]
        + [environ.get(f"HTTP_{name.upper().replace('-', '_')}", "") for name in NEGOTIATED]
    )
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def response_cache_key(etag: str, environ: WSGIEnvironment) -> str:
    """Where the response cache keeps a representation: its ETag, plus what shapes the bytes
    beyond it (the content coding, and the scheme and host absolute URLs are built on)."""
    return "\n".join(
        [
            etag,
            environ.get("wsgi.url_scheme", ""),
            environ.get("HTTP_HOST", ""),
            environ.get("HTTP_ACCEPT_ENCODING", ""),
        ]
    )


def _built_at() -> datetime | None:
    built_at = knowledge_store().built_at
    return datetime.fromisoformat(built_at) if built_at else None


def _cacheable() -> bool:
    return request.method in {"GET", "HEAD"} and request.endpoint not in EXEMPT_ENDPOINTS


def install(app: Flask) -> None:
    """Answer revalidations and repeated requests before the views run; mark every data
    response."""

    @app.before_request
    def answer_before_the_view() -> Response | None:
        if request.method == "POST" and read_query_body(request.environ):
            # No validators for POST (RFC 9110 §9.3.3): kept and replayed, never revalidated.
            return _cached_response(representation_etag(knowledge_store().data_version))
        if request.method in {"GET", "HEAD"}:
            _ignore_unservable_ranges()
        if not _cacheable():
            return None
        etag = representation_etag(knowledge_store().data_version)
        if _conditional():
            recorded = _validators().get(response_cache_key(etag, request.environ))
            if recorded is not None and not _modified(recorded.headers):
                return Response(status=304, headers=list(recorded.headers))
        return _cached_response(etag)

    @app.after_request
    def mark(response: Response) -> Response:
        if _cacheable() and response.status_code == 200:
            if "ETag" not in response.headers:
                response.set_etag(representation_etag(knowledge_store().data_version))
            _headers(response, _built_at())
        return response


def validators_of(store: KnowledgeStore) -> ResponseCache:
    """The 304 fields of ``store``'s representations, by response cache key."""
    return store.cached("caching.validators", lambda: ResponseCache(VALIDATOR_BYTES))


def _validators() -> ResponseCache:
    return validators_of(knowledge_store())


def not_modified_fields(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """What a 304 for a 200 with ``headers`` repeats of it, and what decides a revalidation
    (Last-Modified)."""
    return tuple(
        (name, value)
        for name, value in headers
        if name.lower() in NOT_MODIFIED_FIELDS or name.lower() == "last-modified"
    )


def _ignore_unservable_ranges() -> None:
    """Drop a Range header Werkzeug cannot serve, so that the file is sent whole (200).

    Werkzeug answers one byte range (206) but refuses several, or another unit, with a 416,
    which RFC 9110 §15.5.17 keeps for ranges outside the file; §14.2 lets a server ignore
    Range, and requires it for a unit it does not know.
    """
    if "HTTP_RANGE" not in request.environ:
        return
    ranges = request.range
    if ranges is None or ranges.units != "bytes" or len(ranges.ranges) != 1:
        del request.environ["HTTP_RANGE"]


def _conditional() -> bool:
    return "HTTP_IF_NONE_MATCH" in request.environ or "HTTP_IF_MODIFIED_SINCE" in request.environ


def _modified(headers: Iterable[tuple[str, str]]) -> bool:
    """Whether the representation with these headers is not the one the client holds.

    Werkzeug's evaluation: If-None-Match by weak comparison (RFC 9110 §13.1.2), else
    If-Modified-Since against Last-Modified (§13.1.3).
    """
    fields = {name.lower(): value for name, value in headers}
    return is_resource_modified(
        request.environ, etag=fields.get("etag"), last_modified=fields.get("last-modified")
    )


def _as_not_modified(response: Response) -> None:
    """Turn a response into the 304 it answers: the body released, the fields kept."""
    if response.status_code == 200:
        body = response.response
        close = getattr(body, "close", None)
        if close is not None:
            close()  # as for a HEAD: what a streamed body holds (a query worker) is let go
        response.response = []
        response.status_code = 304
    for name in {name for name, _ in response.headers.items()}:
        lowered = name.lower()
        if lowered not in NOT_MODIFIED_FIELDS and not lowered.startswith(PER_EXCHANGE_PREFIXES):
            del response.headers[name]


def _cached_response(etag: str) -> Response | None:
    responses = served().responses
    if not responses.enabled:
        return None
    key = response_cache_key(etag, request.environ)
    kept = responses.get(key)
    if kept is None:
        note_cache_key(key)
        return None
    response = Response(kept.body, status=kept.status, headers=list(kept.headers))
    response.headers["X-Cache"] = "hit"
    return response


def _keep(response: Response) -> Response:
    """Put a finished 200 response in the version's cache; a streamed one once fully sent."""
    key = take_cache_key()
    if key is None or response.status_code != 200 or response.direct_passthrough:
        return response
    responses = served().responses
    headers = kept_headers(response.headers.items())
    if not response.is_streamed:
        responses.put(key, CachedResponse(200, headers, response.get_data()))
        return response
    limit = responses.max_bytes // 8

    def sent_and_kept(chunks: Iterable[bytes]) -> Iterator[bytes]:
        kept: list[bytes] | None = []
        size = 0
        for chunk in chunks:
            if kept is not None:
                size += len(chunk)
                if size <= limit:
                    kept.append(chunk)
                else:
                    kept = None
            yield chunk
        # Reached only when the whole body was produced: an aborted stream is never kept.
        if kept is not None:
            responses.put(key, CachedResponse(200, headers, b"".join(kept)))

    response.response = sent_and_kept(response.response)
    return response


def kept_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The headers of a response worth replaying from the cache: not those of one exchange or
    one client (the date, the rate limit's count)."""
    return tuple(
        (name, value)
        for name, value in headers
        if name.lower() not in PER_CLIENT_HEADERS and not name.lower().startswith("x-ratelimit")
    )


def install_response_cache(app: Flask) -> None:
    """Keep finished responses and answer revalidations from them; registered before the
    compression hook so that, after-request hooks running in reverse order, what is kept and
    compared is the response as sent."""

    @app.after_request
    def keep(response: Response) -> Response:
        if _cacheable() and response.status_code == 200:
            fields = not_modified_fields(response.headers.items())
            key = cache_key() or response_cache_key(
                representation_etag(knowledge_store().data_version), request.environ
            )
            _validators().put(key, CachedResponse(304, fields, b""))
            if _conditional() and not _modified(fields):
                take_cache_key()
                _as_not_modified(response)
        if _cacheable() and response.status_code == 304:
            # Whichever way it was made, a 304 leaves with the same fields.
            _as_not_modified(response)
        return _keep(response)


def _headers(response: Response, built_at: datetime | None) -> None:
    if built_at is not None and response.last_modified is None:
        response.last_modified = min(built_at, datetime.now(UTC))
    response.headers.setdefault("Cache-Control", f"public, max-age={MAX_AGE}")
    for name in NEGOTIATED:
        response.vary.add(name)

"""HTTP caching for every GET that serves data: ETag and Last-Modified tied to the data version.

The data changes only when a new version is built, so a representation is a pure function of
the data version and the request (path, query string, and the headers it is negotiated on).
The ETag is computed from exactly that before the view runs, so a revalidation is answered
with 304 without touching the store (RFC 9110 §13.1, RFC 9111 §4.3). Flask-Compress marks
the ETag of a compressed body ("tag:gzip"); both forms revalidate.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import Flask, Response, request

from server.web import knowledge_store

# The headers representations are negotiated on (and therefore vary on).
NEGOTIATED = ("Accept", "Accept-Language")
ENCODINGS = ("gzip", "br", "deflate")
# Dump files carry their own validators (send_file's); health answers are never cached.
EXEMPT_ENDPOINTS = {"dumps.file", "dumps.latest", "health.health", "health.ready"}
MAX_AGE = 300


def representation_etag(data_version: str) -> str:
    """The ETag of the representation this request asks for."""
    identity = "\n".join(
        [data_version, request.path, request.query_string.decode("latin-1")]
        + [request.headers.get(name, "") for name in NEGOTIATED]
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def revalidated(etag: str) -> bool:
    """Whether If-None-Match names this representation, compressed or not."""
    candidates = [etag] + [f"{etag}:{encoding}" for encoding in ENCODINGS]
    return any(request.if_none_match.contains(candidate) for candidate in candidates)


def _built_at() -> datetime | None:
    built_at = knowledge_store().built_at
    return datetime.fromisoformat(built_at) if built_at else None


def _cacheable() -> bool:
    return request.method in {"GET", "HEAD"} and request.endpoint not in EXEMPT_ENDPOINTS


def install(app: Flask) -> None:
    """Answer revalidations before the views run, and mark every data response."""

    @app.before_request
    def answer_revalidation() -> Response | None:
        if not _cacheable():
            return None
        etag = representation_etag(knowledge_store().data_version)
        built_at = _built_at()
        fresh = (
            revalidated(etag)
            if request.if_none_match
            else (
                built_at is not None
                and request.if_modified_since is not None
                and built_at.replace(microsecond=0) <= request.if_modified_since
            )
        )
        if not fresh:
            return None
        response = Response(status=304)
        response.set_etag(etag)
        _headers(response, built_at)
        return response

    @app.after_request
    def mark(response: Response) -> Response:
        if _cacheable() and response.status_code == 200:
            if "ETag" not in response.headers:
                response.set_etag(representation_etag(knowledge_store().data_version))
            _headers(response, _built_at())
        return response


def _headers(response: Response, built_at: datetime | None) -> None:
    if built_at is not None and response.last_modified is None:
        response.last_modified = min(built_at, datetime.now(UTC))
    response.headers.setdefault("Cache-Control", f"public, max-age={MAX_AGE}")
    for name in NEGOTIATED:
        response.vary.add(name)

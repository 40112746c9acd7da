"""What a request carries between the layers that handle it, each with a typed accessor.

The app keeps its served data (``LiveData``) in ``app.extensions``; a request keeps the
version it started with and the response-cache key it will store under in ``g``; a query sent
by POST has its body's digest noted in the WSGI environ, where the response cache's fast path
(before Flask) reads it too; so do a query evaluated before Flask whose error Flask is to send,
and the rate limit's count that query was already given. Their string keys are written here
and nowhere else; blueprints reach the data version through the functions below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import Flask, current_app, g, has_request_context

from server.version.live import LiveData, ServedVersion
from server.version.search_index import SearchIndex
from server.version.store import KnowledgeStore
from server.version.workers import QueryRunner

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

_LIVE_EXTENSION = "ftkg.live"
_VERSION_KEY = "ftkg_version"
_CACHE_KEY = "ftkg_cache_key"
_BODY_DIGEST = "ftkg.body_digest"
_QUERY_FAILURE = "ftkg.query_failure"
_RATE_LIMIT_COUNTED = "ftkg.rate_limit_counted"


# --- the app's served data --------------------------------------------------------------------


def set_live_data(app: Flask, live: LiveData) -> None:
    """Give ``app`` the data it serves (``create_app`` does, once)."""
    app.extensions[_LIVE_EXTENSION] = live


def live_data(app: Flask | None = None) -> LiveData:
    """The served data and its swaps of ``app`` (the current app by default)."""
    return cast(LiveData, (app or current_app).extensions[_LIVE_EXTENSION])


# --- the version a request reads ------------------------------------------------------------


def hold_version(version: ServedVersion) -> None:
    """Note the version this request reads from start to end (once, as it starts)."""
    g.setdefault(_VERSION_KEY, version)


def holds_version() -> bool:
    """Whether this request has its version already."""
    return _VERSION_KEY in g


def let_go_of_version() -> ServedVersion | None:
    """Forget this request's version and return it, to be released (None if already done)."""
    return cast(ServedVersion | None, g.pop(_VERSION_KEY, None))


def served() -> ServedVersion:
    """The version this request is served from: the one it started with, even after a swap."""
    if has_request_context():
        version = g.get(_VERSION_KEY)
        if version is not None:
            return cast(ServedVersion, version)
    return live_data().current


def knowledge_store() -> KnowledgeStore:
    """The store this request reads."""
    return served().store


def query_runner() -> QueryRunner:
    """The query workers of the version this request reads."""
    return served().queries


def search_index() -> SearchIndex:
    """The search index of the version this request reads."""
    return knowledge_store().search_index()


# --- the response cache's key for this request ---------------------------------------------


def note_cache_key(key: str) -> None:
    """Where this request's response will be kept, once made (the first key noted stays)."""
    g.setdefault(_CACHE_KEY, key)


def cache_key() -> str | None:
    """Where this request's response is to be kept, if anywhere."""
    return cast(str | None, g.get(_CACHE_KEY))


def take_cache_key() -> str | None:
    """``cache_key()``, forgotten: the response is kept at most once."""
    return cast(str | None, g.pop(_CACHE_KEY, None))


# --- a query body's digest, in the WSGI environ ---------------------------------------------


def note_body_digest(environ: WSGIEnvironment, digest: str) -> None:
    """Note the digest of the body of the query sent by POST (read ahead already)."""
    environ[_BODY_DIGEST] = digest


def body_digest(environ: WSGIEnvironment) -> str | None:
    """The digest of the POSTed query's body, when it was read ahead."""
    return cast(str | None, environ.get(_BODY_DIGEST))


# --- a query answered up to its error before Flask (server.direct_queries) -------------------


def note_query_failure(environ: WSGIEnvironment, error: Exception) -> None:
    """Note why the query of this request has no answer, for the view to send that error."""
    environ[_QUERY_FAILURE] = error


def take_query_failure(environ: WSGIEnvironment) -> Exception | None:
    """The error noted for this request's query, forgotten (None when it was not run yet)."""
    return cast(Exception | None, environ.pop(_QUERY_FAILURE, None))


def note_rate_limit_counted(environ: WSGIEnvironment, headers: list[tuple[str, str]]) -> None:
    """Note that this request was counted against its rate limit already, and the headers
    that report the count."""
    environ[_RATE_LIMIT_COUNTED] = headers


def rate_limit_counted(environ: WSGIEnvironment) -> list[tuple[str, str]] | None:
    """The rate limit headers of this request when it was counted already, else None."""
    return cast(list[tuple[str, str]] | None, environ.get(_RATE_LIMIT_COUNTED))

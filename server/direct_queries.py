"""Answering SPARQL queries before Flask: the endpoint's own work, nothing else.

A query asked for the first time cannot come from the response cache, and measured on lookups
(``bench/sparql_floor.py``) Flask's handling of it (routing, the request context, a dozen
before- and after-request hooks: caching, CORS, compression, links, rate-limit headers) cost
about as much again as evaluating the query and writing its result. This layer does what the
endpoint (``server.sparql.views``) does, by the same functions: the same profile of the query,
the same negotiation, the same runner (this thread for a lookup, a query worker otherwise) and
the same serialisers; then it writes the headers the hooks would, and keeps the answer in the
response cache as they would.

It answers ``GET /sparql?query=…`` with no other parameter, and a POST of a form holding only
``query`` or of the query itself (``application/sparql-query``; SPARQL 1.1 Protocol §2.1.1 to
§2.1.3) whose body the response cache read ahead, for a SELECT, ASK, CONSTRUCT or DESCRIBE
without SERVICE, in a format the request's Accept chooses, sent as it is or gzipped.
Everything else goes on to Flask unchanged, decided before the query runs: another method or
parameter (a dataset, ``format=``), a conditional or range request, an Accept or
Accept-Encoding the views must judge, an update, a query that cannot be profiled (the view's
400), a client over its rate limit (the view's 429). A query that runs and fails (a syntax
error the profile did not see, no time left, no worker free) goes on to the view with its
error noted (``server.web.note_query_failure``), which sends it without running it again.

Rate limits are counted as the Flask path counts them, in flask-limiter's own storage
(``server.limits.count_before_flask``), so a client has one count whichever way its requests
go. A test compares this layer's answers with the view's, header for header
(``tests/test_direct_queries.py``).
"""

from __future__ import annotations

import functools
import io
import zlib
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from werkzeug.http import http_date

from server import negotiation, query_text
from server.caching import (
    MAX_AGE,
    NEGOTIATED,
    kept_headers,
    not_modified_fields,
    read_query_body,
    representation_etag,
    response_cache_key,
    validators_of,
)
from server.errors import HttpError
from server.fast_path import PASS_THROUGH_HEADERS, content_coding
from server.limits import count_before_flask
from server.ready_documents import CORS_HEADERS, PLAIN_PREFIX
from server.response_cache import CachedResponse
from server.sparql import protocol
from server.sparql.views import (
    StreamingBody,
    choose_formats,
    result_format,
    result_headers,
    run,
    runner_for,
)
from server.version.engine import Job
from server.version.live import LiveData, ServedVersion
from server.version.messages import Answer
from server.version.store import KnowledgeStore
from server.web import note_query_failure, note_rate_limit_counted

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

ENDPOINT_PATH = "/sparql"
QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
VARY = ", ".join([*NEGOTIATED, "Accept-Encoding"])
LINK_PREFIXES_KEPT = 16
# Distinct (query form, Accept) pairs whose chosen formats are kept: clients send a handful of
# Accept values, and choosing again costs a tenth of a lookup.
NEGOTIATIONS_KEPT = 256
# gzip's container (RFC 1952) around deflate, as flask-compress writes a streamed body.
GZIP_WINDOW = 16 + zlib.MAX_WBITS


class DirectQueries:
    """WSGI middleware answering queries as the endpoint would, before Flask."""

    def __init__(
        self,
        app: WSGIApplication,
        flask_app: Flask,
        live: LiveData,
        links: Callable[[Callable[[str], str]], list[str]],
    ) -> None:
        self.app = app
        self.flask_app = flask_app
        self.live = live
        self.links = links
        config = flask_app.config
        # What flask-compress does with a streamed body (server.app): its codings in its order,
        # the types it compresses, at its level. Of those, only gzip is written here.
        self.compression = list(config["COMPRESS_ALGORITHM_STREAMING"])
        self.compressible = frozenset(config["COMPRESS_MIMETYPES"])
        self.compress_level = int(config["COMPRESS_LEVEL"])
        self._links: dict[str, str] = {}
        self._formats = functools.lru_cache(maxsize=NEGOTIATIONS_KEPT)(_formats_for)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer the query, or hand the request to the app."""
        # Read per request, as Flask reads it, so that both refuse the same bodies (a 413).
        query = _query(environ, int(self.flask_app.config["MAX_CONTENT_LENGTH"]))
        coding = content_coding(environ, self.compression) if query is not None else False
        if query is None or coding is False:
            return self.app(environ, start_response)
        version = self.live.acquire()
        try:
            answered = self._answer(environ, query, version)
        except BaseException:
            self.live.release(version)
            raise
        if answered is None:
            self.live.release(version)
            return self.app(environ, start_response)
        answer, counted = answered
        try:
            headers, key = self._headers(environ, answer, counted, coding, version)
        except BaseException:
            answer.close()  # the worker is let go of, whatever went wrong
            self.live.release(version)
            raise
        responses = version.responses
        start_response("200 OK", headers)
        return _Body(
            StreamingBody(answer),
            zlib.compressobj(self.compress_level, zlib.DEFLATED, GZIP_WINDOW)
            if ("Content-Encoding", "gzip") in headers
            else None,
            # As the response cache keeps the endpoint's answers (server.caching).
            responses.max_bytes // 8 if responses.enabled else 0,
            lambda body: responses.put(key, CachedResponse(200, kept_headers(headers), body)),
            lambda: self.live.release(version),
        )

    def _headers(
        self,
        environ: WSGIEnvironment,
        answer: Answer,
        counted: list[tuple[str, str]],
        coding: str | None,
        version: ServedVersion,
    ) -> tuple[list[tuple[str, str]], str]:
        """The answer's headers, as the endpoint's hooks write them, and where it is kept;
        its validators recorded, for a revalidation to be answered 304 without the store."""
        fmt = result_format(answer.head)
        store = version.store
        etag = representation_etag(store.data_version, environ)
        compressed = coding == "gzip" and fmt.media_type in self.compressible
        headers = [("Content-Type", fmt.content_type), *result_headers(answer.head)]
        # Only a GET is marked for caches (server.caching): a POST's answer has no validators
        # (RFC 9110 §9.3.3); the response cache still keeps it, by its body's digest.
        cacheable = environ.get("REQUEST_METHOD") == "GET"
        headers.append(("Vary", VARY if cacheable else "Accept, Accept-Encoding"))
        headers.append(("Link", self._links_at(environ.get("SCRIPT_NAME", ""))))
        if cacheable:
            headers.append(("ETag", f'"{etag}:gzip"' if compressed else f'"{etag}"'))
            headers.append(("Cache-Control", f"public, max-age={MAX_AGE}"))
            if store.built_at:
                headers.append(("Last-Modified", _last_modified(store)))
        if compressed:
            headers.append(("Content-Encoding", "gzip"))
        headers += [*counted, *CORS_HEADERS]
        key = response_cache_key(etag, environ)
        if cacheable:
            validators_of(store).put(key, CachedResponse(304, not_modified_fields(headers), b""))
        return headers, key

    def _answer(
        self, environ: WSGIEnvironment, query: str, version: ServedVersion
    ) -> tuple[Answer, list[tuple[str, str]]] | None:
        """The query's answer and the rate limit's headers, or None for the app to answer."""
        store = version.store
        profile = query_text.safe_profile(query, store.base_uri)
        if (
            profile.form not in QUERY_FORMS
            or profile.services
            or profile.nesting > query_text.MAX_NESTING
        ):
            return None
        try:
            results_format, graph_format = self._formats(profile.form, environ.get("HTTP_ACCEPT"))
        except (HttpError, negotiation.NoAcceptableFormat):
            return None
        counted = count_before_flask(self.flask_app, environ)
        if counted is None:
            return None
        config = self.flask_app.config
        job = Job(
            query=query,
            base_iri=store.base_uri,
            results_format=results_format.media_type if results_format else None,
            graph_format=graph_format.media_type if graph_format else None,
            prefixes=config["PREFIXES"],
            row_limit=int(config["RESULT_LIMIT"]),
        )
        try:
            return run(job, runner_for(profile, job, version), config), counted
        except HttpError as error:
            note_query_failure(environ, error)
            note_rate_limit_counted(environ, counted)
            return None

    def _links_at(self, script_name: str) -> str:
        links = self._links.get(script_name)
        if links is None:
            routes = self.flask_app.url_map.bind("localhost", script_name=script_name or "/")
            links = ", ".join(self.links(routes.build))
            # Behind a proxy the prefix is a request header (X-Forwarded-Prefix): kept for a
            # few prefixes, not for as many as clients care to send.
            if len(self._links) >= LINK_PREFIXES_KEPT:
                self._links = {}
            self._links[script_name] = links
        return links


def _formats_for(
    form: str | None, accept: str | None
) -> tuple[negotiation.Format | None, negotiation.Format | None]:
    # The endpoint's choice with no format= names (a request with any goes to Flask).
    return choose_formats(form, accept, [])


def _last_modified(store: KnowledgeStore) -> str:
    # As the caching hook writes it: the build's time, or now for a clock set behind it.
    # Parsed and formatted once per version, as it never changes once it has passed.
    built, text = store.cached(
        "direct_queries.last_modified", lambda: _dated(datetime.fromisoformat(store.built_at))
    )
    now = datetime.now(UTC)
    return text if built <= now else http_date(now)


def _dated(moment: datetime) -> tuple[datetime, str]:
    return moment, http_date(moment)


def _query(environ: WSGIEnvironment, max_body: int) -> str | None:
    """The query of a request this layer may answer, else None: ``GET /sparql?query=…``, or a
    POST of a form holding only ``query`` or of the query itself, with no query string and a
    body of at most ``max_body`` bytes."""
    method = environ.get("REQUEST_METHOD")
    if (
        method not in {"GET", "POST"}
        or environ.get("PATH_INFO") != ENDPOINT_PATH
        or any(h in environ for h in PASS_THROUGH_HEADERS)
        or not PLAIN_PREFIX.fullmatch(environ.get("SCRIPT_NAME", ""))
    ):
        return None
    raw: str = environ.get("QUERY_STRING", "")
    if method == "GET":
        return _only_query(raw.encode("latin-1"))
    # A body the response cache has read ahead (up to its size): the others go to Flask, and
    # so does one over the configured limit (its 413).
    if raw or not read_query_body(environ):
        return None
    body = environ.get("wsgi.input")
    sent = body.getvalue() if isinstance(body, io.BytesIO) else None
    if sent is None or len(sent) > max_body:
        return None
    media_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if media_type == protocol.FORM:
        return _only_query(sent)
    try:
        query = sent.decode("utf-8")
    except UnicodeDecodeError:
        return None  # the view's 400
    return query if media_type == protocol.DIRECT and query.strip() else None


def _only_query(encoded: bytes) -> str | None:
    """The query of form-encoded ``encoded`` holding one non-empty ``query`` and nothing else;
    as the view reads it (``server.sparql.protocol``): strictly UTF-8, or the view's 400."""
    try:
        pairs = parse_qsl(encoded.decode("utf-8"), keep_blank_values=True, errors="strict")
    except (UnicodeError, ValueError):
        return None
    if len(pairs) != 1 or pairs[0][0] != "query" or not pairs[0][1].strip():
        return None
    return pairs[0][1]


class _Body:
    """The response body: the answer's chunks, gzipped when chosen, kept once all were sent;
    the worker and the version let go of when the server closes it, even unread."""

    def __init__(
        self,
        chunks: StreamingBody,
        compressor: zlib._Compress | None,
        keep_limit: int,
        keep: Callable[[bytes], object],
        release: Callable[[], None],
    ) -> None:
        self.chunks = chunks
        self.compressor = compressor
        self.keep_limit = keep_limit
        self.keep = keep
        self.release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        kept: list[bytes] | None = [] if self.keep_limit else None
        size = 0
        for chunk in self._encoded():
            if kept is not None:
                size += len(chunk)
                if size <= self.keep_limit:
                    kept.append(chunk)
                else:
                    kept = None
            yield chunk
        # Reached only when the whole body was produced: an aborted stream is never kept.
        if kept is not None:
            self.keep(b"".join(kept))

    def _encoded(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            if self.compressor is not None:
                chunk = self.compressor.compress(chunk)
            if chunk:
                yield chunk
        if self.compressor is not None:
            yield self.compressor.flush()

    def close(self) -> None:
        """Release the worker and the version (once)."""
        self.chunks.close()
        if self.release is not None:
            release, self.release = self.release, None
            release()

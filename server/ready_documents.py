"""Answering entity IRIs and data documents from the documents made at build, before Flask.

``ftkg build`` writes every entity's data document into the data version (page 1, in the
formats crawlers ask for, plain and gzip-compressed; ``server.pipeline.documents``). A
request for one of them (``/data/{kind}/{key}.ttl``), or for the entity's IRI (``/id/...``,
a 303 chosen by Accept), needs neither the store nor anything Flask does per request, so it
is answered here from the raw WSGI environ, at the cost of a table read.

The answer is the one the Flask views give, header for header (tests compare them): the
Location and Link addresses, ETag and Last-Modified tied to the data version
(``server.caching``), Vary, CORS. Anything else goes on to Flask unchanged: a query string,
a conditional or range request (answered 304/206 there), a content coding other than gzip
chosen (Flask compresses the same body), an unknown or former identifier (404, 301), an
address that would need percent-encoding, or a version built without documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Literal

from werkzeug.http import http_date
from werkzeug.routing import Map, MapAdapter
from werkzeug.utils import redirect

from server import negotiation
from server.caching import MAX_AGE, NEGOTIATED, representation_etag
from server.cors import EXPOSED_HEADERS
from server.entities.views import DATA_FORMATS, THING_FORMATS, THING_MAX_AGE, alternate_links
from server.fast_path import PASS_THROUGH_HEADERS, content_coding
from server.version import layout
from server.version.documents import inflate
from server.version.live import LiveData

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PLAIN_PATH = re.compile(layout.PLAIN_ENTITY_PATH)
# An address is built once per prefix with this path in place of the entity's, then the
# entity's put in: the routes' own addresses (the same builder as url_for), at a string's cost.
STAND_IN = "kind-of-entity/key-of-entity"
ADDRESS_PREFIXES_KEPT = 16
# A prefix the routes write as it is (no percent-encoding, no trailing slash); others go on to
# Flask, whose addresses are then the only ones made from them.
PLAIN_PREFIX = re.compile(r"(/[A-Za-z0-9_.~-]+)*")
# Fetch standard's CORS protocol, as flask-cors sends it for any origin (server.cors).
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", ", ".join(sorted(EXPOSED_HEADERS))),
)


@dataclass(frozen=True)
class _Answer:
    status: HTTPStatus
    headers: list[tuple[str, str]]
    body: bytes


class ReadyDocuments:
    """WSGI middleware answering ``/id/`` 303s and ``/data/`` documents made at build."""

    def __init__(
        self,
        app: WSGIApplication,
        live: LiveData,
        routes: Map,
        compression: Sequence[str],
        compress_min_size: int,
    ) -> None:
        self.app = app
        self.live = live
        self.routes = routes
        # What flask-compress does (server.app): the codings it offers, in its order, and the
        # smallest body it compresses. Of those, only gzip bodies are kept with the documents.
        self.compression = list(compression)
        self.compress_min_size = compress_min_size
        self._addresses: dict[str, Addresses] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer from the version's documents, or hand the request to the app."""
        method = environ.get("REQUEST_METHOD")
        if (
            method not in {"GET", "HEAD"}
            or environ.get("QUERY_STRING")
            or any(h in environ for h in PASS_THROUGH_HEADERS)
            or not PLAIN_PREFIX.fullmatch(environ.get("SCRIPT_NAME", ""))
        ):
            return self.app(environ, start_response)
        path_info: str = environ.get("PATH_INFO", "")
        if path_info.startswith("/data/"):
            answer = self._document(environ, path_info[6:])
        elif path_info.startswith("/id/"):
            answer = self._thing(environ, path_info[4:])
        else:
            answer = None
        if answer is None:
            return self.app(environ, start_response)
        headers = [*answer.headers, *CORS_HEADERS, ("Content-Length", str(len(answer.body)))]
        start_response(f"{answer.status.value} {answer.status.phrase}", headers)
        return [] if method == "HEAD" else [answer.body]

    def _document(self, environ: WSGIEnvironment, requested: str) -> _Answer | None:
        path, _, extension = requested.rpartition(".")
        fmt = negotiation.by_extension(extension, DATA_FORMATS) if path else None
        if fmt is None or not PLAIN_PATH.fullmatch(path):
            return None
        coding = self._coding(environ)
        if coding is False:
            return None
        version = self.live.acquire()
        try:
            store = version.store
            documents = store.documents()
            found = documents.document(path, fmt.extension) if documents is not None else None
            if found is None:
                return None
            etag = representation_etag(store.data_version, environ)
            built_at = store.built_at
        finally:
            self.live.release(version)
        packed, has_next = found
        # As flask-compress: a body too small to gain from it goes as it is.
        compressed = coding == "gzip" and _inflated_size(packed) >= self.compress_min_size
        body = packed if compressed else inflate(packed)
        script = environ.get("SCRIPT_NAME", "")
        addresses = self._addresses_at(script)
        link = addresses.links(path)
        if has_next:
            link += f', <{addresses.location(fmt, path)}?page=2>; rel="next"'
        if fmt is negotiation.JSON_LD:
            # Absolute, as url_for(_external=True) writes it: the host as Werkzeug reads it
            # from the request (validated, default port dropped), never the raw header.
            context = self.routes.bind_to_environ(environ).build(
                "entities.context", force_external=True
            )
            link += f', <{context}>; rel="http://www.w3.org/ns/json-ld#context"'
        headers = [
            ("Link", link),
            ("Content-Type", fmt.content_type),
            ("ETag", f'"{etag}:gzip"' if compressed else f'"{etag}"'),
            ("Cache-Control", f"public, max-age={MAX_AGE}"),
            ("Vary", ", ".join([*NEGOTIATED, "Accept-Encoding"])),
        ]
        if built_at:
            modified = min(datetime.fromisoformat(built_at), datetime.now(UTC))
            headers.append(("Last-Modified", http_date(modified)))
        if compressed:
            headers.append(("Content-Encoding", "gzip"))
        return _Answer(HTTPStatus.OK, headers, body)

    def _thing(self, environ: WSGIEnvironment, path: str) -> _Answer | None:
        if not PLAIN_PATH.fullmatch(path) or path.startswith("dataset/"):
            return None
        # Cool URIs for the Semantic Web §4.3, as the view decides it (server.entities.views).
        try:
            choice = negotiation.negotiate(THING_FORMATS, environ.get("HTTP_ACCEPT"), [])
        except negotiation.NoAcceptableFormat:
            return None  # the view's 406, with its message in the client's format
        version = self.live.acquire()
        try:
            documents = version.store.documents()
            entry = documents.entry(path) if documents is not None else None
            if entry is None or entry.successor is not None:
                return None  # the view's 404, or its 301 to the successor
        finally:
            self.live.release(version)
        addresses = self._addresses_at(environ.get("SCRIPT_NAME", ""))
        location = addresses.location(choice.format, path)
        moved = redirect(location, code=HTTPStatus.SEE_OTHER)
        headers = [
            ("Content-Type", moved.content_type or "text/html; charset=utf-8"),
            ("Location", location),
            ("Vary", "Accept, Accept-Encoding"),
            ("Link", addresses.links(path)),
            ("Cache-Control", f"public, max-age={THING_MAX_AGE}"),
        ]
        return _Answer(HTTPStatus.SEE_OTHER, headers, moved.get_data())

    def _coding(self, environ: WSGIEnvironment) -> str | Literal[False] | None:
        """The content coding flask-compress would choose (None: none), or False when this
        layer does not answer (``server.fast_path.content_coding``)."""
        return content_coding(environ, self.compression)

    def _addresses_at(self, script_name: str) -> Addresses:
        addresses = self._addresses.get(script_name)
        if addresses is None:
            addresses = Addresses(self.routes.bind("localhost", script_name=script_name or "/"))
            # Behind a proxy the prefix is a request header (X-Forwarded-Prefix): kept for a
            # few prefixes, not for as many as clients care to send.
            if len(self._addresses) >= ADDRESS_PREFIXES_KEPT:
                self._addresses = {}
            self._addresses[script_name] = addresses
        return addresses


class Addresses:
    """The relative addresses of an entity's page and documents, under one prefix."""

    def __init__(self, routes: MapAdapter) -> None:
        self._links = alternate_links(routes.build, STAND_IN)
        self._locations = {
            fmt: (
                routes.build("entities.page", {"path": STAND_IN})
                if fmt is negotiation.HTML
                else routes.build("entities.data", {"path": f"{STAND_IN}.{fmt.extension}"})
            )
            for fmt in THING_FORMATS
        }

    def links(self, path: str) -> str:
        """The Link header of the entity's 303 and documents (its alternates)."""
        return self._links.replace(STAND_IN, path)

    def location(self, fmt: negotiation.Format, path: str) -> str:
        """Where the entity's representation in ``fmt`` is."""
        return self._locations[fmt].replace(STAND_IN, path)


def _inflated_size(packed: bytes) -> int:
    """The size of a gzip member's content, from its trailer (RFC 1952 §2.3.1: ISIZE)."""
    return int.from_bytes(packed[-4:], "little")

"""The application factory: configuration layers, the store, blueprints, error handlers."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request, url_for
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.middleware.shared_data import SharedDataMiddleware

from server import (
    browse,
    caching,
    completeness,
    cors,
    downloads,
    examples,
    health,
    home,
    limits,
    not_found,
    ontology_docs,
    openapi,
    programme,
    settings,
)
from server.direct_queries import DirectQueries
from server.entities import views as entities
from server.errors import register_error_handlers
from server.fast_path import CachedResponses
from server.harvest import catalog, crawlers, void
from server.harvest import dumps_view as dumps
from server.maps import views as maps
from server.namespaces import project_prefixes
from server.pipeline.derive import DERIVATIONS
from server.presentation import WORDS, outbound, reader_language
from server.ready_documents import ReadyDocuments
from server.reconcile import draft as reconcile_draft
from server.reconcile import v02 as reconcile
from server.remote import RemoteStore
from server.response_cache import ResponseCache
from server.search import views as search
from server.security import SecurityHeaders
from server.sparql import graph_store
from server.sparql import views as sparql
from server.version import layout
from server.version.live import LiveData, ServedVersion
from server.version.store import KnowledgeStore
from server.version.workers import InProcessQueries, ProcessQueries
from server.web import hold_version, holds_version, let_go_of_version, set_live_data

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_MAX_AGE = 3600


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app.

    Configuration comes in layers: the defaults of ``server.settings``, then ``KG_*``
    environment variables, then ``config`` (tests pass overrides here); path settings are then
    made absolute against the working directory. ``config`` may carry a ready
    ``KNOWLEDGE_STORE`` (tests use an in-memory store built from the same files); otherwise
    the live version under ``STORE`` is opened read-only.
    """
    app = Flask(__name__)
    _configure(app, config)
    live = _live_data(app.config)
    set_live_data(app, live)
    store = live.current.store
    app.config["PREFIXES"] = project_prefixes(store.base_uri)
    app.extensions["ftkg.examples"] = examples.load_all(Path(app.config["SOURCE_DIR"]) / "queries")

    # Request hooks, in registration order. After-request hooks run in the reverse order, so
    # the first registered sees the response last, as it leaves.
    for install in (
        # Each request reads one version to its end; released last, once the body is sent.
        partial(_serve_one_version_per_request, live=live),
        # Keeps the response as sent: CORS headers and content coding included.
        caching.install_response_cache,
        # Reads are public: any origin may call them (Fetch standard's CORS protocol).
        cors.install,
        # Compressed when the client accepts it; streamed responses as they go; dumps never.
        _compression,
        # Queries, search and reconciliation are rate-limited per client.
        _rate_limits,
        # Every page speaks the reader's language; views may still pass their own.
        _reader_language,
        # Every error in the client's format; the 404 page suggests what was meant.
        partial(register_error_handlers, pages={404: not_found.page}),
        # The surfaces.
        _blueprints,
        # Revalidations (304) and repeated requests answered before the views run.
        caching.install,
        # Downloads are marked as attachments.
        downloads.install,
        # The home page and the endpoint link to the dataset's descriptions.
        _describedby,
    ):
        install(app)

    # WSGI layers around Flask, innermost first: each sees what those inside it answer.
    for wrap in (
        # Queries (GET, or a POSTed form or query): answered before Flask, as the endpoint would.
        partial(DirectQueries, flask_app=app, live=live, links=describedby_links),
        # Cache hits of the current version are answered before Flask runs.
        partial(CachedResponses, live=live),
        # Entity IRIs (303) and data documents made at build: answered before Flask, from the
        # version's table, as the views would.
        partial(
            ReadyDocuments,
            live=live,
            routes=app.url_map,
            compression=app.config["COMPRESS_ALGORITHM"],
            compress_min_size=int(app.config["COMPRESS_MIN_SIZE"]),
        ),
        # Behind a reverse proxy, absolute URLs use the public scheme, host and prefix.
        partial(_behind_proxies, proxies=int(app.config["PROXIES"])),
        # Static files before Flask (no routing, no hooks), with validators for 304s; not by
        # Granian, which cannot add headers to the files it serves (see server.serving).
        partial(
            SharedDataMiddleware, exports={"/static": str(STATIC_DIR)}, cache_timeout=STATIC_MAX_AGE
        ),
        # Outermost: every response, static files, cache hits and errors included.
        SecurityHeaders,
    ):
        app.wsgi_app = wrap(app.wsgi_app)  # type: ignore[method-assign]
    log.info("serving data version %s (base %s)", store.data_version, store.base_uri)
    return app


def _configure(app: Flask, config: Mapping[str, Any] | None) -> None:
    """Settings in layers: defaults, then the environment, then ``config``."""
    app.config.from_mapping(settings.from_environment())
    if config:
        app.config.from_mapping(config)
    # Once, now: relative paths mean the directory the service was started from.
    app.config.from_mapping(settings.resolve_paths(app.config))
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])


def _behind_proxies(wsgi_app: WSGIApplication, proxies: int) -> WSGIApplication:
    """Trust ``proxies`` reverse proxies' X-Forwarded-* headers (none: the app as it is)."""
    if not proxies:
        return wsgi_app
    return ProxyFix(wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies)


def _compression(app: Flask) -> None:
    """Compress responses the client accepts compressed, streamed ones as they go."""
    app.config.setdefault("COMPRESS_MIMETYPES", _compressible())
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip", "deflate"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip", "deflate"])
    app.config["COMPRESS_REGISTER"] = False
    # Conditional requests are evaluated once, by server.caching, on the response as sent.
    app.config["COMPRESS_EVALUATE_CONDITIONAL_REQUEST"] = False
    compress = Compress(app)

    @app.after_request
    def compressed(response: Response) -> Response:
        # Dumps are files served as they are (their checksums are published, and byte ranges
        # must address the file): never re-encoded on the way.
        if request.blueprint == "dumps":
            return response
        return compress.after_request(response)


def _rate_limits(app: Flask) -> None:
    limits.install(
        app,
        [
            ("RATE_LIMIT", [sparql.bp, graph_store.bp]),
            ("SEARCH_RATE_LIMIT", [search.bp]),
            ("RECONCILE_RATE_LIMIT", [reconcile.bp, reconcile_draft.bp]),
        ],
    )


def _reader_language(app: Flask) -> None:
    @app.context_processor
    def reader() -> dict[str, Any]:
        lang = reader_language()
        return {"lang": lang, "words": WORDS[lang]}

    app.add_template_filter(outbound)


def _blueprints(app: Flask) -> None:
    for surface in (
        home,
        health,
        sparql,
        graph_store,
        entities,
        browse,
        completeness,
        maps,
        programme,
        ontology_docs,
        dumps,
        void,
        catalog,
        crawlers,
        search,
        reconcile,
        reconcile_draft,
        openapi,
    ):
        app.register_blueprint(surface.bp)


def _describedby(app: Flask) -> None:
    """Link the home page and the endpoint to the dataset's descriptions (RFC 8288), and to
    the description of the HTTP surface (rel="service-desc", RFC 8631)."""

    @app.after_request
    def link(response: Response) -> Response:
        if request.endpoint in {"home.index", "sparql.endpoint"}:
            existing = response.headers.get("Link")
            links = describedby_links(url_for)
            response.headers["Link"] = ", ".join(([existing] if existing else []) + links)
        return response


def describedby_links(address: Callable[[str], str]) -> list[str]:
    """The Link values naming the dataset's descriptions and the HTTP surface's, their
    addresses built by ``address`` from an endpoint's name."""
    return [
        f'<{address("void.description")}>; rel="describedby"; type="text/turtle"',
        f'<{address("catalog.catalog")}>; rel="describedby"; type="text/turtle"',
        f'<{address("openapi.description")}>; rel="service-desc"; type="{openapi.MEDIA_TYPE}"',
    ]


def _live_data(config: Mapping[str, Any]) -> LiveData:
    """The served data: a given store (tests), a bare Oxigraph directory, or the live version
    of a built store, followed across swaps."""
    workers = int(config["QUERY_WORKERS"])
    cache_bytes = int(float(config["RESPONSE_CACHE_MB"]) * 2**20)

    def served(store: KnowledgeStore, name: str | None) -> ServedVersion:
        return ServedVersion(store, _query_runner(store, workers), ResponseCache(cache_bytes), name)

    given = config.get("KNOWLEDGE_STORE")
    if given is not None:
        return LiveData(served(given, None), None, lambda: served(given, None))
    root = Path(config["STORE"])
    if not (root / layout.LIVE).exists() and (root / "CURRENT").is_file():
        # A bare Oxigraph directory (``oxigraph load``): served as it is, never swapped.
        store = KnowledgeStore.open_directory(root, str(config["BASE_URI"]), DERIVATIONS)
        return LiveData(served(store, None), None, lambda: served(store, None))

    endpoint = str(config["SPARQL_ENDPOINT"])

    def open_live() -> ServedVersion:
        store = KnowledgeStore.open_live(root, DERIVATIONS)
        name = store.version_dir.name if store.version_dir else None
        if endpoint:
            # Queries go to the engine; the build's by-products are still read from disk.
            # No response cache: the engine's content may change (a push) under one version.
            store.store = RemoteStore(endpoint, float(config["QUERY_TIMEOUT"]))
            return ServedVersion(store, _query_runner(store, workers), ResponseCache(0), name)
        return served(store, name)

    live = LiveData(open_live(), root, open_live)
    atexit.register(live.close)
    return live


def _serve_one_version_per_request(app: Flask, *, live: LiveData) -> None:
    """Each request reads one version from start to end, streamed body included."""

    @app.before_request
    def use_current_version() -> None:
        if not holds_version():
            hold_version(live.acquire())

    @app.after_request
    def release_when_sent(response: Response) -> Response:
        version = let_go_of_version()
        if version is not None:
            response.call_on_close(lambda: live.release(version))
        return response

    @app.teardown_request
    def release_on_failure(_error: BaseException | None) -> None:
        version = let_go_of_version()
        if version is not None:
            live.release(version)


def _query_runner(store: KnowledgeStore, workers: int) -> InProcessQueries | ProcessQueries:
    # A remote engine evaluates (and times out) queries itself; only an embedded store on
    # disk needs worker processes.
    if store.path is None or isinstance(store.store, RemoteStore):
        return InProcessQueries(store.store)
    return ProcessQueries(str(store.path), size=workers)


def _compressible() -> list[str]:
    return [
        "text/html",
        "text/css",
        "text/plain",
        "text/csv",
        "text/tab-separated-values",
        "text/turtle",
        "application/json",
        "application/javascript",
        "application/ld+json",
        "application/n-triples",
        "application/n-quads",
        "application/rdf+xml",
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "application/xml",
    ]

"""The application factory: configuration layers, the store, blueprints, error handlers."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, url_for
from flask_compress import Compress
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from server import browse, caching, examples, health, home, ontology_docs, settings
from server.entities import views as entities
from server.entities.presentation import WORDS, reader_language
from server.errors import register_error_handlers
from server.harvest import catalog, crawlers, void
from server.harvest import dumps_view as dumps
from server.namespaces import project_prefixes
from server.reconcile import draft as reconcile_draft
from server.reconcile import v02 as reconcile
from server.search import views as search
from server.sparql import graph_store
from server.sparql import views as sparql
from server.sparql.workers import InProcessQueries, ProcessQueries
from server.store import KnowledgeStore
from server.web import STORE_EXTENSION

log = logging.getLogger(__name__)

# Headers a cross-origin client may read: caching, truncation, paging.
EXPOSED_HEADERS = [
    "ETag",
    "Last-Modified",
    "Link",
    "X-Result-Limit",
    "X-Result-Truncated",
    "Retry-After",
]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app.

    Configuration comes in layers: the defaults of ``server.settings``, then ``KG_*``
    environment variables, then ``config`` (tests pass overrides here). ``config`` may carry a
    ready ``KNOWLEDGE_STORE`` (tests use an in-memory store built from the same files);
    otherwise the live version under ``STORE`` is opened read-only.
    """
    app = Flask(__name__)
    app.config.from_mapping(settings.from_environment())
    if config:
        app.config.from_mapping(config)
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_BODY_BYTES"])
    proxies = int(app.config["PROXIES"])
    if proxies:
        # Behind a reverse proxy, absolute URLs use the public scheme, host and prefix.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_prefix=proxies
        )

    store = app.config.get("KNOWLEDGE_STORE")
    if store is None:
        store = KnowledgeStore.open_live(Path(app.config["STORE"]))
    app.extensions[STORE_EXTENSION] = store
    app.extensions["ftkg.queries"] = _query_runner(store, int(app.config["QUERY_WORKERS"]))
    app.config["PREFIXES"] = project_prefixes(store.base_uri)
    app.extensions["ftkg.examples"] = examples.load_all(Path(app.config["SOURCE_DIR"]) / "queries")

    # Reads are public: any origin may call them (Fetch standard's CORS protocol).
    CORS(app, origins="*", send_wildcard=True, expose_headers=EXPOSED_HEADERS, max_age=86400)
    # Compressed when the client accepts it; streamed responses are compressed as they go.
    app.config.setdefault("COMPRESS_MIMETYPES", _compressible())
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip", "deflate"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "gzip", "deflate"])
    app.config["COMPRESS_REGISTER"] = False
    compress = Compress(app)

    @app.after_request
    def compressed(response: Response) -> Response:
        # Dumps are files served as they are (their checksums are published, and byte ranges
        # must address the file): never re-encoded on the way.
        if request.blueprint == "dumps":
            return response
        return compress.after_request(response)

    _rate_limits(app)

    @app.context_processor
    def reader() -> dict[str, Any]:
        # Every page speaks the reader's language; views may still pass their own.
        lang = reader_language()
        return {"lang": lang, "words": WORDS[lang]}

    register_error_handlers(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(graph_store.bp)
    app.register_blueprint(entities.bp)
    app.register_blueprint(browse.bp)
    app.register_blueprint(ontology_docs.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(void.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(crawlers.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(reconcile.bp)
    app.register_blueprint(reconcile_draft.bp)
    caching.install(app)
    _describedby(app)
    log.info("serving data version %s (base %s)", store.data_version, store.base_uri)
    return app


def _describedby(app: Flask) -> None:
    """Link the home page and the endpoint to the dataset's descriptions (RFC 8288)."""

    @app.after_request
    def link(response: Response) -> Response:
        if request.endpoint in {"home.index", "sparql.endpoint"}:
            links = [
                f'<{url_for("void.description")}>; rel="describedby"; type="text/turtle"',
                f'<{url_for("catalog.catalog")}>; rel="describedby"; type="text/turtle"',
            ]
            existing = response.headers.get("Link")
            response.headers["Link"] = ", ".join(([existing] if existing else []) + links)
        return response


def _query_runner(store: KnowledgeStore, workers: int) -> InProcessQueries | ProcessQueries:
    if store.path is None:
        return InProcessQueries(store.store)
    runner = ProcessQueries(str(store.path), size=workers)
    atexit.register(runner.close)
    return runner


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


def _rate_limits(app: Flask) -> None:
    limit = str(app.config["RATE_LIMIT"]).strip()
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config.get("RATE_LIMIT_STORAGE", "memory://"),
        headers_enabled=True,
        enabled=bool(limit),
    )
    if limit:
        limiter.limit(limit)(sparql.bp)
        limiter.limit(limit)(graph_store.bp)
    app.extensions["ftkg.limiter"] = limiter

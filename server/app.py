"""The application factory: configuration layers, the store, blueprints, error handlers."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from server import examples, home, settings, sparql
from server.errors import register_error_handlers
from server.namespaces import project_prefixes
from server.store import KnowledgeStore
from server.web import STORE_EXTENSION

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app.

    Configuration comes in layers: the defaults of ``server.settings``, then ``KG_*``
    environment variables, then ``config`` (tests pass overrides here). ``config`` may carry a
    ready ``KNOWLEDGE_STORE`` (tests use an in-memory store built from the same files);
    otherwise the live version under ``STORE`` is opened read-only.
    """
    app = Flask(__name__)
    app.config.from_mapping(settings.defaults())
    app.config.from_prefixed_env("KG")
    if config:
        app.config.from_mapping(config)

    store = app.config.get("KNOWLEDGE_STORE")
    if store is None:
        store = KnowledgeStore.open_live(Path(app.config["STORE"]))
    app.extensions[STORE_EXTENSION] = store
    app.config["PREFIXES"] = project_prefixes(store.base_uri)
    app.extensions["ftkg.examples"] = examples.load_all(Path(app.config["SOURCE_DIR"]) / "queries")

    register_error_handlers(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(sparql.bp)
    log.info("serving data version %s (base %s)", store.data_version, store.base_uri)
    return app

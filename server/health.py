"""Operators' endpoints: liveness and readiness, answered truthfully."""

from __future__ import annotations

import os

from flask import Blueprint, Response, jsonify

from server.web import knowledge_store, query_runner

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Response:
    """Liveness: the process answers. Also says which data version it serves."""
    store = knowledge_store()
    return jsonify({"status": "ok", "data_version": store.data_version})


@bp.get("/health/ready")
def ready() -> Response:
    """Readiness: the store answers a query, and the query workers are up."""
    store = knowledge_store()
    runner = query_runner()
    try:
        store_open = bool(store.query("ASK { ?s ?p ?o }"))
    except (OSError, ValueError):  # a remote engine that does not answer is a ValueError
        store_open = False
    body = {
        "status": "ready" if store_open else "unavailable",
        "store_open": store_open,
        "data_version": store.data_version,
        "built_at": store.built_at,
        "query_workers": runner.pids,
        "web_worker": os.getpid(),
    }
    response = jsonify(body)
    response.status_code = 200 if store_open else 503
    response.headers["Cache-Control"] = "no-store"
    return response

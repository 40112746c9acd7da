"""Helpers shared by the blueprints: reaching the app's store and its derived state."""

from __future__ import annotations

from flask import current_app

from server.store import KnowledgeStore

STORE_EXTENSION = "ftkg.store"


def knowledge_store() -> KnowledgeStore:
    """The store the current app serves (set up by ``create_app``)."""
    return current_app.extensions[STORE_EXTENSION]

"""Helpers shared by the blueprints: reaching the app's store and its derived state."""

from __future__ import annotations

from flask import current_app

from server.build import layout
from server.search.index import SearchIndex
from server.store import KnowledgeStore

STORE_EXTENSION = "ftkg.store"


def knowledge_store() -> KnowledgeStore:
    """The store the current app serves (set up by ``create_app``)."""
    return current_app.extensions[STORE_EXTENSION]


def search_index() -> SearchIndex:
    """The search index of the store the current app serves.

    A built version has its index file beside the store; an in-memory store (tests, tools)
    gets one built in memory on first use.
    """
    store = knowledge_store()

    def open_index() -> SearchIndex:
        directory = store.version_dir
        if directory is not None:
            return SearchIndex.open(directory / layout.SEARCH_INDEX)
        return SearchIndex.in_memory(store.store, store.base_uri)

    return store.cached("search.index", open_index)

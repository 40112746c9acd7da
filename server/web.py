"""Helpers shared by the blueprints: reaching the data version a request is served from."""

from __future__ import annotations

from flask import current_app, g, has_request_context

from server.build import layout
from server.live import LiveData, ServedVersion
from server.search.index import SearchIndex, is_current
from server.sparql.workers import QueryRunner
from server.store import KnowledgeStore

LIVE_EXTENSION = "ftkg.live"
VERSION_KEY = "ftkg_version"


def live_data() -> LiveData:
    """The current app's served data and its swaps (set up by ``create_app``)."""
    return current_app.extensions[LIVE_EXTENSION]


def served() -> ServedVersion:
    """The version this request is served from: the one it started with, even after a swap."""
    if has_request_context():
        version = g.get(VERSION_KEY)
        if version is not None:
            return version
    return live_data().current


def knowledge_store() -> KnowledgeStore:
    """The store this request reads."""
    return served().store


def query_runner() -> QueryRunner:
    """The query workers of the version this request reads."""
    return served().queries


def search_index() -> SearchIndex:
    """The search index of the store this request reads.

    A built version has its index file beside the store; an in-memory store (tests, tools),
    or a version whose index predates this code, gets one built in memory on first use.
    """
    store = knowledge_store()

    def open_index() -> SearchIndex:
        directory = store.version_dir
        if directory is not None and is_current(directory / layout.SEARCH_INDEX):
            return SearchIndex.open(directory / layout.SEARCH_INDEX)
        return SearchIndex.in_memory(store.store, store.base_uri)

    return store.cached("search.index", open_index)

"""Helpers shared by the blueprints: reaching the data version a request is served from."""

from __future__ import annotations

from flask import current_app, g, has_request_context

from server.version.live import LiveData, ServedVersion
from server.version.search_index import SearchIndex
from server.version.store import KnowledgeStore
from server.version.workers import QueryRunner

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
    """The search index of the version this request reads."""
    return knowledge_store().search_index()

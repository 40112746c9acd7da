"""The store directory: complete versions side by side, and one symlink naming the live one.

    {root}/versions/{version}/oxigraph/     the Oxigraph (RocksDB) store of that version
    {root}/versions/{version}/build.json    what was built, from what, when
    {root}/versions/{version}/search.sqlite the search index of that version's names
    {root}/versions/{version}/statistics.json  its VoID statistics
    {root}/versions/{version}/documents.sqlite every entity's data documents, made at build
    {root}/versions/{version}/dumps/        its dumps, and manifest.json, their table
    {root}/versions/{version}/geography/    the geography graph's part of each whole-graph
                                            dump, kept for the next incremental build
    {root}/versions/{version}/files/data/   the documents as gzip files, for a front without
                                            Python (optional: ``server.pipeline.files``)
    {root}/versions/.staging-{version}/     a build in progress (never served)
    {root}/live -> versions/{version}       the version being served
    {root}/.build.lock                      held by the one build allowed at a time

A build writes only into its staging directory, renames it into ``versions/`` once complete
and valid, and then replaces the ``live`` symlink with ``rename(2)``, which is atomic: a reader
sees the old version or the new one, never half of one. A build that fails or is killed
leaves ``live`` untouched; its staging directory is removed now or by the next build.
Readers hold a shared lock on the version they serve, so pruning skips versions still in use.

This module names the places; ``server.pipeline.publish`` writes them, and the rest of
``server.version`` reads them.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

LIVE = "live"
VERSIONS = "versions"
STAGING_PREFIX = ".staging-"
BUILD_LOCK = ".build.lock"
READERS_LOCK = ".readers.lock"
METADATA = "build.json"
OXIGRAPH_DIR = "oxigraph"
DUMPS_DIR = "dumps"
SEARCH_INDEX = "search.sqlite"
# The tables of the search index this code writes and reads; 2: entity.successors.
SEARCH_INDEX_SCHEMA = 2
STATISTICS = "statistics.json"
DOCUMENTS = "documents.sqlite"
# The tables of the materialised documents this code writes and reads.
DOCUMENTS_SCHEMA = 3  # 2: bodies kept gzipped only; 3: each document's date and digest
DUMPS_TABLE = "manifest.json"  # in DUMPS_DIR
# The geography graph's gzip member of each dump of the whole graph, kept for the next
# incremental build: {extension}.gz, as server.pipeline.dumps writes them.
GEOGRAPHY_MEMBERS = "geography"
FILES_DIR = "files"
# An entity's path as the routes write it without percent-encoding ("commune/59350"): the
# documents made ready before Python (server.ready_documents) and written as files for a front
# (server.pipeline.files, server.front) are those at such paths, so that every address they
# carry is the routes' own.
PLAIN_ENTITY_PATH = r"[a-z][a-z-]*/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*"


@dataclass(frozen=True)
class Version:
    """One complete built version of the store."""

    directory: Path

    @property
    def name(self) -> str:
        """The version's directory name (timestamp and content hash)."""
        return self.directory.name

    @property
    def oxigraph_path(self) -> Path:
        """Where the Oxigraph store of this version lives."""
        return self.directory / OXIGRAPH_DIR

    @property
    def search_index_path(self) -> Path:
        """Where this version's search index lives."""
        return self.directory / SEARCH_INDEX

    @property
    def dumps_path(self) -> Path:
        """Where this version's dumps live."""
        return self.directory / DUMPS_DIR

    @property
    def documents_path(self) -> Path:
        """Where this version's materialised entity documents live."""
        return self.directory / DOCUMENTS

    @property
    def files_path(self) -> Path:
        """Where this version's documents are written as files, when they are."""
        return self.directory / FILES_DIR

    @property
    def statistics_path(self) -> Path:
        """Where this version's VoID statistics live."""
        return self.directory / STATISTICS


def live_version(root: Path) -> Version | None:
    """The version the ``live`` symlink names, or None when nothing was built yet."""
    link = root / LIVE
    if not link.is_symlink():
        return None
    target = (root / link.readlink()).resolve()
    return Version(target) if (target / METADATA).is_file() else None


@contextmanager
def reading(version: Version) -> Iterator[None]:
    """Hold a shared lock on ``version`` while serving it, so pruning leaves it alone."""
    with (version.directory / READERS_LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def versions(root: Path) -> list[Version]:
    """Every complete version under ``root``, newest first (the live one and those kept)."""
    directory = root / VERSIONS
    if not directory.is_dir():
        return []
    found = [
        Version(p)
        for p in directory.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / METADATA).is_file()
    ]
    return sorted(found, key=lambda v: v.name, reverse=True)

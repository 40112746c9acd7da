"""Reading the entity documents a build materialised: bodies by path, format and encoding.

``ftkg build`` writes page 1 of every entity's data document, in the formats crawlers ask for
gzipped, into a SQLite file beside the store (see ``server.pipeline.documents``),
so that a first request is answered with bytes read by key instead of a description gathered
and serialised. The file is read-only; SQLite connections are not shared between threads, so
each thread opens its own, and a forked process never reuses its parent's.

A version built before the file existed, or by older code, has none that this code reads:
``open_current`` then gives None and documents are rendered per request.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

from server.version import layout

READ_AHEAD_CHUNK = 2**20
# zlib's window for a gzip header and trailer (RFC 1952), as ``gzip.compress`` writes them.
GZIP_WBITS = 16 + zlib.MAX_WBITS


def inflate(packed: bytes) -> bytes:
    """A stored body as a client without gzip gets it."""
    return zlib.decompress(packed, wbits=GZIP_WBITS)


@dataclass(frozen=True)
class Entry:
    """What the build recorded of an entity besides its documents."""

    path: str  # under id/, e.g. commune/59350
    successor: str | None  # the path that replaces it, when all it is is an alias (a 301)
    next_page: bool  # whether its incoming links go on past page 1 (hydra:next, rel="next")


class Documents:
    """Every entity's page-1 data documents, as the build wrote them."""

    def __init__(self, path: Path) -> None:
        self._uri = f"file:{path}?mode=ro&immutable=1"
        self._local = threading.local()
        # Every connection opened, whatever thread uses it, so that closing the version
        # closes them all: each holds the file open, and a pruned version's disk space is
        # only freed once nothing does.
        self._connections: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        self._opening = threading.Lock()
        self._closed = threading.Event()
        _read_ahead(path, self._closed)
        meta = dict(self._db().execute("SELECT key, value FROM meta").fetchall())
        self.extensions: frozenset[str] = frozenset(meta["extensions"].split())
        self.built_at: str = meta["built_at"]
        self.base_uri: str = meta["base_uri"]

    @classmethod
    def open_current(cls, path: Path) -> Documents | None:
        """The file at ``path`` if it holds the tables this code reads, else None."""
        if not path.is_file():
            return None
        connection = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        except sqlite3.DatabaseError:
            return None
        finally:
            connection.close()
        if row is None or row[0] != str(layout.DOCUMENTS_SCHEMA):
            return None
        return cls(path)

    def _db(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            # Used by one thread only, but closed by whichever thread retires the version.
            connection = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            with self._opening:
                self._connections.append(connection)
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def close(self) -> None:
        """Close every connection and stop reading ahead; called once no request reads the
        version any more."""
        self._closed.set()
        with self._opening:
            for connection in self._connections:
                if self._pid == os.getpid():
                    connection.close()
            self._connections.clear()

    def body(self, path: str, extension: str, gzip: bool) -> bytes | None:
        """Page 1 of the document of ``path`` (``commune/59350``) in the format of
        ``extension`` (``ttl``), gzipped if ``gzip``; None when it was not materialised."""
        found = self.document(path, extension)
        if found is None:
            return None
        return found[0] if gzip else inflate(found[0])

    def document(self, path: str, extension: str) -> tuple[bytes, bool] | None:
        """Page 1 of the document, gzipped, and whether a page 2 follows; in one read."""
        row = (
            self._db()
            .execute(
                "SELECT body.gzipped, entity.next_page FROM body JOIN entity USING (path)"
                " WHERE path = ? AND extension = ?",
                (path, extension),
            )
            .fetchone()
        )
        return (bytes(row[0]), bool(row[1])) if row is not None else None

    def entry(self, path: str) -> Entry | None:
        """What the build recorded of the entity at ``path``; None if the graph has nothing
        about it."""
        row = (
            self._db()
            .execute("SELECT successor, next_page FROM entity WHERE path = ?", (path,))
            .fetchone()
        )
        return Entry(path, row[0], bool(row[1])) if row is not None else None

    def exists(self, path: str) -> bool:
        """Whether the graph states anything about the entity at ``path`` (``/id/{path}``)."""
        return self.entry(path) is not None

    def __len__(self) -> int:
        """How many entities the file records."""
        (count,) = self._db().execute("SELECT COUNT(*) FROM entity").fetchone()
        return int(count)


def _read_ahead(path: Path, stop: threading.Event) -> None:
    """Read the whole file once, in a thread of its own, so that the kernel keeps it in its
    page cache; ``stop`` ends the reading early (the version was closed).

    A document read from the cache costs 10-20 µs, one read from disk 100-450 µs (measured,
    random entities of the full geography): the first request for each entity, which is what
    this table is for, would otherwise pay the disk. ``posix_fadvise(WILLNEED)`` was tried and
    reads only the first 8 MB; a sequential read of the 0.43 GB takes about a second. The cached
    file is shared by every worker process, and the kernel drops it again under memory pressure
    like any cached file.
    """

    def read() -> None:
        chunk = bytearray(READ_AHEAD_CHUNK)
        with path.open("rb", buffering=0) as file:
            while not stop.is_set() and file.readinto(chunk):
                pass

    threading.Thread(target=read, name="documents read-ahead", daemon=True).start()

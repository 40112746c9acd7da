"""The data version an app serves, and the swap to a newer one without a failed request.

`ftkg build` swaps the ``live`` symbolic link to a new version atomically (rename(2)). Every
request starts by reading that link (one readlink(2), a few microseconds); when it names a
version other than the one served, the first request to notice opens the new version while
the others carry on with the old one, then new requests get the new version. A request keeps
the version it started with until its response has been sent, streamed bodies included; the
old version (its store handle, query workers, response cache and readers' lock) is closed
when its last request ends, and only then may a later build prune its directory.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from server.response_cache import ResponseCache
from server.version import layout
from server.version.store import KnowledgeStore
from server.version.workers import QueryRunner

log = logging.getLogger(__name__)


@dataclass
class ServedVersion:
    """One open version of the data with everything derived from it."""

    store: KnowledgeStore
    queries: QueryRunner
    responses: ResponseCache
    name: str | None = None  # the version directory's name; None when not swappable
    _users: int = 0
    _retired: bool = False
    _closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def enter(self) -> None:
        """A request starts using this version."""
        with self._lock:
            self._users += 1

    def leave(self) -> None:
        """A request is done with this version; close it if it was the last of a retired one."""
        with self._lock:
            self._users -= 1
            last = self._retired and self._users == 0
        if last:
            self._close()

    def retire(self) -> None:
        """No new request will use this version; close it once the running ones end."""
        with self._lock:
            self._retired = True
            idle = self._users == 0
        if idle:
            self._close()

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        log.info("closing data version %s", self.store.data_version)
        # Stopping query workers joins processes: off the request's thread.
        threading.Thread(target=self._shutdown, name="ftkg-retire", daemon=True).start()

    def _shutdown(self) -> None:
        self.queries.close()
        self.responses.clear()
        self.store.close()


VersionOpener = Callable[[], ServedVersion]


class LiveData:
    """The version to serve now; watches the store's ``live`` link when there is one."""

    def __init__(self, first: ServedVersion, root: Path | None, opener: VersionOpener) -> None:
        self._current = first
        self._link = str(root / layout.LIVE) if root is not None else None
        self._opener = opener
        self._swapping = threading.Lock()

    @property
    def current(self) -> ServedVersion:
        """The version new requests get (without counting a user)."""
        return self._current

    def acquire(self) -> ServedVersion:
        """The version for a new request, counted as in use until ``release``."""
        self._follow_live_link()
        while True:
            version = self._current
            version.enter()
            if version is self._current or not version._retired:
                return version
            version.leave()  # swapped between the read and the count: take the new one

    def release(self, version: ServedVersion) -> None:
        """The request that acquired ``version`` has finished."""
        version.leave()

    def _follow_live_link(self) -> None:
        if self._link is None or self._current.name is None:
            return
        try:
            if _target_name(self._link) == self._current.name:
                return
        except OSError:
            return  # mid-swap or removed: keep serving what is open
        # One request opens the new version; the others keep the old one meanwhile.
        if not self._swapping.acquire(blocking=False):
            return
        try:
            if _target_name(self._link) == self._current.name:
                return
            fresh = self._opener()
            old, self._current = self._current, fresh
        except Exception:
            log.exception("could not open the new data version; still serving the old one")
            return
        finally:
            self._swapping.release()
        log.info("now serving data version %s (was %s)", fresh.store.data_version, old.name)
        old.retire()

    def close(self) -> None:
        """Close the served version now (the process or the test is ending)."""
        with contextlib.suppress(Exception):
            self._current._retired = True
            self._current._shutdown()


def _target_name(link: str) -> str:
    """The name of the version directory ``link`` points to."""
    # os.readlink on a str: pathlib's readlink costs three times the system call (6.1 against
    # 1.9 µs), and every request reads the link.
    return os.readlink(link).rstrip("/").rpartition("/")[2]  # noqa: PTH115

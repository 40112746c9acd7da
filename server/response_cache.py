"""Finished responses kept in memory, for one data version, bounded in bytes.

A representation is a pure function of the data version and the request (see
``server.caching``), so once computed it can be sent again to anyone asking the same thing
of the same version, without reaching the store or rendering anything. Each web worker keeps
its own cache: sharing one across processes (memcached, Redis) would cost a network round
trip per hit, which is about what rendering a small document costs here.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

# What an entry costs beyond its body and key: the objects holding it.
ENTRY_OVERHEAD = 512


@dataclass(frozen=True)
class CachedResponse:
    """What is needed to send a response again: status, headers and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def cost(self, key: str) -> int:
        """Bytes this entry holds, counted against the cache's budget."""
        header_bytes = sum(len(name) + len(value) for name, value in self.headers)
        return len(self.body) + len(key) + header_bytes + ENTRY_OVERHEAD


class ResponseCache:
    """A least-recently-used map from request key to response, holding at most ``max_bytes``.

    A body above an eighth of the budget is never kept: one large result would otherwise
    push out hundreds of the small documents that make up most traffic.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self._entries: OrderedDict[str, CachedResponse] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether anything can be kept at all."""
        return self.max_bytes > 0

    @property
    def size(self) -> int:
        """Bytes held now (bodies, keys, headers and overhead)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> CachedResponse | None:
        """The response kept under ``key``, now the most recently used; None if absent."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, response: CachedResponse) -> bool:
        """Keep ``response`` under ``key`` if it fits, evicting the least recently used."""
        cost = response.cost(key)
        if not self.enabled or cost > self.max_bytes // 8:
            return False
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous.cost(key)
            self._entries[key] = response
            self._bytes += cost
            while self._bytes > self.max_bytes:
                evicted_key, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.cost(evicted_key)
        return True

    def clear(self) -> None:
        """Forget everything (the version is being closed)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

"""The build's by-products computed for a store that has none recorded (see
``server.version.derived``): the same functions the build runs, behind one object."""

from __future__ import annotations

import sqlite3
from typing import Any

import pyoxigraph as ox

from server.pipeline import search_index, statistics
from server.version.manifest import Counts


class BuildDerivations:
    """``server.version.derived.Derivations`` as the build computes them."""

    def counts(self, store: ox.Store) -> Counts:
        """The triples of the default graph and of each named graph."""
        return statistics.count(store)

    def dataset_statistics(self, store: ox.Store, base_uri: str) -> dict[str, Any]:
        """The VoID statistics (partitions, vocabularies, linksets)."""
        return statistics.compute(store, base_uri)

    def class_members(self, store: ox.Store) -> dict[str, int]:
        """Entities (IRIs) of each class, members of its subclasses included."""
        return statistics.class_members(store)

    def search_index(self, store: ox.Store, base_uri: str, database: sqlite3.Connection) -> int:
        """Fill the empty ``database`` with the search index; return how many entities."""
        return search_index.build(store, base_uri, database)


DERIVATIONS = BuildDerivations()

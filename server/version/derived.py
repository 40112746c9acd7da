"""What a built version records beside its store, when the store comes without those records.

A version built by ``ftkg build`` carries its triple counts (in its manifest), its VoID
statistics and its search index. A store opened otherwise (in memory for tests and tools, a
bare Oxigraph directory, a remote engine) has none, and they are computed from the store on
first use. Computing them is the pipeline's work: ``server.pipeline.derive.DERIVATIONS``
does it exactly as the build does, and whoever opens such a store (the app factory, the CLI,
the tests) hands it over. Reading never imports the pipeline.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Protocol

import pyoxigraph as ox

from server.version.manifest import Counts


class Derivations(Protocol):
    """Computes a version's by-products from its store, as the build would have recorded them."""

    def counts(self, store: ox.Store) -> Counts:
        """The triples of the default graph and of each named graph."""
        ...

    def dataset_statistics(self, store: ox.Store, base_uri: str) -> dict[str, Any]:
        """The VoID statistics (partitions, vocabularies, linksets)."""
        ...

    def class_members(self, store: ox.Store) -> dict[str, int]:
        """Entities (IRIs) of each class, members of its subclasses included."""
        ...

    def search_index(self, store: ox.Store, base_uri: str, database: sqlite3.Connection) -> int:
        """Fill the empty ``database`` with the search index; return how many entities."""
        ...


class NotRecorded(LookupError):
    """A by-product the version does not record, and nothing was given to compute it."""

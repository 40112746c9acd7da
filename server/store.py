"""The knowledge store the service reads: a pyoxigraph Store with its base URI and version."""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

import pyoxigraph as ox

from server.build import layout
from server.remote import RemoteStore

T = TypeVar("T")


@dataclass(frozen=True)
class Statistics:
    """How much the store holds."""

    triples: int
    graph_triples: dict[str, int]


def compute_statistics(store: ox.Store) -> Statistics:
    """Count the default graph's triples and every named graph's."""
    (total,) = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    per_graph = store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    return Statistics(
        int(total["n"].value), {row["g"].value: int(row["n"].value) for row in per_graph}
    )


class StoreUnavailableError(Exception):
    """No built store where one was expected; the message says how to build one."""


@dataclass
class KnowledgeStore:
    """A read-only view of one version of the graph.

    The default graph holds every distinct triple of all named graphs (see
    ``server.build.pipeline.load_quads``), so queries need no GRAPH clause and count each fact
    once; each named graph holds what one source states.
    """

    store: ox.Store | RemoteStore  # RemoteStore: the same interface, over HTTP
    base_uri: str
    data_version: str
    built_at: str | None = None
    path: Path | None = None  # the Oxigraph directory, for worker processes to open
    metadata: dict[str, Any] = field(default_factory=dict)
    _reader_lock: IO[str] | None = field(default=None, repr=False)
    _statistics: Statistics | None = field(default=None, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open_live(cls, root: Path) -> KnowledgeStore:
        """Open the live version under ``root`` read-only, holding its readers' lock."""
        version = layout.live_version(root)
        if version is None:
            raise StoreUnavailableError(
                f"no built store in {root}: run `ftkg build --store {root}` first"
            )
        metadata = version.metadata()
        lock = (version.directory / layout.READERS_LOCK).open("a")
        # A shared lock tells `ftkg build` not to prune this version while we serve it.
        fcntl.flock(lock, fcntl.LOCK_SH)
        try:
            store = ox.Store.read_only(str(version.oxigraph_path))
        except OSError as error:
            lock.close()
            raise StoreUnavailableError(f"cannot open {version.oxigraph_path}: {error}") from None
        return cls(
            store=store,
            base_uri=metadata["base_uri"],
            data_version=metadata["data_version"],
            built_at=metadata.get("built_at"),
            path=version.oxigraph_path,
            metadata=metadata,
            _reader_lock=lock,
        )

    def statistics(self) -> Statistics:
        """Triples in the default graph and in each named graph (recorded by the build)."""
        if self._statistics is None:
            recorded = self.metadata.get("graph_triples")
            if recorded is not None:
                self._statistics = Statistics(self.metadata["triples"], dict(recorded))
            else:
                self._statistics = compute_statistics(self.store)
        return self._statistics

    def query(
        self,
        sparql: str,
        substitutions: dict[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
    ) -> Any:
        """Run ``sparql``; relative IRIs in it resolve against the base URI.

        ``substitutions`` binds variables to terms before evaluation (never by pasting text).
        """
        bound = {ox.Variable(name): term for name, term in (substitutions or {}).items()}
        return self.store.query(sparql, base_iri=self.base_uri, substitutions=bound or None)

    def select(self, sparql: str, **bindings: ox.NamedNode | ox.Literal) -> list[dict[str, Any]]:
        """Rows of a SELECT query as dicts of variable name to term (unbound ones absent)."""
        solutions = self.query(sparql, bindings)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                term = solution[name]
                if term is not None:
                    row[name] = term
            rows.append(row)
        return rows

    @classmethod
    def open_directory(cls, directory: Path, base_uri: str) -> KnowledgeStore:
        """Open a bare Oxigraph directory built elsewhere (``oxigraph load``, another tool).

        It has none of a build's by-products (dumps, search index, recorded statistics): they
        are computed on demand or left out. Its data version is derived from the directory's
        files, so caches and ETags still change when its content does.
        """
        if not (directory / "CURRENT").is_file():
            raise StoreUnavailableError(
                f"{directory} is neither a store built by `ftkg build` (no {layout.LIVE} link) "
                "nor an Oxigraph directory (no CURRENT file)"
            )
        try:
            store = ox.Store.read_only(str(directory))
        except OSError as error:
            raise StoreUnavailableError(f"cannot open {directory}: {error}") from None
        digest = hashlib.sha256(str(directory.resolve()).encode())
        for item in sorted(directory.iterdir()):
            if item.is_file():
                stat = item.stat()
                digest.update(f"{item.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        return cls(
            store=store, base_uri=base_uri, data_version=digest.hexdigest()[:16], path=directory
        )

    @property
    def version_dir(self) -> Path | None:
        """The built version's directory (dumps, statistics); None for an in-memory store or a
        bare Oxigraph directory."""
        if self.path is None or not self.metadata:
            return None
        return self.path.parent

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per store: the data never changes under a given version, so
        what every visitor asks for (counts, listings' totals) is computed once."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def iri(self, relative: str) -> ox.NamedNode:
        """The absolute IRI of ``relative`` (``id/commune/59350``) under the base URI."""
        return ox.NamedNode(self.base_uri + relative)

    def close(self) -> None:
        """Release the readers' lock; the store itself closes when garbage-collected."""
        if self._reader_lock is not None:
            self._reader_lock.close()
            self._reader_lock = None

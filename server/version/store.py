"""The handle on one data version: its store, base URI and manifest, and its by-products.

Everything a surface reads of a version goes through a ``KnowledgeStore``: queries, the
recorded counts and statistics, the table of dumps, the search index. A version built by
``ftkg build`` has them on disk; a store opened without them gets them computed on first use
by the ``Derivations`` it was opened with (see ``server.version.derived``).
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar, cast

import pyoxigraph as ox

from server.remote import RemoteStore
from server.version import layout, statistics
from server.version.derived import Derivations, NotRecorded
from server.version.documents import Documents
from server.version.manifest import Counts, DumpFile, Manifest, ManifestError, read_dumps_table
from server.version.manifest import read_manifest as read_manifest_of
from server.version.search_index import SearchIndex, is_current
from server.version.statistics import Fanout

T = TypeVar("T")


class StoreUnavailableError(Exception):
    """No built store where one was expected; the message says how to build one."""


@dataclass
class KnowledgeStore:
    """A read-only view of one version of the graph.

    The default graph holds every distinct triple of all named graphs (see
    ``server.pipeline.build.load``), so queries need no GRAPH clause and count each fact
    once; each named graph holds what one source states.
    """

    store: ox.Store | RemoteStore  # RemoteStore: the same interface, over HTTP
    base_uri: str
    data_version: str
    built_at: str | None = None
    path: Path | None = None  # the Oxigraph directory, for worker processes to open
    manifest: Manifest | None = None  # None: not a version built by `ftkg build`
    derive: Derivations | None = field(default=None, repr=False)
    _reader_lock: IO[str] | None = field(default=None, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open_live(cls, root: Path, derive: Derivations | None = None) -> KnowledgeStore:
        """Open the live version under ``root`` read-only, holding its readers' lock.

        ``derive`` computes a by-product the version lacks (a search index older than this
        code reads)."""
        version = layout.live_version(root)
        if version is None:
            raise StoreUnavailableError(
                f"no built store in {root}: run `ftkg build --store {root}` first"
            )
        try:
            manifest = read_manifest_of(version.directory)
        except ManifestError as error:
            raise StoreUnavailableError(str(error)) from None
        lock = (version.directory / layout.READERS_LOCK).open("a")
        # A shared lock tells `ftkg build` not to prune this version while we serve it.
        fcntl.flock(lock, fcntl.LOCK_SH)
        try:
            store = ox.Store.read_only(str(version.oxigraph_path))
        except OSError as error:
            lock.close()
            raise StoreUnavailableError(f"cannot open {version.oxigraph_path}: {error}") from None
        opened = cls(
            store=store,
            base_uri=manifest.base_uri,
            data_version=manifest.data_version,
            built_at=manifest.built_at,
            path=version.oxigraph_path,
            manifest=manifest,
            derive=derive,
            _reader_lock=lock,
        )
        opened.documents()  # opened now, so that reading it ahead starts before any request
        return opened

    def statistics(self) -> Counts:
        """Triples in the default graph and in each named graph (recorded by the build)."""
        if self.manifest is not None:
            return self.manifest.counts
        return self.cached("counts", lambda: self._derivations().counts(self._engine()))

    def dataset_statistics(self) -> dict[str, Any]:
        """The VoID statistics the build recorded (computed on first use for other stores)."""

        def recorded_or_computed() -> dict[str, Any]:
            directory = self.version_dir
            recorded = statistics.read(directory) if directory is not None else None
            if recorded is not None:
                return recorded
            return self._derivations().dataset_statistics(self._engine(), self.base_uri)

        return self.cached("void.statistics", recorded_or_computed)

    def fanout(self) -> Fanout | None:
        """The largest fan-outs the build recorded (``server.sparql.bounds``); None for a store
        without recorded statistics, whose fan-outs are not computed on a request's path."""

        def recorded() -> Fanout | None:
            directory = self.version_dir
            found = statistics.read(directory) if directory is not None else None
            return Fanout.recorded(found) if found is not None else None

        return self.cached("fanout", recorded)

    def class_members(self) -> dict[str, int]:
        """Entities per class, as the build recorded them (older builds: counted once)."""
        recorded: dict[str, int] | None = self.dataset_statistics().get("class_members")
        if recorded is not None:
            return recorded
        return self.cached(
            "class_members", lambda: self._derivations().class_members(self._engine())
        )

    def dumps(self) -> list[DumpFile]:
        """The dumps of this version (none for a store not built by ``ftkg build``)."""
        directory = self.version_dir
        if directory is None:
            return []
        return self.cached("dumps", lambda: read_dumps_table(directory / layout.DUMPS_DIR))

    def search_index(self) -> SearchIndex:
        """The search index: the version's file, or one built in memory on first use for a
        store without a current one (in memory, a bare directory, an index older than this
        code)."""

        def open_index() -> SearchIndex:
            directory = self.version_dir
            if directory is not None and is_current(directory / layout.SEARCH_INDEX):
                return SearchIndex.open(directory / layout.SEARCH_INDEX)
            derive, engine = self._derivations(), self._engine()
            return SearchIndex.in_memory(
                lambda database: derive.search_index(engine, self.base_uri, database)
            )

        return self.cached("search.index", open_index)

    def documents(self) -> Documents | None:
        """The entity documents the build materialised, or None: a version built before them,
        a store that is not a built version, or queries sent to a remote engine (whose content
        may change under the version); documents are then rendered per request."""
        directory = self.version_dir
        if directory is None or not isinstance(self.store, ox.Store):
            return None
        return self.cached(
            "documents", lambda: Documents.open_current(directory / layout.DOCUMENTS)
        )

    def _derivations(self) -> Derivations:
        if self.derive is None:
            raise NotRecorded(
                "this store records no counts, statistics or search index, and was opened "
                "without Derivations to compute them (pass server.pipeline.derive.DERIVATIONS)"
            )
        return self.derive

    def _engine(self) -> ox.Store:
        # A RemoteStore answers the queries and quad patterns the derivations use.
        return self.store  # type: ignore[return-value]

    def query(
        self,
        sparql: str,
        substitutions: Mapping[str, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
    ) -> Any:
        """Run ``sparql``; relative IRIs in it resolve against the base URI.

        ``substitutions`` binds variables to terms before evaluation (never by pasting text).
        """
        bound = {ox.Variable(name): term for name, term in (substitutions or {}).items()}
        # Typed for both engines: pyoxigraph's stubs want a dict of exactly its own term union,
        # RemoteStore's a mapping of the narrower one these bindings are.
        return self.store.query(
            sparql, base_iri=self.base_uri, substitutions=cast(Any, bound or None)
        )

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
    def open_directory(
        cls, directory: Path, base_uri: str, derive: Derivations | None = None
    ) -> KnowledgeStore:
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
            store=store,
            base_uri=base_uri,
            data_version=digest.hexdigest()[:16],
            path=directory,
            derive=derive,
        )

    @property
    def version_dir(self) -> Path | None:
        """The built version's directory (dumps, statistics); None for an in-memory store or a
        bare Oxigraph directory."""
        if self.path is None or self.manifest is None:
            return None
        return self.path.parent

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per store: the data never changes under a given version, so
        what every visitor asks for (counts, listings' totals) is computed once."""
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    def iri(self, relative: str) -> ox.NamedNode:
        """The absolute IRI of ``relative`` (``id/commune/59350``) under the base URI."""
        return ox.NamedNode(self.base_uri + relative)

    def close(self) -> None:
        """Close the documents' connections and release the readers' lock; the store itself
        closes when garbage-collected."""
        documents = self._memo.get("documents")
        if isinstance(documents, Documents):
            documents.close()
        if self._reader_lock is not None:
            self._reader_lock.close()
            self._reader_lock = None

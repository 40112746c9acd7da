"""Incremental builds: start from the live version and redo only what changed inputs reach.

The official geography (about 700,000 statements from a pinned package) changes rarely; the
curated files change daily. When only curated files changed since the live version, the build:

1. copies the live version's store (a RocksDB checkpoint: hard links, milliseconds) instead of
   generating and loading the geography again;
2. replaces the curated statements by the new ones: the quads the previous build loaded from
   curated files are recorded beside its store (``curated.nq``), so the difference is exact,
   and a triple leaves the default graph only when no named graph states it any more;
3. re-makes the documents of the entities the difference can reach (``reached``) and copies
   every other document from the live version.

The result is the one a full build makes: the same quads, documents and statistics
(``tests/test_incremental_build.py`` builds both ways and compares). Anything else (the
shapes, a generator's inputs, the base URI, the builder's version) makes a full build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from server.entities import describe as describing
from server.pipeline import documents
from server.terms import Term
from server.version import layout
from server.version.manifest import ManifestError, read_manifest

CURATED = "curated.nq"  # in the version directory


@dataclass(frozen=True)
class Reuse:
    """The live version an incremental build starts from, and the curated files that changed."""

    version: layout.Version
    changed: tuple[str, ...]  # added, removed or edited, by path from the project root


@dataclass(frozen=True)
class Changes:
    """The curated quads (named graphs only) the new inputs remove and add."""

    removed: frozenset[ox.Quad]
    added: frozenset[ox.Quad]

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)


def plan(
    store_root: Path,
    base_uri: str,
    builder: str,
    digests: dict[str, str],
    pinned: Iterable[str],
) -> Reuse | str:
    """What a build can reuse of the live version under ``store_root``, or why it cannot.

    ``digests`` are the new inputs' (``inputs.file_digests``); ``pinned`` names those whose
    change needs a full build: the generators' manifests and the shapes.
    """
    live = layout.live_version(store_root)
    if live is None:
        return "no live version to start from"
    try:
        manifest = read_manifest(live.directory)
    except ManifestError as error:
        return f"the live version's manifest is unreadable ({error})"
    if not manifest.input_digests:
        return "the live version does not record its inputs' digests (built by an older ftkg)"
    if manifest.base_uri != base_uri:
        return f"the base URI changed (was {manifest.base_uri})"
    if manifest.builder != builder:
        return f"the builder changed (was {manifest.builder})"
    for name in sorted(pinned):
        if manifest.input_digests.get(name) != digests.get(name):
            return f"{name} changed"
    if not (live.directory / CURATED).is_file():
        return f"the live version has no {CURATED}"
    if not documents.is_current(live.documents_path):
        return "the live version's documents are missing or of an older table"
    names = set(digests) | set(manifest.input_digests)
    changed = tuple(sorted(n for n in names if digests.get(n) != manifest.input_digests.get(n)))
    return Reuse(live, changed)


def write_curated(directory: Path, quads: Iterable[ox.Quad]) -> None:
    """Record the curated quads a build loaded, for the next build to compare with."""
    ox.serialize(
        sorted((q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)), key=str),
        output=str(directory / CURATED),
        format=ox.RdfFormat.N_QUADS,
    )


def changes(previous: layout.Version, quads: Iterable[ox.Quad]) -> Changes:
    """What the new curated ``quads`` remove from and add to those the previous build loaded."""
    before = set(
        ox.parse(
            path=str(previous.directory / CURATED),
            format=ox.RdfFormat.N_QUADS,
            lenient=True,  # written by ``write_curated``: already checked once
        )
    )
    after = {q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    return Changes(frozenset(before - after), frozenset(after - before))


def apply(store: ox.Store, change: Changes) -> None:
    """Change ``store`` (a copy of the previous version's) as ``build.load`` would have loaded
    the new inputs: each quad in its named graph, each triple once in the default graph."""
    for quad in change.removed:
        store.remove(quad)
    store.extend(change.added)
    default = ox.DefaultGraph()
    for quad in change.removed:
        stated = any(
            not isinstance(q.graph_name, ox.DefaultGraph)
            for q in store.quads_for_pattern(quad.subject, quad.predicate, quad.object, None)
        )
        if not stated:
            store.remove(ox.Quad(quad.subject, quad.predicate, quad.object, default))
    store.extend(ox.Quad(q.subject, q.predicate, q.object, default) for q in change.added)
    # Oxigraph keeps a graph's name once its last quad is removed; a full build never had it.
    for graph in {q.graph_name for q in change.removed}:
        if isinstance(graph, ox.NamedNode | ox.BlankNode) and not next(
            store.quads_for_pattern(None, None, None, graph), None
        ):
            store.remove_graph(graph)


def to_validate(store: ox.Store, change: Changes) -> list[ox.NamedNode | ox.BlankNode]:
    """The focus nodes whose conformance to the shapes ``change`` can alter: the resources of
    each changed quad (their values and types changed), and every resource pointing to one of
    them (``sh:class``, ``sh:node`` and qualified shapes read the values' own statements)."""
    touched: set[ox.NamedNode | ox.BlankNode] = set()
    for quad in change.removed | change.added:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode | ox.BlankNode):
                touched.add(term)
    pointing = {
        quad.subject
        for node in touched
        for quad in store.quads_for_pattern(None, None, node, ox.DefaultGraph())
        if isinstance(quad.subject, ox.NamedNode | ox.BlankNode)
    }
    return sorted(touched | pointing, key=str)


def reached(store: ox.Store, change: Changes, base_uri: str) -> set[str]:
    """Every entity whose document ``change`` can alter, read from the changed ``store``.

    A document holds the entity's statements in every graph, the statements pointing to it,
    the statements about its blank nodes, the labels of every resource it links to (predicates
    included), its sources' descriptions and the editors' judgements on it
    (``server.entities.describe.assemble``). So the entities reached are those of each changed
    quad (subject and object); for a resource whose description changed (its labels, or its
    date and page as a source), every entity linked to it either way or through it as a
    predicate, and every entity its graphs state when it is a source; the owners of changed
    blank nodes; and, when anything changed, every entity the editors judged, whose
    judgements read labels and sources a few links away. Over-reaching costs a few
    milliseconds per entity; under-reaching would serve a stale document, so the test builds
    both ways.
    """
    default = ox.DefaultGraph()
    changed = change.removed | change.added
    found: set[str] = set()
    described: set[ox.NamedNode | ox.BlankNode] = set()
    for quad in changed:
        for term in (quad.subject, quad.object):
            if isinstance(term, ox.NamedNode):
                found.add(term.value)
        if isinstance(quad.subject, ox.NamedNode | ox.BlankNode):
            described.add(quad.subject)
    graphs = {
        q.subject
        for q in changed
        if q.predicate == describing.PROV_DERIVED and isinstance(q.subject, ox.NamedNode)
    }
    for node in described:
        for quad in store.quads_for_pattern(None, None, node, default):
            _add(found, store, quad.subject)
        for quad in store.quads_for_pattern(node, None, None, default):
            _add(found, store, quad.object)
        if isinstance(node, ox.NamedNode):
            for quad in store.quads_for_pattern(None, node, None, default):
                _add(found, store, quad.subject)
                _add(found, store, quad.object)
            # A source document: every graph derived from it cites it.
            for quad in store.quads_for_pattern(None, describing.PROV_DERIVED, node, default):
                if isinstance(quad.subject, ox.NamedNode):
                    graphs.add(quad.subject)
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, graph):
            _add(found, store, quad.subject)
    if change:
        for predicate in (describing.RDF_SUBJECT, describing.DCT_SUBJECT):
            for quad in store.quads_for_pattern(None, predicate, None, default):
                _add(found, store, quad.object)
    return found


def _add(found: set[str], store: ox.Store, term: Term) -> None:
    """Add ``term``, or for a blank node the resources pointing to it (its owners)."""
    if isinstance(term, ox.NamedNode):
        found.add(term.value)
    elif isinstance(term, ox.BlankNode):
        for quad in store.quads_for_pattern(None, None, term, ox.DefaultGraph()):
            if isinstance(quad.subject, ox.NamedNode):
                found.add(quad.subject.value)

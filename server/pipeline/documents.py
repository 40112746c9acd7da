"""Every entity's data document, made once at build, in bulk, beside the store.

A request for ``/data/{kind}/{key}.ttl`` used to gather the entity's description with a
request's worth of lookups (two SPARQL queries for its incoming links, one per label property
and linked resource, one per source) and serialise it: 2-4 ms, paid by every crawler on every
entity. Here the same descriptions are gathered for all entities at once, from a few passes
over the store:

1. one scan of the default graph, in subject order: the entities (IRIs under ``{base}id/``
   that are the subject of a statement, what ``/id/`` tests), the statements pointing to each
   (counted per property, the first page of 100 kept in the order the per-request query reads
   them), and the labels of every resource (the label properties in their order of
   preference);
2. one query for the editors' judgements of every judged entity; one pass over
   ``prov:wasDerivedFrom`` for every claim graph's source;
3. then, entity by entity in the same subject order, one range read of its statements in
   every graph (which graphs state each one), the description assembled by the very code a
   request uses (``server.entities.describe.assemble``), its triples made once by
   ``graph_document`` and named for each format, and its bodies by ``serialise_graph``.

What is written: for each entity, page 1 of its document in Turtle, JSON-LD and N-Triples,
gzipped (sent as they are, ``Content-Encoding: gzip``, to clients that accept it, and
inflated for the others in tens of microseconds), and
whether its incoming links go on to a page 2; for an entity that is only an alias of another
(a former commune code), the path of its successor instead (the 301). Later pages, RDF/XML
and the dataset formats (TriG, N-Quads, with named graphs instead of reification) are still
rendered per request: crawlers ask for page 1 in the three formats kept.

Why every format and not one canonical form converted at serve time: measured on entity
documents of the full geography, re-serialising stored N-Triples with pyoxigraph costs
(parse + write) 0.1-0.2 ms for Turtle but about 1 ms for JSON-LD, whose compaction with our
prefixes is Python (``server.results.jsonld``), and then each still needs compressing
(0.1 ms). Storing the three formats costs disk and no time per request; storing them gzipped
only, not also plain, divides that disk by about six (2.7 GB to 0.43 GB on the full
geography, measured) for an inflation of 10-40 µs per request from a client without gzip.

The documents name themselves by their canonical IRI under the base (``document_iri``), not by
the address a request reached, which is what makes them the same bytes on every host.
"""

from __future__ import annotations

import gzip
import hashlib
import multiprocessing
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from server import negotiation
from server.entities import describe as describing
from server.entities import documents
from server.namespaces import project_prefixes
from server.remote import with_rows
from server.terms import Term
from server.version import layout

DOCUMENTS = layout.DOCUMENTS
SCHEMA_VERSION = layout.DOCUMENTS_SCHEMA
MATERIALISED = (negotiation.TURTLE, negotiation.JSON_LD, negotiation.N_TRIPLES)
PAGE = documents.INCOMING_PAGE_SIZE
# Small bodies compress nearly as well at 6 as at 9, in half the time.
GZIP_LEVEL = 6
BATCH = 500  # rows written per executemany

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entity (
    path TEXT PRIMARY KEY,      -- under id/, e.g. commune/59350
    successor TEXT,             -- the path replacing it, when it is only an alias (a 301)
    next_page INTEGER NOT NULL, -- 1 when its incoming links go on past page 1
    modified TEXT,              -- the document's dct:modified (none for an alias)
    digest BLOB                 -- of its N-Triples: what the next build compares its own with
);
CREATE TABLE body (
    path TEXT NOT NULL,
    extension TEXT NOT NULL,    -- ttl, jsonld, nt
    gzipped BLOB NOT NULL,      -- the document, gzipped (RFC 1952)
    -- A rowid table: WITHOUT ROWID packs rows into the key's B-tree, where kilobyte bodies
    -- spill into overflow pages; the file was 2.6 times larger (1.1 GB against 0.43 GB).
    PRIMARY KEY (path, extension)
);
"""


@dataclass(frozen=True)
class Materialised:
    """What ``materialise`` wrote."""

    documents: int  # entities with documents
    aliases: int  # entities that are only another's former identifier
    bytes: int  # the file's size


class _Incoming:
    """The statements pointing to one resource: counted per property, page 1 kept."""

    __slots__ = ("counts", "first")

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.first: list[tuple[str, int, str]] = []  # (property, blank node 0 / IRI 1, subject)

    def add(self, predicate: str, subject: ox.NamedNode | ox.BlankNode) -> None:
        self.counts[predicate] = self.counts.get(predicate, 0) + 1
        # SPARQL 1.1 Query §15.1: ORDER BY puts blank nodes before IRIs.
        self.first.append((predicate, isinstance(subject, ox.NamedNode), subject.value))
        if len(self.first) >= 2 * PAGE:  # keep memory bounded by the page, not the in-degree
            self.first.sort()
            del self.first[PAGE:]

    def counted(self) -> list[tuple[str, int]]:
        """Per property, most first: ``INCOMING_COUNTS``'s order."""
        return sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))

    def page(self) -> list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode]]:
        """The first page, by property then subject: ``INCOMING``'s order."""
        return [
            (ox.NamedNode(s) if named else ox.BlankNode(s), ox.NamedNode(p))
            for p, named, s in sorted(self.first)[:PAGE]
        ]


@dataclass
class _Passes:
    """What the bulk passes found over the whole store (or the lookups for a few entities)."""

    entities: list[str]
    incoming: dict[str, _Incoming]
    label_of: Callable[[str], dict[str, str]]
    sources: dict[str, describing.Source]
    judgements: dict[str, list[ox.Quad]]


@dataclass(frozen=True)
class _Row:
    """One entity's row: its documents, or the path of its successor when it is an alias."""

    path: str
    successor: str | None
    next_page: bool
    modified: str | None
    digest: bytes | None
    bodies: list[tuple[str, bytes]]  # (extension, gzipped body)


class _Previous:
    """The documents of the version being replaced, read to keep each unchanged document's
    ``dct:modified``: it says when that document last changed, not when it was last made.

    Each document's date and digest, read in one pass (a few megabytes): looking each one up
    as it is made cost 150 µs a document on the full geography, 13 s a build (measured).
    """

    def __init__(self, path: Path | None) -> None:
        self._found: dict[str, tuple[str, bytes]] = {}
        if path is None or not is_current(path):
            return
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            self._found = {
                row[0]: (row[1], bytes(row[2]))
                for row in connection.execute(
                    "SELECT path, modified, digest FROM entity WHERE digest IS NOT NULL"
                )
            }
        finally:
            connection.close()

    def find(self, path: str) -> tuple[str, bytes] | None:
        """(modified, digest) of the document at ``path``, if it had one."""
        return self._found.get(path)


def _scan(store: ox.Store, base_uri: str) -> _Passes:
    """Entities, incoming links and labels, from one scan of the default graph."""
    prefix = base_uri + "id/"
    rank = {p.value: i for i, p in enumerate(describing.LABEL_PROPERTIES)}
    entities: list[str] = []
    incoming: dict[str, _Incoming] = {}
    candidates: dict[str, list[tuple[int, int, str, str]]] = {}
    seen = 0
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        subject, predicate, value = quad.subject, quad.predicate.value, quad.object
        if isinstance(subject, ox.NamedNode):
            iri = subject.value
            # The default graph is read in subject order: an entity's statements are adjacent.
            if iri.startswith(prefix) and (not entities or entities[-1] != iri):
                entities.append(iri)
            if predicate in rank and isinstance(value, ox.Literal):
                seen += 1
                candidates.setdefault(iri, []).append(
                    (rank[predicate], seen, value.language or "", value.value)
                )
        if (
            isinstance(value, ox.NamedNode)
            and value.value.startswith(prefix)
            and isinstance(subject, ox.NamedNode | ox.BlankNode)
        ):
            found = incoming.get(value.value)
            if found is None:
                found = incoming[value.value] = _Incoming()
            found.add(predicate, subject)
    labels: dict[str, dict[str, str]] = {}
    for iri, found_labels in candidates.items():
        # ``labels_of``: the first label property first, then each property's values in the
        # store's order; the first label of each language wins.
        by_language: dict[str, str] = {}
        for _, _, language, label in sorted(found_labels):
            by_language.setdefault(language, label)
        labels[iri] = by_language
    return _Passes(entities, incoming, lambda iri: labels.get(iri, {}), {}, {})


def _first(store: ox.Store, subject: ox.NamedNode, predicate: ox.NamedNode) -> Term | None:
    for quad in store.quads_for_pattern(subject, predicate, None, ox.DefaultGraph()):
        return quad.object
    return None


def _sources(
    store: ox.Store, label_of: Callable[[str], dict[str, str]]
) -> dict[str, describing.Source]:
    """Every claim graph with a source, as ``describe.source_of`` reads it."""
    found: dict[str, describing.Source] = {}
    for quad in store.quads_for_pattern(None, describing.PROV_DERIVED, None, ox.DefaultGraph()):
        graph = quad.subject
        if not isinstance(graph, ox.NamedNode) or graph.value in found:
            continue  # the first value only, as ``first_value``
        document = quad.object
        if not isinstance(document, ox.NamedNode):
            found[graph.value] = describing.Source(graph.value, None, None, None, None)
            continue
        named = label_of(document.value)
        date = _first(store, document, describing.DCT_DATE)
        page = _first(store, document, describing.FOAF_PAGE)
        found[graph.value] = describing.Source(
            graph=graph.value,
            document=document.value,
            title=named.get("fr") or named.get("en") or next(iter(named.values()), None),
            date=date.value if isinstance(date, ox.Literal) else None,
            page=page.value if isinstance(page, ox.NamedNode) else None,
        )
    return found


def _judgements(
    store: ox.Store, base_uri: str, among: set[str] | None = None
) -> dict[str, list[ox.Quad]]:
    """The editors' statements about each judged entity (of ``among``, or of all), in one
    query for all of them."""
    # Judged: the subject of a claim or of a disagreement, as ``_judgement_quads`` tests.
    judged = {
        quad.object
        for predicate in (describing.RDF_SUBJECT, describing.DCT_SUBJECT)
        for quad in store.quads_for_pattern(None, predicate, None, ox.DefaultGraph())
        if isinstance(quad.object, ox.NamedNode) and (among is None or quad.object.value in among)
    }
    if not judged:
        return {}
    editors = ox.NamedNode(base_uri + describing.EDITORS_SOURCE)
    # The entities as one VALUES block, which Oxigraph pushes into every branch of the
    # UNION: 0.9 s for the 231 judged entities of the full data, where ?entity left free (or
    # a second VALUES block for ?editors) takes 24 s, measured.
    rows = [(entity, editors) for entity in sorted(judged, key=str)]
    query = with_rows(describing.ALL_JUDGEMENTS, ("entity", "editors"), rows)
    grouped: dict[str, list[ox.Quad]] = {}
    for row in store.query(query, base_iri=base_uri):  # type: ignore[union-attr]
        quad = ox.Quad(row["node"], row["p"], row["o"], row["graph"])
        grouped.setdefault(row["entity"].value, []).append(quad)
    return {iri: describing.judgement_quads_of(quads) for iri, quads in grouped.items()}


def passes(store: ox.Store, base_uri: str) -> _Passes:
    """Every bulk pass over ``store``."""
    found = _scan(store, base_uri)
    found.sources = _sources(store, found.label_of)
    found.judgements = _judgements(store, base_uri)
    return found


def lookups(store: ox.Store, base_uri: str, iris: Iterable[str]) -> _Passes:
    """What ``passes`` finds, for the entities among ``iris`` only, by index lookups: an
    incremental build re-makes the few documents a change reaches, not every one."""
    prefix = base_uri + "id/"
    entities = [
        iri
        for iri in sorted(set(iris))
        if iri.startswith(prefix)
        and next(store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.DefaultGraph()), None)
    ]
    incoming: dict[str, _Incoming] = {}
    for iri in entities:
        found = incoming[iri] = _Incoming()
        for quad in store.quads_for_pattern(None, None, ox.NamedNode(iri), ox.DefaultGraph()):
            if isinstance(quad.subject, ox.NamedNode | ox.BlankNode):
                found.add(quad.predicate.value, quad.subject)
    labels: dict[str, dict[str, str]] = {}

    def label_of(iri: str) -> dict[str, str]:
        if iri not in labels:
            labels[iri] = describing.labels_in(store, iri)
        return labels[iri]

    return _Passes(
        entities,
        incoming,
        label_of,
        _sources(store, label_of),
        _judgements(store, base_uri, set(entities)),
    )


def _rows(
    store: ox.Store,
    base_uri: str,
    built_at: str,
    found: _Passes,
    shard: tuple[int, int],
    previous: _Previous,
) -> Iterator[_Row]:
    """The rows of the entities of ``shard`` (its index, the number of shards).

    A document whose content is what ``previous`` holds keeps its ``dct:modified`` there; one
    that is new or changed gets ``built_at``. Full and incremental builds follow the same rule,
    so they make the same bytes.
    """
    index, shards = shard
    prefix = base_uri + "id/"
    prefixes = project_prefixes(base_uri)
    dataset = base_uri + documents.DATASET_KEY
    no_links = _Incoming()

    def labels(iris: set[str]) -> dict[str, dict[str, str]]:
        return {iri: found.label_of(iri) for iri in iris}

    def source(graph: str) -> describing.Source:
        return found.sources.get(graph) or describing.Source(graph, None, None, None, None)

    for position, iri in enumerate(found.entities):
        if position % shards != index:
            continue
        path = iri[len(prefix) :]
        entity = ox.NamedNode(iri)
        quads = list(store.quads_for_pattern(entity, None, None, None))
        default = [q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)]
        replaced = [
            q.object
            for q in default
            if q.predicate == describing.DCT_REPLACED_BY and isinstance(q.object, ox.NamedNode)
        ]
        # An alias (all it says is that something replaces it) answers 301: no documents.
        if (
            replaced
            and replaced[0].value.startswith(prefix)
            and all(q.predicate == describing.DCT_REPLACED_BY for q in default)
        ):
            yield _Row(path, replaced[0].value[len(prefix) :], False, None, None, [])
            continue
        statements = describing.statements_of(quads)
        links = found.incoming.get(iri, no_links)
        description = describing.assemble(
            base_uri,
            iri,
            statements,
            links.counted(),
            links.page(),
            (1, PAGE),
            describing.blank_nodes_of(store, statements),
            found.judgements.get(iri, []),
            sources=source,
            labels=labels,
        )
        more = description.has_next_incoming_page
        graph = documents.graph_document(description, dataset)
        before = previous.find(path)
        modified = before[0] if before is not None else built_at

        nt = negotiation.N_TRIPLES
        # N-Triples first: it says every triple in order, so the same bytes as before mean the
        # same document in every format, and it keeps its date.
        bodies = {nt.extension: _written(graph, nt, base_uri, path, modified, more, prefixes)}
        digest = _digest(bodies[nt.extension])
        if before is not None and digest != before[1]:
            modified = built_at
            bodies[nt.extension] = _written(graph, nt, base_uri, path, modified, more, prefixes)
            digest = _digest(bodies[nt.extension])
        for fmt in MATERIALISED:
            if fmt.extension not in bodies:
                bodies[fmt.extension] = _written(
                    graph, fmt, base_uri, path, modified, more, prefixes
                )
        packed = [
            (fmt.extension, gzip.compress(bodies[fmt.extension], GZIP_LEVEL, mtime=0))
            for fmt in MATERIALISED
        ]
        yield _Row(path, None, more, modified, digest, packed)


def _digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()[:16]


def _written(
    graph: documents.GraphDocument,
    fmt: negotiation.Format,
    base_uri: str,
    path: str,
    modified: str,
    more: bool,
    prefixes: dict[str, str],
) -> bytes:
    """The document of ``path`` in ``fmt``, named by its own IRI in that format (and its next
    page's)."""
    own = documents.document_iri(base_uri, path, fmt.extension)
    following = documents.document_iri(base_uri, path, fmt.extension, 2) if more else None
    return documents.serialise_graph(graph.named(own, modified, following), fmt, prefixes)


def _write_rows(connection: sqlite3.Connection, rows: Iterator[_Row]) -> tuple[int, int]:
    made = aliases = 0
    entities: list[tuple[str, str | None, int, str | None, bytes | None]] = []
    bodies: list[tuple[str, str, bytes]] = []

    def flush() -> None:
        connection.executemany("INSERT INTO entity VALUES (?, ?, ?, ?, ?)", entities)
        connection.executemany("INSERT INTO body VALUES (?, ?, ?)", bodies)
        entities.clear()
        bodies.clear()

    for row in rows:
        entities.append((row.path, row.successor, int(row.next_page), row.modified, row.digest))
        if row.successor is not None:
            aliases += 1
        else:
            made += 1
        bodies += [(row.path, extension, packed) for extension, packed in row.bodies]
        if len(entities) >= BATCH:
            flush()
    flush()
    return made, aliases


def _create(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    # Written once into a staging directory and renamed into place when complete: a crash
    # leaves a file never served, so no journal is needed.
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.executescript(SCHEMA)
    return connection


def _write_shard(
    oxigraph_path: str,
    base_uri: str,
    built_at: str,
    shard: tuple[int, int],
    target: str,
    previous: str | None,
) -> tuple[int, int]:
    """In a process of its own: the passes, then the documents of one shard into ``target``."""
    store = ox.Store.read_only(oxigraph_path)
    connection = _create(Path(target))
    before = _Previous(Path(previous) if previous else None)
    with connection:
        found = passes(store, base_uri)
        counts = _write_rows(connection, _rows(store, base_uri, built_at, found, shard, before))
    connection.close()
    return counts


def is_current(path: Path) -> bool:
    """Whether ``path`` holds documents in the tables this code writes and reads."""
    if not path.is_file():
        return False
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == str(SCHEMA_VERSION)


def materialise(
    store: ox.Store | Path,
    base_uri: str,
    built_at: str,
    directory: Path,
    processes: int = 1,
    previous: Path | None = None,
) -> Materialised:
    """Write ``documents.sqlite`` into ``directory``: page 1 of every entity's document.

    ``store`` is an open store, or the directory of one to open read-only in ``processes``
    worker processes, each writing a share of the entities (each makes the bulk passes
    itself: they take seconds, and sharing their result between processes would cost more
    than that). A document gets ``built_at`` as its ``dct:modified``, unless the ``previous``
    version's documents hold it unchanged (then it keeps their date). The file appears
    complete or not at all.
    """
    final = directory / DOCUMENTS
    partial = directory / (DOCUMENTS + ".partial")
    if isinstance(store, ox.Store):
        connection = _create(partial)
        before = _Previous(previous)
        with connection:
            found = passes(store, base_uri)
            made, aliases = _write_rows(
                connection, _rows(store, base_uri, built_at, found, (0, 1), before)
            )
    else:
        shards = [directory / f"{DOCUMENTS}.shard{i}" for i in range(processes)]
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=processes, mp_context=spawn) as pool:
            futures = [
                pool.submit(
                    _write_shard,
                    str(store),
                    base_uri,
                    built_at,
                    (i, processes),
                    str(shard),
                    str(previous) if previous else None,
                )
                for i, shard in enumerate(shards)
            ]
            counted = [future.result() for future in futures]
        made, aliases = sum(c[0] for c in counted), sum(c[1] for c in counted)
        connection = _create(partial)
        with connection:
            for shard in shards:
                connection.execute("ATTACH DATABASE ? AS shard", (str(shard),))
                connection.execute("INSERT INTO entity SELECT * FROM shard.entity")
                connection.execute("INSERT INTO body SELECT * FROM shard.body ORDER BY path")
                connection.commit()
                connection.execute("DETACH DATABASE shard")
                shard.unlink()
    _write_meta(connection, base_uri, built_at)
    connection.close()
    partial.replace(final)
    return Materialised(made, aliases, final.stat().st_size)


def remake(
    oxigraph_path: Path,
    base_uri: str,
    built_at: str,
    directory: Path,
    previous: Path,
    iris: set[str],
) -> Materialised:
    """Write ``documents.sqlite`` into ``directory`` as the ``previous`` file with the
    documents of ``iris`` made again (and those of the entities among them that no longer
    exist removed): what ``materialise`` would write, when ``iris`` holds every entity whose
    document a change can reach (``server.pipeline.incremental.reached``). The store is
    opened read-only from ``oxigraph_path``.
    """
    store = ox.Store.read_only(str(oxigraph_path))
    final = directory / DOCUMENTS
    partial = directory / (DOCUMENTS + ".partial")
    shutil.copyfile(previous, partial)
    connection = sqlite3.connect(partial)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    prefix = base_uri + "id/"
    before = _Previous(previous)
    with connection:
        gone = [(iri[len(prefix) :],) for iri in iris if iri.startswith(prefix)]
        connection.executemany("DELETE FROM entity WHERE path = ?", gone)
        connection.executemany("DELETE FROM body WHERE path = ?", gone)
        found = lookups(store, base_uri, iris)
        _write_rows(connection, _rows(store, base_uri, built_at, found, (0, 1), before))
        connection.execute("DELETE FROM meta")
    _write_meta(connection, base_uri, built_at)
    (made,) = connection.execute("SELECT COUNT(*) FROM entity WHERE successor IS NULL").fetchone()
    (aliases,) = connection.execute(
        "SELECT COUNT(*) FROM entity WHERE successor IS NOT NULL"
    ).fetchone()
    connection.close()
    partial.replace(final)
    return Materialised(int(made), int(aliases), final.stat().st_size)


def _write_meta(connection: sqlite3.Connection, base_uri: str, built_at: str) -> None:
    with connection:
        meta = {
            "schema_version": str(SCHEMA_VERSION),
            "base_uri": base_uri,
            "built_at": built_at,
            "extensions": " ".join(fmt.extension for fmt in MATERIALISED),
        }
        connection.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())

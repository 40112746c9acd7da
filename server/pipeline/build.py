"""`ftkg build`: parse, generate, load into a staging store, validate, then swap it in.

Steps, each shown as progress:

1. parse every curated file (ontology, TriG); a syntax error stops with file and line;
2. run the generators (the official geography) from their pinned, integrity-checked inputs;
3. bulk-load everything into a staging store: each statement in its source's named graph, and
   once in the default graph, which is thus the RDF merge of all sources;
4. validate against ``ontology/shapes.ttl`` with two engines: pyshacl, the reference, over the
   curated data and the descriptions of every resource it mentions; and the same shapes
   compiled to SPARQL (``shacl_sparql``) over the whole store, the 760,000 generated
   statements included;
5. compute the VoID statistics (in a process of its own, during step 4), optimise, write the
   dumps and the search index beside the store (the index in its own process, while the
   dumps are written), then every entity's data document (``documents``);
6. publish: the staging directory becomes a version and ``live`` points at it.

Any failure before step 6 leaves the live version untouched.
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import rdflib

from server import __version__
from server.namespaces import project_prefixes, validate_base_uri
from server.pipeline import (
    completeness,
    countries,
    documents,
    dumps,
    files,
    geography,
    incremental,
    inputs,
    judgements,
    publish,
    search_index,
    shacl_sparql,
    validation,
)
from server.pipeline import statistics as dataset_statistics
from server.pipeline.errors import BuildError
from server.version import layout
from server.version.manifest import Manifest, ManifestError, read_manifest

Progress = Callable[[str], None]
BUILDER = f"ftkg {__version__}"
# A snapshot of the freshly loaded store, read while validation runs, removed after.
SNAPSHOT_DIR = "counting-snapshot"


def _silent(_: str) -> None:
    pass


@dataclass
class Prepared:
    """Inputs parsed and generated: everything needed to load and validate a store."""

    source_dir: Path
    base_uri: str
    files: list[inputs.InputFile]
    parsed: inputs.ParsedInputs
    derived: str = ""  # N-Quads text generated from the curated data (roster completeness)
    generated: list[str] = field(default_factory=list)  # N-Quads text, one per pinned generator
    generated_counts: dict[str, int] = field(default_factory=dict)

    def curated_quads(self) -> list[ox.Quad]:
        """The quads of the curated files and of what is generated from them alone."""
        derived = ox.parse(self.derived.encode("utf-8"), format=ox.RdfFormat.N_QUADS)
        return [*self.parsed.quads, *derived]


@dataclass(frozen=True)
class BuildResult:
    """What a successful build produced."""

    version: layout.Version
    triples: int
    quads: int
    graphs: int
    warnings: list[validation.ShapeResult]
    seconds: float
    timings: dict[str, float]
    reused: str | None = None  # the version an incremental build started from


class _Clock:
    """Times the build's steps and reports each as it starts."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self._step: str | None = None
        self._started = time.monotonic()

    def step(self, name: str, detail: str = "") -> None:
        self._close()
        self._step = name
        self._started = time.monotonic()
        self.progress(f"{name}{': ' + detail if detail else ''}")

    def _close(self) -> None:
        if self._step is not None:
            self.timings[self._step] = time.monotonic() - self._started

    def done(self) -> dict[str, float]:
        self._close()
        self._step = None
        return self.timings


def prepare(
    source_dir: Path, base_uri: str, clock: _Clock | None = None, *, pinned: bool = True
) -> Prepared:
    """Find and parse the curated inputs and run the generators (those of pinned packages
    unless ``pinned`` is false: an incremental build reuses what they made); stop at the
    first fault."""
    clock = clock or _Clock(_silent)
    try:
        base_uri = validate_base_uri(base_uri)
    except ValueError as error:
        raise BuildError(str(error)) from None
    source_dir = source_dir.resolve()
    files = inputs.discover(source_dir, base_uri)
    curated = [f for f in files if f.generator is None]
    clock.step("parse", f"{len(curated)} curated files")
    parsed = inputs.parse_all(files, base_uri, source_dir)
    clock.progress(f"  {len(parsed.quads)} curated quads")
    judgements.check(parsed, base_uri)
    prepared = Prepared(source_dir, base_uri, files, parsed)
    clock.step("generate", "roster completeness from the curated data")
    prepared.derived, rosters = completeness.generate(parsed.quads, base_uri)
    prepared.generated_counts["rosters"] = len(rosters)
    incomplete = sum(1 for r in rosters if r.missing)
    clock.progress(f"  {len(rosters)} rosters, {incomplete} with announced holders missing")
    for item in files if pinned else []:
        if item.generator == "decoupage-administratif":
            clock.step("generate", f"official geography from {item.display(source_dir)}")
            text, counts = geography.generate(geography.Manifest.read(item.path), base_uri)
            prepared.generated.append(text)
            prepared.generated_counts.update(counts)
            entries = ", ".join(f"{n} {name}" for name, n in counts.items())
            clock.progress(f"  {entries}")
        elif item.generator == "iso-3166-countries":
            clock.step("generate", f"countries from {item.display(source_dir)}")
            text, counts = countries.generate(countries.Manifest.read(item.path), base_uri)
            prepared.generated.append(text)
            prepared.generated_counts.update(counts)
            clock.progress(f"  {counts['countries']} countries")
    return prepared


def load(store: ox.Store, prepared: Prepared) -> None:
    """Load every quad into its named graph, and every triple into the default graph.

    The default graph is the RDF merge of all named graphs, materialised: queries without a
    GRAPH clause see every fact exactly once (SPARQL 1.1 Service Description §3.4,
    sd:UnionDefaultGraph), while each named graph keeps what one source states.
    """
    curated = prepared.parsed.quads
    store.bulk_extend(curated)
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in curated)
    for text in [prepared.derived, *prepared.generated]:
        # Generated text holds only IRIs the generator built from codes: skip re-checking them.
        store.bulk_load(text.encode("utf-8"), ox.RdfFormat.N_QUADS, lenient=True)


def validate(
    store: ox.Store,
    prepared: Prepared,
    clock: _Clock,
    focus: list[ox.NamedNode | ox.BlankNode] | None = None,
) -> list[validation.ShapeResult]:
    """Both validation passes; raise ``ShapeViolationError`` listing every violation.

    The SPARQL pass checks every focus node of the store, or only ``focus`` (an incremental
    build's: what its change can reach).
    """
    shapes_path = inputs.shapes_input(prepared.source_dir).path
    shapes = validation.load_shapes(shapes_path, prepared.base_uri)

    clock.step("validate (pyshacl)", "curated data and the resources it mentions")
    graph = validation.to_rdflib(prepared.parsed.quads)
    graph += _descriptions_of_mentioned(store, prepared.parsed.quads)
    results = validation.run_pyshacl(graph, shapes, prepared.parsed)

    if focus is None:
        clock.step("validate (SPARQL)", "every statement of the store")
    else:
        clock.step("validate (SPARQL)", f"the {len(focus):,} resources the changes reach")
    # Nothing reached, nothing to check: compiling would still query every target's subclasses.
    checks = shacl_sparql.compile_checks(shapes, store) if focus != [] else []
    findings = shacl_sparql.run_checks(checks, store, focus)
    results += [_result_of(finding, prepared) for finding in findings]
    clock.progress(f"  {len(checks)} constraint checks")

    unique = {(r.focus_node, r.path, r.constraint, r.value): r for r in results}
    results = sorted(
        unique.values(), key=lambda r: (r.files, r.focus_node, r.path or "", r.constraint)
    )
    if any(r.severity == "Violation" for r in results):
        raise validation.ShapeViolationError(results)
    return results


def _count_and_describe(
    oxigraph_path: str, base_uri: str, staged: str
) -> tuple[int, dict[str, int]]:
    """In a process of its own: the store's triple counts, and its VoID statistics and largest
    fan-outs written beside it. Returns (default graph triples, triples per named graph)."""
    store = ox.Store.read_only(oxigraph_path)
    counts = dataset_statistics.count(store)
    recorded = dataset_statistics.compute(store, base_uri)
    recorded["fanout"] = dataset_statistics.fanout(store)
    dataset_statistics.write(Path(staged), recorded)
    return counts.triples, counts.graph_triples


def _descriptions_of_mentioned(store: ox.Store, quads: list[ox.Quad]) -> rdflib.Graph:
    """Generated statements about the IRIs the curated data mentions (their types above all),
    so that pyshacl checks ``sh:class`` on links to territories as the full store would."""
    mentioned = {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
    mentioned |= {q.subject for q in quads if isinstance(q.subject, ox.NamedNode)}
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for iri in mentioned
        for q in store.quads_for_pattern(iri, None, None, ox.DefaultGraph())
    ]
    return validation.to_rdflib_triples(triples)


def _result_of(finding: shacl_sparql.Finding, prepared: Prepared) -> validation.ShapeResult:
    focus = finding.focus
    files = validation.files_for(
        prepared.parsed,
        focus.value,
        finding.check.path[1:-1]
        if finding.check.path and finding.check.path.startswith("<")
        else None,
        finding.value.value if finding.value is not None else None,
    )
    if not files:
        origin = geography.origin_of(focus.value, prepared.base_uri)
        generators = [f.display(prepared.source_dir) for f in prepared.files if f.generator]
        if origin and generators:
            files = (f"{generators[0]} ({origin})",)
    return validation.ShapeResult(
        severity="Violation",
        focus_node=f"<{focus.value}>" if isinstance(focus, ox.NamedNode) else str(focus),
        path=finding.check.path,
        constraint=finding.check.component,
        message=finding.check.message,
        value=str(finding.value) if finding.value is not None else None,
        files=files,
    )


def data_version(source_dir: Path, base_uri: str) -> str:
    """The digest of every input (the shapes included), the base URI and the builder's
    version."""
    try:
        base_uri = validate_base_uri(base_uri)
    except ValueError as error:
        raise BuildError(str(error)) from None
    source_dir = source_dir.resolve()
    files = inputs.discover(source_dir, base_uri)
    return inputs.content_hash(
        [*files, inputs.shapes_input(source_dir)], source_dir, f"{base_uri} {BUILDER}"
    )


# Above this many documents to make again, the bulk pass makes them all instead. Measured on
# the full geography: made again by lookups, in one process, a document costs 1.45 ms after a
# 1.2 s copy of the table; the bulk pass makes all 84,000 in 56 s on two. They break even near
# 38,000 documents; the limit stays well under it.
REMAKE_LIMIT = 20_000


def build(
    source_dir: Path,
    store_root: Path,
    base_uri: str,
    *,
    keep_versions: int = 2,
    progress: Progress = _silent,
    force: bool = True,
    dump_processes: int = 2,
    full: bool = False,
    now: datetime | None = None,
    export_files: bool | None = None,
) -> BuildResult | None:
    """Build a validated store from ``source_dir`` and make it the live version of ``store_root``.

    Nothing is served until everything succeeded; on any error the live version is untouched
    and ``BuildError`` says which file (and line) is at fault. Unless ``force``, nothing is
    done (and None returned) when the live version was built from exactly these inputs.
    When only curated files changed since the live version, its store and documents are
    reused (``server.pipeline.incremental``), unless ``full``: the result is the same.
    ``now`` is the build's time (the version's name and date), the clock's unless given.
    ``export_files``: also write the documents as files for a front without Python
    (``server.pipeline.files``); None: when the live version has them, so that a service
    behind such a front keeps them from one version to the next.
    """
    started = time.monotonic()
    clock = _Clock(progress)
    digest = data_version(source_dir, base_uri)
    base_uri = validate_base_uri(base_uri)
    source_dir = source_dir.resolve()
    live = layout.live_version(store_root)
    previous_files = live.directory if live is not None and files.exported(live.directory) else None
    if export_files is None:
        export_files = previous_files is not None
    if not force and live is not None and _built_from(live, digest):
        progress(f"up to date: {live.name} was built from these very inputs")
        if export_files and previous_files is None:
            with publish.build_lock(store_root):
                written = files.export(live.directory)
            progress(f"  its documents written as files: {written:,}")
        return None
    built_at = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = built_at.isoformat(timespec="seconds")
    version_name = f"{built_at:%Y%m%dT%H%M%SZ}-{digest[:12]}"
    with publish.build_lock(store_root):
        sources = [*inputs.discover(source_dir, base_uri), inputs.shapes_input(source_dir)]
        digests = inputs.file_digests(sources, source_dir)
        planned = _reusable(store_root, base_uri, digests, sources, source_dir, not full)
        reuse = planned if isinstance(planned, incremental.Reuse) else None
        if reuse is None:
            progress(f"full build: {planned}")
        else:
            changed = ", ".join(reuse.changed) or "none"
            progress(f"incremental build from {reuse.version.name}; changed: {changed}")
        prepared = prepare(source_dir, base_uri, clock, pinned=reuse is None)
        if reuse is not None:
            # What the pinned generators counted is what they made for the reused store.
            counted_before = read_manifest(reuse.version.directory).official_geography
            prepared.generated_counts = {**counted_before, **prepared.generated_counts}
        with publish.staging(store_root, version_name) as staged:
            store, change = _load_store(staged, prepared, reuse, clock)
            # The counts need only a read-only view of what was loaded, so they are made in a
            # process of their own beside validation and the dumps. On a snapshot (hard links,
            # made in milliseconds): RocksDB compacts the live files away under a reader.
            snapshot = staged / SNAPSHOT_DIR
            store.backup(str(snapshot))
            spawn = multiprocessing.get_context("spawn")
            with (
                ProcessPoolExecutor(max_workers=1, mp_context=spawn) as counter,
                ThreadPoolExecutor(max_workers=1) as beside,
            ):
                counted = counter.submit(
                    _count_and_describe, str(snapshot), prepared.base_uri, str(staged)
                )
                clock.progress("  counting the statistics beside the next steps, in a process")
                focus = incremental.to_validate(store, change) if change is not None else None
                warnings = validate(store, prepared, clock, focus)
                reached = (
                    incremental.reached(store, change, base_uri) if change is not None else None
                )
                if reuse is None:
                    # A copied store was optimised by the build that made it, and a few changed
                    # keys do not need all its files rewritten (2 s on the full data).
                    clock.step("optimize")
                    store.optimize()
                store.flush()
                del store  # releases RocksDB's lock: the dumps and documents open it read-only
                remade = None
                if reuse is not None and reached is not None and len(reached) <= REMAKE_LIMIT:
                    # A few documents: made in this process while the dumps keep the others
                    # busy, rather than after them.
                    remade = beside.submit(
                        _remake,
                        staged,
                        prepared.base_uri,
                        stamp,
                        reuse.version.documents_path,
                        reached,
                        previous_files if export_files else None,
                        export_files,
                    )
                kept = change is not None and _keeps_geography(change, prepared.base_uri)
                same_geography = reuse.version if reuse is not None and kept else None
                searchable = _dumps_and_index(
                    staged, prepared, version_name, dump_processes, clock, same_geography
                )
                if remade is not None:
                    also = ", and every document written as files" if export_files else ""
                    clock.step(
                        "documents", f"made again for {len(reached or ()):,} resources{also}"
                    )
                    made = remade.result()
                else:
                    # After the dumps, not beside them: both keep every core busy, so running
                    # them at once only interleaves the same work (and doubles the memory).
                    clock.step("documents", f"every entity's, {dump_processes} processes")
                    previous = live.documents_path if live is not None else None
                    made = documents.materialise(
                        staged / layout.OXIGRAPH_DIR,
                        prepared.base_uri,
                        stamp,
                        staged,
                        dump_processes,
                        previous=previous,
                    )
                    if export_files:
                        clock.step("files", "the documents as files, for a front")
                        files.export(staged, previous_files)
                clock.progress(
                    f"  {documents.DOCUMENTS}: {made.documents:,} entities, "
                    f"{made.aliases:,} aliases, {made.bytes:,} bytes"
                )
                clock.step("statistics", "VoID counts and partitions (waiting for them)")
                triples, graph_triples = counted.result()
            shutil.rmtree(snapshot)
            built = Manifest(
                version=version_name,
                data_version=digest,
                base_uri=prepared.base_uri,
                built_at=stamp,  # as the documents say
                builder=BUILDER,
                triples=triples,
                quads=sum(graph_triples.values()),
                named_graphs=len(graph_triples),
                graph_triples=graph_triples,
                official_geography=prepared.generated_counts,
                searchable_entities=searchable,
                inputs=tuple(f.display(prepared.source_dir) for f in prepared.files),
                input_digests=digests,
            )
            clock.step("publish")
            version = publish.publish(store_root, staged, built)
    removed = publish.prune(store_root, keep_versions)
    if removed:
        progress(f"removed old versions: {', '.join(removed)}")
    return BuildResult(
        version=version,
        triples=triples,
        quads=built.quads,
        graphs=built.named_graphs,
        warnings=warnings,
        seconds=time.monotonic() - started,
        timings=clock.done(),
        reused=reuse.version.name if reuse is not None else None,
    )


def _remake(
    staged: Path,
    base_uri: str,
    stamp: str,
    previous_documents: Path,
    reached: set[str],
    previous_files: Path | None,
    export_files: bool,
) -> documents.Materialised:
    """Make again the documents a change reached, then (if asked) write them all as files."""
    made = documents.remake(
        staged / layout.OXIGRAPH_DIR, base_uri, stamp, staged, previous_documents, reached
    )
    if export_files:
        files.export(staged, previous_files)
    return made


def _reusable(
    store_root: Path,
    base_uri: str,
    digests: dict[str, str],
    files: list[inputs.InputFile],
    source_dir: Path,
    allowed: bool,
) -> incremental.Reuse | str:
    """The live version an incremental build may start from, or why a full build is made."""
    if not allowed:
        return "asked for"
    # A change to these is not a change of statements: the store is made again.
    pinned = [
        f.display(source_dir)
        for f in files
        if f.generator is not None or f.path.name == inputs.SHAPES_FILE
    ]
    return incremental.plan(store_root, base_uri, BUILDER, digests, pinned)


def _load_store(
    staged: Path, prepared: Prepared, reuse: incremental.Reuse | None, clock: _Clock
) -> tuple[ox.Store, incremental.Changes | None]:
    """The staged store, loaded in full or changed from the reused version's; and, for the
    latter, the change."""
    oxigraph_path = staged / layout.OXIGRAPH_DIR
    curated = prepared.curated_quads()
    change = None
    if reuse is None:
        clock.step("load", str(staged))
        store = ox.Store(str(oxigraph_path))
        load(store, prepared)
    else:
        clock.step("load", f"{reuse.version.name}'s store, then the curated changes")
        ox.Store.read_only(str(reuse.version.oxigraph_path)).backup(str(oxigraph_path))
        store = ox.Store(str(oxigraph_path))
        change = incremental.changes(reuse.version, curated)
        incremental.apply(store, change)
        clock.progress(f"  {len(change.removed)} quads removed, {len(change.added)} added")
    incremental.write_curated(staged, curated)
    store.flush()
    return store, change


def _keeps_geography(change: incremental.Changes, base_uri: str) -> bool:
    """Whether ``change`` leaves the geography graph as it was (curated files could, in
    principle, state something in it)."""
    geography = ox.NamedNode(base_uri + dumps.GEOGRAPHY_GRAPH)
    return not any(q.graph_name == geography for q in change.removed | change.added)


def _dumps_and_index(
    staged: Path,
    prepared: Prepared,
    version_name: str,
    processes: int,
    clock: _Clock,
    same_geography: layout.Version | None,
) -> int:
    """Write the dumps and the search index beside the staged store; the entities indexed.
    ``same_geography``: a version whose geography graph the staged store has unchanged."""
    clock.step("dumps and search index", f"{len(dumps.SPECS)} files, {processes} processes")
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as indexer:
        indexed = indexer.submit(
            search_index.write_from, staged / layout.OXIGRAPH_DIR, prepared.base_uri, staged
        )
        written = dumps.write_dumps(
            staged / layout.OXIGRAPH_DIR,
            staged / layout.DUMPS_DIR,
            version_name,
            prepared.base_uri,
            project_prefixes(prepared.base_uri),
            processes=processes,
            keep_geography=staged / layout.GEOGRAPHY_MEMBERS,
            reuse_geography=(
                same_geography.directory / layout.GEOGRAPHY_MEMBERS if same_geography else None
            ),
        )
        searchable = indexed.result()
    clock.progress(f"  {search_index.SEARCH_INDEX}: {searchable:,} named entities")
    for dump in written:
        clock.progress(f"  {dump.file}: {dump.bytes:,} bytes, {dump.statements:,} statements")
    return searchable


def _built_from(version: layout.Version, digest: str) -> bool:
    """Whether ``version`` was built from the inputs of ``digest`` (an unreadable manifest:
    no, so it is rebuilt)."""
    try:
        same_inputs = read_manifest(version.directory).data_version == digest
    except ManifestError:
        return False
    # A version built before the documents this code serves from (or with an older table)
    # is made again: served as it is, every document would be rendered per request.
    return same_inputs and documents.is_current(version.documents_path)


def build_in_memory(source_dir: Path, base_uri: str) -> ox.Store:
    """Parse, generate, load and validate everything into an in-memory store (tests, tools).

    The same steps as ``build``, minus the directory swap: what tests query is what ships.
    """
    clock = _Clock(_silent)
    prepared = prepare(source_dir, base_uri, clock)
    store = ox.Store()
    load(store, prepared)
    validate(store, prepared, clock)
    return store


__all__ = ["BuildError", "BuildResult", "build", "build_in_memory", "load", "prepare"]

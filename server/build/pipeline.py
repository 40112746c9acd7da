"""`ftkg build`: parse, validate, load into a new store directory, then swap it in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from server import __version__
from server.build import inputs, layout, validation
from server.build.errors import BuildError
from server.namespaces import validate_base_uri

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    """What a successful build produced."""

    version: layout.Version
    triples: int
    quads: int
    graphs: int
    warnings: list[validation.ShapeResult]
    seconds: float


def load_quads(store: ox.Store, quads: list[ox.Quad]) -> None:
    """Load ``quads`` into their named graphs, and each triple once into the default graph.

    The default graph is the RDF merge of all named graphs, materialised: queries without a
    GRAPH clause see every fact exactly once (SPARQL 1.1 Service Description §3.4,
    sd:UnionDefaultGraph), while each named graph keeps what one source states.
    """
    merged = {ox.Quad(q.subject, q.predicate, q.object) for q in quads}
    store.bulk_extend(quads)
    store.bulk_extend(merged)


@dataclass(frozen=True)
class Prepared:
    """Inputs parsed and validated: everything needed to load a store."""

    source_dir: Path
    base_uri: str
    files: list[inputs.InputFile]
    parsed: inputs.ParsedInputs
    warnings: list[validation.ShapeResult]


def prepare(source_dir: Path, base_uri: str, progress: Progress = lambda _: None) -> Prepared:
    """Find, parse and validate the inputs; raise ``BuildError`` at the first fault."""
    try:
        base_uri = validate_base_uri(base_uri)
    except ValueError as error:
        raise BuildError(str(error)) from None
    source_dir = source_dir.resolve()
    files = inputs.discover(source_dir, base_uri)
    progress(f"parsing {len(files)} files")
    parsed = inputs.parse_all(files, base_uri, source_dir)
    progress(f"parsed {len(parsed.quads)} quads")
    shapes_path = source_dir / inputs.ONTOLOGY_DIR / inputs.SHAPES_FILE
    progress(f"validating against {shapes_path.relative_to(source_dir)}")
    warnings = validation.validate(parsed, validation.load_shapes(shapes_path, base_uri))
    for warning in warnings:
        progress(f"warning: {warning.describe()}")
    return Prepared(source_dir, base_uri, files, parsed, warnings)


def count_triples(store: ox.Store) -> int:
    """Triples in the default graph, that is distinct triples over all named graphs."""
    solutions = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(next(iter(solutions))["n"].value)


def build(
    source_dir: Path,
    store_root: Path,
    base_uri: str,
    *,
    keep_versions: int = 2,
    progress: Progress = lambda _: None,
) -> BuildResult:
    """Build a validated store from ``source_dir`` and make it the live version of ``store_root``.

    Nothing is served until everything succeeded; on any error the live version is untouched
    and ``BuildError`` says which file (and line) is at fault.
    """
    started = time.monotonic()
    prepared = prepare(source_dir, base_uri, progress)
    source_dir, base_uri, files = prepared.source_dir, prepared.base_uri, prepared.files

    digest = inputs.content_hash(files, source_dir, f"{base_uri} ftkg {__version__}")
    built_at = datetime.now(UTC)
    version_name = f"{built_at:%Y%m%dT%H%M%SZ}-{digest[:12]}"
    with layout.build_lock(store_root), layout.staging(store_root, version_name) as staged:
        progress(f"loading into {staged}")
        store = ox.Store(str(staged / layout.OXIGRAPH_DIR))
        load_quads(store, prepared.parsed.quads)
        progress("optimizing the store")
        store.optimize()
        store.flush()
        triples = count_triples(store)
        graphs = sum(1 for _ in store.named_graphs())
        del store  # releases RocksDB's lock before the directory moves
        metadata = {
            "version": version_name,
            "data_version": digest,
            "base_uri": base_uri,
            "built_at": built_at.isoformat(timespec="seconds"),
            "builder": f"ftkg {__version__}",
            "triples": triples,
            "quads": len(set(prepared.parsed.quads)),
            "named_graphs": graphs,
            "inputs": [f.display(source_dir) for f in files],
        }
        version = layout.publish(store_root, staged, metadata)
    removed = layout.prune(store_root, keep_versions)
    if removed:
        progress(f"removed old versions: {', '.join(removed)}")
    return BuildResult(
        version=version,
        triples=triples,
        quads=metadata["quads"],
        graphs=graphs,
        warnings=prepared.warnings,
        seconds=time.monotonic() - started,
    )


def build_in_memory(source_dir: Path, base_uri: str) -> ox.Store:
    """Parse, validate and load everything into an in-memory store (tests, tools).

    The same steps as ``build``, minus the directory swap: what tests query is what ships.
    """
    prepared = prepare(source_dir, base_uri)
    store = ox.Store()
    load_quads(store, prepared.parsed.quads)
    return store


__all__ = ["BuildError", "BuildResult", "build", "build_in_memory", "load_quads", "prepare"]

"""The dumps `ftkg build` writes beside each store version, with their checksums and counts.

Each serialisation is written by its own process from the freshly built store, opened
read-only, so that the build's two cores work at once; dumps that differ only by compression
(JSON-LD, plain and gzipped) share one serialisation, written to both files as it is made.
File names carry the version: a dump never changes once published, and the previous versions
stay downloadable while they are kept.
"""

from __future__ import annotations

import gzip
import hashlib
import multiprocessing
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Protocol, cast

import pyoxigraph as ox

from server.terms import solutions
from server.version.manifest import DumpFile, write_dumps_table

GEOGRAPHY_GRAPH = "graph/official-geography"


class _Output(Protocol):
    """Where a serialisation goes: a file, or several at once."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


@dataclass(frozen=True)
class DumpSpec:
    """One dump to write: which part of the store, in which format."""

    key: str  # stable across versions: "nt.gz", "labels.nq.gz"…
    dataset: str  # "french-tech-kg" (everything) or "french-tech-labels" (without geography)
    format: str  # pyoxigraph RdfFormat name
    gzip: bool
    named_graphs: bool  # N-Quads: each statement in its source's graph
    title_fr: str
    title_en: str

    @property
    def extension(self) -> str:
        """The file extension, compression included."""
        ext = {"N_TRIPLES": "nt", "TURTLE": "ttl", "JSON_LD": "jsonld", "N_QUADS": "nq"}[
            self.format
        ]
        return ext + (".gz" if self.gzip else "")

    @property
    def stream(self) -> tuple[str, str, bool]:
        """What is serialised: dumps with the same stream differ only by compression."""
        return (self.dataset, self.format, self.named_graphs)

    def filename(self, version: str) -> str:
        """The versioned file name."""
        stem = "ftkg" if self.dataset == "french-tech-kg" else "ftkg-labels"
        return f"{stem}-{version}.{self.extension}"


SPECS = (
    DumpSpec(
        "nt.gz",
        "french-tech-kg",
        "N_TRIPLES",
        True,
        False,
        "Graphe complet (union des sources), N-Triples compressé",
        "Whole graph (union of the sources), gzipped N-Triples",
    ),
    DumpSpec(
        "ttl.gz",
        "french-tech-kg",
        "TURTLE",
        True,
        False,
        "Graphe complet (union des sources), Turtle compressé",
        "Whole graph (union of the sources), gzipped Turtle",
    ),
    DumpSpec(
        "jsonld",
        "french-tech-kg",
        "JSON_LD",
        False,
        False,
        "Graphe complet (union des sources), JSON-LD",
        "Whole graph (union of the sources), JSON-LD",
    ),
    DumpSpec(
        "jsonld.gz",
        "french-tech-kg",
        "JSON_LD",
        True,
        False,
        "Graphe complet (union des sources), JSON-LD compressé",
        "Whole graph (union of the sources), gzipped JSON-LD",
    ),
    DumpSpec(
        "nq.gz",
        "french-tech-kg",
        "N_QUADS",
        True,
        True,
        "Graphe complet, chaque fait dans le graphe nommé de sa source, N-Quads compressé",
        "Whole graph, each fact in its source's named graph, gzipped N-Quads",
    ),
    DumpSpec(
        "labels.nt.gz",
        "french-tech-kg-labels",
        "N_TRIPLES",
        True,
        False,
        "Labels, écosystèmes, personnes et sources (sans la géographie), N-Triples compressé",
        "Labels, ecosystems, people and sources (without the geography), gzipped N-Triples",
    ),
    DumpSpec(
        "labels.nq.gz",
        "french-tech-kg-labels",
        "N_QUADS",
        True,
        True,
        "Labels, écosystèmes, personnes et sources, dans les graphes de leurs sources, "
        "N-Quads compressé",
        "Labels, ecosystems, people and sources, in their sources' graphs, gzipped N-Quads",
    ),
)


def _statements(store: ox.Store, spec: DumpSpec, base_uri: str) -> Iterator[ox.Quad | ox.Triple]:
    """The statements of the curated dataset: every named graph but the geography's."""
    geography = ox.NamedNode(base_uri + GEOGRAPHY_GRAPH)
    graphs = sorted((g for g in store.named_graphs() if g != geography), key=lambda g: g.value)
    seen: set[ox.Triple] = set()  # without named graphs: their union, each triple once
    for graph in graphs:
        for quad in store.quads_for_pattern(None, None, None, graph):
            if spec.named_graphs:
                yield quad
                continue
            triple = ox.Triple(quad.subject, quad.predicate, quad.object)
            if triple not in seen:
                seen.add(triple)
                yield triple


class _Counting:
    def __init__(self, items: Iterator[ox.Quad | ox.Triple]) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[ox.Quad | ox.Triple]:
        for item in self.items:
            self.count += 1
            yield item


def _write_stream(
    store: ox.Store, spec: DumpSpec, base_uri: str, prefixes: dict[str, str], out: _Output
) -> int:
    """Serialise the dump into ``out``; return how many statements it holds."""
    fmt = getattr(ox.RdfFormat, spec.format)
    shown = prefixes if spec.format == "TURTLE" else None
    # pyoxigraph writes to anything with write(); its stubs ask for a binary file.
    output = cast(IO[bytes], out)
    if spec.dataset == "french-tech-kg" and not spec.named_graphs:
        # The whole union: Oxigraph's own dump, in Rust from end to end.
        store.dump(output, fmt, from_graph=ox.DefaultGraph(), prefixes=shown)
        return _count(store, None)
    if spec.dataset == "french-tech-kg":
        # Every named graph, none of the union copy: each graph dumped as N-Triples by
        # Oxigraph, its name appended to each line (N-Triples escapes newlines in literals,
        # so " .\n" ends a statement and nothing else).
        total = 0
        for graph in sorted(store.named_graphs(), key=lambda g: g.value):
            lines = cast(bytes, store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph))
            out.write(lines.replace(b" .\n", f" {graph} .\n".encode()))
            total += _count(store, graph)
        return total
    counter = _Counting(_statements(store, spec, base_uri))
    ox.serialize(cast(Iterable[ox.Triple], counter), output, fmt, prefixes=shown)
    return counter.count


def _count(store: ox.Store, graph: ox.NamedNode | ox.BlankNode | None) -> int:
    if graph is None:
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        (row,) = solutions(store.query(query))
    else:
        (row,) = solutions(
            store.query(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                substitutions={ox.Variable("g"): graph},
            )
        )
    return int(row["n"].value)


class _Tee:
    """One serialisation written to several files as it is produced."""

    def __init__(self, outputs: Sequence[_Output]) -> None:
        self.outputs = outputs

    def write(self, data: bytes) -> int:
        for output in self.outputs:
            output.write(data)
        return len(data)

    def flush(self) -> None:
        for output in self.outputs:
            output.flush()


def _write_stream_files(
    args: tuple[str, str, tuple[DumpSpec, ...], str, str, dict[str, str]],
) -> list[dict[str, object]]:
    """Serialise one stream once into the file of each of its specs; describe each file."""
    oxigraph_path, directory, specs, version, base_uri, prefixes = args
    store = ox.Store.read_only(oxigraph_path)
    paths = [Path(directory) / spec.filename(version) for spec in specs]
    with ExitStack() as files:
        outputs: list[_Output] = []
        for spec, path in zip(specs, paths, strict=True):
            raw = files.enter_context(path.open("wb"))
            if spec.gzip:
                # mtime=0: the same data gives the same bytes, hence the same checksum.
                compressed = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0)
                outputs.append(files.enter_context(compressed))
            else:
                outputs.append(raw)
        out = outputs[0] if len(outputs) == 1 else _Tee(outputs)
        count = _write_stream(store, specs[0], base_uri, prefixes, out)
    return [_describe(spec, path, count) for spec, path in zip(specs, paths, strict=True)]


def _describe(spec: DumpSpec, path: Path, count: int) -> dict[str, object]:
    """Checksum a written dump, write its ``.sha256`` sidecar, and say what it holds."""
    fmt = getattr(ox.RdfFormat, spec.format)
    digest = hashlib.sha256()
    with path.open("rb") as written:
        for block in iter(lambda: written.read(1 << 20), b""):
            digest.update(block)
    checksum = digest.hexdigest()
    # The sidecar in sha256sum's format, so `sha256sum -c` checks a download.
    (path.parent / (path.name + ".sha256")).write_text(
        f"{checksum}  {path.name}\n", encoding="utf-8"
    )
    media_type = "application/gzip" if spec.gzip else fmt.media_type
    return asdict(
        DumpFile(
            key=spec.key,
            dataset=spec.dataset,
            file=path.name,
            format=fmt.media_type,
            media_type=media_type,
            compressed=spec.gzip,
            bytes=path.stat().st_size,
            sha256=checksum,
            statements=count,
            title_fr=spec.title_fr,
            title_en=spec.title_en,
        )
    )


def write_dumps(
    oxigraph_path: Path,
    directory: Path,
    version: str,
    base_uri: str,
    prefixes: dict[str, str],
    processes: int = 2,
) -> list[DumpFile]:
    """Write every dump of ``SPECS`` into ``directory``, and its manifest."""
    directory.mkdir(parents=True, exist_ok=True)
    streams: dict[tuple[str, str, bool], tuple[DumpSpec, ...]] = {}
    for spec in SPECS:
        streams[spec.stream] = (*streams.get(spec.stream, ()), spec)
    jobs = [
        (str(oxigraph_path), str(directory), specs, version, base_uri, prefixes)
        for specs in streams.values()
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes=max(1, processes)) as pool:
        written = pool.map(_write_stream_files, jobs, chunksize=1)
    described = [item for items in written for item in items]
    by_key = {item["key"]: DumpFile(**item) for item in described}  # type: ignore[arg-type]
    files = [by_key[spec.key] for spec in SPECS]
    write_dumps_table(directory, files)
    return files

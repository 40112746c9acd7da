"""The dumps `ftkg build` writes beside each store version, with their checksums and counts.

The dumps are written by processes of their own from the freshly built store, opened
read-only, so that the build's two cores work at once; dumps that differ only by compression
(JSON-LD, plain and gzipped) share one serialisation, written to both files as it is made.
The whole graph's three formats share one read of it (``_Union``).
File names carry the version: a dump never changes once published, and the previous versions
stay downloadable while they are kept.
"""

from __future__ import annotations

import gzip
import hashlib
import io
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


class _Union:
    """The union graph (the store's default graph), read from the store once for the dumps of
    all its formats.

    Reading it from RocksDB costs about as much in every format (2.7 to 3 s on the full data,
    measured: each term's text is looked up), where an in-memory copy loads in under 2 s and
    then writes Turtle in 0.4 s and JSON-LD in 0.7 s. N-Triples is what is read, so its dump is
    those bytes; the copy writes the others in its own order, which depends only on the
    statements (the same bytes for the same data, in every process).
    """

    def __init__(self, store: ox.Store) -> None:
        self._store = store
        self._n_triples: bytes | None = None
        self._memory: ox.Store | None = None
        self._count: int | None = None

    def n_triples(self) -> bytes:
        """The union in N-Triples, in the store's order."""
        if self._n_triples is None:
            dumped = self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            self._n_triples = cast(bytes, dumped)
        return self._n_triples

    def count(self) -> int:
        """How many triples the union holds."""
        if self._count is None:
            self._count = _count(self._store, None)
        return self._count

    def write(self, fmt: ox.RdfFormat, output: IO[bytes], prefixes: dict[str, str] | None) -> None:
        """The union in ``fmt`` into ``output``."""
        if fmt == ox.RdfFormat.N_TRIPLES:
            output.write(self.n_triples())
            return
        if self._memory is None:
            self._memory = ox.Store()
            self._memory.bulk_load(self.n_triples(), format=ox.RdfFormat.N_TRIPLES)
        self._memory.dump(output, fmt, from_graph=ox.DefaultGraph(), prefixes=prefixes)


def _write_stream(
    store: ox.Store,
    union: _Union,
    spec: DumpSpec,
    base_uri: str,
    prefixes: dict[str, str],
    out: _Output,
) -> int:
    """Serialise the dump into ``out``; return how many statements it holds."""
    fmt = getattr(ox.RdfFormat, spec.format)
    shown = prefixes if spec.format == "TURTLE" else None
    # pyoxigraph writes to anything with write(); its stubs ask for a binary file.
    output = cast(IO[bytes], out)
    if _is_union(spec):
        union.write(fmt, output, shown)
        return union.count()
    counter = _Counting(_statements(store, spec, base_uri))
    ox.serialize(cast(Iterable[ox.Triple], counter), output, fmt, prefixes=shown)
    return counter.count


def _write_named_graphs(
    store: ox.Store, base_uri: str, path: Path, keep: Path | None, reuse: Path | None
) -> int:
    """The N-Quads dump of every named graph (none of the union copy) into ``path``, as gzip
    members: the graphs before the geography's, the geography's, the graphs after it (RFC 1952
    §2.2: a gzip file is a series of members, read as one stream). Returns its statements.

    The geography's member is kept at ``keep``; an incremental build, whose geography did not
    change, copies the previous version's (``reuse``) rather than dumping it again, which was
    four fifths of this dump's time (3.4 of 4.7 s on the full data, measured).
    """
    geography = ox.NamedNode(base_uri + GEOGRAPHY_GRAPH)
    graphs = sorted(store.named_graphs(), key=lambda g: g.value)
    before = [g for g in graphs if g.value < geography.value]
    after = [g for g in graphs if g.value > geography.value]
    members = [_member(store, before)] if before else []
    if geography in graphs:
        if reuse is not None and reuse.is_file():
            members.append((reuse.read_bytes(), _count(store, geography)))
        else:
            members.append(_member(store, [geography]))
        if keep is not None:
            keep.write_bytes(members[-1][0])
    if after:
        members.append(_member(store, after))
    path.write_bytes(b"".join(member for member, _ in members))
    return sum(count for _, count in members)


def _member(store: ox.Store, graphs: list[ox.NamedNode | ox.BlankNode]) -> tuple[bytes, int]:
    """One gzip member of ``graphs`` in N-Quads, and how many statements it holds."""
    buffer = io.BytesIO()
    total = 0
    # mtime=0 and no file name: the same graphs give the same bytes, in every version.
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0) as out:
        for graph in graphs:
            # Each graph dumped as N-Triples by Oxigraph, its name appended to each line
            # (N-Triples escapes newlines in literals, so " .\n" ends a statement and nothing
            # else).
            lines = cast(bytes, store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph))
            out.write(lines.replace(b" .\n", f" {graph} .\n".encode()))
            total += _count(store, graph)
    return buffer.getvalue(), total


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


@dataclass(frozen=True)
class _Job:
    """The streams one process writes, and where they go; picklable."""

    oxigraph_path: str
    directory: str
    streams: tuple[tuple[DumpSpec, ...], ...]
    version: str
    base_uri: str
    prefixes: dict[str, str]
    keep_geography: str | None  # where the geography's N-Quads member is kept
    reuse_geography: str | None  # a previous version's member of the same geography


def _write_streams(job: _Job) -> list[dict[str, object]]:
    """Serialise each stream once into the file of each of its specs; describe each file."""
    store = ox.Store.read_only(job.oxigraph_path)
    union = _Union(store)
    described: list[dict[str, object]] = []
    for specs in job.streams:
        paths = [Path(job.directory) / spec.filename(job.version) for spec in specs]
        if specs[0].dataset == "french-tech-kg" and specs[0].named_graphs:
            (path,) = paths
            keep, reuse = job.keep_geography, job.reuse_geography
            count = _write_named_graphs(
                store,
                job.base_uri,
                path,
                Path(keep) if keep else None,
                Path(reuse) if reuse else None,
            )
            described.append(_describe(specs[0], path, count))
            continue
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
            count = _write_stream(store, union, specs[0], job.base_uri, job.prefixes, out)
        described += [_describe(spec, path, count) for spec, path in zip(specs, paths, strict=True)]
    return described


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


def _is_union(spec: DumpSpec) -> bool:
    return spec.dataset == "french-tech-kg" and not spec.named_graphs


def write_dumps(
    oxigraph_path: Path,
    directory: Path,
    version: str,
    base_uri: str,
    prefixes: dict[str, str],
    processes: int = 2,
    keep_geography: Path | None = None,
    reuse_geography: Path | None = None,
) -> list[DumpFile]:
    """Write every dump of ``SPECS`` into ``directory``, and its manifest.

    The geography's part of the N-Quads dump is kept at ``keep_geography``, and taken from
    ``reuse_geography`` (what a previous version kept) when given: only for a store whose
    geography graph is the one that version had.
    """
    directory.mkdir(parents=True, exist_ok=True)
    streams: dict[tuple[str, str, bool], tuple[DumpSpec, ...]] = {}
    for spec in SPECS:
        streams[spec.stream] = (*streams.get(spec.stream, ()), spec)
    # The whole graph's formats in one job, sharing one read of it; every other stream in a
    # job of its own.
    union = tuple(s for s in streams.values() if _is_union(s[0]))
    others = [(s,) for s in streams.values() if not _is_union(s[0])]
    jobs = [
        _Job(
            str(oxigraph_path),
            str(directory),
            group,
            version,
            base_uri,
            prefixes,
            str(keep_geography) if keep_geography else None,
            str(reuse_geography) if reuse_geography else None,
        )
        for group in [union, *others]
    ]
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes=max(1, processes)) as pool:
        written = pool.map(_write_streams, jobs, chunksize=1)
    described = [item for items in written for item in items]
    by_key = {item["key"]: DumpFile(**item) for item in described}  # type: ignore[arg-type]
    files = [by_key[spec.key] for spec in SPECS]
    write_dumps_table(directory, files)
    return files

"""The dumps `ftkg build` writes beside each store version, with their checksums and counts.

The dumps are written by processes of their own from the freshly built store, opened
read-only, so that the build's two cores work at once; dumps that differ only by compression
(JSON-LD, plain and gzipped) share one serialisation.

Every dump of the whole graph is written in parts, each a gzip member (RFC 1952 §2.2: a gzip
file is a series of members, read as one stream): the official geography's, which is nine
tenths of the statements and changes only with its pinned package, and the rest. The
geography's members are kept beside the version (``layout.GEOGRAPHY_MEMBERS``); a build that
starts from that version with the same geography copies them instead of writing them again.
A full build and an incremental one thus write the same bytes.

File names carry the version: a dump never changes once published, and the previous versions
stay downloadable while they are kept.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import multiprocessing
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Protocol, cast

import pyoxigraph as ox

from server.terms import solutions
from server.version.manifest import DumpFile, write_dumps_table

GEOGRAPHY_GRAPH = "graph/official-geography"


class _Output(Protocol):
    """Where a serialisation goes: a file, plain or gzipped."""

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
    if not spec.named_graphs:
        yield from _merged(store, geography)
        return
    for graph in _other_graphs(store, geography):
        yield from store.quads_for_pattern(None, None, None, graph)


def _other_graphs(store: ox.Store, geography: ox.NamedNode) -> list[ox.NamedNode | ox.BlankNode]:
    return sorted((g for g in store.named_graphs() if g != geography), key=lambda g: g.value)


def _merged(store: ox.Store, geography: ox.NamedNode) -> Iterator[ox.Triple]:
    """The triples of every named graph but the geography's, each once: their RDF merge."""
    seen: set[ox.Triple] = set()
    for graph in _other_graphs(store, geography):
        for quad in store.quads_for_pattern(None, None, None, graph):
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


# The whole graph's dump formats, by the extension their members are kept under.
_UNION_EXTENSIONS = {"N_TRIPLES": "nt", "TURTLE": "ttl", "JSON_LD": "jsonld"}


def _gzipped(data: bytes) -> bytes:
    # mtime=0 and no file name: the same statements give the same bytes, in every version.
    return gzip.compress(data, compresslevel=6, mtime=0)


def _kept(directory: Path, extension: str) -> Path:
    """Where the geography's member of the ``extension`` dump is kept in ``directory``."""
    return directory / f"{extension}.gz"


@dataclass(frozen=True)
class _Part:
    """A part of the whole graph: the gzip member of it that each of the graph's dumps holds."""

    members: dict[str, bytes]  # by extension (nt, ttl, jsonld)
    count: int
    plain: dict[str, bytes] | None = None  # the members inflated, when they were made here


def _formats(n_triples: bytes, prefixes: dict[str, str]) -> dict[str, bytes]:
    """The statements of ``n_triples`` in each format of the whole graph's dumps; JSON-LD as
    its node objects, without the brackets of their array.

    Turtle and JSON-LD are written from an in-memory copy: reading RocksDB costs about as much
    in every format (each term's text is looked up), where the copy of the geography loads in
    1.5 s and then writes Turtle in 0.4 s and JSON-LD in 0.7 s (measured). The copy writes in
    its own order, which depends only on the statements: the same bytes in every process.
    """
    memory = ox.Store()
    memory.bulk_load(n_triples, format=ox.RdfFormat.N_TRIPLES)
    everything = ox.DefaultGraph()
    turtle = memory.dump(format=ox.RdfFormat.TURTLE, from_graph=everything, prefixes=prefixes)
    array = cast(bytes, memory.dump(format=ox.RdfFormat.JSON_LD, from_graph=everything))
    if not (array.startswith(b"[") and array.endswith(b"]")):
        raise RuntimeError(f"pyoxigraph wrote JSON-LD that is not an array: {array[:40]!r}…")
    return {"nt": n_triples, "ttl": cast(bytes, turtle), "jsonld": array[1:-1]}


class _Union:
    """The union graph (the store's default graph, the RDF merge of the named graphs) for the
    dumps of all its formats, in two parts: the geography graph's statements, then the others.

    The geography's part is read from the store and kept in ``keep``, or, when ``reuse``
    holds a previous version's part of the same geography, copied from there: the whole
    graph's four dumps then take 1.4 s instead of 8.7 s (measured on the full data).
    """

    def __init__(
        self,
        store: ox.Store,
        base_uri: str,
        prefixes: dict[str, str],
        keep: Path | None,
        reuse: Path | None,
    ) -> None:
        self._store = store
        self._geography = ox.NamedNode(base_uri + GEOGRAPHY_GRAPH)
        self._prefixes = prefixes
        self._keep = keep
        self._reuse = reuse
        self._parts: tuple[_Part, _Part] | None = None

    def parts(self) -> tuple[_Part, _Part]:
        """The geography's part, then the others'."""
        if self._parts is None:
            geography = self._geography_part()
            rest = self._rest_part(geography.count > 0)
            total = _count(self._store, None)
            if geography.count + rest.count != total:
                raise RuntimeError(
                    f"the default graph holds {total} triples, the merge of the named graphs "
                    f"{geography.count + rest.count}: it is no longer their merge"
                )
            self._parts = (geography, rest)
        return self._parts

    def count(self) -> int:
        """How many triples the union holds."""
        geography, rest = self.parts()
        return geography.count + rest.count

    def write(self, spec: DumpSpec, output: IO[bytes]) -> None:
        """The dump ``spec`` (of the union) into ``output``: each part's member, as it is or
        inflated."""
        extension = _UNION_EXTENSIONS[spec.format]
        for part in self.parts():
            if spec.gzip:
                output.write(part.members[extension])
            elif part.plain is not None:
                output.write(part.plain[extension])
            else:
                output.write(gzip.decompress(part.members[extension]))

    def _geography_part(self) -> _Part:
        present = self._store.contains_named_graph(self._geography)
        members = self._reused()
        if members is not None:
            part = _Part(members, _count(self._store, self._geography) if present else 0)
        else:
            dumped = b""
            if present:
                written = self._store.dump(
                    format=ox.RdfFormat.N_TRIPLES, from_graph=self._geography
                )
                dumped = cast(bytes, written)
            made = _formats(dumped, self._prefixes)
            # JSON-LD: the array opened, its node objects; the other part closes it.
            made["jsonld"] = b"[" + made["jsonld"]
            members = {extension: _gzipped(body) for extension, body in made.items()}
            # N-Triples: a statement a line (literals' line breaks are escaped).
            part = _Part(members, made["nt"].count(b"\n"), made)
        if self._keep is not None:
            for extension, member in members.items():
                _kept(self._keep, extension).write_bytes(member)
        return part

    def _reused(self) -> dict[str, bytes] | None:
        if self._reuse is None:
            return None
        paths = {
            extension: _kept(self._reuse, extension) for extension in _UNION_EXTENSIONS.values()
        }
        if not all(path.is_file() for path in paths.values()):
            return None  # kept by a build before these members were: written again
        return {extension: path.read_bytes() for extension, path in paths.items()}

    def _rest_part(self, after_geography: bool) -> _Part:
        rest: list[ox.Triple] = []
        for triple in _merged(self._store, self._geography):
            if ox.Quad(triple.subject, triple.predicate, triple.object, self._geography) in (
                self._store
            ):
                continue
            self._check_unshared(triple)
            rest.append(triple)
        made = _formats(ox.serialize(rest, format=ox.RdfFormat.N_TRIPLES) or b"", self._prefixes)
        comma = b"," if after_geography and rest else b""
        made["jsonld"] = comma + made["jsonld"] + b"]"
        members = {extension: _gzipped(body) for extension, body in made.items()}
        return _Part(members, len(rest), made)

    def _check_unshared(self, triple: ox.Triple) -> None:
        # Each part's Turtle and JSON-LD name blank nodes afresh: one in both parts would
        # become two. The generated geography states none, so this only guards that.
        for term in (triple.subject, triple.object):
            if not isinstance(term, ox.BlankNode):
                continue
            graph = self._geography
            if any(self._store.quads_for_pattern(term, None, None, graph)) or any(
                self._store.quads_for_pattern(None, None, term, graph)
            ):
                raise RuntimeError(
                    f"the blank node {term} is in the geography graph and in another: the "
                    "dumps of the whole graph, written in parts, cannot share it"
                )


def _write_stream(
    store: ox.Store,
    spec: DumpSpec,
    base_uri: str,
    prefixes: dict[str, str],
    out: _Output,
) -> int:
    """Serialise the curated dataset's dump ``spec`` into ``out``; return how many statements
    it holds."""
    fmt = getattr(ox.RdfFormat, spec.format)
    shown = prefixes if spec.format == "TURTLE" else None
    counter = _Counting(_statements(store, spec, base_uri))
    # pyoxigraph writes to anything with write(); its stubs ask for a binary file.
    ox.serialize(cast(Iterable[ox.Triple], counter), cast(IO[bytes], out), fmt, prefixes=shown)
    return counter.count


def _write_named_graphs(
    store: ox.Store, base_uri: str, path: Path, keep: Path | None, reuse: Path | None
) -> int:
    """The N-Quads dump of every named graph (none of the union copy) into ``path``, as gzip
    members: the graphs before the geography's, the geography's, the graphs after it. Returns
    its statements.

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


@dataclass(frozen=True)
class _Job:
    """The streams one process writes, and where they go; picklable."""

    oxigraph_path: str
    directory: str
    streams: tuple[tuple[DumpSpec, ...], ...]
    version: str
    base_uri: str
    prefixes: dict[str, str]
    keep_geography: str | None  # the directory where the geography's members are kept
    reuse_geography: str | None  # a previous version's such directory, of the same geography


def _write_streams(job: _Job) -> list[dict[str, object]]:
    """Write each stream into the file of each of its specs; describe each file."""
    store = ox.Store.read_only(job.oxigraph_path)
    keep = Path(job.keep_geography) if job.keep_geography else None
    reuse = Path(job.reuse_geography) if job.reuse_geography else None
    union = _Union(store, job.base_uri, job.prefixes, keep, reuse)
    described: list[dict[str, object]] = []
    for specs in job.streams:
        for spec in specs:
            path = Path(job.directory) / spec.filename(job.version)
            if _is_union(spec):
                with path.open("wb") as out:
                    union.write(spec, out)
                count = union.count()
            elif spec.dataset == "french-tech-kg":  # every named graph, in N-Quads
                count = _write_named_graphs(
                    store,
                    job.base_uri,
                    path,
                    _kept(keep, "nq") if keep else None,
                    _kept(reuse, "nq") if reuse else None,
                )
            else:
                with path.open("wb") as raw, _compressed(raw, spec.gzip) as out:
                    count = _write_stream(store, spec, job.base_uri, job.prefixes, out)
            described.append(_describe(spec, path, count))
    return described


@contextmanager
def _compressed(raw: IO[bytes], compress: bool) -> Iterator[_Output]:
    if not compress:
        yield raw
        return
    # mtime=0: the same data gives the same bytes, hence the same checksum.
    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as out:
        yield out


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

    The geography's members of the whole graph's dumps are kept in the directory
    ``keep_geography``, and taken from ``reuse_geography`` (what a previous version kept)
    when given: only for a store whose geography graph is the one that version had.
    """
    directory.mkdir(parents=True, exist_ok=True)
    if keep_geography is not None:
        keep_geography.mkdir(parents=True, exist_ok=True)
    streams: dict[tuple[str, str, bool], tuple[DumpSpec, ...]] = {}
    for spec in SPECS:
        streams[spec.stream] = (*streams.get(spec.stream, ()), spec)
    # The whole graph's formats in one job, sharing its parts; every other stream in a job of
    # its own.
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

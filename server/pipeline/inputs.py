"""Finding and parsing the build's input files, with errors that name the file and line."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

import pyoxigraph as ox

from server.namespaces import ontology_iri
from server.pipeline.errors import BuildError
from server.terms import term_value

ONTOLOGY_DIR = "ontology"
DATA_DIR = "data"
SHAPES_FILE = "shapes.ttl"

T = TypeVar("T")

# Data files must say which source states each fact, so they hold named graphs only.
DATA_FORMATS = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS}


@dataclass(frozen=True)
class InputFile:
    """One file of the build, and the graph its triples go to when the format has none.

    A generator manifest (JSON naming a ``generator``) has no RDF format: the build runs the
    named generator on what the manifest pins (see ``server.pipeline.geography``).
    """

    path: Path
    format: ox.RdfFormat | None
    graph: str | None = None  # None: the file names its own graphs (TriG, N-Quads)
    generator: str | None = None

    def display(self, root: Path) -> str:
        """The path as a person would type it from the project root."""
        try:
            return str(self.path.relative_to(root))
        except ValueError:
            return str(self.path)


@dataclass
class ParsedInputs:
    """Every quad of the build, with the index of the file each came from."""

    files: list[InputFile]
    root: Path
    quads: list[ox.Quad] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)

    def files_stating(
        self, subject: str, predicate: str | None = None, value: str | None = None
    ) -> list[Path]:
        """Input files holding a triple about ``subject`` (with that predicate and value).

        Scans every quad: it is only called to explain the few triples an error is about.
        """
        found = set()
        for quad, origin in zip(self.quads, self.origins, strict=True):
            if term_value(quad.subject) != subject:
                continue
            if predicate is not None and quad.predicate.value != predicate:
                continue
            if value is not None and term_value(quad.object) != value:
                continue
            found.add(self.files[origin].path)
        return sorted(found)


def discover(source_dir: Path, base_uri: str) -> list[InputFile]:
    """The ontology and data files under ``source_dir``, in a stable order.

    Ontology files (Turtle) go to the ontology's own graph; the shapes are not data and stay
    out. Data files are TriG or N-Quads, each fact inside the named graph of its source.
    """
    ontology_dir = source_dir / ONTOLOGY_DIR
    data_dir = source_dir / DATA_DIR
    for required in (ontology_dir, data_dir):
        if not required.is_dir():
            raise BuildError(f"{required}: directory not found (is --source the project root?)")
    files = [
        InputFile(path, ox.RdfFormat.TURTLE, ontology_iri(base_uri))
        for path in sorted(ontology_dir.glob("*.ttl"))
        if path.name != SHAPES_FILE
    ]
    for path in sorted(data_dir.rglob("*")):
        if path.suffix in DATA_FORMATS and path.is_file():
            files.append(InputFile(path, DATA_FORMATS[path.suffix]))
        elif path.suffix == ".json" and path.is_file():
            generator = _generator_of(path)
            if generator is not None:
                files.append(InputFile(path, None, generator=generator))
        elif path.suffix == ".ttl":
            raise BuildError(
                f"{path}: data files must be TriG (.trig) so that every fact sits in the "
                "named graph of the source that states it; wrap the triples in "
                "GRAPH <graph/...> { }"
            )
    return files


def shapes_input(source_dir: Path) -> InputFile:
    """The shapes the build validates against: an input of the build, but not data."""
    return InputFile(source_dir / ONTOLOGY_DIR / SHAPES_FILE, None)


GENERATORS = {"decoupage-administratif", "iso-3166-countries"}


def _generator_of(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None  # not a manifest; other JSON files under data/ are not inputs
    name = data.get("generator") if isinstance(data, dict) else None
    if name is None:
        return None
    if name not in GENERATORS:
        raise BuildError(
            f"{path}: unknown generator {name!r}; known: {', '.join(sorted(GENERATORS))}"
        )
    return str(name)


def content_hash(files: Iterable[InputFile], root: Path, base_uri: str) -> str:
    """A digest of the base URI and every input's name and bytes: the data version."""
    digest = hashlib.sha256(base_uri.encode())
    for item in files:
        digest.update(b"\0" + item.display(root).encode() + b"\0")
        digest.update(item.path.read_bytes())
    return digest.hexdigest()


def parse_all(files: list[InputFile], base_uri: str, root: Path) -> ParsedInputs:
    """Parse every RDF file against ``base_uri``; the first syntax error aborts with file and line.

    Generator manifests are skipped here: their output is produced and loaded separately.
    """
    parsed = ParsedInputs(files=list(files), root=root)
    for index, item in enumerate(files):
        if item.generator is not None:
            continue
        for quad in _parse_one(item, base_uri, root):
            parsed.quads.append(quad)
            parsed.origins.append(index)
    return parsed


def file_digests(files: Iterable[InputFile], root: Path) -> dict[str, str]:
    """Each input's SHA-256, by its path from the project root: what the next build compares
    to find which files changed."""
    return {
        item.display(root): hashlib.sha256(item.path.read_bytes()).hexdigest() for item in files
    }


class _BlankNodeNames:
    """Names a file's blank nodes by the file and their order of appearance in it.

    The parser's own names are random, so two builds of the same files would state different
    quads. These depend only on the file's path and text: a build is reproducible, and an
    incremental build finds an unchanged file's statements exactly where it left them.
    """

    def __init__(self, name: str) -> None:
        self._prefix = "f" + hashlib.sha256(name.encode()).hexdigest()[:8] + "n"
        self._names: dict[str, ox.BlankNode] = {}

    def __call__(self, term: T) -> T:
        if not isinstance(term, ox.BlankNode):
            return term
        named = self._names.get(term.value)
        if named is None:
            named = self._names[term.value] = ox.BlankNode(f"{self._prefix}{len(self._names)}")
        return cast(T, named)


def _parse_one(item: InputFile, base_uri: str, root: Path) -> Iterator[ox.Quad]:
    name = item.display(root)
    blank = _BlankNodeNames(name)
    try:
        parser = ox.parse(
            path=str(item.path), format=item.format, base_iri=base_uri, rename_blank_nodes=True
        )
        for parsed in parser:
            quad = ox.Quad(
                blank(parsed.subject),
                parsed.predicate,
                blank(parsed.object),
                blank(parsed.graph_name),
            )
            _refuse_malformed_entity_iris(quad, item, name, base_uri)
            if item.graph is not None:
                yield ox.Quad(quad.subject, quad.predicate, quad.object, ox.NamedNode(item.graph))
            elif isinstance(quad.graph_name, ox.DefaultGraph):
                subject = term_value(quad.subject)
                line = locate_line(item.path, subject, base_uri)
                raise BuildError(
                    f"{name}:{line}: the triple <{subject}> <{quad.predicate.value}> … "
                    "is outside any GRAPH block; put it in the named graph of the source that "
                    "states it"
                )
            else:
                yield quad
    except SyntaxError as error:
        line = error.lineno or "?"
        column = f":{error.offset}" if error.offset else ""
        raise BuildError(f"{name}:{line}{column}: syntax error: {error.msg}") from None
    except OSError as error:
        raise BuildError(f"{name}: cannot read: {error.strerror or error}") from None


def _refuse_malformed_entity_iris(quad: ox.Quad, item: InputFile, name: str, base: str) -> None:
    """A build error for an IRI under ``{base}id/`` that names no entity.

    DESIGN.md's URL space names an entity ``/id/{kind}/{key}``: an empty kind or key (``id//x``,
    ``id/award//x``, ``id/award/``) is a typo or a generator's missing variable, and the IRI
    would be dereferenceable by no route while the statement about it looked valid to every
    shape (it has no type, so no shape targets it).
    """
    prefix = base + "id/"
    for term in (quad.subject, quad.object, quad.graph_name):
        if not isinstance(term, ox.NamedNode) or not term.value.startswith(prefix):
            continue
        segments = term.value[len(prefix) :].split("/")
        if len(segments) >= 2 and all(segments):
            continue
        line = locate_line(item.path, term.value, base)
        raise BuildError(
            f"{name}:{line}: <{term.value}> names no entity: an entity's IRI is "
            f"{prefix}{{kind}}/{{key}}, with neither part empty"
        )


def locate_line(path: Path, iri: str, base_uri: str) -> int | str:
    """The first line of ``path`` that mentions ``iri`` (absolute or relative form), or '?'."""
    needles = [f"<{iri}>"]
    if iri.startswith(base_uri):
        needles.append(f"<{iri[len(base_uri) :]}>")
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                if any(needle in line for needle in needles):
                    return number
    except OSError:
        pass
    return "?"

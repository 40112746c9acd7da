"""What a version records about itself, as types: its manifest and its table of dumps.

``ftkg build`` writes them (``server.pipeline``) and everything that serves a version reads
them back (``server.version``): these types are the contract between the two, so a field is
named once, here, and never as a string key elsewhere. Reading validates: a file that is not
what this code expects fails at once with the file's path and what is wrong, rather than as a
``KeyError`` in the middle of a request.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from server.version import layout

# 1: the fields below. A manifest written before the field existed has the same ones.
SCHEMA_VERSION = 1


class ManifestError(ValueError):
    """A version's manifest or dumps table is missing, unreadable or not of this schema."""


@dataclass(frozen=True)
class Counts:
    """How much a store holds: its default graph's triples and each named graph's."""

    triples: int
    graph_triples: dict[str, int]


@dataclass(frozen=True)
class Manifest:
    """What was built, from what, when: the ``build.json`` of a version."""

    version: str  # the version directory's name
    data_version: str  # the digest of every input, the base URI and the builder's version
    base_uri: str
    built_at: str  # ISO 8601, seconds, UTC
    builder: str
    triples: int
    quads: int
    named_graphs: int
    graph_triples: dict[str, int]
    official_geography: dict[str, int]  # entities generated from the official geography
    searchable_entities: int
    inputs: tuple[str, ...]
    # Each input's SHA-256 by path, the shapes included: what an incremental build compares.
    # Absent from manifests written before it (read as empty: the next build is a full one).
    input_digests: dict[str, str] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    @property
    def counts(self) -> Counts:
        """The triple counts the build recorded."""
        return Counts(self.triples, dict(self.graph_triples))

    def to_json(self) -> str:
        """The manifest as ``build.json`` holds it."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class DumpFile:
    """A written dump and what a harvester needs to know of it."""

    key: str
    dataset: str
    file: str
    format: str
    media_type: str
    compressed: bool
    bytes: int
    sha256: str
    statements: int  # triples, or quads for N-Quads
    title_fr: str
    title_en: str


def read_manifest(directory: Path) -> Manifest:
    """The manifest of the version in ``directory``; ``ManifestError`` says what is wrong."""
    path = directory / layout.METADATA
    item = _json_object(path)
    schema = item.pop("schema_version", 1)
    if not isinstance(schema, int) or isinstance(schema, bool) or schema > SCHEMA_VERSION:
        raise ManifestError(
            f"{path}: schema version {schema!r}, this ftkg reads up to {SCHEMA_VERSION}: "
            "upgrade ftkg or rebuild with `ftkg build`"
        )
    values = _checked(path, item, Manifest)
    values["inputs"] = tuple(values["inputs"])
    return Manifest(**values, schema_version=schema)


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Record ``manifest`` in ``directory`` (a version being built)."""
    (directory / layout.METADATA).write_text(manifest.to_json(), encoding="utf-8")


def read_dumps_table(dumps_directory: Path) -> list[DumpFile]:
    """The dumps recorded in ``dumps_directory``'s table (none when there is no table)."""
    path = dumps_directory / layout.DUMPS_TABLE
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as error:
        raise ManifestError(
            f"{path}: not readable as JSON ({error}): rebuild with `ftkg build`"
        ) from None
    if not isinstance(items, list):
        raise ManifestError(f"{path}: a list of dumps was expected: rebuild with `ftkg build`")
    return [DumpFile(**_checked(path, item, DumpFile)) for item in items]


def write_dumps_table(dumps_directory: Path, files: list[DumpFile]) -> None:
    """Record the table of ``files`` in ``dumps_directory``."""
    (dumps_directory / layout.DUMPS_TABLE).write_text(
        json.dumps([asdict(f) for f in files], indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )


def _json_object(path: Path) -> dict[str, Any]:
    try:
        item = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: missing: rebuild with `ftkg build`") from None
    except (OSError, ValueError) as error:
        raise ManifestError(
            f"{path}: not readable as JSON ({error}): rebuild with `ftkg build`"
        ) from None
    if not isinstance(item, dict):
        raise ManifestError(f"{path}: a JSON object was expected: rebuild with `ftkg build`")
    return item


# What each field's JSON value must be, by the field's annotation.
_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "dict[str, int]": lambda v: (
        isinstance(v, dict) and all(isinstance(k, str) and isinstance(n, int) for k, n in v.items())
    ),
    "dict[str, str]": lambda v: (
        isinstance(v, dict) and all(isinstance(k, str) and isinstance(s, str) for k, s in v.items())
    ),
    "tuple[str, ...]": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
}


def _checked(path: Path, item: Any, kind: type[Manifest] | type[DumpFile]) -> dict[str, Any]:
    """The fields of ``kind`` from ``item``, each of the type its annotation says."""
    if not isinstance(item, dict):
        raise ManifestError(f"{path}: a JSON object was expected: rebuild with `ftkg build`")
    values = {}
    for spec in fields(kind):
        if spec.name == "schema_version":
            continue
        if spec.name not in item and spec.default_factory is not MISSING:
            continue
        if spec.name not in item:
            raise ManifestError(f"{path}: no {spec.name!r}: rebuild with `ftkg build`")
        value = item[spec.name]
        if not _CHECKS[str(spec.type)](value):
            raise ManifestError(
                f"{path}: {spec.name!r} is {value!r}, not of type {spec.type}: "
                "rebuild with `ftkg build`"
            )
        values[spec.name] = value
    return values

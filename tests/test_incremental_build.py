"""Incremental builds: after a change to curated files, the build starts from the live version
and redoes only what the change reaches, and what it publishes is what a full build would."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE, copy_sources

from server.pipeline.build import BuildResult, build
from server.version import layout

BEFORE = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
AFTER = datetime(2026, 12, 3, 17, 45, tzinfo=UTC)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path} no longer holds the text this test edits"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def relabel_a_person(src: Path) -> None:
    # Every file that names her, as the shapes want one French label.
    for path in (src / "data").rglob("*.trig"):
        text = path.read_text(encoding="utf-8")
        if 'rdfs:label "Fleur Pellerin"@fr' in text:
            edit(path, 'rdfs:label "Fleur Pellerin"@fr', 'rdfs:label "F. P."@fr')


def retitle_a_source(src: Path) -> None:
    edit(
        src / "data/sources.trig",
        'de Lille reconnu pour son excellence"@fr',
        'de Lille reconnu pour son excellence (titre revu)"@fr',
    )


def remove_a_file(src: Path) -> None:
    (src / "data/facts/journaldesfemmes-martine-aubry-2014.trig").unlink()


def add_a_file(src: Path) -> None:
    (src / "data/facts/added.trig").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "GRAPH <graph/journaldesfemmes-martine-aubry-2014> {\n"
        '    <id/commune/59350> skos:altLabel "Lille (Nord)"@fr .\n'
        "}\n",
        encoding="utf-8",
    )


def change_a_judgement(src: Path) -> None:
    edit(
        src / "data/editors/judgements.trig",
        "rdf:object time:Wednesday ;\n        ftkg:confidence <id/confidence/high>",
        "rdf:object time:Wednesday ;\n        ftkg:confidence <id/confidence/medium>",
    )


def rename_a_property(src: Path) -> None:
    # A property's label is in the document of every entity that uses it.
    path = src / "ontology/ftkg.ttl"
    text = path.read_text(encoding="utf-8")
    start = text.index("ftkg:inRound a owl:ObjectProperty")
    label = text.index('rdfs:label "', start) + len('rdfs:label "')
    path.write_text(text[:label] + "(renamed) " + text[label:], encoding="utf-8")


def comment_a_file(src: Path) -> None:
    path = src / "data/facts/people.trig"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n# A comment states nothing.\n", encoding="utf-8")


EDITS: dict[str, Callable[[Path], None]] = {
    "a comment added": comment_a_file,
    "a person relabelled": relabel_a_person,
    "a source retitled": retitle_a_source,
    "a file removed": remove_a_file,
    "a file added": add_a_file,
    "a judgement changed": change_a_judgement,
    "a property renamed in the ontology": rename_a_property,
}


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Sources and a store root whose live version was built from them, in full."""
    work = tmp_path_factory.mktemp("incremental")
    sources = copy_sources(work / "src")
    root = work / "store"
    build(sources, root, BASE, now=BEFORE)
    return sources, root


def root_copy(root: Path, tmp_path: Path) -> Path:
    """A copy of the store root ``root``, its live version and link included."""
    copy = tmp_path / "store"
    shutil.copytree(root, copy, symlinks=True)
    return copy


Builds = tuple[BuildResult, BuildResult]


@pytest.fixture(scope="module")
def both_ways(
    first: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[Callable[[Path], None]], Builds]:
    """``both_ways(change)``: the changed sources built from the same live version
    incrementally, then in full. Each change is built once for the module; the tests only
    read what it made."""
    made: dict[Callable[[Path], None], Builds] = {}

    def built(change: Callable[[Path], None]) -> Builds:
        if change not in made:
            made[change] = _both_ways(first, tmp_path_factory.mktemp("both-ways"), change)
        return made[change]

    return built


def _both_ways(first: tuple[Path, Path], tmp_path: Path, change: Callable[[Path], None]) -> Builds:
    sources, root = first
    changed = tmp_path / "src"
    shutil.copytree(sources, changed)
    change(changed)
    built = []
    for name, full in (("incremental", False), ("full", True)):
        copy = tmp_path / name
        shutil.copytree(root, copy, symlinks=True)
        result = build(changed, copy, BASE, now=AFTER, full=full)
        assert result is not None
        built.append(result)
    return built[0], built[1]


def quads(version: layout.Version) -> set[ox.Quad]:
    return set(ox.Store.read_only(str(version.oxigraph_path)))


def table(path: Path, query: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def document_rows(version: layout.Version) -> list[tuple[object, ...]]:
    return table(
        version.documents_path,
        "SELECT entity.*, body.extension, body.gzipped FROM entity LEFT JOIN body USING (path)"
        " ORDER BY path, extension",
    )


def dumped(version: layout.Version) -> dict[str, bytes]:
    return {
        path.name: gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for path in version.dumps_path.iterdir()
    }


@pytest.mark.parametrize("change", EDITS.values(), ids=EDITS.keys())
def test_an_incremental_build_publishes_what_a_full_build_does(both_ways, change):
    incremental, full = both_ways(change)
    assert incremental.reused is not None and full.reused is None
    left, right = incremental.version, full.version
    assert quads(left) == quads(right)
    assert document_rows(left) == document_rows(right)
    assert left.statistics_path.read_bytes() == right.statistics_path.read_bytes()
    assert (left.directory / layout.METADATA).read_bytes() == (
        right.directory / layout.METADATA
    ).read_bytes()
    assert dumped(left) == dumped(right)
    for name in ("meta", "entity", "name", "word"):  # the search index's own tables
        rows = f"SELECT * FROM {name} ORDER BY 1, 2"
        assert table(left.search_index_path, rows) == table(right.search_index_path, rows)


def test_an_incremental_build_makes_again_only_the_documents_a_change_reaches(both_ways):
    incremental, _ = both_ways(relabel_a_person)
    modified = dict(
        table(
            incremental.version.documents_path,
            "SELECT path, modified FROM entity WHERE successor IS NULL",
        )
    )
    changed = {path for path, date in modified.items() if date == AFTER.isoformat()}
    # The person, and the offices naming her; every other document is as it was, and says so.
    assert "person/fleur-pellerin" in changed
    assert any(path.startswith("membership/fleur-pellerin") for path in changed)
    assert "commune/59350" not in changed
    assert len(changed) < len(modified) / 20
    assert set(modified.values()) == {BEFORE.isoformat(), AFTER.isoformat()}


def test_a_change_that_states_nothing_new_makes_no_document_again(first, tmp_path):
    sources, root = first
    changed = tmp_path / "src"
    shutil.copytree(sources, changed)
    comment_a_file(changed)
    said: list[str] = []
    result = build(changed, root_copy(root, tmp_path), BASE, now=AFTER, progress=said.append)
    assert result is not None and result.reused is not None
    assert "documents: made again for 0 resources" in said
    dates = table(result.version.documents_path, "SELECT DISTINCT modified FROM entity")
    assert {date for (date,) in dates} - {None} == {BEFORE.isoformat()}


def test_an_incremental_build_takes_the_geographys_part_of_each_dump_from_the_live_version(
    first, tmp_path
):
    # The members are the same bytes either way; ones saying something else show that they
    # were taken, not written again from the store.
    sources, root = first
    copy = root_copy(root, tmp_path)
    kept = copy / layout.LIVE / layout.GEOGRAPHY_MEMBERS
    taken = f'<{BASE}id/commune/00000> <{BASE}ontology#p> "taken"'
    node = {"@id": f"{BASE}id/commune/00000", f"{BASE}ontology#p": [{"@value": "taken"}]}
    members = {
        "nq": f"{taken} <{BASE}graph/official-geography> .\n",
        "nt": f"{taken} .\n",
        "ttl": f"{taken} .\n",
        "jsonld": "[" + json.dumps(node),  # the array opened; the other part closes it
    }
    for extension, text in members.items():
        assert (kept / f"{extension}.gz").is_file()
        (kept / f"{extension}.gz").write_bytes(gzip.compress(text.encode(), mtime=0))
    changed = tmp_path / "src"
    shutil.copytree(sources, changed)
    add_a_file(changed)
    result = build(changed, copy, BASE, now=AFTER)
    assert result is not None and result.reused is not None
    written = dumped(result.version)
    for extension in ("nq", "nt", "ttl"):
        (name,) = [n for n in written if re.fullmatch(rf"ftkg-[0-9].*\.{extension}\.gz", n)]
        # In N-Quads the geography's graph comes in its name's order; elsewhere, first.
        assert members[extension] in written[name].decode()
        assert extension == "nq" or written[name].decode().startswith(members[extension])
    json_ld = [n for n in written if re.fullmatch(r"ftkg-[0-9].*\.jsonld(\.gz)?", n)]
    assert len(json_ld) == 2  # plain and gzipped
    for name in json_ld:
        assert json.loads(written[name])[0] == node


def test_an_unchanged_document_keeps_its_date_in_the_graph_and_the_table(both_ways):
    incremental, _ = both_ways(relabel_a_person)
    (body,) = table(
        incremental.version.documents_path,
        "SELECT gzipped FROM body WHERE path = 'commune/59350' AND extension = 'nt'",
    )[0]
    graph = ox.parse(gzip.decompress(body), format=ox.RdfFormat.N_TRIPLES)
    dates = [t.object.value for t in graph if t.predicate.value.endswith("/terms/modified")]
    assert dates == [BEFORE.isoformat()]


def test_a_change_to_the_shapes_makes_a_full_build_and_says_why(first, tmp_path):
    sources, root = first
    changed = tmp_path / "src"
    shutil.copytree(sources, changed)
    shapes = changed / "ontology/shapes.ttl"
    shapes.write_text(shapes.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    said: list[str] = []
    result = build(changed, root_copy(root, tmp_path), BASE, now=AFTER, progress=said.append)
    assert result is not None and result.reused is None
    assert "full build: ontology/shapes.ttl changed" in said


def test_a_live_version_without_input_digests_makes_a_full_build(first, tmp_path):
    sources, root = first
    copy = root_copy(root, tmp_path)
    live = layout.live_version(copy)
    assert live is not None
    recorded = json.loads((live.directory / layout.METADATA).read_text(encoding="utf-8"))
    del recorded["input_digests"]
    (live.directory / layout.METADATA).write_text(json.dumps(recorded), encoding="utf-8")
    said: list[str] = []
    result = build(sources, copy, BASE, now=AFTER, progress=said.append)
    assert result is not None and result.reused is None
    assert any("does not record its inputs' digests" in line for line in said)

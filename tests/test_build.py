"""`ftkg build`: atomic, validated, and precise about what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BASE, copy_sources, ftkg, small_store

# The thirteen Capitales of 3 April 2019: a count every complete build must give.
COUNT_AWARDS = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a <ontology#labelKind> <id/label-kind/capitale-french-tech> ;"
    " <ontology#inRound> <id/round/2019-capitales-communautes> }"
)


def build(sources: Path, store: Path, *extra: str):
    return ftkg(
        "build", "--store", str(store), "--base-uri", BASE, "--source", str(sources), *extra
    )


def live_target(store: Path) -> str:
    return str((store / "live").readlink())


def query(store: Path, text: str) -> str:
    result = ftkg("query", "--store", str(store), "--format", "csv", "-", stdin=text)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    return copy_sources(tmp_path / "src")


@pytest.fixture
def store(tmp_path: Path, small_build: tuple[Path, Path]) -> Path:
    """A store root as ``build(sources, root)`` leaves it: a copy of the session's build of
    the same sources."""
    _, root = small_store(small_build, tmp_path / "built")
    return root


def test_build_makes_a_live_version_that_answers_queries(store):
    assert (store / "live").is_symlink()
    assert query(store, COUNT_AWARDS).splitlines() == ["n", "13"]


def test_build_reports_its_progress_and_counts(sources, tmp_path):
    result = build(sources, tmp_path / "other")
    for step in ("parse:", "generate:", "load:", "validate (pyshacl):", "validate (SPARQL):"):
        assert step in result.stderr
    assert "triples" in result.stderr and "named graphs" in result.stderr


def test_a_syntax_error_names_the_file_and_line_and_keeps_the_live_store(sources, store):
    before = live_target(store)
    target = sources / "data" / "seeds" / "tweets-2019-04-03.trig"
    lines = target.read_text(encoding="utf-8").splitlines()
    lines[29] = lines[29] + ' "unterminated'
    target.write_text("\n".join(lines), encoding="utf-8")

    result = build(sources, store)

    assert result.returncode == 1
    assert "data/seeds/tweets-2019-04-03.trig:30" in result.stderr
    assert "syntax error" in result.stderr
    assert live_target(store) == before
    assert query(store, COUNT_AWARDS).splitlines() == ["n", "13"]


def test_a_shape_violation_names_file_focus_node_path_and_constraint(sources, store):
    before = live_target(store)
    target = sources / "data" / "seeds" / "mel-press-release-2019-04-03.trig"
    text = target.read_text(encoding="utf-8")
    broken = text.replace(
        "    <id/organisation/euratechnologies> a org:Organization , schema:Place ;",
        '    <id/organisation/euratechnologies> ftkg:siren "12345" .\n'
        "    <id/organisation/euratechnologies> a org:Organization , schema:Place ;",
    )
    assert broken != text
    target.write_text(broken, encoding="utf-8")

    result = build(sources, store)

    assert result.returncode == 1
    message = result.stderr
    assert "data/seeds/mel-press-release-2019-04-03.trig" in message
    assert f"<{BASE}id/organisation/euratechnologies>" in message
    assert "path <http://kg.test/ontology#siren>" in message
    assert "PatternConstraintComponent" in message
    assert "nine digits" in message
    assert live_target(store) == before
    assert query(store, COUNT_AWARDS).splitlines() == ["n", "13"]


def test_a_missing_required_property_is_a_violation(sources, store):
    (sources / "data" / "broken.trig").write_text(
        """@prefix ftkg: <ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        GRAPH <graph/sources> {
          <id/award/2099-no-ecosystem> a ftkg:LabelAward ;
            rdfs:label "Un label sans lauréat"@fr ;
            ftkg:labelKind <id/label-kind/capitale-french-tech> ;
            ftkg:awardDate "2099-01-01"^^xsd:date .
        }""",
        encoding="utf-8",
    )

    result = build(sources, store)

    assert result.returncode == 1
    assert f"<{BASE}id/award/2099-no-ecosystem>" in result.stderr
    assert "MinCountConstraintComponent" in result.stderr
    assert "exactly one ecosystem" in result.stderr
    assert "data/broken.trig" in result.stderr


def test_a_triple_outside_any_graph_is_refused_with_file_and_line(sources, store):
    target = sources / "data" / "editorial.trig"
    with target.open("a", encoding="utf-8") as handle:
        handle.write('\n<id/person/nobody> <http://xmlns.com/foaf/0.1/name> "Nobody" .\n')
    result = build(sources, store)
    assert result.returncode == 1
    assert "data/editorial.trig:" in result.stderr
    assert "outside any GRAPH block" in result.stderr


def test_an_entity_iri_with_an_empty_kind_or_key_is_refused_with_file_and_line(sources, store):
    target = sources / "data" / "editorial.trig"
    text = target.read_text(encoding="utf-8")
    lines = text.count("\n")
    target.write_text(
        text + "\nGRAPH <graph/ftkg-editors> {\n"
        "  <id/award//2016-hubs> <ontology#endStatus> <id/label-status/superseded> .\n}\n",
        encoding="utf-8",
    )
    result = build(sources, store)
    assert result.returncode == 1
    assert f"data/editorial.trig:{lines + 3}:" in result.stderr
    assert f"<{BASE}id/award//2016-hubs> names no entity" in result.stderr


def test_a_failed_build_leaves_no_staging_directory(sources, store):
    (sources / "data" / "broken.trig").write_text("GRAPH <g> { <a> <b> ", encoding="utf-8")
    assert build(sources, store).returncode == 1
    assert [p.name for p in (store / "versions").iterdir() if p.name.startswith(".")] == []


def test_a_leftover_staging_directory_of_a_killed_build_is_cleaned_and_never_served(sources, store):
    leftover = store / "versions" / ".staging-19700101T000000Z-dead"
    leftover.mkdir()
    result = build(sources, store)
    assert result.returncode == 0, result.stderr
    assert not leftover.exists()
    assert "staging" not in live_target(store)


def test_a_second_build_swaps_in_a_new_version_and_prunes_old_ones(sources, store):
    first = live_target(store)
    (sources / "data" / "editorial.trig").write_text(
        (sources / "data" / "editorial.trig").read_text(encoding="utf-8") + "\n# changed\n",
        encoding="utf-8",
    )
    assert build(sources, store, "--keep", "1").returncode == 0
    second = live_target(store)
    assert second != first
    assert sorted(p.name for p in (store / "versions").iterdir()) == [Path(second).name]


def test_a_base_uri_that_is_not_absolute_is_refused(sources, tmp_path):
    result = ftkg(
        "build", "--store", str(tmp_path / "s"), "--base-uri", "kg.test", "--source", str(sources)
    )
    assert result.returncode == 1
    assert "absolute http(s) URI" in result.stderr


def test_rebuilding_unchanged_data_at_once_gives_a_distinct_live_version(sources, store):
    first = live_target(store)
    result = build(sources, store)
    assert result.returncode == 0, result.stderr
    assert live_target(store) != first
    assert query(store, COUNT_AWARDS).splitlines() == ["n", "13"]


def test_if_changed_skips_a_build_of_the_very_same_inputs(sources, store):
    before = live_target(store)
    result = build(sources, store, "--if-changed")
    assert result.returncode == 0
    assert "up to date" in result.stderr
    assert live_target(store) == before


def test_if_changed_builds_a_version_that_lacks_the_documents_made_at_build(sources, store):
    # A version from before them (or with an older table) would render every document.
    before = live_target(store)
    (store / before / "documents.sqlite").unlink()
    result = build(sources, store, "--if-changed")
    assert result.returncode == 0, result.stderr
    assert live_target(store) != before
    assert (store / live_target(store) / "documents.sqlite").is_file()


def test_if_changed_builds_when_an_input_changed(sources, store):
    before = live_target(store)
    target = sources / "data" / "editorial.trig"
    target.write_text(target.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    result = build(sources, store, "--if-changed")
    assert result.returncode == 0, result.stderr
    assert live_target(store) != before

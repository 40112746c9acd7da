"""Who says so: the build refuses judgements out of place or pointing at nothing, naming the
file and line, before anything is loaded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import BASE, copy_sources

from server.pipeline.build import prepare
from server.pipeline.errors import BuildError

PREFIXES = """@prefix ftkg: <ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix time: <http://www.w3.org/2006/time#> .
"""
# A claim the editors really can make: the France 3 article says "this Tuesday".
TUESDAY = """rdf:subject <id/award/2019-capitale-lille> ; rdf:predicate ftkg:dayOfWeek ;
      rdf:object time:Tuesday"""


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sources(tmp_path_factory.mktemp("judgements") / "src")


def build_error(sources: Path, trig: str) -> str:
    extra = sources / "data" / "zz-extra.trig"
    extra.write_text(PREFIXES + trig, encoding="utf-8")
    try:
        with pytest.raises(BuildError) as raised:
            prepare(sources, BASE)
    finally:
        extra.unlink()
    return str(raised.value)


def test_the_repository_passes_every_judgement_rule(sources):
    assert prepare(sources, BASE).parsed.quads


def test_an_editorial_note_inside_a_source_graph_is_refused_with_file_and_line(sources):
    message = build_error(
        sources,
        """GRAPH <graph/france3-lille-capitale-french-tech-2019> {
  <id/award/2019-capitale-lille> skos:editorialNote "The article is wrong."@en .
}
""",
    )
    assert re.match(r"data/zz-extra\.trig:\d+: <.*award/2019-capitale-lille>", message)
    assert "editors' judgement" in message and "graph/editorial" in message


def test_a_confidence_inside_a_source_graph_is_refused(sources):
    message = build_error(
        sources,
        """GRAPH <graph/mel-press-release-2019-04-03> {
  <id/claim/x> ftkg:confidence <id/confidence/high> .
}
""",
    )
    assert "ontology#confidence> is an editors' judgement" in message
    assert "graph/mel-press-release-2019-04-03" in message


def test_a_claim_about_a_statement_its_source_never_made_is_refused(sources):
    message = build_error(
        sources,
        f"""GRAPH <graph/editorial> {{
  <id/claim/x> a ftkg:Claim ; ftkg:statedIn <graph/mel-press-release-2019-04-03> ;
      {TUESDAY} .
}}
""",
    )
    assert "is not in the graph" in message and "mel-press-release" in message


def test_a_confidence_without_a_reason_is_refused(sources):
    message = build_error(
        sources,
        f"""GRAPH <graph/editorial> {{
  <id/claim/x> a ftkg:Claim ; ftkg:statedIn <graph/france3-lille-capitale-french-tech-2019> ;
      {TUESDAY} ; ftkg:confidence <id/confidence/low> .
}}
""",
    )
    assert "says why" in message


def test_a_disagreement_cannot_prefer_a_claim_it_does_not_weigh(sources):
    message = build_error(
        sources,
        """GRAPH <graph/editorial> {
  <id/disagreement/x> a ftkg:Disagreement ;
      ftkg:competingClaim <id/claim/france3-2019-capitale-lille-day> ,
          <id/claim/mel-2019-capitale-lille-day> ;
      ftkg:verdict <id/verdict/one-is-right> ;
      ftkg:preferredClaim <id/claim/forumeco-2019-communautes-france> .
}
""",
    )
    assert "not one of the disagreement's competing claims" in message


def test_a_verdict_that_one_claim_is_right_must_name_it(sources):
    message = build_error(
        sources,
        """GRAPH <graph/editorial> {
  <id/disagreement/x> a ftkg:Disagreement ;
      ftkg:competingClaim <id/claim/france3-2019-capitale-lille-day> ,
          <id/claim/mel-2019-capitale-lille-day> ;
      ftkg:verdict <id/verdict/one-is-right> .
}
""",
    )
    assert "ftkg:preferredClaim" in message


def test_a_renaming_must_keep_one_ecosystem(sources):
    message = build_error(
        sources,
        """GRAPH <graph/webtimemedias-riviera> {
  <id/lineage-event/x> a ftkg:LineageEvent ; ftkg:lineageKind <id/lineage/renaming> ;
      ftkg:predecessor <id/ecosystem/lorntech> ; ftkg:successor <id/ecosystem/east> ;
      ftkg:formerName "A"@fr ; ftkg:newName "B"@fr .
}
""",
    )
    assert "keeps one resource" in message


def test_a_merger_needs_two_predecessors(sources):
    message = build_error(
        sources,
        """GRAPH <graph/webtimemedias-riviera> {
  <id/lineage-event/x> a ftkg:LineageEvent ; ftkg:lineageKind <id/lineage/merger> ;
      ftkg:predecessor <id/ecosystem/lorntech> ; ftkg:successor <id/ecosystem/east> .
}
""",
    )
    assert "two predecessors" in message


def test_one_statement_is_judged_in_one_claim_node(sources):
    message = build_error(
        sources,
        f"""GRAPH <graph/editorial> {{
  <id/claim/x> a ftkg:Claim ; ftkg:statedIn <graph/france3-lille-capitale-french-tech-2019> ;
      {TUESDAY} .
}}
""",
    )
    assert "judge each statement once" in message and "france3-2019-capitale-lille-day" in message


def test_a_preferred_claim_goes_with_the_verdict_that_one_is_right_only(sources):
    message = build_error(
        sources,
        """GRAPH <graph/editorial> {
  <id/disagreement/x> a ftkg:Disagreement ;
      ftkg:competingClaim <id/claim/france3-2019-capitale-lille-day> ,
          <id/claim/mel-2019-capitale-lille-day> ;
      ftkg:verdict <id/verdict/both-hold> ;
      ftkg:preferredClaim <id/claim/mel-2019-capitale-lille-day> .
}
""",
    )
    assert "verdict <id/verdict/one-is-right> only" in message


def test_a_renaming_gives_the_former_and_the_new_name(sources):
    message = build_error(
        sources,
        """GRAPH <graph/webtimemedias-riviera> {
  <id/lineage-event/x> a ftkg:LineageEvent ; ftkg:lineageKind <id/lineage/renaming> ;
      ftkg:predecessor <id/ecosystem/riviera> ; ftkg:successor <id/ecosystem/riviera> .
}
""",
    )
    assert "ftkg:formerName" in message and "ftkg:newName" in message


def test_a_split_needs_two_successors(sources):
    message = build_error(
        sources,
        """GRAPH <graph/webtimemedias-riviera> {
  <id/lineage-event/x> a ftkg:LineageEvent ; ftkg:lineageKind <id/lineage/split> ;
      ftkg:predecessor <id/ecosystem/hong-kong-shenzhen> ; ftkg:successor <id/ecosystem/hong-kong> .
}
""",
    )
    assert "two successors" in message

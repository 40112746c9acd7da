"""The knowledge itself: every roster says how complete it is, every award has a source with an
address, editors' judgements live only in the editors' graph, lineage and countries are data."""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
import pytest
from conftest import BASE

from server.version.store import KnowledgeStore

PREFIXES = """
PREFIX ftkg: <ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
"""
EDITORS = BASE + "id/source/ftkg-editors"


def rows(store: KnowledgeStore, query: str) -> list[dict]:
    return store.select(PREFIXES + query)


def test_every_round_with_awards_has_a_roster(knowledge_store):
    missing = rows(
        knowledge_store,
        """SELECT DISTINCT ?round ?kind WHERE {
             ?award ftkg:inRound ?round ; ftkg:labelKind ?kind .
             FILTER NOT EXISTS { ?roster ftkg:round ?round ; ftkg:labelKind ?kind }
           }""",
    )
    assert missing == []


def test_the_thirteen_capitales_of_2019_are_all_present_in_their_roster(knowledge_store):
    [row] = rows(
        knowledge_store,
        """SELECT ?present ?missing WHERE {
             ?roster ftkg:round <id/round/2019-capitales-communautes> ;
                     ftkg:labelKind <id/label-kind/capitale-french-tech> ;
                     ftkg:holdersPresent ?present ; ftkg:holdersMissing ?missing }""",
    )
    assert (int(row["present"].value), int(row["missing"].value)) == (13, 0)


def test_a_holder_named_by_several_sources_counts_once(knowledge_store):
    # Lille's 2019 Capitale is stated by five sources; the roster counts ecosystems, not claims.
    [row] = rows(
        knowledge_store,
        """SELECT (COUNT(DISTINCT ?g) AS ?sources) WHERE {
             GRAPH ?g { <id/award/2019-capitale-lille> ftkg:awardee <id/ecosystem/lille> } }""",
    )
    assert int(row["sources"].value) > 1


def test_a_roster_is_complete_or_its_completeness_says_what_is_missing(knowledge_store):
    measured = rows(
        knowledge_store,
        """SELECT ?roster ?announced ?stated ?present ?missing ?value WHERE {
             ?roster a ftkg:Roster ; ftkg:holdersPresent ?present ;
                     ftkg:announcedTotal/rdf:value ?announced ;
                     ftkg:holdersAnnounced ?stated ; ftkg:holdersMissing ?missing ;
                     dqv:hasQualityMeasurement/dqv:value ?value .
           }""",
    )
    assert len(measured) >= 10
    for row in measured:
        announced, present = int(row["announced"].value), int(row["present"].value)
        assert int(row["stated"].value) == announced, row["roster"]
        assert int(row["missing"].value) == max(announced - present, 0), row["roster"]
        assert Decimal(row["value"].value) == min(
            (Decimal(present) / Decimal(announced)).quantize(Decimal("0.001")), Decimal(1)
        )


def test_every_roster_with_a_retained_total_has_its_measurement(knowledge_store):
    unmeasured = rows(
        knowledge_store,
        """SELECT ?roster WHERE {
             ?roster ftkg:announcedTotal ?figure .
             FILTER NOT EXISTS { ?roster ftkg:holdersMissing ?m ; dqv:hasQualityMeasurement ?q }
           }""",
    )
    assert unmeasured == []


def test_the_2019_communautes_roster_states_its_gap_to_the_38_announced(knowledge_store):
    [row] = rows(
        knowledge_store,
        """SELECT ?announced ?present ?missing WHERE {
             ?roster ftkg:round <id/round/2019-capitales-communautes> ;
                     ftkg:labelKind <id/label-kind/communaute-french-tech> ;
                     ftkg:holdersAnnounced ?announced ; ftkg:holdersPresent ?present ;
                     ftkg:holdersMissing ?missing .
           }""",
    )
    assert int(row["announced"].value) == 38
    assert int(row["present"].value) + int(row["missing"].value) == 38


def test_a_query_reaching_a_round_reaches_the_completeness_of_its_rosters(knowledge_store):
    [row] = rows(
        knowledge_store,
        """SELECT (COUNT(?m) AS ?n) WHERE {
             ?roster ftkg:round <id/round/2019-capitales-communautes> ;
                     dqv:hasQualityMeasurement ?m . ?m dqv:computedOn ?roster }""",
    )
    assert int(row["n"].value) == 3  # Capitales, Communautés, international Communautés


def test_every_award_is_stated_by_a_source_with_an_address(knowledge_store):
    unsourced = rows(
        knowledge_store,
        """SELECT DISTINCT ?award WHERE {
             ?award a ftkg:LabelAward .
             FILTER NOT EXISTS {
               GRAPH ?g { ?award ftkg:awardee ?e }
               ?g prov:wasDerivedFrom/foaf:page ?page .
             }
           }""",
    )
    assert unsourced == []


def test_every_source_has_a_title_a_date_and_a_publisher_or_author(knowledge_store):
    incomplete = rows(
        knowledge_store,
        """SELECT ?source WHERE {
             ?graph prov:wasDerivedFrom ?source .
             FILTER NOT EXISTS {
               ?source dcterms:title ?title ; dcterms:date ?date ;
                       dcterms:publisher|dcterms:creator ?who .
             }
           }""",
    )
    assert incomplete == []


def test_no_source_graph_holds_an_editors_judgement(knowledge_store):
    found = rows(
        knowledge_store,
        """SELECT DISTINCT ?g ?p WHERE {
             GRAPH ?g { ?s ?p ?o }
             ?g prov:wasDerivedFrom ?source .
             FILTER (?source != <id/source/ftkg-editors>)
             FILTER (?p IN (skos:editorialNote, ftkg:confidence, ftkg:rationale,
                            ftkg:competingClaim, ftkg:preferredClaim, ftkg:announcedTotal))
           }""",
    )
    assert found == []


def test_every_claim_points_at_a_triple_its_graph_really_holds(knowledge_store):
    claims = rows(
        knowledge_store,
        """SELECT ?claim ?g ?s ?p ?o WHERE {
             ?claim a ftkg:Claim ; ftkg:statedIn ?g ; rdf:subject ?s ; rdf:predicate ?p ;
                    rdf:object ?o }""",
    )
    assert len(claims) > 400
    for claim in claims:
        quads = knowledge_store.store.quads_for_pattern(
            claim["s"], claim["p"], claim["o"], claim["g"]
        )
        assert next(quads, None) is not None, claim["claim"]


def test_every_award_claim_carries_the_editors_confidence(knowledge_store):
    ungraded = rows(
        knowledge_store,
        """SELECT ?g ?award WHERE {
             GRAPH ?g { ?award ftkg:awardee ?e }
             ?g prov:wasDerivedFrom ?source FILTER(?source != <id/source/ftkg-editors>)
             FILTER NOT EXISTS {
               ?claim ftkg:statedIn ?g ; rdf:subject ?award ; rdf:predicate ftkg:awardee ;
                      ftkg:confidence ?level }
           }""",
    )
    assert ungraded == []


def test_one_source_can_be_right_on_one_claim_and_wrong_on_another(knowledge_store):
    levels = {
        row["p"].value.rsplit("#", 1)[-1]: row["level"].value.rsplit("/", 1)[-1]
        for row in rows(
            knowledge_store,
            """SELECT ?p ?level WHERE {
                 ?claim ftkg:statedIn <graph/france3-lille-capitale-french-tech-2019> ;
                        rdf:subject <id/award/2019-capitale-lille> ; rdf:predicate ?p ;
                        ftkg:confidence ?level }""",
        )
    }
    assert levels == {"awardee": "high", "dayOfWeek": "rejected"}


def test_each_disagreement_prefers_one_of_its_own_claims_from_different_sources(knowledge_store):
    disagreements = rows(
        knowledge_store,
        """SELECT ?d (COUNT(DISTINCT ?g) AS ?graphs) (SAMPLE(?preferred) AS ?best)
                  (SAMPLE(?verdict) AS ?v) WHERE {
             ?d a ftkg:Disagreement ; ftkg:competingClaim/ftkg:statedIn ?g ; ftkg:verdict ?verdict .
             OPTIONAL { ?d ftkg:preferredClaim ?preferred }
           } GROUP BY ?d""",
    )
    assert len(disagreements) >= 15
    for row in disagreements:
        assert int(row["graphs"].value) >= 2, row["d"]
        decided = row["v"].value.endswith("one-is-right")
        assert decided == ("best" in row), row["d"]


def test_east_descends_from_lorntech_a_metropole_of_2015(knowledge_store):
    [row] = rows(
        knowledge_store,
        """SELECT ?date WHERE {
             <id/ecosystem/east> (^ftkg:successor/ftkg:predecessor)+ ?ancestor .
             ?award ftkg:awardee ?ancestor ;
                    ftkg:labelKind <id/label-kind/metropole-french-tech> ;
                    ftkg:inRound <id/round/2015-metropoles-french-tech> ; ftkg:awardDate ?date .
           } LIMIT 1""",
    )
    assert row["date"].value.startswith("2015")


def test_a_renaming_keeps_one_ecosystem_with_its_former_and_new_names(knowledge_store):
    [row] = rows(
        knowledge_store,
        """SELECT ?old ?new ?date WHERE {
             ?event ftkg:lineageKind <id/lineage/renaming> ;
                    ftkg:predecessor <id/ecosystem/riviera> ; ftkg:successor <id/ecosystem/riviera> ;
                    ftkg:formerName ?old ; ftkg:newName ?new ; dcterms:date ?date }""",
    )
    assert (row["old"].value, row["new"].value) == (
        "French Tech Côte d'Azur",
        "French Tech Riviera Région Sud",
    )


def test_renewals_point_to_the_award_they_renew(knowledge_store):
    [row] = rows(
        knowledge_store,
        """SELECT ?earlier WHERE {
             <id/award/2023-capitale-toulouse> ftkg:awardStatus <id/label-status/renewed> ;
                                               ftkg:renews ?earlier }""",
    )
    assert row["earlier"] == ox.NamedNode(BASE + "id/award/2019-capitale-toulouse")


@pytest.mark.parametrize(
    ("ecosystem", "country"), [("tokyo", "JP"), ("montreal", "CA"), ("tunis", "TN")]
)
def test_an_international_community_lies_in_a_country_with_its_iso_code(
    knowledge_store, ecosystem, country
):
    [row] = knowledge_store.select(
        PREFIXES
        + """SELECT ?community ?code ?fr ?en WHERE {
             ?community ftkg:locatedIn ?country .
             ?country ftkg:iso3166Alpha2 ?code ;
                      rdfs:label ?fr , ?en FILTER(LANG(?fr) = "fr" && LANG(?en) = "en") }""",
        community=ox.NamedNode(BASE + "id/ecosystem/" + ecosystem),
    )
    assert row["code"].value == country


def test_every_country_of_iso_3166_is_an_entity_with_both_codes(knowledge_store):
    [row] = rows(
        knowledge_store,
        """SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {
             ?c a <http://schema.org/Country> ; ftkg:iso3166Alpha2 ?a2 ; ftkg:iso3166Alpha3 ?a3 }""",
    )
    assert int(row["n"].value) == 250

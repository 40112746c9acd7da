"""Every fact of the two source documents is in the graph, in the named graph of its source.

Each test asks the store through SPARQL, with GRAPH naming the source that must state the
fact: a fact present but attributed to the wrong source fails.
"""

from __future__ import annotations

import pytest

from server.version.store import KnowledgeStore

PREFIXES = """
PREFIX ftkg: <ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX schema: <http://schema.org/>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX lang: <http://publications.europa.eu/resource/authority/language/>
"""

PRESS_RELEASE = "graph/mel-press-release-2019-04-03"
ARTICLE = "graph/france3-lille-capitale-french-tech-2019"
AUBRY_TWEET = "graph/tweet-martine-aubry-2019-04-03"
FT_LILLE_TWEET = "graph/tweet-french-tech-lille-2019-04-03"
MAYOR_FACT = "graph/journaldesfemmes-martine-aubry-2014"
GEOGRAPHY = "graph/official-geography"


def states(store: KnowledgeStore, graph: str, pattern: str) -> bool:
    """Whether the named graph ``graph`` holds every triple of ``pattern``."""
    return bool(store.query(f"{PREFIXES} ASK {{ GRAPH <{graph}> {{ {pattern} }} }}"))


SEED_FACTS = {
    "capitale award to the Lille ecosystem on 3 April 2019, announced by Cédric O": (
        PRESS_RELEASE,
        """<id/award/2019-capitale-lille> a ftkg:LabelAward ;
             ftkg:labelKind <id/label-kind/capitale-french-tech> ;
             ftkg:awardee <id/ecosystem/lille> ;
             ftkg:awardDate "2019-04-03"^^xsd:date ;
             ftkg:announcedBy <id/person/cedric-o> .""",
    ),
    "Cédric O is Secrétaire d'État chargé du Numérique": (
        PRESS_RELEASE,
        """?m org:member <id/person/cedric-o> ; org:role <id/role/secretaire-etat> ;
             org:organization <id/organisation/secretariat-etat-numerique> ;
             ftkg:attestedOn "2019-04-03"^^xsd:date .
           <id/organisation/secretariat-etat-numerique> rdfs:label "Secrétariat d'État chargé du Numérique"@fr .""",
    ),
    "the ecosystem is the MEL's and the Région's actors federated in the association": (
        PRESS_RELEASE,
        """<id/ecosystem/lille> ftkg:federatedBy <id/organisation/french-tech-lille> ;
             ftkg:coversTerritory <id/epci/200093201> , <id/region/32> .
           <id/organisation/french-tech-lille> skos:altLabel "association French Tech Lille"@fr .""",
    ),
    "the press release announces on a Wednesday": (
        PRESS_RELEASE,
        "<id/award/2019-capitale-lille> ftkg:dayOfWeek time:Wednesday .",
    ),
    "the article says the label came on a Tuesday": (
        ARTICLE,
        "<id/award/2019-capitale-lille> ftkg:dayOfWeek time:Tuesday .",
    ),
    "the earlier Métropole label in 2014 (press release)": (
        PRESS_RELEASE,
        """<id/award/2014-metropole-lille> ftkg:labelKind <id/label-kind/metropole-french-tech> ;
             ftkg:awardee <id/ecosystem/lille> ; ftkg:awardDate "2014"^^xsd:gYear ;
             dcterms:description ?why .
           FILTER(CONTAINS(?why, "forte visibilité en France et à l'international"))""",
    ),
    "the earlier Métropole label in November 2014, first wave of nine (article)": (
        ARTICLE,
        """<id/award/2014-metropole-lille> ftkg:awardDate "2014-11"^^xsd:gYearMonth ;
             ftkg:inRound <id/round/2014-metropoles-french-tech> .
           <id/round/2014-metropoles-french-tech> ftkg:wave 1 .
           ?f ftkg:figureOf <id/round/2014-metropoles-french-tech> ;
              ftkg:labelKind <id/label-kind/metropole-french-tech> ; rdf:value 9 .
           <id/label-kind/metropole-french-tech> dcterms:description ?what .
           FILTER(CONTAINS(?what, "marque commune pour les entreprises innovantes"))""",
    ),
    "the four Communautés of Hauts-de-France named in the French Tech Lille post": (
        FT_LILLE_TWEET,
        """?a1 ftkg:awardee <id/ecosystem/artois> ; ftkg:labelKind <id/label-kind/communaute-french-tech> .
           ?a2 ftkg:awardee <id/ecosystem/grand-hainaut> ; ftkg:labelKind <id/label-kind/communaute-french-tech> .
           ?a3 ftkg:awardee <id/ecosystem/hauts-de-france-sud> ; ftkg:labelKind <id/label-kind/communaute-french-tech> .
           ?a4 ftkg:awardee <id/ecosystem/littoral-hauts-de-france> ; ftkg:labelKind <id/label-kind/communaute-french-tech> .
           <id/ecosystem/artois> rdfs:label "French Tech Artois"@fr .
           <id/ecosystem/grand-hainaut> rdfs:label "French Tech Grand Hainaut"@fr .
           <id/ecosystem/hauts-de-france-sud> rdfs:label "French Tech Hauts-de-France Sud"@fr .
           <id/ecosystem/littoral-hauts-de-france> rdfs:label "French Tech Littoral Hauts-de-France"@fr .""",
    ),
    "38 Communautés in France and 48 abroad in 2019": (
        ARTICLE,
        """?france ftkg:figureOf <id/round/2019-capitales-communautes> ;
             ftkg:labelKind <id/label-kind/communaute-french-tech> ;
             ftkg:geographicScope <id/scope/france> ; rdf:value 38 .
           ?abroad ftkg:figureOf <id/round/2019-capitales-communautes> ;
             ftkg:labelKind <id/label-kind/communaute-french-tech-internationale> ;
             ftkg:geographicScope <id/scope/international> ; rdf:value 48 .""",
    ),
    "the Capitale label brings maturity, hyper-growth and durability": (
        PRESS_RELEASE,
        """<id/label-kind/capitale-french-tech> ftkg:objective <id/objective/maturite-entrepreneuriale> ,
             <id/objective/hyper-croissance> , <id/objective/perennite> ;
             dcterms:description ?d .
           FILTER(LANG(?d) = "fr" && CONTAINS(?d, "maturité entrepreneuriale")
                  && CONTAINS(?d, "hyper croissance") && CONTAINS(?d, "pérennité"))""",
    ),
    "the MEL supports EuraTechnologies, Plaine Images and Eurasanté": (
        PRESS_RELEASE,
        """<id/epci/200093201> ftkg:supports <id/organisation/euratechnologies> ,
             <id/organisation/plaine-images> , <id/organisation/eurasante> .""",
    ),
    "the MEL in 2019: 90 communes and 1.2 million inhabitants": (
        PRESS_RELEASE,
        """?c ftkg:figureOf <id/epci/200093201> ; ftkg:quantityKind <id/quantity/member-communes> ;
             rdf:value 90 ; ftkg:referenceDate "2019-04-03"^^xsd:date .
           ?p ftkg:figureOf <id/epci/200093201> ; ftkg:quantityKind <id/quantity/population> ;
             rdf:value 1200000 ; ftkg:isApproximate true .""",
    ),
    "the council: 184 members elected for 6 years, presided by Damien Castelain since 18 April 2014": (
        PRESS_RELEASE,
        """<id/organisation/mel-conseil> org:unitOf <id/epci/200093201> ;
             ftkg:termOfOffice "P6Y"^^xsd:duration ;
             ftkg:electionMethod "suffrage universel direct"@fr .
           ?f ftkg:figureOf <id/organisation/mel-conseil> ; rdf:value 184 .
           ?m org:member <id/person/damien-castelain> ; org:organization <id/organisation/mel-conseil> ;
              org:role <id/role/president> ; schema:startDate "2014-04-18"^^xsd:date .""",
    ),
    "Damien Castelain, president of the MEL": (
        PRESS_RELEASE,
        """?m org:member <id/person/damien-castelain> ; org:organization <id/epci/200093201> ;
             org:role <id/role/president> .""",
    ),
    "the press contact is the MEL's press contact point": (
        PRESS_RELEASE,
        """<id/epci/200093201> schema:contactPoint ?c .
           ?c a vcard:Individual ; vcard:fn "Clarisse Neveu" ;
              vcard:hasEmail <mailto:cneveu@lillemetropole.fr> ;
              vcard:hasTelephone <tel:+33-3-20-21-65-88> ; schema:contactType "presse"@fr .""",
    ),
    "the president's words in the press release": (
        PRESS_RELEASE,
        """?q a schema:Quotation ; schema:spokenByCharacter <id/person/damien-castelain> ;
             schema:isPartOf <id/source/mel-press-release-2019-04-03> ; schema:text ?t .
           FILTER(STRSTARTS(?t, "La MEL s'engage depuis de nombreuses années"))""",
    ),
    "the president's words in the article": (
        ARTICLE,
        """?q a schema:Quotation ; schema:spokenByCharacter <id/person/damien-castelain> ;
             schema:isPartOf <id/source/france3-lille-capitale-french-tech-2019> ;
             schema:text "une superbe reconnaissance de l'écosystème local et du travail d'Euratechnologies"@fr .""",
    ),
    "Martine Aubry's post: author, date, text, award by the State": (
        AUBRY_TWEET,
        """<id/source/tweet-martine-aubry-2019-04-03> schema:author <id/person/martine-aubry> ;
             schema:datePublished "2019-04-03"^^xsd:date ; schema:text ?t .
           <id/award/2019-capitale-lille> ftkg:awardedBy <id/organisation/etat-francais> .
           <id/person/martine-aubry> foaf:account <https://twitter.com/MartineAubry> .
           FILTER(STRSTARTS(?t, "Très fière que notre écosystème numérique"))""",
    ),
    "Martine Aubry is mayor of Lille": (
        MAYOR_FACT,
        """?m org:member <id/person/martine-aubry> ; org:organization <id/commune/59350> ;
             org:role <id/role/maire> ; schema:startDate "2001-03"^^xsd:gYearMonth .""",
    ),
    "French Tech Lille's post: author, date, text, award by Cédric O": (
        FT_LILLE_TWEET,
        """<id/source/tweet-french-tech-lille-2019-04-03> schema:author <id/organisation/french-tech-lille> ;
             schema:datePublished "2019-04-03"^^xsd:date ; schema:text ?t .
           <id/award/2019-capitale-lille> ftkg:awardedBy <id/person/cedric-o> .
           FILTER(STRSTARTS(?t, "Good news everyone"))""",
    ),
    "the official identifiers: the MEL's SIREN and Lille's INSEE code": (
        GEOGRAPHY,
        """<id/epci/200093201> ftkg:siren "200093201" .
           <id/commune/59350> igeo:codeINSEE "59350" .""",
    ),
}


@pytest.mark.parametrize(("graph", "pattern"), SEED_FACTS.values(), ids=SEED_FACTS.keys())
def test_seed_fact_is_stated_by_its_source(knowledge_store, graph, pattern):
    assert states(knowledge_store, graph, pattern)


def test_a_fact_in_the_wrong_source_graph_is_not_found(knowledge_store):
    # The article never says who announced the award: the check must see the difference.
    assert not states(knowledge_store, ARTICLE, "?a ftkg:announcedBy <id/person/cedric-o> .")


@pytest.mark.parametrize(
    ("source", "kind", "by"),
    [
        (
            "mel-press-release-2019-04-03",
            "ftkg:PressRelease",
            "dcterms:publisher <id/epci/200093201>",
        ),
        (
            "france3-lille-capitale-french-tech-2019",
            "schema:NewsArticle",
            "dcterms:publisher <id/organisation/france-3-hauts-de-france>",
        ),
        (
            "tweet-martine-aubry-2019-04-03",
            "schema:SocialMediaPosting",
            "dcterms:creator <id/person/martine-aubry>",
        ),
        (
            "tweet-french-tech-lille-2019-04-03",
            "schema:SocialMediaPosting",
            "dcterms:creator <id/organisation/french-tech-lille>",
        ),
    ],
)
def test_each_document_is_a_source_with_type_title_date_author_and_language(
    knowledge_store, source, kind, by
):
    assert states(
        knowledge_store,
        "graph/sources",
        f"""<id/source/{source}> a {kind} ; {by} ;
              dcterms:title ?title ; dcterms:date ?date ; dcterms:language lang:FRA .
            <graph/{source}> prov:wasDerivedFrom <id/source/{source}> .""",
    )
    assert knowledge_store.query(
        PREFIXES + f"ASK {{ <id/source/{source}> a/rdfs:subClassOf* ftkg:SourceDocument }}"
    )


def test_every_named_graph_is_linked_to_exactly_one_source(knowledge_store):
    rows = knowledge_store.select(
        PREFIXES
        + """SELECT ?g (COUNT(DISTINCT ?source) AS ?n) WHERE {
               GRAPH ?g { ?s ?p ?o }
               FILTER(?g != <ontology>)
               OPTIONAL { ?g prov:wasDerivedFrom ?source }
             } GROUP BY ?g"""
    )
    assert rows, "no named graph at all"
    assert {row["g"].value: int(row["n"].value) for row in rows if int(row["n"].value) != 1} == {}


def test_the_default_graph_counts_a_fact_stated_by_several_sources_once(knowledge_store):
    # Five sources state the award's kind; the union default graph holds the triple once.
    (row,) = knowledge_store.select(
        PREFIXES
        + "SELECT (COUNT(*) AS ?n) WHERE { <id/award/2019-capitale-lille> ftkg:labelKind ?k }"
    )
    assert int(row["n"].value) == 1
    (row,) = knowledge_store.select(
        PREFIXES
        + "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { <id/award/2019-capitale-lille> ftkg:labelKind ?k } }"
    )
    assert int(row["n"].value) == 5

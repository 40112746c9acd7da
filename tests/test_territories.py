"""The official geography: every territory of the pinned package, counted exactly."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import BASE, PROJECT_ROOT, copy_sources, ftkg

from server.pipeline import geography

PREFIXES = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
"""
MANIFEST = PROJECT_ROOT / "data" / "geography" / "decoupage-administratif.json"


@pytest.fixture(scope="module")
def package():
    return geography.read_package(geography.Manifest.read(MANIFEST))


def count(store, pattern: str) -> int:
    (row,) = store.select(
        PREFIXES
        + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH <graph/official-geography> {{ {pattern} }} }}"
    )
    return int(row["n"].value)


@pytest.mark.parametrize(
    ("package_type", "igeo_class"),
    [
        ("commune-actuelle", "igeo:Commune"),
        ("commune-deleguee", "igeo:CommuneDeleguee"),
        ("commune-associee", "igeo:CommuneAssociee"),
        ("arrondissement-municipal", "igeo:ArrondissementMunicipal"),
    ],
)
def test_every_commune_entry_of_each_type_is_a_territory(
    knowledge_store, package, package_type, igeo_class
):
    expected = sum(1 for c in package["communes"] if c["type"] == package_type)
    assert count(knowledge_store, f"?x a {igeo_class}") == expected


def test_the_commune_entries_number_37590_as_the_2026_cog_says(knowledge_store):
    classes = "igeo:Commune igeo:CommuneDeleguee igeo:CommuneAssociee igeo:ArrondissementMunicipal"
    assert count(knowledge_store, f"VALUES ?c {{ {classes} }} ?x a ?c") == 37590


def test_every_epci_is_a_territory(knowledge_store, package):
    assert len(package["epci"]) == 1255
    assert count(knowledge_store, "?x a igeo:Intercommunalite") == 1255


def test_departements_regions_and_overseas_collectivities_match_the_package(
    knowledge_store, package
):
    overseas = {r["code"] for r in package["regions"] if r["zone"] == "com"}
    assert count(knowledge_store, "?x a igeo:Region") == len(package["regions"]) - len(overseas)
    assert count(knowledge_store, "?x a ftkg:OverseasCollectivity") == len(overseas) == 8
    assert count(knowledge_store, "?x a igeo:Departement") == len(package["departements"]) - len(
        overseas
    )
    assert count(knowledge_store, "?x a igeo:Arrondissement") == len(package["arrondissements"])


def test_the_mel_has_its_95_member_communes(knowledge_store):
    assert (
        count(knowledge_store, "?x igeo:subdivisionDirecteDe <id/epci/200093201> ; a igeo:Commune")
        == 95
    )
    assert knowledge_store.query(
        PREFIXES
        + """ASK { GRAPH <graph/official-geography> {
                 ?f ftkg:figureOf <id/epci/200093201> ; ftkg:quantityKind <id/quantity/member-communes> ;
                    rdf:value 95 ; ftkg:referenceDate "2026-01-01"^^<http://www.w3.org/2001/XMLSchema#date> } }"""
    )


def test_lille_has_its_population_with_vintage_and_its_postal_codes(knowledge_store, package):
    (lille,) = [
        c for c in package["communes"] if c["code"] == "59350" and c["type"] == "commune-actuelle"
    ]
    rows = knowledge_store.select(
        PREFIXES
        + """SELECT ?value ?date WHERE { GRAPH <graph/official-geography> {
                 ?f ftkg:figureOf <id/commune/59350> ; ftkg:quantityKind <id/quantity/population-municipale> ;
                    rdf:value ?value ; ftkg:referenceDate ?date } }"""
    )
    assert [(int(r["value"].value), r["date"].value) for r in rows] == [
        (lille["population"], "2023-01-01")
    ]
    codes = knowledge_store.select(
        PREFIXES + "SELECT ?c WHERE { <id/commune/59350> schema:postalCode ?c }"
    )
    assert (
        sorted(r["c"].value for r in codes)
        == sorted(lille["codesPostaux"])
        == [
            "59000",
            "59160",
            "59260",
            "59777",
            "59800",
        ]
    )


def test_lille_sits_in_its_arrondissement_departement_region_and_epci(knowledge_store):
    rows = knowledge_store.select(
        PREFIXES
        + "SELECT ?p ?o WHERE { <id/commune/59350> ?p ?o FILTER(?p IN (igeo:subdivisionDirecteDe, igeo:subdivisionDe)) }"
    )
    parents = {(r["p"].value.rsplit("#", 1)[1], r["o"].value[len(BASE) :]) for r in rows}
    assert parents == {
        ("subdivisionDirecteDe", "id/arrondissement/595"),
        ("subdivisionDirecteDe", "id/epci/200093201"),
        ("subdivisionDe", "id/departement/59"),
        ("subdivisionDe", "id/region/32"),
    }


def test_an_old_commune_code_finds_the_current_commune(knowledge_store):
    rows = knowledge_store.select(PREFIXES + 'SELECT ?c WHERE { ?c ftkg:formerInseeCode "59298" }')
    assert [r["c"].value for r in rows] == [BASE + "id/commune/59350"]
    assert knowledge_store.query(
        PREFIXES + "ASK { <id/commune/59298> dcterms:isReplacedBy <id/commune/59350> }"
    )


def test_a_former_commune_has_its_name_from_the_earlier_package_and_its_successor(
    knowledge_store,
):
    rows = knowledge_store.select(
        PREFIXES
        + """SELECT ?name ?successor ?g WHERE {
               GRAPH ?g { <id/commune/59298> a ftkg:FormerCommune ; rdfs:label ?name }
               <id/commune/59298> dcterms:isReplacedBy ?successor }"""
    )
    assert [(r["name"].value, r["successor"].value, r["g"].value) for r in rows] == [
        ("Hellemmes-Lille", BASE + "id/commune/59350", BASE + "graph/official-geography-history")
    ]


def test_every_former_commune_has_a_name_a_code_and_a_current_successor(knowledge_store):
    rows = knowledge_store.select(
        PREFIXES
        + """SELECT (COUNT(?old) AS ?all) (COUNT(?complete) AS ?named) WHERE {
               ?old a ftkg:FormerCommune .
               OPTIONAL {
                 ?old rdfs:label ?name ; igeo:codeINSEE ?code ; dcterms:isReplacedBy ?current .
                 ?current a igeo:Commune .
                 BIND(?old AS ?complete)
               } }"""
    )
    assert int(rows[0]["all"].value) > 3000
    assert rows[0]["named"] == rows[0]["all"]


def test_a_renumbered_commune_stays_an_alias_of_its_successor(knowledge_store):
    assert knowledge_store.query(
        PREFIXES
        + """ASK { <id/commune/20004> dcterms:isReplacedBy <id/commune/2A004> .
                   FILTER NOT EXISTS { <id/commune/20004> a ftkg:FormerCommune } }"""
    )


def test_territories_link_to_wikidata_by_their_codes(knowledge_store):
    assert knowledge_store.query(
        PREFIXES
        + """ASK { <id/commune/59350> wdt:P374 "59350" ; wdt:P1616 "215903501" .
                   <id/departement/59> wdt:P2586 "59" . <id/region/32> wdt:P2585 "32" .
                   <id/epci/200093201> wdt:P1616 "200093201" }"""
    )


def test_the_source_of_the_geography_names_its_licence_and_publisher(knowledge_store):
    assert knowledge_store.query(
        PREFIXES
        + """ASK { GRAPH <graph/sources> {
                 <graph/official-geography> <http://www.w3.org/ns/prov#wasDerivedFrom> ?s .
                 ?s dcterms:license <https://www.etalab.gouv.fr/licence-ouverte-open-licence> ;
                    dcterms:publisher <id/organisation/etalab> } }"""
    )


def test_a_tampered_package_stops_the_build(tmp_path):
    sources = copy_sources(tmp_path / "src")
    manifest = json.loads((sources / "data/geography/decoupage-administratif.json").read_text())
    tarball = sources / "data/geography" / manifest["tarball"]
    shutil.copy(tarball, tmp_path / "original.tgz")
    tarball.write_bytes(tarball.read_bytes()[:-10] + b"0123456789")
    result = ftkg(
        "build", "--store", str(tmp_path / "store"), "--base-uri", BASE, "--source", str(sources)
    )
    assert result.returncode == 1
    assert "integrity mismatch" in result.stderr
    assert "etalab-decoupage-administratif-6.0.0.tgz" in result.stderr

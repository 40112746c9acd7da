"""The ontology and its shapes: parseable, documented in two languages, consistent."""

from __future__ import annotations

import pytest
import rdflib
from conftest import BASE, PROJECT_ROOT
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH

ONTOLOGY = rdflib.URIRef(BASE + "ontology")
FTKG = rdflib.Namespace(BASE + "ontology#")


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted((PROJECT_ROOT / "ontology").glob("*.ttl")):
        if path.name != "shapes.ttl":
            graph.parse(path, format="turtle", publicID=BASE)
    return graph


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(PROJECT_ROOT / "ontology" / "shapes.ttl", publicID=BASE)


def our_terms(ontology: rdflib.Graph) -> list[rdflib.URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return sorted(
        {
            term
            for kind in kinds
            for term in ontology.subjects(RDF.type, kind)
            if isinstance(term, rdflib.URIRef) and term.startswith(str(FTKG))
        }
    )


def test_ontology_is_described_with_version_licence_creator_and_dates(ontology):
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    for prop in (
        OWL.versionInfo,
        OWL.versionIRI,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.created,
        DCTERMS.modified,
    ):
        assert ontology.value(ONTOLOGY, prop) is not None, prop


def test_ontology_defines_the_core_classes(ontology):
    for name in (
        "LabelProgramme",
        "LabelKind",
        "LabelRound",
        "LabelAward",
        "Ecosystem",
        "SourceDocument",
        "ClaimGraph",
        "Figure",
    ):
        assert (FTKG[name], RDF.type, OWL.Class) in ontology, name


@pytest.mark.parametrize("prop", [RDFS.label, RDFS.comment])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_term_of_ours_has_label_and_comment_in_french_and_english(ontology, prop, lang):
    missing = [
        str(term)
        for term in our_terms(ontology)
        if not any(
            isinstance(v, rdflib.Literal) and v.language == lang
            for v in ontology.objects(term, prop)
        )
    ]
    assert missing == []


def test_every_term_of_ours_is_defined_by_the_ontology(ontology):
    assert [t for t in our_terms(ontology) if (t, RDFS.isDefinedBy, ONTOLOGY) not in ontology] == []


def test_every_shape_targets_a_class_the_ontology_declares(ontology, shapes):
    declared = set(ontology.subjects(RDF.type, OWL.Class))
    targets = set(shapes.objects(None, SH.targetClass))
    assert targets, "the shapes target no class at all"
    assert sorted(str(t) for t in targets - declared) == []


def test_every_class_of_ours_with_instances_has_a_shape(ontology, shapes, knowledge_store):
    targets = set(shapes.objects(None, SH.targetClass))
    rows = knowledge_store.select(
        "SELECT DISTINCT ?class WHERE { GRAPH ?g { ?s a ?class } "
        "FILTER(?g != <ontology> && STRSTARTS(STR(?class), STR(<ontology#>))) }"
    )
    used = {rdflib.URIRef(row["class"].value) for row in rows}
    superclasses = {cls: set(ontology.transitive_objects(cls, RDFS.subClassOf)) for cls in used}
    unshaped = [str(cls) for cls in used if not superclasses[cls] & targets]
    assert unshaped == []


def test_every_class_and_property_the_data_uses_is_declared_with_labels(ontology, knowledge_store):
    rows = knowledge_store.select(
        "SELECT DISTINCT ?term WHERE { GRAPH ?g { { ?s ?term ?o } UNION { ?s a ?term } } "
        "FILTER(?g != <ontology>) }"
    )
    used = {rdflib.URIRef(row["term"].value) for row in rows}
    unlabelled = sorted(
        str(term)
        for term in used
        if not {lit.language for lit in ontology.objects(term, RDFS.label)} >= {"fr", "en"}
    )
    assert unlabelled == []

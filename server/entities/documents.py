"""An entity's data document: its description as RDF, with sources and document metadata.

Triple formats (Turtle, N-Triples, RDF/XML, JSON-LD) hold the entity's statements, the page
of statements pointing to it, the labels of everything it links to, the document's own
metadata (foaf:primaryTopic, licence, modification date, void:inDataset, the next page of
incoming links), and for each statement the sources that state it, as RDF reification
(rdf:Statement, W3C RDF 1.1 Semantics §D), which every RDF parser reads, with the editors'
judgements of those statements (ftkg:Claim with its confidence, ftkg:Disagreement with its
verdict). Dataset formats (TriG, N-Quads) put each statement in the named graph of its source
instead, and the judgements in the editors' graph.
"""

from __future__ import annotations

import pyoxigraph as ox

from server.entities.describe import RDFS_LABEL, Description
from server.terms import Term

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
VOID = "http://rdfs.org/ns/void#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def document_quads(
    description: Description,
    document_iri: str,
    dataset_iri: str,
    modified: str | None,
    next_page_iri: str | None,
    reify: bool,
) -> list[ox.Quad]:
    """The data document: default-graph quads, plus the sources' named graphs unless ``reify``."""
    entity = _n(description.iri)
    document = _n(document_iri)
    quads: list[ox.Quad] = []

    def add(s: Term, p: str, o: Term, graph: ox.NamedNode | None = None) -> None:
        quads.append(ox.Quad(s, _n(p), o, graph if graph is not None else ox.DefaultGraph()))

    for statement in description.statements:
        add(entity, statement.predicate.value, statement.value)
        if not reify:
            for graph in statement.graphs:
                add(entity, statement.predicate.value, statement.value, _n(graph))
    for quad in description.blank_nodes:
        add(quad.subject, quad.predicate.value, quad.object)
    for subject, predicate in description.incoming:
        add(subject, predicate.value, entity)
    for iri, labels in sorted(description.labels.items()):
        for language, label in sorted(labels.items()):
            literal = ox.Literal(label, language=language) if language else ox.Literal(label)
            add(_n(iri), RDFS_LABEL.value, literal)

    add(document, RDF + "type", _n(FOAF + "Document"))
    add(document, FOAF + "primaryTopic", entity)
    add(document, DCT + "license", _n(LICENCE))
    add(document, VOID + "inDataset", _n(dataset_iri))
    if modified:
        add(document, DCT + "modified", ox.Literal(modified, datatype=_n(XSD + "dateTime")))
    if next_page_iri:
        add(document, HYDRA + "next", _n(next_page_iri))

    for source in description.sources.values():
        graph = _n(source.graph)
        if source.document:
            add(graph, PROV + "wasDerivedFrom", _n(source.document))
            if source.title:
                add(_n(source.document), DCT + "title", ox.Literal(source.title))
            if source.date:
                add(_n(source.document), DCT + "date", ox.Literal(source.date))
            if source.page:
                add(_n(source.document), FOAF + "page", _n(source.page))
    # What the editors judge of these statements (confidence, disagreements), from their own
    # graph: in the default graph like every statement, and in that graph in dataset formats.
    for quad in description.judgement_quads:
        add(quad.subject, quad.predicate.value, quad.object)
        if not reify and isinstance(quad.graph_name, ox.NamedNode):
            add(quad.subject, quad.predicate.value, quad.object, quad.graph_name)
    if reify:
        for index, statement in enumerate(description.statements):
            node = ox.BlankNode(f"statement{index}")
            add(node, RDF + "type", _n(RDF + "Statement"))
            add(node, RDF + "subject", entity)
            add(node, RDF + "predicate", statement.predicate)
            add(node, RDF + "object", statement.value)
            for graph in statement.graphs:
                source = description.sources.get(graph)
                if source is not None and source.document:
                    add(node, PROV + "wasDerivedFrom", _n(source.document))
    return quads

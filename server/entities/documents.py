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

from typing import Any

import pyoxigraph as ox

from server import negotiation
from server.entities.describe import RDFS_LABEL, Description
from server.results import jsonld, write_graph
from server.terms import Term

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
FOAF = "http://xmlns.com/foaf/0.1/"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
VOID = "http://rdfs.org/ns/void#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
LICENCE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
DATASET_KEY = "id/dataset/french-tech-kg"
INCOMING_PAGE_SIZE = 100  # statements pointing to the entity, per page of its document


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


_RDF_TYPE = _n(RDF + "type")
_RDF_STATEMENT = _n(RDF + "Statement")
_RDF_SUBJECT = _n(RDF + "subject")
_RDF_PREDICATE = _n(RDF + "predicate")
_RDF_OBJECT = _n(RDF + "object")
_PROV_DERIVED = _n(PROV + "wasDerivedFrom")


def document_iri(base_uri: str, path: str, extension: str, page: int = 1) -> str:
    """The IRI a data document names itself by: ``{base}data/{path}.{extension}``.

    Its canonical address under the base IRI, where our IRIs are published (Cool URIs for the
    Semantic Web §4.3), not the address a request happened to reach: the same document is
    served on every host and behind every proxy, so it can be made once, at build.
    """
    return f"{base_uri}data/{path}.{extension}" + (f"?page={page}" if page > 1 else "")


def serialise(quads: list[ox.Quad], fmt: negotiation.Format, prefixes: dict[str, str]) -> bytes:
    """The document ``quads`` in ``fmt``: datasets with their named graphs, graphs without."""
    if fmt in (negotiation.TRIG, negotiation.N_QUADS):
        options: dict[str, Any] = {"prefixes": prefixes} if fmt is negotiation.TRIG else {}
        return ox.serialize(quads, format=fmt.writer, **options)
    return serialise_graph(
        [ox.Triple(q.subject, q.predicate, q.object) for q in quads], fmt, prefixes
    )


def serialise_graph(
    triples: list[ox.Triple], fmt: negotiation.Format, prefixes: dict[str, str]
) -> bytes:
    """A graph document's ``triples`` in ``fmt`` (Turtle, N-Triples, RDF/XML, JSON-LD)."""
    if fmt is negotiation.JSON_LD:
        # Unindented: json's C encoder only writes without indentation (five times faster,
        # measured on entity documents), and every entity's document is made at build.
        return jsonld(triples, prefixes, indent=None)
    chunks: list[bytes] = []
    write_graph(triples, fmt, prefixes, chunks.append)
    return b"".join(chunks)


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
    default = ox.DefaultGraph()

    # Predicates come as terms, built once: the build makes this for every entity.
    def add(s: Term, p: ox.NamedNode, o: Term, graph: ox.NamedNode | None = None) -> None:
        quads.append(ox.Quad(s, p, o, graph if graph is not None else default))

    for statement in description.statements:
        add(entity, statement.predicate, statement.value)
        if not reify:
            for graph in statement.graphs:
                add(entity, statement.predicate, statement.value, _n(graph))
    for quad in description.blank_nodes:
        add(quad.subject, quad.predicate, quad.object)
    for subject, predicate in description.incoming:
        add(subject, predicate, entity)
    for iri, labels in sorted(description.labels.items()):
        for language, label in sorted(labels.items()):
            literal = ox.Literal(label, language=language) if language else ox.Literal(label)
            add(_n(iri), RDFS_LABEL, literal)

    add(document, _RDF_TYPE, _n(FOAF + "Document"))
    add(document, _n(FOAF + "primaryTopic"), entity)
    add(document, _n(DCT + "license"), _n(LICENCE))
    add(document, _n(VOID + "inDataset"), _n(dataset_iri))
    if modified:
        add(document, _n(DCT + "modified"), ox.Literal(modified, datatype=_n(XSD + "dateTime")))
    if next_page_iri:
        add(document, _n(HYDRA + "next"), _n(next_page_iri))

    for source in description.sources.values():
        graph = _n(source.graph)
        if source.document:
            add(graph, _PROV_DERIVED, _n(source.document))
            if source.title:
                add(_n(source.document), _n(DCT + "title"), ox.Literal(source.title))
            if source.date:
                add(_n(source.document), _n(DCT + "date"), ox.Literal(source.date))
            if source.page:
                add(_n(source.document), _n(FOAF + "page"), _n(source.page))
    # What the editors judge of these statements (confidence, disagreements), from their own
    # graph: in the default graph like every statement, and in that graph in dataset formats.
    for quad in description.judgement_quads:
        add(quad.subject, quad.predicate, quad.object)
        if not reify and isinstance(quad.graph_name, ox.NamedNode):
            add(quad.subject, quad.predicate, quad.object, quad.graph_name)
    if reify:
        for index, statement in enumerate(description.statements):
            node = ox.BlankNode(f"statement{index}")
            add(node, _RDF_TYPE, _RDF_STATEMENT)
            add(node, _RDF_SUBJECT, entity)
            add(node, _RDF_PREDICATE, statement.predicate)
            add(node, _RDF_OBJECT, statement.value)
            for graph in statement.graphs:
                source = description.sources.get(graph)
                if source is not None and source.document:
                    add(node, _PROV_DERIVED, _n(source.document))
    return quads

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

from dataclasses import dataclass
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
_FOAF_DOCUMENT = _n(FOAF + "Document")
_FOAF_PRIMARY_TOPIC = _n(FOAF + "primaryTopic")
_FOAF_PAGE = _n(FOAF + "page")
_DCT_LICENSE = _n(DCT + "license")
_DCT_MODIFIED = _n(DCT + "modified")
_DCT_TITLE = _n(DCT + "title")
_DCT_DATE = _n(DCT + "date")
_VOID_IN_DATASET = _n(VOID + "inDataset")
_HYDRA_NEXT = _n(HYDRA + "next")
_XSD_DATE_TIME = _n(XSD + "dateTime")
_LICENCE = _n(LICENCE)


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
    statements = (
        _described(description, reify)
        + _metadata(_n(description.iri), document_iri, dataset_iri, modified, next_page_iri)
        + _cited(description, reify)
    )
    # A quad given no graph is in the default graph; passing ox.DefaultGraph() explicitly
    # doubles the cost of each (2.7 against 1.4 µs, measured).
    return [ox.Quad(s, p, o) if g is None else ox.Quad(s, p, o, g) for s, p, o, g in statements]


@dataclass(frozen=True)
class GraphDocument:
    """A data document as a graph (sources by reification), made once and then named for
    each format it is written in.

    Only the few statements about the document itself differ from one format's document to
    another's (its IRI, date and next page), so the rest is made once: the build makes a
    document for every entity, in three formats.
    """

    entity: ox.NamedNode
    dataset_iri: str
    head: list[ox.Triple]  # what comes before the document's own statements
    tail: list[ox.Triple]  # what comes after them

    def named(
        self, document_iri: str, modified: str | None, next_page_iri: str | None
    ) -> list[ox.Triple]:
        """The document's triples, as ``document_quads`` orders them, named ``document_iri``."""
        own = _metadata(self.entity, document_iri, self.dataset_iri, modified, next_page_iri)
        return self.head + [ox.Triple(s, p, o) for s, p, o, _ in own] + self.tail


def graph_document(description: Description, dataset_iri: str) -> GraphDocument:
    """``description``'s document, what ``document_quads`` gives with ``reify``, as triples
    made directly: converting quads to triples cost as much again (1.8 µs each, measured)."""
    return GraphDocument(
        _n(description.iri),
        dataset_iri,
        [ox.Triple(s, p, o) for s, p, o, _ in _described(description, reify=True)],
        [ox.Triple(s, p, o) for s, p, o, _ in _cited(description, reify=True)],
    )


# (subject, predicate, object, named graph or None for the default graph): plain tuples until
# the caller knows whether it wants quads or triples.
_Statement = tuple[Term, ox.NamedNode, Term, ox.NamedNode | None]


def _described(description: Description, reify: bool) -> list[_Statement]:
    """The entity's statements, the statements pointing to it and the labels of what they
    link."""
    entity = _n(description.iri)
    out: list[_Statement] = []
    add = out.append
    for statement in description.statements:
        add((entity, statement.predicate, statement.value, None))
        if not reify:
            for graph in statement.graphs:
                add((entity, statement.predicate, statement.value, _n(graph)))
    for quad in description.blank_nodes:
        add((quad.subject, quad.predicate, quad.object, None))
    for subject, predicate in description.incoming:
        add((subject, predicate, entity, None))
    for iri, labels in sorted(description.labels.items()):
        for language, label in sorted(labels.items()):
            literal = ox.Literal(label, language=language) if language else ox.Literal(label)
            add((_n(iri), RDFS_LABEL, literal, None))
    return out


def _metadata(
    entity: ox.NamedNode,
    document_iri: str,
    dataset_iri: str,
    modified: str | None,
    next_page_iri: str | None,
) -> list[_Statement]:
    """What the document says of itself."""
    document = _n(document_iri)
    out: list[_Statement] = [
        (document, _RDF_TYPE, _FOAF_DOCUMENT, None),
        (document, _FOAF_PRIMARY_TOPIC, entity, None),
        (document, _DCT_LICENSE, _LICENCE, None),
        (document, _VOID_IN_DATASET, _n(dataset_iri), None),
    ]
    if modified:
        out.append((document, _DCT_MODIFIED, ox.Literal(modified, datatype=_XSD_DATE_TIME), None))
    if next_page_iri:
        out.append((document, _HYDRA_NEXT, _n(next_page_iri), None))
    return out


def _cited(description: Description, reify: bool) -> list[_Statement]:
    """The sources, the editors' judgements and, with ``reify``, which sources state each
    statement."""
    entity = _n(description.iri)
    out: list[_Statement] = []
    add = out.append
    for source in description.sources.values():
        if source.document:
            cited = _n(source.document)
            add((_n(source.graph), _PROV_DERIVED, cited, None))
            if source.title:
                add((cited, _DCT_TITLE, ox.Literal(source.title), None))
            if source.date:
                add((cited, _DCT_DATE, ox.Literal(source.date), None))
            if source.page:
                add((cited, _FOAF_PAGE, _n(source.page), None))
    # What the editors judge of these statements (confidence, disagreements), from their own
    # graph: in the default graph like every statement, and in that graph in dataset formats.
    for quad in description.judgement_quads:
        add((quad.subject, quad.predicate, quad.object, None))
        if not reify and isinstance(quad.graph_name, ox.NamedNode):
            add((quad.subject, quad.predicate, quad.object, quad.graph_name))
    if reify:
        cited_by = {
            graph: _n(source.document)
            for graph, source in description.sources.items()
            if source.document
        }
        for index, statement in enumerate(description.statements):
            node = ox.BlankNode(f"statement{index}")
            add((node, _RDF_TYPE, _RDF_STATEMENT, None))
            add((node, _RDF_SUBJECT, entity, None))
            add((node, _RDF_PREDICATE, statement.predicate, None))
            add((node, _RDF_OBJECT, statement.value, None))
            for graph in statement.graphs:
                cited = cited_by.get(graph)
                if cited is not None:
                    add((node, _PROV_DERIVED, cited, None))
    return out

"""The ontology at its own IRI: HTML documentation for people, RDF for programs.

Generated from the ontology graph itself, so the documentation cannot drift from what the
data uses. Every term IRI ``{base}ontology#Term`` resolves (the fragment stays with the
client) to the ``id="Term"`` anchor of this page; each class links to its listing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request, url_for

from server import negotiation
from server.browse import LISTINGS
from server.presentation import WORDS, best_label, link_for, local_name, reader_language
from server.results import write_graph
from server.web import knowledge_store

bp = Blueprint("ontology", __name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
KINDS = {
    OWL + "Class": "class",
    OWL + "ObjectProperty": "property",
    OWL + "DatatypeProperty": "property",
    OWL + "AnnotationProperty": "property",
}


@dataclass
class Term:
    """One class or property of ours, as documented."""

    name: str
    iri: str
    kind: str
    label: str
    comment: str
    relations: list[tuple[str, list[tuple[str, str | None]]]] = field(default_factory=list)
    listing: str | None = None
    uses: int = 0


@bp.get("/ontology")
def document() -> Response:
    """HTML for browsers; Turtle, RDF/XML, JSON-LD or N-Triples by Accept or ``?format=``.

    ``*/*`` and no Accept get Turtle, as an entity IRI does (``server.negotiation``): the
    ontology is data first, as in the W3C Best Practice Recipes for Publishing RDF
    Vocabularies (Recipe 3: RDF by default, HTML to clients that ask for it)."""
    store = knowledge_store()
    graph = ox.NamedNode(store.base_uri + "ontology")
    choice = negotiation.negotiate(
        (*negotiation.GRAPH_FORMATS, negotiation.HTML),
        request.headers.get("Accept"),
        request.args.getlist("format"),
    )
    fmt = choice.format
    if fmt is negotiation.HTML:
        lang = reader_language()
        response = Response(
            render_template("ontology.html", **_documentation(store, graph, lang)),
            mimetype=fmt.media_type,
        )
        response.vary.add("Accept-Language")
    else:
        triples = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.store.quads_for_pattern(None, None, None, graph)
        ]
        chunks: list[bytes] = []
        write_graph(triples, fmt, current_app.config["PREFIXES"], chunks.append)
        response = Response(b"".join(chunks), content_type=fmt.content_type)
    if choice.negotiated:
        response.vary.add("Accept")
    return response


def _documentation(store: object, graph: ox.NamedNode, lang: str) -> dict[str, object]:
    knowledge = knowledge_store()
    namespace = knowledge.base_uri + "ontology#"
    quads = list(knowledge.store.quads_for_pattern(None, None, None, graph))
    labels: dict[str, dict[str, str]] = {}
    comments: dict[str, dict[str, str]] = {}
    by_subject: dict[str, list[ox.Quad]] = {}
    for quad in quads:
        subject = quad.subject.value
        by_subject.setdefault(subject, []).append(quad)
        if isinstance(quad.object, ox.Literal) and quad.predicate.value == RDFS + "label":
            labels.setdefault(subject, {})[quad.object.language or ""] = quad.object.value
        if isinstance(quad.object, ox.Literal) and quad.predicate.value == RDFS + "comment":
            comments.setdefault(subject, {})[quad.object.language or ""] = quad.object.value
    listings = {
        (
            knowledge.base_uri + listing.cls if listing.cls.startswith("ontology#") else listing.cls
        ): listing.key
        for listing in LISTINGS
    }
    terms = []
    for subject, subject_quads in sorted(by_subject.items()):
        if not subject.startswith(namespace):
            continue
        kinds = {
            KINDS[q.object.value]
            for q in subject_quads
            if q.predicate.value == RDF_TYPE and q.object.value in KINDS
        }
        if not kinds:
            continue
        relations: dict[str, list[tuple[str, str | None]]] = {}
        for quad in subject_quads:
            predicate = quad.predicate.value
            if predicate in (
                RDFS + "subClassOf",
                RDFS + "domain",
                RDFS + "range",
                RDFS + "subPropertyOf",
            ) and isinstance(quad.object, ox.NamedNode):
                target = quad.object.value
                text = best_label(labels.get(target, {}), lang, local_name(target))[0]
                relations.setdefault(local_name(predicate), []).append(
                    (text, link_for(target, knowledge.base_uri).href)
                )
        kind = "class" if "class" in kinds else "property"
        listing = listings.get(subject)
        uses = _uses(knowledge, subject, kind)
        terms.append(
            Term(
                name=subject[len(namespace) :],
                iri=subject,
                kind=kind,
                label=best_label(labels.get(subject, {}), lang, local_name(subject))[0],
                comment=best_label(comments.get(subject, {}), lang, "")[0],
                relations=sorted(relations.items()),
                listing=url_for("browse.listing", key=listing) if listing else None,
                uses=uses,
            )
        )
    ontology = knowledge.base_uri + "ontology"
    meta = {q.predicate.value: q.object.value for q in by_subject.get(ontology, [])}
    titles = {
        q.object.language: q.object.value
        for q in by_subject.get(ontology, [])
        if q.predicate.value == "http://purl.org/dc/terms/title"
        and isinstance(q.object, ox.Literal)
    }
    return {
        "lang": lang,
        "words": WORDS[lang],
        "title": titles.get(lang) or titles.get("en") or "Ontology",
        "iri": ontology,
        "namespace": namespace,
        "version": meta.get(OWL + "versionInfo"),
        "modified": meta.get("http://purl.org/dc/terms/modified"),
        "classes": [t for t in terms if t.kind == "class"],
        "properties": [t for t in terms if t.kind == "property"],
        "formats": [
            (f.names[0], url_for("ontology.document", format=f.names[0]))
            for f in negotiation.GRAPH_FORMATS
            if f.advertised
        ],
        "shapes": url_for("ontology.shapes"),
    }


USES = {
    "class": "SELECT ?term (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?term } GROUP BY ?term",
    "property": "SELECT ?term (COUNT(*) AS ?n) WHERE { ?s ?term ?o } GROUP BY ?term",
}


def _uses(knowledge: object, iri: str, kind: str) -> int:
    def count() -> int:
        rows = knowledge_store().select(USES[kind], term=ox.NamedNode(iri))
        return int(rows[0]["n"].value) if rows else 0

    return knowledge_store().cached(f"uses {iri}", count)


@bp.get("/ontology/shapes.ttl")
def shapes() -> Response:
    """The SHACL shapes the data is validated against, as written (relative IRIs resolved)."""
    store = knowledge_store()
    path = current_app.config["SOURCE_DIR"]
    from pathlib import Path

    quads = ox.parse(path=Path(path) / "ontology" / "shapes.ttl", base_iri=store.base_uri)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    body = ox.serialize(
        triples,
        format=ox.RdfFormat.TURTLE,
        prefixes={**current_app.config["PREFIXES"], "fsh": store.base_uri + "ontology/shapes#"},
    )
    return Response(
        body,
        content_type="text/turtle; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600"},
    )

"""The VoID description at /.well-known/void (VoID, W3C Interest Group Note 2011, §7.2).

Every number comes from the statistics computed when the store was built: triples, entities,
distinct subjects and objects, classes and properties with their partitions, vocabularies,
the same counts for the labels subset, and the links to other datasets. A linkset is only
what VoID §5 calls one, triples whose objects are IRIs of the target dataset; the codes kept
as literals (INSEE codes, SIREN numbers under Wikidata's properties) are described by their
property partitions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response

from server import quality
from server.datasets import (
    DATASETS,
    FIRST_PUBLISHED,
    LABELS,
    LINKS,
    WHOLE,
)
from server.harvest.dumps_view import stable_name
from server.harvest.rdf_response import rdf_response
from server.site import Site, of_request
from server.terms import Term
from server.version.store import KnowledgeStore
from server.web import knowledge_store

bp = Blueprint("void", __name__)

VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_INTEGER = ox.NamedNode(XSD + "integer")
LICENCE = ox.NamedNode("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
EXAMPLES = (
    "ecosystem/lille",
    "award/2019-capitale-lille",
    "epci/200093201",
    "commune/59350",
    "person/cedric-o",
)
ROOTS = ("scheme/label-kinds", "programme/french-tech")
# The statistics VoID §4 names, by the names the build records them under.
COUNTS = {
    "triples": "triples",
    "entities": "entities",
    "distinct_subjects": "distinctSubjects",
    "distinct_objects": "distinctObjects",
    "classes": "classes",
    "properties": "properties",
}


Add = Callable[[ox.NamedNode | ox.BlankNode, ox.NamedNode, Term], None]


def _v(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


def _n(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def void_triples(store: KnowledgeStore, site: Site) -> list[ox.Triple]:
    """The VoID description of ``store``'s data version published on ``site``, as triples."""
    base = store.base_uri
    stats = store.dataset_statistics()
    whole = ox.NamedNode(WHOLE.iri(base))
    publisher = ox.NamedNode(base + "id/organisation/ftkg")
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: Term) -> None:
        triples.append(ox.Triple(s, p, o))

    description = ox.NamedNode(site.url("void.description"))
    add(description, RDF_TYPE, _v("DatasetDescription"))
    add(
        description,
        ox.NamedNode(DCT + "title"),
        ox.Literal("VoID description of the French Tech Knowledge Graph", language="en"),
    )
    add(description, ox.NamedNode(FOAF + "primaryTopic"), whole)
    add(publisher, RDF_TYPE, ox.NamedNode(FOAF + "Organization"))
    add(
        publisher,
        ox.NamedNode(FOAF + "name"),
        ox.Literal(site.config["PUBLISHER_NAME"], language="fr"),
    )
    for dataset in DATASETS:
        node = ox.NamedNode(dataset.iri(base))
        add(node, RDF_TYPE, _v("Dataset"))
        add(node, ox.NamedNode(DCT + "title"), ox.Literal(dataset.title_fr, language="fr"))
        add(node, ox.NamedNode(DCT + "title"), ox.Literal(dataset.title_en, language="en"))
        add(
            node,
            ox.NamedNode(DCT + "description"),
            ox.Literal(dataset.description_fr, language="fr"),
        )
        add(
            node,
            ox.NamedNode(DCT + "description"),
            ox.Literal(dataset.description_en, language="en"),
        )
        add(node, ox.NamedNode(DCT + "publisher"), publisher)
        add(node, ox.NamedNode(DCT + "license"), LICENCE)
        add(node, _v("sparqlEndpoint"), ox.NamedNode(site.url("sparql.endpoint")))
        add(node, _v("uriSpace"), ox.Literal(base + "id/"))
        add(
            node,
            ox.NamedNode(DCT + "issued"),
            ox.Literal(FIRST_PUBLISHED, datatype=ox.NamedNode(XSD + "date")),
        )
        if store.built_at:
            add(
                node,
                ox.NamedNode(DCT + "modified"),
                ox.Literal(store.built_at, datatype=ox.NamedNode(XSD + "dateTime")),
            )
        add(
            node,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
            ox.NamedNode(site.url("catalog.catalog")),
        )
        for dump in store.dumps():
            if dump.dataset == dataset.key:
                add(
                    node,
                    _v("dataDump"),
                    ox.NamedNode(site.url("dumps.latest", name=stable_name(dump))),
                )
    # foaf:homepage is inverse functional (FOAF; VoID §2): the home page describes the whole
    # graph, so it is the homepage of that dataset alone, or the subset would be taken for it.
    add(whole, ox.NamedNode(FOAF + "homepage"), ox.NamedNode(site.url("home.index")))
    # A harvester reads quality from the dataset it harvests: completeness goes with each.
    for dataset in DATASETS:
        triples.extend(quality.dqv_triples(store, dataset.iri(base)))
    labels = ox.NamedNode(LABELS.iri(base))
    add(whole, _v("subset"), labels)
    _counts(add, labels, stats.get("without_geography", {}))
    for key in EXAMPLES:
        add(whole, _v("exampleResource"), ox.NamedNode(f"{base}id/{key}"))
    for key in ROOTS:
        add(whole, _v("rootResource"), ox.NamedNode(f"{base}id/{key}"))
    _counts(add, whole, stats)
    for vocabulary in stats.get("vocabularies", []):
        add(whole, _v("vocabulary"), ox.NamedNode(vocabulary))
    for index, (cls, count) in enumerate(sorted(stats.get("class_partitions", {}).items())):
        partition = ox.BlankNode(f"class{index}")
        add(whole, _v("classPartition"), partition)
        add(partition, _v("class"), ox.NamedNode(cls))
        add(partition, _v("entities"), _n(count))
    for index, (prop, count) in enumerate(sorted(stats.get("property_partitions", {}).items())):
        partition = ox.BlankNode(f"property{index}")
        add(whole, _v("propertyPartition"), partition)
        add(partition, _v("property"), ox.NamedNode(prop))
        add(partition, _v("triples"), _n(count))
    for name, count in sorted(stats.get("links", {}).items()):
        _linkset(add, whole, name, count, description.value)
    return list(dict.fromkeys(triples))


def _counts(add: Add, node: ox.NamedNode, counts: dict[str, Any]) -> None:
    for name, term in COUNTS.items():
        if name in counts:
            add(node, _v(term), _n(counts[name]))


def _linkset(add: Add, whole: ox.NamedNode, name: str, count: int, document: str) -> None:
    """A linkset from the whole graph to another dataset, and that dataset (VoID §5), named in
    this document as VoID's own examples name the datasets they link to."""
    if name not in LINKS or not count:
        return
    linked = LINKS[name]
    target = ox.NamedNode(f"{document}#{name}")
    add(target, RDF_TYPE, _v("Dataset"))
    add(target, ox.NamedNode(DCT + "title"), ox.Literal(linked.title_fr, language="fr"))
    add(target, ox.NamedNode(DCT + "title"), ox.Literal(linked.title_en, language="en"))
    add(target, _v("uriSpace"), ox.Literal(linked.uri_space))
    linkset = ox.NamedNode(f"{document}#links-to-{name}")
    add(whole, _v("subset"), linkset)
    add(linkset, RDF_TYPE, _v("Linkset"))
    add(linkset, _v("subjectsTarget"), whole)
    add(linkset, _v("objectsTarget"), target)
    add(linkset, _v("linkPredicate"), ox.NamedNode(linked.predicate))
    add(linkset, _v("triples"), _n(count))


@bp.get("/.well-known/void")
def description() -> Response:
    """The VoID description, Turtle by default, any RDF format by Accept or ``?format=``."""
    return rdf_response(
        void_triples(knowledge_store(), of_request()), extra_prefixes={"void": VOID}
    )

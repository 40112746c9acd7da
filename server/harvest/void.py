"""The VoID description at /.well-known/void (VoID, W3C Interest Group Note 2011, §7.2).

Every number comes from the statistics computed when the store was built: triples, entities,
distinct subjects and objects, classes and properties with their partitions, vocabularies,
and the links to other datasets by identifier (Wikidata, INSEE).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, url_for

from server.harvest import quality
from server.harvest.datasets import DATASETS, LABELS, WHOLE, dumps_of, statistics_of
from server.harvest.dumps_view import stable_name
from server.harvest.rdf_response import rdf_response
from server.terms import Term
from server.web import knowledge_store

bp = Blueprint("void", __name__)

VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
LICENCE = ox.NamedNode("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
EXAMPLES = (
    "ecosystem/lille",
    "award/2019-capitale-lille",
    "epci/200093201",
    "commune/59350",
    "person/cedric-o",
)
ROOTS = ("scheme/label-kinds", "programme/french-tech")


def _v(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


def _n(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=XSD_INTEGER)


def void_triples() -> list[ox.Triple]:
    """The VoID description of the served version, as triples."""
    store = knowledge_store()
    base = store.base_uri
    stats = statistics_of(store) or {}
    whole = ox.NamedNode(WHOLE.iri(base))
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: ox.NamedNode, o: Term) -> None:
        triples.append(ox.Triple(s, p, o))

    description = ox.NamedNode(url_for("void.description", _external=True))
    add(description, RDF_TYPE, _v("DatasetDescription"))
    add(
        description,
        ox.NamedNode(DCT + "title"),
        ox.Literal("VoID description of the French Tech Knowledge Graph", language="en"),
    )
    add(description, ox.NamedNode("http://xmlns.com/foaf/0.1/primaryTopic"), whole)
    for dataset in DATASETS:
        node = ox.NamedNode(dataset.iri(base))
        add(node, RDF_TYPE, _v("Dataset"))
        add(node, ox.NamedNode(DCT + "title"), ox.Literal(dataset.title_fr, language="fr"))
        add(node, ox.NamedNode(DCT + "title"), ox.Literal(dataset.title_en, language="en"))
        add(
            node,
            ox.NamedNode(DCT + "description"),
            ox.Literal(dataset.description_en, language="en"),
        )
        add(node, ox.NamedNode(DCT + "license"), LICENCE)
        add(node, _v("sparqlEndpoint"), ox.NamedNode(url_for("sparql.endpoint", _external=True)))
        add(node, _v("uriSpace"), ox.Literal(base + "id/"))
        add(
            node,
            ox.NamedNode(DCT + "modified"),
            ox.Literal(
                store.built_at or "",
                datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
            ),
        )
        add(
            node,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
            ox.NamedNode(url_for("catalog.catalog", _external=True)),
        )
        for dump in dumps_of(store):
            if dump.dataset == dataset.key:
                add(
                    node,
                    _v("dataDump"),
                    ox.NamedNode(url_for("dumps.latest", name=stable_name(dump), _external=True)),
                )
    # A harvester reads quality from the dataset it harvests: completeness goes with each.
    for dataset in DATASETS:
        triples.extend(quality.dqv_triples(store, dataset.iri(base)))
    add(whole, _v("subset"), ox.NamedNode(LABELS.iri(base)))
    for key in EXAMPLES:
        add(whole, _v("exampleResource"), ox.NamedNode(f"{base}id/{key}"))
    for key in ROOTS:
        add(whole, _v("rootResource"), ox.NamedNode(f"{base}id/{key}"))
    for name in (
        "triples",
        "entities",
        "distinct_subjects",
        "distinct_objects",
        "classes",
        "properties",
    ):
        if name in stats:
            camel = {
                "distinct_subjects": "distinctSubjects",
                "distinct_objects": "distinctObjects",
            }.get(name, name)
            add(whole, _v(camel), _n(stats[name]))
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
    for name, linkset in sorted(stats.get("linksets", {}).items()):
        for predicate, count in sorted(linkset["predicates"].items()):
            local_name = predicate.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
            node = ox.NamedNode(f"{WHOLE.iri(base)}/linkset/{name}/{local_name}")
            add(whole, _v("subset"), node)
            add(node, RDF_TYPE, _v("Linkset"))
            add(node, _v("subjectsTarget"), whole)
            add(node, _v("objectsTarget"), ox.NamedNode(linkset["target"]))
            add(node, _v("linkPredicate"), ox.NamedNode(predicate))
            add(node, _v("triples"), _n(count))
            add(
                node,
                ox.NamedNode(DCT + "description"),
                ox.Literal(
                    "Links by identifier: each value is the code under which the target dataset "
                    "knows the territory or body.",
                    language="en",
                ),
            )
    return list(dict.fromkeys(triples))


@bp.get("/.well-known/void")
def description() -> Response:
    """The VoID description, Turtle by default, any RDF format by Accept or ``?format=``."""
    return rdf_response(void_triples(), extra_prefixes={"void": VOID})

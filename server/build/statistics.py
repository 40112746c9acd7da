"""The dataset's statistics for its VoID description, computed once, when the store is built."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from server.terms import Term

STATISTICS = "statistics.json"
WIKIDATA = "http://www.wikidata.org/prop/direct/"
# Links by identifier: the predicates whose values are another dataset's identifiers.
LINKSETS = {
    "wikidata": (
        "https://www.wikidata.org/",
        [WIKIDATA + p for p in ("P374", "P2586", "P2585", "P1616")],
    ),
    "insee": ("http://id.insee.fr/", ["http://rdf.insee.fr/def/geo#codeINSEE"]),
}


def _one(store: ox.Store, query: str, **bindings: Term) -> int:
    substitutions = {ox.Variable(k): v for k, v in bindings.items()} or None
    (row,) = store.query(query, substitutions=substitutions)
    return int(row["n"].value)


def compute(store: ox.Store, base_uri: str) -> dict[str, Any]:
    """Counts, class and property partitions, vocabularies and linksets of the default graph."""
    entity_prefix = ox.Literal(base_uri + "id/")
    class_partitions = {
        row["c"].value: int(row["n"].value)
        for row in store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")
    }
    property_partitions = {
        row["p"].value: int(row["n"].value)
        for row in store.query("SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p")
    }
    vocabularies = sorted(
        {_namespace(iri) for iri in [*class_partitions, *property_partitions]} - {""}
    )
    linksets = {
        name: {
            "target": target,
            "predicates": {p: property_partitions.get(p, 0) for p in predicates},
        }
        for name, (target, predicates) in LINKSETS.items()
    }
    return {
        "triples": _one(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        "distinct_subjects": _one(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "distinct_objects": _one(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        "entities": _one(
            store,
            "SELECT ?prefix (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
            "FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?prefix)) } GROUP BY ?prefix",
            prefix=entity_prefix,
        ),
        "classes": len(class_partitions),
        "properties": len(property_partitions),
        "class_partitions": class_partitions,
        "class_members": class_members(store),
        "property_partitions": property_partitions,
        "vocabularies": vocabularies,
        "linksets": linksets,
    }


CLASS_MEMBERS = """
SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?e a/<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?class FILTER(isIRI(?e))
} GROUP BY ?class
"""


def class_members(store: ox.Store) -> dict[str, int]:
    """Entities (IRIs) of each class, members of its subclasses included: what the listings
    count. One grouped query; asking it class by class costs as much per class."""
    return {row["class"].value: int(row["n"].value) for row in store.query(CLASS_MEMBERS)}


def _namespace(iri: str) -> str:
    for separator in ("#", "/"):
        if separator in iri:
            return iri.rsplit(separator, 1)[0] + separator
    return ""


def write(directory: Path, statistics: dict[str, Any]) -> None:
    """Record the statistics beside the store."""
    (directory / STATISTICS).write_text(json.dumps(statistics, indent=1) + "\n", encoding="utf-8")


def read(directory: Path) -> dict[str, Any] | None:
    """The statistics recorded with a version, if any."""
    try:
        return json.loads((directory / STATISTICS).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None

"""The statistics a build records beside a version (server.pipeline.statistics), checked
against the SPARQL that defines them."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from server.pipeline.statistics import CLASS_MEMBERS, class_members
from server.terms import solutions
from server.version import layout

EX = "http://kg.test/"
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS_OF = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")


def by_query(store: ox.Store) -> dict[str, int]:
    return {r["class"].value: int(r["n"].value) for r in solutions(store.query(CLASS_MEMBERS))}


def test_members_of_a_class_include_those_of_its_subclasses_once_each() -> None:
    store = ox.Store()
    commune, territory, place = (ox.NamedNode(EX + n) for n in ("Commune", "Territory", "Place"))
    a, b = ox.NamedNode(EX + "a"), ox.NamedNode(EX + "b")
    restriction = ox.BlankNode()
    for s, p, o in [
        (commune, SUBCLASS_OF, territory),
        (territory, SUBCLASS_OF, place),
        (place, SUBCLASS_OF, territory),  # a cycle
        (commune, SUBCLASS_OF, restriction),  # a superclass without a name
        (a, TYPE, commune),
        (a, TYPE, territory),  # a member twice over: counted once
        (b, TYPE, ox.NamedNode(EX + "Undeclared")),  # a type no statement calls a class
        (ox.BlankNode(), TYPE, commune),  # not an entity: no IRI
    ]:
        store.add(ox.Quad(s, p, o))
    counted = class_members(store)
    assert counted[EX + "Commune"] == 1
    assert counted[EX + "Territory"] == counted[EX + "Place"] == 1
    assert counted[EX + "Undeclared"] == 1
    assert counted[restriction.value] == 1
    assert counted == by_query(store)


def test_the_counts_of_the_full_data_are_those_of_the_query(built_store: Path) -> None:
    store = ox.Store.read_only(str(built_store / layout.LIVE / layout.OXIGRAPH_DIR))
    counted = class_members(store)
    assert counted["http://rdf.insee.fr/def/geo#Commune"] > 30_000
    assert counted == by_query(store)

"""The home page: what the service is, what it holds, where to go next."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, current_app, render_template

from server.browse import LISTINGS
from server.entities.presentation import reader_language
from server.store import KnowledgeStore
from server.web import knowledge_store

bp = Blueprint("home", __name__)

# The classes a visitor cares about, in the order the home page lists them.
CLASS_COUNTS_QUERY = """
PREFIX ftkg: <ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?lang ?class ?label (COUNT(DISTINCT ?entity) AS ?count) WHERE {
  VALUES ?class {
    ftkg:LabelAward ftkg:Ecosystem ftkg:LabelRound ftkg:LabelKind
    <http://www.w3.org/ns/org#Organization> <http://xmlns.com/foaf/0.1/Person>
    <http://rdf.insee.fr/def/geo#Commune> <http://rdf.insee.fr/def/geo#Intercommunalite>
    <http://rdf.insee.fr/def/geo#Region> ftkg:SourceDocument <http://schema.org/Quotation>
  }
  ?entity a ?class .
  OPTIONAL { ?class rdfs:label ?label FILTER(LANG(?label) = ?lang) }
}
GROUP BY ?lang ?class ?label
ORDER BY DESC(?count)
"""


@dataclass(frozen=True)
class ClassCount:
    """How many entities of one class the graph holds, and the listing that shows them."""

    iri: str
    label: str
    count: int
    listing: str | None


def class_counts(store: KnowledgeStore, lang: str) -> list[ClassCount]:
    """Entities per main class, for the home page."""
    listings = {
        (
            store.base_uri + listing.cls if listing.cls.startswith("ontology#") else listing.cls
        ): listing.key
        for listing in LISTINGS
    }
    return [
        ClassCount(
            row["class"].value,
            row["label"].value if "label" in row else row["class"].value,
            int(row["count"].value),
            listings.get(row["class"].value),
        )
        for row in store.select(CLASS_COUNTS_QUERY, lang=ox.Literal(lang))
    ]


@bp.get("/")
def index() -> str:
    """The home page."""
    store = knowledge_store()
    lang = reader_language()
    return render_template(
        "home.html",
        counts=store.cached(f"home.counts {lang}", lambda: class_counts(store, lang)),
        examples=current_app.extensions["ftkg.examples"],
        store=store,
    )

"""The home page: what the service is, what it holds, where to go next."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app, render_template

from server.store import KnowledgeStore
from server.web import knowledge_store

bp = Blueprint("home", __name__)

# The classes a visitor cares about, in the order the home page lists them.
CLASS_COUNTS_QUERY = """
PREFIX ftkg: <ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?class ?label (COUNT(DISTINCT ?entity) AS ?count) WHERE {
  VALUES ?class {
    ftkg:LabelAward ftkg:Ecosystem ftkg:LabelRound ftkg:LabelKind
    <http://www.w3.org/ns/org#Organization> <http://xmlns.com/foaf/0.1/Person>
    <http://rdf.insee.fr/def/geo#Commune> <http://rdf.insee.fr/def/geo#Intercommunalite>
    <http://rdf.insee.fr/def/geo#Region> ftkg:SourceDocument <http://schema.org/Quotation>
  }
  ?entity a ?class .
  OPTIONAL { ?class rdfs:label ?label FILTER(LANG(?label) = "en") }
}
GROUP BY ?class ?label
ORDER BY DESC(?count)
"""


@dataclass(frozen=True)
class ClassCount:
    """How many entities of one class the graph holds."""

    iri: str
    label: str
    count: int


def class_counts(store: KnowledgeStore) -> list[ClassCount]:
    """Entities per main class, for the home page."""
    return [
        ClassCount(
            row["class"].value,
            row["label"].value if "label" in row else row["class"].value,
            int(row["count"].value),
        )
        for row in store.select(CLASS_COUNTS_QUERY)
    ]


@bp.get("/")
def index() -> str:
    """The home page."""
    store = knowledge_store()
    return render_template(
        "home.html",
        counts=class_counts(store),
        examples=current_app.extensions["ftkg.examples"],
        store=store,
    )

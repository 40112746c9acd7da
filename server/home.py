"""The home page: the labels first (rounds, kinds, where, how complete), then what the
service is, what it holds and where to go next."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, current_app, render_template, url_for

from server.browse import LISTINGS
from server.datasets import FIRST_PUBLISHED, KEYWORDS, TEMPORAL, WHOLE
from server.harvest.dumps_view import stable_name
from server.pictures import label_charts
from server.presentation import reader_language
from server.version.store import KnowledgeStore
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
    dataset = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": WHOLE.iri(store.base_uri),
        "name": WHOLE.title_fr if lang == "fr" else WHOLE.title_en,
        "description": WHOLE.description_fr if lang == "fr" else WHOLE.description_en,
        "url": url_for("home.index", _external=True),
        "license": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
        "inLanguage": ["fr", "en"],
        "isAccessibleForFree": True,
        "keywords": KEYWORDS[lang],
        "version": store.data_version[:12],
        # The same first publication the catalogue and VoID give as dct:issued.
        "datePublished": FIRST_PUBLISHED,
        "dateModified": store.built_at,
        "spatialCoverage": {"@type": "Place", "name": "France"},
        "temporalCoverage": f"{TEMPORAL[0]}/..",
        "creator": {"@type": "Organization", "name": current_app.config["PUBLISHER_NAME"]},
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": dump.format,
                "contentUrl": url_for("dumps.latest", name=stable_name(dump), _external=True),
                "contentSize": f"{dump.bytes} B",
            }
            for dump in store.dumps()
            if dump.dataset == WHOLE.key
        ],
    }
    examples = current_app.extensions["ftkg.examples"]
    return render_template(
        "home.html",
        dataset=dataset,
        # The labels first (#16): what was awarded, when, where, and how complete it is.
        labels=label_charts.summary(store, lang),
        figures=label_charts.home_figures(store, lang, examples),
        counts=store.cached(f"home.counts {lang}", lambda: class_counts(store, lang)),
        examples=examples,
        store=store,
    )

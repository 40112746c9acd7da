"""Listings: every entity of a class, paged and sortable, each row linking to its page."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox
from flask import Blueprint, abort, render_template, request, url_for

from server.errors import BadRequest, NotFound
from server.presentation import WORDS, link_for, local_name, reader_language
from server.web import knowledge_store

bp = Blueprint("browse", __name__)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Listing:
    """A named listing: the class it lists and how to title it."""

    key: str
    cls: str  # relative to the base when it starts with "ontology#"
    fr: str
    en: str


LISTINGS = (
    Listing("awards", "ontology#LabelAward", "Attributions de labels", "Label awards"),
    Listing("ecosystems", "ontology#Ecosystem", "Écosystèmes", "Ecosystems"),
    Listing("rounds", "ontology#LabelRound", "Vagues de labellisation", "Label rounds"),
    Listing("label-kinds", "ontology#LabelKind", "Labels", "Label kinds"),
    Listing(
        "organisations", "http://www.w3.org/ns/org#Organization", "Organisations", "Organisations"
    ),
    Listing("people", "http://xmlns.com/foaf/0.1/Person", "Personnes", "People"),
    Listing("sources", "ontology#SourceDocument", "Sources", "Sources"),
    Listing("quotations", "http://schema.org/Quotation", "Citations", "Quotations"),
    Listing("regions", "http://rdf.insee.fr/def/geo#Region", "Régions", "Régions"),
    Listing(
        "departements", "http://rdf.insee.fr/def/geo#Departement", "Départements", "Départements"
    ),
    Listing(
        "epci",
        "http://rdf.insee.fr/def/geo#Intercommunalite",
        "Intercommunalités (EPCI)",
        "Intercommunal bodies (EPCI)",
    ),
    Listing("communes", "http://rdf.insee.fr/def/geo#Commune", "Communes", "Communes"),
)
BY_KEY = {listing.key: listing for listing in LISTINGS}

# One row per entity: its label in the reader's language (else any), and a date to sort by.
# Members of a class include members of its subclasses (an org:FormalOrganization is listed
# with the organisations).
ROWS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?entity ?class ?lang ?kind ?container
       (SAMPLE(?preferred) AS ?label) (SAMPLE(?other) AS ?fallback) (MIN(STR(?when)) AS ?date)
WHERE {
  ?entity a/rdfs:subClassOf* ?class .
  FILTER(isIRI(?entity))
  OPTIONAL { ?entity rdfs:label ?preferred FILTER(LANG(?preferred) = ?lang) }
  OPTIONAL { ?entity rdfs:label ?other }
  OPTIONAL {
    ?entity <ontology#awardDate>|<http://purl.org/dc/terms/date>|<http://schema.org/startDate> ?when
  }
  %s
}
GROUP BY ?entity ?class ?lang ?kind ?container
"""
# The filters a listing may add: fixed patterns, their variables bound by substitution (a
# substituted variable is only honoured in triple patterns, not inside FILTER).
_IN = (
    "<http://rdf.insee.fr/def/geo#subdivisionDirecteDe>|<http://rdf.insee.fr/def/geo#subdivisionDe>"
)
FILTERS = {
    (): "",
    ("kind",): "?entity <ontology#labelKind> ?kind .",
    ("container",): f"?entity {_IN} ?container .",
    ("container", "kind"): f"?entity <ontology#labelKind> ?kind ; {_IN} ?container .",
}
LABEL_KINDS = """
SELECT ?lang ?kind ?label WHERE {
  ?kind a <ontology#LabelKind> ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?label
  FILTER(LANG(?label) = ?lang)
} ORDER BY ?label
"""
ORDERS = {
    "label": "ORDER BY LCASE(COALESCE(?label, ?fallback, STR(?entity)))",
    "date": "ORDER BY ?date LCASE(COALESCE(?label, ?fallback, STR(?entity)))",
    "-date": "ORDER BY DESC(?date) LCASE(COALESCE(?label, ?fallback, STR(?entity)))",
}


@bp.get("/browse")
def index() -> str:
    """Every listing, with how many entities each holds."""
    store = knowledge_store()
    lang = reader_language()
    counts = []
    members = store.class_members()
    for listing in LISTINGS:
        counts.append((listing, getattr(listing, lang), members.get(_class(listing).value, 0)))
    kinds = store.select(LABEL_KINDS, lang=ox.Literal(lang))
    label_kinds = [(local_name(row["kind"].value), row["label"].value) for row in kinds]
    return render_template(
        "browse_index.html", lang=lang, words=WORDS[lang], counts=counts, label_kinds=label_kinds
    )


@bp.get("/browse/<key>")
def listing(key: str) -> str:
    """One listing, a page at a time: ``?page=``, ``?sort=label|date|-date``, and filters
    ``?kind=`` (a label kind, for awards) and ``?in=`` (a territory, for communes)."""
    found = BY_KEY.get(key)
    if found is None:
        raise NotFound(f"no listing named {key!r}; see {url_for('browse.index')}")
    store = knowledge_store()
    lang = reader_language()
    sort = request.args.get("sort", "label")
    if sort not in ORDERS:
        raise BadRequest(f"sort must be one of {', '.join(ORDERS)}, got {sort!r}")
    page = _page()
    bindings: dict[str, ox.NamedNode | ox.Literal] = {
        "class": _class(found),
        "lang": ox.Literal(lang),
    }
    kind = request.args.get("kind")
    if kind:
        bindings["kind"] = _entity(store, f"label-kind/{kind}", "kind")
    container = request.args.get("in")
    if container:
        bindings["container"] = _entity(store, container, "in")
    pattern = FILTERS[tuple(sorted(k for k in ("kind", "container") if k in bindings))]
    solutions = store.query(ROWS % pattern + ORDERS[sort], bindings)
    rows = list(islice(solutions, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1))
    has_next = len(rows) > PAGE_SIZE
    items = []
    for row in rows[:PAGE_SIZE]:
        entity = row["entity"].value
        label = row["label"] or row["fallback"]
        items.append(
            {
                "href": link_for(entity, store.base_uri).href,
                "label": label.value if label else local_name(entity),
                "lang": label.language if label else None,
                "date": row["date"].value if row["date"] is not None else None,
            }
        )
    if not items and page > 1:
        abort(404)
    return render_template(
        "browse_listing.html",
        lang=lang,
        words=WORDS[lang],
        listing=found,
        title=getattr(found, lang),
        items=items,
        page=page,
        has_next=has_next,
        sort=sort,
        kind=kind,
        container=container,
        filters={k: v for k, v in (("kind", kind), ("in", container)) if v},
    )


def _class(listing: Listing) -> ox.NamedNode:
    store = knowledge_store()
    cls = listing.cls
    return ox.NamedNode(store.base_uri + cls if cls.startswith("ontology#") else cls)


def _entity(store: object, path: str, parameter: str) -> ox.NamedNode:
    iri = f"{knowledge_store().base_uri}id/{path}"
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        raise BadRequest(f"{parameter}={path!r} is not an entity key") from None
    if not any(
        True for _ in knowledge_store().store.quads_for_pattern(node, None, None, ox.DefaultGraph())
    ):
        raise BadRequest(f"{parameter}={path!r} names no entity of the graph")
    return node


def _page() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise BadRequest(f"page must be a positive integer, got {raw!r}")
    return int(raw)

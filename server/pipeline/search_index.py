"""The search index: every named entity, its names normalised, in SQLite FTS5 beside the store.

Oxigraph has no full-text search, and a SPARQL regex over 40,000 names is a scan per
keystroke. SQLite ships with Python, answers a prefix query over an FTS5 index in well under
a millisecond, and its file sits read-only beside the store version it was built from, so it
can never describe other data than the store it is served with.

Two FTS5 tables index the same normalised names: ``name_words`` (whole words, with prefix
indexes, for autocomplete) and ``name_grams`` (trigrams, so that a misspelt query still finds
its candidates for reconciliation, where rapidfuzz then scores them).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from server.kinds import KINDS, OTHER_IMPORTANCE, kind_name, kind_of
from server.terms import term_value
from server.text import normalise
from server.version import layout

SEARCH_INDEX = layout.SEARCH_INDEX
SCHEMA_VERSION = layout.SEARCH_INDEX_SCHEMA

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS = "http://www.w3.org/2004/02/skos/core#"
GEO = "http://rdf.insee.fr/def/geo#"
# Official names rank above alternative ones when both match equally well.
OFFICIAL_NAMES = (
    RDFS_LABEL,
    ox.NamedNode(SKOS + "prefLabel"),
    ox.NamedNode(GEO + "nom"),
    ox.NamedNode("http://xmlns.com/foaf/0.1/name"),
    ox.NamedNode("http://purl.org/dc/terms/title"),
)
ALTERNATIVE_NAMES = (ox.NamedNode(SKOS + "altLabel"), ox.NamedNode(SKOS + "hiddenLabel"))
DESCRIPTION = ox.NamedNode("http://purl.org/dc/terms/description")
INSEE_CODE = ox.NamedNode(GEO + "codeINSEE")
POSTAL_CODE = ox.NamedNode("http://schema.org/postalCode")
SUBDIVISION_OF = ox.NamedNode(GEO + "subdivisionDe")
DIRECT_SUBDIVISION_OF = ox.NamedNode(GEO + "subdivisionDirecteDe")
RDF_VALUE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#value")
DCT_REPLACES = ox.NamedNode("http://purl.org/dc/terms/replaces")
DCT_REPLACED_BY = ox.NamedNode("http://purl.org/dc/terms/isReplacedBy")

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entity (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,          -- the entity's path under id/, e.g. commune/59350
    kind TEXT NOT NULL,
    label_fr TEXT NOT NULL,
    label_en TEXT NOT NULL,
    context_fr TEXT NOT NULL,         -- what tells it apart: "Commune · Nord (59)"
    context_en TEXT NOT NULL,
    importance REAL NOT NULL,         -- 0..1: kind, population, labels held
    population INTEGER,
    types TEXT NOT NULL,              -- JSON list of class IRIs
    insee_code TEXT,
    postal_codes TEXT NOT NULL,       -- space-separated
    departements TEXT NOT NULL,       -- space-separated codes of the départements it lies in
    regions TEXT NOT NULL,            -- space-separated codes of its regions
    successors TEXT NOT NULL          -- space-separated ids of what replaced it: it no longer
                                      -- exists when there is any
);
CREATE INDEX entity_kind ON entity (kind);
CREATE TABLE name (
    rowid INTEGER PRIMARY KEY,
    entity INTEGER NOT NULL REFERENCES entity (rowid),
    text TEXT NOT NULL,
    normalised TEXT NOT NULL,
    official INTEGER NOT NULL
);
CREATE INDEX name_entity ON name (entity);
CREATE INDEX name_normalised ON name (normalised);
CREATE TABLE word (word TEXT PRIMARY KEY, names INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE name_words USING fts5(
    normalised, content='name', content_rowid='rowid', tokenize='unicode61', prefix='1 2 3 4'
);
CREATE VIRTUAL TABLE name_grams USING fts5(
    normalised, content='name', content_rowid='rowid', tokenize='trigram'
);
"""


@dataclass
class _Entity:
    iri: str
    names: dict[str, bool] = field(default_factory=dict)  # name -> official
    labels: dict[str, str] = field(default_factory=dict)  # language -> display label
    types: set[str] = field(default_factory=set)
    description: dict[str, str] = field(default_factory=dict)
    insee_code: str | None = None
    postal_codes: set[str] = field(default_factory=set)
    departements: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    population: int | None = None
    holds_label: bool = False
    successors: set[str] = field(default_factory=set)  # IRIs of what replaced it


def _pairs(store: ox.Store, predicate: ox.NamedNode) -> Iterator[tuple[str, ox.Quad]]:
    """Every (subject IRI, quad) of ``predicate`` in the default graph: one scan per predicate,
    forty times faster than asking each of 40,000 entities in turn."""
    for quad in store.quads_for_pattern(None, predicate, None, ox.DefaultGraph()):
        yield term_value(quad.subject), quad


def collect(store: ox.Store, base_uri: str) -> dict[str, _Entity]:
    """Every entity under ``{base_uri}id/`` that has a name, with what ranks and describes it."""
    prefix = base_uri + "id/"
    entities: dict[str, _Entity] = {}
    for predicates, official in ((OFFICIAL_NAMES, True), (ALTERNATIVE_NAMES, False)):
        for predicate in predicates:
            for subject, quad in _pairs(store, predicate):
                name = quad.object
                if not (isinstance(quad.subject, ox.NamedNode) and subject.startswith(prefix)):
                    continue
                if not isinstance(name, ox.Literal) or not name.value.strip():
                    continue
                entity = entities.setdefault(subject, _Entity(subject))
                entity.names[name.value] = entity.names.get(name.value, False) or official
                if official:
                    entity.labels.setdefault(name.language or "", name.value)
    for subject, quad in _pairs(store, RDF_TYPE):
        if subject in entities:
            entities[subject].types.add(term_value(quad.object))
    # A former commune shares the URL kind of the communes (id/commune/{old code}) but is not
    # one: a spreadsheet's "Saint-Denis" means the living commune, never one merged away.
    former = base_uri + "ontology#FormerCommune"
    for subject in [s for s, e in entities.items() if former in e.types]:
        del entities[subject]
    for subject, quad in _pairs(store, DESCRIPTION):
        if subject in entities and isinstance(quad.object, ox.Literal):
            entities[subject].description.setdefault(
                quad.object.language or "", term_value(quad.object)
            )
    for subject, quad in _pairs(store, INSEE_CODE):
        if subject in entities:
            entities[subject].insee_code = term_value(quad.object)
    for subject, quad in _pairs(store, POSTAL_CODE):
        if subject in entities:
            entities[subject].postal_codes.add(term_value(quad.object))
    _add_containers(store, entities, prefix)
    _add_populations(store, entities, base_uri)
    _add_successors(store, entities, base_uri)
    ontology = base_uri + "ontology#"
    for award_link in ("awardee", "awardTerritory"):
        for _, quad in _pairs(store, ox.NamedNode(ontology + award_link)):
            if term_value(quad.object) in entities:
                entities[term_value(quad.object)].holds_label = True
    return entities


def _add_containers(store: ox.Store, entities: dict[str, _Entity], prefix: str) -> None:
    """The département and region codes of each territory (an EPCI: those of its communes)."""
    for iri, entity in entities.items():
        kind = kind_of(iri[len(prefix) :])
        if kind == "departement" and entity.insee_code:
            entity.departements.add(entity.insee_code)
        if kind == "region" and entity.insee_code:
            entity.regions.add(entity.insee_code)
    for subject, quad in _pairs(store, SUBDIVISION_OF):
        contained = entities.get(subject)
        container = term_value(quad.object)[len(prefix) :]
        if contained is None or not term_value(quad.object).startswith(prefix):
            continue
        if kind_of(container) == "departement":
            contained.departements.add(container.split("/", 1)[1])
        elif kind_of(container) == "region":
            contained.regions.add(container.split("/", 1)[1])
    for subject, quad in _pairs(store, DIRECT_SUBDIVISION_OF):
        parent, child = entities.get(term_value(quad.object)), entities.get(subject)
        is_epci = kind_of(term_value(quad.object)[len(prefix) :]) == "epci"
        if parent is not None and child is not None and is_epci:
            parent.departements |= child.departements
            parent.regions |= child.regions


def _add_populations(store: ox.Store, entities: dict[str, _Entity], base_uri: str) -> None:
    """The latest municipal population of each territory that has one."""
    ontology = base_uri + "ontology#"
    population = base_uri + "id/quantity/population-municipale"
    figures = {
        subject
        for subject, quad in _pairs(store, ox.NamedNode(ontology + "quantityKind"))
        if term_value(quad.object) == population
    }

    def values(predicate: ox.NamedNode) -> dict[str, str]:
        return {s: term_value(q.object) for s, q in _pairs(store, predicate) if s in figures}

    of = values(ox.NamedNode(ontology + "figureOf"))
    value = values(RDF_VALUE)
    when = values(ox.NamedNode(ontology + "referenceDate"))
    latest: dict[str, str] = {}
    for figure in sorted(figures):
        entity = entities.get(of.get(figure, ""))
        if entity is None or figure not in value:
            continue
        date = when.get(figure, "")
        if date >= latest.get(entity.iri, ""):
            latest[entity.iri] = date
            entity.population = int(float(value[figure]))


def _add_successors(store: ox.Store, entities: dict[str, _Entity], base_uri: str) -> None:
    """What replaced each body that no longer exists, as the graph states it.

    Only kinds that may end (``Kind.may_end``: organisations, ecosystems, places, territories)
    have successors. The graph says it three ways: ``dcterms:isReplacedBy`` on the body that
    ended (Lille Métropole Communauté urbaine, by the MEL), ``dcterms:replaces`` on its
    successor, and lineage events (``ftkg:LineageEvent``), where a predecessor that is not also
    a successor of the same event has ended (a merger absorbs it, a succession replaces it; a
    renaming names the same ecosystem on both sides, which lives on).
    """
    prefix = base_uri + "id/"

    def may_end(iri: str) -> bool:
        kind = KINDS.get(kind_of(iri[len(prefix) :]))
        return iri in entities and kind is not None and kind.may_end

    for subject, quad in _pairs(store, DCT_REPLACED_BY):
        if may_end(subject) and isinstance(quad.object, ox.NamedNode):
            entities[subject].successors.add(term_value(quad.object))
    for subject, quad in _pairs(store, DCT_REPLACES):
        if may_end(term_value(quad.object)) and isinstance(quad.subject, ox.NamedNode):
            entities[term_value(quad.object)].successors.add(subject)
    ontology = base_uri + "ontology#"
    before: dict[str, set[str]] = {}
    after: dict[str, set[str]] = {}
    for side, predicate in ((before, "predecessor"), (after, "successor")):
        for event, quad in _pairs(store, ox.NamedNode(ontology + predicate)):
            side.setdefault(event, set()).add(term_value(quad.object))
    for event, predecessors in before.items():
        successors = after.get(event, set())
        for ended in predecessors - successors:
            if may_end(ended):
                entities[ended].successors |= successors


def importance(kind: str, entity: _Entity) -> float:
    """Where an entity ranks when names match equally well, from 0 to 1."""
    base = KINDS[kind].importance if kind in KINDS else OTHER_IMPORTANCE
    if entity.population:
        # log scale: a village of 100 adds 0.2, Paris (2.1 million) 0.63
        base += 0.1 * math.log10(entity.population)
    if entity.holds_label:
        base += 0.15
    return min(base, 1.0)


def context(kind: str, entity: _Entity, departement_names: dict[str, str], lang: str) -> str:
    """A short line that tells an entity from its namesakes."""
    parts = [kind_name(kind, lang)]
    if kind in {
        "commune",
        "commune-deleguee",
        "commune-associee",
        "arrondissement-municipal",
        "arrondissement",
        "epci",
    }:
        places = [
            f"{departement_names.get(code, code)} ({code})" for code in sorted(entity.departements)
        ]
        if places:
            parts.append(", ".join(places[:3]) + ("…" if len(places) > 3 else ""))
    elif kind not in {"departement", "region"}:
        description = entity.description.get(lang) or entity.description.get("fr") or ""
        if description:
            parts.append(description if len(description) <= 120 else description[:119] + "…")
    return " · ".join(parts)


def build(store: ox.Store, base_uri: str, database: sqlite3.Connection) -> int:
    """Fill ``database`` (empty) with the index of ``store``; return how many entities."""
    prefix = base_uri + "id/"
    entities = collect(store, base_uri)
    departement_names = {
        iri[len(prefix) :].split("/", 1)[1]: e.labels.get("fr") or next(iter(e.labels.values()), "")
        for iri, e in entities.items()
        if kind_of(iri[len(prefix) :]) == "departement"
    }
    database.executescript(SCHEMA)
    database.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("schema_version", str(SCHEMA_VERSION)), ("base_uri", base_uri)],
    )
    entity_rows, name_rows = [], []
    for rowid, (iri, entity) in enumerate(sorted(entities.items()), start=1):
        entity_id = iri[len(prefix) :]
        kind = kind_of(entity_id)
        label_fr = (
            entity.labels.get("fr")
            or entity.labels.get("")
            or next(iter(entity.labels.values()), "")
        )
        label_en = entity.labels.get("en") or label_fr
        label_fr = label_fr or next(iter(entity.names))
        label_en = label_en or label_fr
        entity_rows.append(
            (
                rowid,
                entity_id,
                kind,
                label_fr,
                label_en,
                context(kind, entity, departement_names, "fr"),
                context(kind, entity, departement_names, "en"),
                importance(kind, entity),
                entity.population,
                json.dumps(sorted(entity.types)),
                entity.insee_code,
                " ".join(sorted(entity.postal_codes)),
                " ".join(sorted(entity.departements)),
                " ".join(sorted(entity.regions)),
                " ".join(
                    sorted(
                        iri[len(prefix) :] for iri in entity.successors if iri.startswith(prefix)
                    )
                ),
            )
        )
        seen: set[str] = set()
        for text, official in sorted(entity.names.items(), key=lambda item: not item[1]):
            normalised = normalise(text)
            if normalised and normalised not in seen:
                seen.add(normalised)
                name_rows.append((rowid, text, normalised, int(official)))
    database.executemany(f"INSERT INTO entity VALUES ({', '.join('?' * 15)})", entity_rows)
    database.executemany(
        "INSERT INTO name (entity, text, normalised, official) VALUES (?, ?, ?, ?)", name_rows
    )
    database.execute("INSERT INTO name_words (name_words) VALUES ('rebuild')")
    database.execute("CREATE VIRTUAL TABLE name_words_vocabulary USING fts5vocab(name_words, col)")
    # How many names hold each word: rare words identify, common ones ("saint") hardly do.
    database.execute(
        "INSERT INTO word SELECT term, doc FROM name_words_vocabulary WHERE col = 'normalised'"
    )
    database.execute("DROP TABLE name_words_vocabulary")
    database.execute("INSERT INTO name_grams (name_grams) VALUES ('rebuild')")
    database.execute("INSERT INTO name_words (name_words) VALUES ('optimize')")
    database.execute("INSERT INTO name_grams (name_grams) VALUES ('optimize')")
    database.commit()
    return len(entity_rows)


def write(store: ox.Store, base_uri: str, directory: Path) -> int:
    """Write the index of ``store`` to ``directory/search.sqlite``; return how many entities."""
    path = directory / SEARCH_INDEX
    path.unlink(missing_ok=True)
    database = sqlite3.connect(path)
    try:
        count = build(store, base_uri, database)
        database.execute("VACUUM")
    finally:
        database.close()
    return count


def write_from(oxigraph_path: Path, base_uri: str, directory: Path) -> int:
    """``write`` from the store at ``oxigraph_path``, opened read-only (a build's worker)."""
    return write(ox.Store.read_only(str(oxigraph_path)), base_uri, directory)

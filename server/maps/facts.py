"""What the maps show, read from the store: each award, its round's year, where it lies.

A map colours territories by the label their ecosystems were awarded in the rounds of one
year. Everything here is read once per data version (``KnowledgeStore.cached``) by a few
SPARQL queries, then grouped in Python: no request runs a query of its own.

- **A round's year** is the year most of its awards are dated (ties: the earlier). A round's
  start date is not used: some sources give a wrong one (``2018-04`` for the 2019 round).
- **Where an award lies** is where its ecosystem does, as precisely as the graph says:
  - a *département* holds an ecosystem that covers it, or covers a commune or an EPCI (through
    its member communes) in it; an ecosystem that covers only whole régions lies in each of
    their départements; one the graph places only in a région (``ftkg:locatedIn``) lies in no
    département, and the page lists it apart;
  - a *région* holds an ecosystem that covers or lies in it, or covers a territory in it;
  - a *country* holds an ecosystem located in it (``ftkg:locatedIn``): the international
    communities and French Tech Hubs. An award whose ecosystem lies in a country belongs to
    the world map; every other award to the maps of France.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from server.presentation import best_label, local_name
from server.version.store import KnowledgeStore

PREFIXES = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

AWARDS = (
    PREFIXES
    + """
SELECT ?award ?round ?kind ?ecosystem WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:labelKind ?kind ; ftkg:awardee ?ecosystem .
}
"""
)

ROUND_YEARS = (
    PREFIXES
    + """
SELECT ?round ?year (COUNT(DISTINCT ?award) AS ?awards) WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:awardDate ?date .
  BIND(SUBSTR(STR(?date), 1, 4) AS ?year)
}
GROUP BY ?round ?year
"""
)

IN_DEPARTEMENTS = (
    PREFIXES
    + """
SELECT DISTINCT ?ecosystem ?territory ?code WHERE {
  ?ecosystem a ftkg:Ecosystem .
  {
    ?ecosystem ftkg:coversTerritory ?territory .
  } UNION {
    ?ecosystem ftkg:coversTerritory ?part .
    ?part igeo:subdivisionDe ?territory .
  } UNION {
    ?ecosystem ftkg:coversTerritory ?epci .
    ?epci a igeo:Intercommunalite .
    ?member igeo:subdivisionDirecteDe ?epci ; igeo:subdivisionDe ?territory .
  } UNION {
    # A whole région, when the graph ties the ecosystem to nothing finer.
    ?ecosystem ftkg:coversTerritory ?region .
    ?region a igeo:Region .
    ?territory igeo:subdivisionDirecteDe ?region .
    FILTER NOT EXISTS {
      ?ecosystem ftkg:coversTerritory ?finer .
      ?finer a ?finerType .
      VALUES ?finerType { igeo:Departement igeo:Commune igeo:Intercommunalite }
    }
  }
  ?territory a igeo:Departement ; igeo:codeINSEE ?code .
}
"""
)

IN_REGIONS = (
    PREFIXES
    + """
SELECT DISTINCT ?ecosystem ?territory ?code WHERE {
  ?ecosystem a ftkg:Ecosystem .
  {
    ?ecosystem ftkg:coversTerritory|ftkg:locatedIn ?territory .
  } UNION {
    ?ecosystem ftkg:coversTerritory ?part .
    ?part igeo:subdivisionDe|igeo:subdivisionDirecteDe ?territory .
  } UNION {
    ?ecosystem ftkg:coversTerritory ?epci .
    ?epci a igeo:Intercommunalite .
    ?member igeo:subdivisionDirecteDe ?epci ; igeo:subdivisionDe ?territory .
  }
  ?territory a igeo:Region ; igeo:codeINSEE ?code .
}
"""
)

IN_COUNTRIES = (
    PREFIXES
    + """
SELECT DISTINCT ?ecosystem ?territory ?code WHERE {
  ?ecosystem a ftkg:Ecosystem ; ftkg:locatedIn ?territory .
  ?territory a schema:Country ; ftkg:iso3166Alpha2 ?code .
}
"""
)

# Every territory a map draws, with its code: shapes are matched to territories by code.
TERRITORIES = (
    PREFIXES
    + """
SELECT ?type ?territory ?code WHERE {
  VALUES ?type { igeo:Departement igeo:Region schema:Country }
  ?territory a ?type .
  { ?territory igeo:codeINSEE ?code } UNION { ?territory ftkg:iso3166Alpha2 ?code }
}
"""
)

# Names of what a map page mentions, in French and English (one each: the smallest, so that
# the page does not change between two runs on the same data).
NAMES = (
    PREFIXES
    + """
SELECT ?thing ?lang (MIN(?name) AS ?label) WHERE {
  VALUES ?type {
    ftkg:Ecosystem ftkg:LabelKind ftkg:LabelRound igeo:Departement igeo:Region schema:Country
  }
  ?thing a ?type ; rdfs:label|skos:prefLabel ?name .
  BIND(LANG(?name) AS ?lang)
  FILTER(?lang IN ("fr", "en"))
}
GROUP BY ?thing ?lang
"""
)

# The documents stating each award: the sources of the named graphs that give its label.
SOURCES = (
    PREFIXES
    + """
SELECT ?award ?source ?lang (MIN(?name) AS ?label) WHERE {
  GRAPH ?graph { ?award ftkg:labelKind ?kind }
  ?graph prov:wasDerivedFrom ?source .
  OPTIONAL {
    ?source rdfs:label|dcterms:title ?name .
    BIND(LANG(?name) AS ?lang)
  }
}
GROUP BY ?award ?source ?lang
"""
)


@dataclass(frozen=True)
class Level:
    """A map of territories of one kind: which shapes it draws and how awards are placed."""

    name: str
    shapes: str  # the base map's name (``server.maps.shapes.MAPS``)
    territory_type: str  # the territories' class, relative to the base
    placement: str  # the query placing ecosystems in its territories
    abroad: bool  # whether it shows the awards of ecosystems located in a country


DEPARTEMENT = Level(
    "departement",
    "france-departements",
    "http://rdf.insee.fr/def/geo#Departement",
    IN_DEPARTEMENTS,
    False,
)
REGION = Level("region", "france-regions", "http://rdf.insee.fr/def/geo#Region", IN_REGIONS, False)
WORLD = Level("world", "world", "http://schema.org/Country", IN_COUNTRIES, True)
LEVELS = {level.name: level for level in (DEPARTEMENT, REGION, WORLD)}


@dataclass(frozen=True)
class Source:
    """A document stating an award."""

    iri: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        """Its title in ``lang``, else any, else its key."""
        return best_label(self.names, lang, local_name(self.iri))[0]


@dataclass(frozen=True)
class Award:
    """One label award: its round, the round's year, its label kind, its ecosystem."""

    iri: str
    round: str
    year: str
    kind: str
    ecosystem: str
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class Facts:
    """Everything the maps of one data version show (computed once per version)."""

    awards: list[Award]
    # Per level name: ecosystem IRI -> the (territory IRI, code) pairs it lies in.
    places: dict[str, dict[str, list[tuple[str, str]]]]
    abroad: set[str]  # ecosystems located in a country
    names: dict[str, dict[str, str]]
    territories: dict[str, dict[str, str]]  # per territory class: code -> territory IRI
    kinds: list[str]  # label kinds in the order their colours are given

    def name(self, iri: str, lang: str) -> str:
        """The name of ``iri`` in ``lang``, else the other language, else its key."""
        return best_label(self.names.get(iri, {}), lang, local_name(iri))[0]

    def on_level(self, level: Level) -> list[Award]:
        """The awards a map of ``level`` is about (placed on it or not)."""
        return [a for a in self.awards if (a.ecosystem in self.abroad) == level.abroad]

    def years(self, level: Level) -> list[str]:
        """The years with at least one round whose awards a map of ``level`` is about."""
        return sorted({a.year for a in self.on_level(level)})

    def default_year(self, level: Level) -> str | None:
        """The year a map of ``level`` shows when none is asked: the one with the most
        awards (ties: the later), so that the first map one sees is the fullest."""
        counts = Counter(a.year for a in self.on_level(level))
        if not counts:
            return None
        return max(counts, key=lambda year: (counts[year], year))

    def rounds_of(self, level: Level, year: str) -> list[str]:
        """The rounds of ``year`` a map of ``level`` shows, by key (keys begin with a date)."""
        rounds = {a.round for a in self.on_level(level) if a.year == year}
        return sorted(rounds)

    def places_of(self, level: Level, award: Award) -> list[tuple[str, str]]:
        """The (territory, code) pairs ``award`` is drawn in on a map of ``level``."""
        return self.places[level.name].get(award.ecosystem, [])


def facts(store: KnowledgeStore) -> Facts:
    """The maps' facts of the served version (computed once per version)."""
    return store.cached("maps.facts", lambda: _read(store))


def _read(store: KnowledgeStore) -> Facts:
    def rows(query: str) -> list[dict[str, ox.Term]]:
        return store.select(query)

    round_years = _round_years(rows(ROUND_YEARS))
    sources = _sources(rows(SOURCES))
    awards = sorted(
        (
            Award(
                iri=row["award"].value,
                round=row["round"].value,
                year=round_years[row["round"].value],
                kind=row["kind"].value,
                ecosystem=row["ecosystem"].value,
                sources=tuple(sources.get(row["award"].value, ())),
            )
            for row in rows(AWARDS)
            # A round none of whose awards is dated has no year, and no map.
            if row["round"].value in round_years
        ),
        key=lambda a: (a.year, a.round, a.iri),
    )
    places: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for level in LEVELS.values():
        found: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for row in rows(level.placement):
            found[row["ecosystem"].value].add((row["territory"].value, row["code"].value))
        places[level.name] = {e: sorted(pairs, key=lambda p: p[1]) for e, pairs in found.items()}
    names: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows(NAMES):
        names[row["thing"].value][row["lang"].value] = row["label"].value
    return Facts(
        awards=awards,
        places=places,
        abroad=set(places[WORLD.name]),
        names=dict(names),
        territories=_territories(rows(TERRITORIES)),
        kinds=_kind_order(awards),
    )


def _round_years(rows: list[dict[str, ox.Term]]) -> dict[str, str]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts[row["round"].value][row["year"].value] += int(row["awards"].value)
    # The most awards, then the earlier year.
    return {r: min(years, key=lambda year: (-years[year], year)) for r, years in counts.items()}


def _sources(rows: list[dict[str, ox.Term]]) -> dict[str, list[Source]]:
    names: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for row in rows:
        key = (row["award"].value, row["source"].value)
        names.setdefault(key, {})  # a source with no title still counts
        if "label" in row:
            names[key][row["lang"].value] = row["label"].value
    found: dict[str, list[Source]] = defaultdict(list)
    for (award, source), labels in sorted(names.items()):
        found[award].append(Source(source, labels))
    return found


def _territories(rows: list[dict[str, ox.Term]]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for row in rows:
        found[row["type"].value][row["code"].value] = row["territory"].value
    return dict(found)


def _kind_order(awards: list[Award]) -> list[str]:
    """Label kinds in the order they were first awarded: a kind keeps its colour from one
    round, and one map, to the next."""
    first: dict[str, str] = {}
    for award in awards:
        first.setdefault(award.kind, award.year)
    return sorted(first, key=lambda kind: (first[kind], kind))

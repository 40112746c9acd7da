"""The figures of the labels, read from the store once per data version.

Awards per round and label kind, awards per région, the population the labels cover and how
complete each round's list of holders is: what the home page and the round pages draw. Each
figure is one SPARQL aggregate, run over every round at once; a round's page takes its own
rows. The same queries are the links under each chart, so a reader can rerun what a chart
shows (``pinned`` restricts one to a round, a kind, a région).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from server import quality
from server.presentation import best_label, local_name
from server.version.store import KnowledgeStore

# Awards of each round and label kind. Every query a chart pins (``pinned``) binds the
# variables it may be pinned on: a trailing VALUES joins on compatible solutions, and an
# unbound variable is compatible with any value (SPARQL 1.1 Query §18.3), so an OPTIONAL
# ?round would let the awards of no round into every round's figures.
AWARDS_BY_ROUND_AND_KIND = """
PREFIX ftkg: <ontology#>
SELECT ?round ?kind (COUNT(DISTINCT ?award) AS ?awards) WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:labelKind ?kind .
}
GROUP BY ?round ?kind
ORDER BY ?round ?kind
"""

# Awards that belong to no round: not drawn by the charts of rounds, and said so.
AWARDS_OF_NO_ROUND = """
PREFIX ftkg: <ontology#>
SELECT (COUNT(DISTINCT ?award) AS ?awards) WHERE {
  ?award a ftkg:LabelAward .
  FILTER NOT EXISTS { ?award ftkg:inRound ?round }
}
"""

# The régions an ecosystem lies in: the one the sources name (ftkg:locatedIn), the régions
# its territories are or belong to: a région itself, a département's région, a commune's
# région, the régions of an EPCI's member communes. One property path rather than a UNION:
# Oxigraph evaluates a UNION branch without the outer bindings (seconds against 0.5 s here).
# An ecosystem whose territories reach several régions is in each of them; awards in none
# are counted under no région.
AWARDS_BY_REGION = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?round ?kind ?region (COUNT(DISTINCT ?award) AS ?awards) WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:labelKind ?kind ;
         ftkg:awardee ?ecosystem .
  OPTIONAL {
    ?ecosystem ftkg:locatedIn
      | ftkg:coversTerritory/(igeo:subdivisionDe|igeo:subdivisionDirecteDe)?
      | ftkg:coversTerritory/^igeo:subdivisionDirecteDe/igeo:subdivisionDe ?region .
    ?region a igeo:Region .
  }
}
GROUP BY ?round ?kind ?region
ORDER BY ?round ?kind ?region
"""

# The communes the ecosystems awarded a label kind cover, each counted once per kind however
# many ecosystems, rounds or paths reach it, and their summed municipal population. A
# commune is covered when it is a covered territory, lies in a covered département or
# région (igeo:subdivisionDe, materialised by the build), or is a member of a covered EPCI.
# Each UNION branch starts from the awards (Oxigraph evaluates a branch without the outer
# bindings), and the populations are joined as a subquery of their own (3 s against 0.9 s).
POPULATION_BY_KIND = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?kind (COUNT(?commune) AS ?communes) (SUM(?population) AS ?inhabitants) WHERE {
  {
    SELECT DISTINCT ?kind ?commune WHERE {
      {
        ?award ftkg:labelKind ?kind ; ftkg:awardee/ftkg:coversTerritory ?commune .
        ?commune a igeo:Commune .
      } UNION {
        ?award ftkg:labelKind ?kind ; ftkg:awardee/ftkg:coversTerritory ?territory .
        ?commune igeo:subdivisionDe ?territory .
      } UNION {
        ?award ftkg:labelKind ?kind ; ftkg:awardee/ftkg:coversTerritory ?territory .
        ?territory a igeo:Intercommunalite .
        ?commune igeo:subdivisionDirecteDe ?territory ; a igeo:Commune .
      }
    }
  }
  {
    SELECT ?commune ?population WHERE {
      ?figure ftkg:figureOf ?commune ;
              ftkg:quantityKind <id/quantity/population-municipale> ;
              rdf:value ?population .
    }
  }
}
GROUP BY ?kind
ORDER BY DESC(?inhabitants)
"""

# The same, per round: a commune once per round and kind.
POPULATION_BY_ROUND_AND_KIND = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?round ?kind (COUNT(?commune) AS ?communes) (SUM(?population) AS ?inhabitants) WHERE {
  {
    SELECT DISTINCT ?round ?kind ?commune WHERE {
      {
        ?award ftkg:inRound ?round ; ftkg:labelKind ?kind ;
               ftkg:awardee/ftkg:coversTerritory ?commune .
        ?commune a igeo:Commune .
      } UNION {
        ?award ftkg:inRound ?round ; ftkg:labelKind ?kind ;
               ftkg:awardee/ftkg:coversTerritory ?territory .
        ?commune igeo:subdivisionDe ?territory .
      } UNION {
        ?award ftkg:inRound ?round ; ftkg:labelKind ?kind ;
               ftkg:awardee/ftkg:coversTerritory ?territory .
        ?territory a igeo:Intercommunalite .
        ?commune igeo:subdivisionDirecteDe ?territory ; a igeo:Commune .
      }
    }
  }
  {
    SELECT ?commune ?population WHERE {
      ?figure ftkg:figureOf ?commune ;
              ftkg:quantityKind <id/quantity/population-municipale> ;
              rdf:value ?population .
    }
  }
}
GROUP BY ?round ?kind
ORDER BY ?round DESC(?inhabitants)
"""

# The date the municipal populations are counted at (the official geography's).
POPULATION_DATE = """
PREFIX ftkg: <ontology#>
SELECT (MAX(?date) AS ?date) WHERE {
  ?figure ftkg:quantityKind <id/quantity/population-municipale> ; ftkg:referenceDate ?date .
}
"""

# The sources that state awards, per round: whose words the charts count.
SOURCES_OF_AWARDS = """
PREFIX ftkg: <ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT DISTINCT ?round ?source WHERE {
  GRAPH ?graph { ?award ftkg:labelKind ?kind }
  ?graph prov:wasDerivedFrom ?source .
  OPTIONAL { ?award ftkg:inRound ?round }
}
"""

# What a bar counts, award by award: its links pin ?round and ?kind.
AWARDS_LISTING = """
PREFIX ftkg: <ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?award ?ecosystem ?name ?round ?kind WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:labelKind ?kind ;
         ftkg:awardee ?ecosystem .
  OPTIONAL { ?ecosystem rdfs:label ?name FILTER(LANG(?name) = "fr") }
}
ORDER BY ?name ?award
"""

# The same in a région (the paths of AWARDS_BY_REGION): links pin ?region, ?kind, ?round.
AWARDS_IN_REGION_LISTING = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?award ?ecosystem ?name ?round ?kind ?region WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:labelKind ?kind ;
         ftkg:awardee ?ecosystem .
  ?ecosystem ftkg:locatedIn
    | ftkg:coversTerritory/(igeo:subdivisionDe|igeo:subdivisionDirecteDe)?
    | ftkg:coversTerritory/^igeo:subdivisionDirecteDe/igeo:subdivisionDe ?region .
  ?region a igeo:Region .
  OPTIONAL { ?ecosystem rdfs:label ?name FILTER(LANG(?name) = "fr") }
}
ORDER BY ?name ?award
"""

# The names of what the charts are about, and the dates rounds took place.
_NAMES = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
SELECT ?entity ?class ?label ?start WHERE {
  VALUES ?class { ftkg:LabelRound ftkg:LabelKind igeo:Region }
  ?entity a ?class .
  OPTIONAL { ?entity rdfs:label ?label }
  OPTIONAL { ?entity schema:startDate ?start }
}
"""


def pinned(query: str, base_uri: str, **values: str | None) -> str:
    """``query`` made to run anywhere and, when ``values`` are given, restricted to them.

    The base is stated (``BASE``), so that the query's relative IRIs resolve on any endpoint,
    and each value pins a variable through a trailing ``VALUES`` clause (SPARQL 1.1 Query
    §10.2.2 and grammar rule [28]; joined with the solutions before projection, §18.2.4.3),
    None leaving it free (``UNDEF``). Terms are written by pyoxigraph, which checks and
    escapes them: nothing is pasted.
    """
    text = f"BASE {ox.NamedNode(base_uri)}\n{query.strip()}\n"
    if values:
        names = " ".join(str(ox.Variable(name)) for name in values)
        cells = " ".join(str(ox.NamedNode(v)) if v else "UNDEF" for v in values.values())
        text += f"VALUES ({names}) {{ ({cells}) }}\n"
    return text


@dataclass(frozen=True)
class Named:
    """A round, a label kind or a région: its IRI, names and, for a round, when it took place."""

    iri: str
    names: dict[str, str]
    date: str = ""

    def name(self, lang: str) -> str:
        """The name in ``lang``, else in the other language, else the IRI's end."""
        return best_label(self.names, lang, local_name(self.iri))[0]


@dataclass(frozen=True)
class Covered:
    """The communes a label kind covers (in one round, or in all) and their population."""

    communes: int
    inhabitants: int


@dataclass(frozen=True)
class LabelFigures:
    """Every figure the label charts draw, for one data version.

    Rounds are in the order they took place, kinds in the order they were first awarded.
    """

    rounds: dict[str, Named]
    kinds: dict[str, Named]
    regions: dict[str, Named]
    awards: dict[tuple[str, str], int]  # (round, kind) -> awards
    by_region: dict[tuple[str, str, str | None], int]  # (round, kind, région) -> awards
    sources: dict[str | None, frozenset[str]]  # round -> the sources stating its awards
    of_no_round: int  # awards in no round, which the charts of rounds leave out

    def total(self, round_iri: str | None = None) -> int:
        """Awards in the graph, or in one round."""
        return sum(n for (r, _), n in self.awards.items() if round_iri is None or r == round_iri)

    def sources_of(self, round_iri: str | None = None) -> frozenset[str]:
        """The sources stating awards, of every round or of one."""
        if round_iri is not None:
            return self.sources.get(round_iri, frozenset())
        return frozenset().union(*self.sources.values())


def label_figures(store: KnowledgeStore) -> LabelFigures:
    """The label figures of the served version (read once per version)."""
    return store.cached("pictures.label_figures", lambda: _read(store))


def population_by_kind(store: KnowledgeStore) -> dict[str, Covered]:
    """What each label kind covers over every round (read once per version)."""

    def read() -> dict[str, Covered]:
        return {row["kind"].value: _covered(row) for row in store.select(POPULATION_BY_KIND)}

    return store.cached("pictures.population", read)


def population_by_round(store: KnowledgeStore) -> dict[tuple[str, str], Covered]:
    """What each label kind covers in each round (read once per version)."""

    def read() -> dict[tuple[str, str], Covered]:
        return {
            (row["round"].value, row["kind"].value): _covered(row)
            for row in store.select(POPULATION_BY_ROUND_AND_KIND)
        }

    return store.cached("pictures.population_by_round", read)


def population_date(store: KnowledgeStore) -> str | None:
    """The date the municipal populations are counted at."""

    def read() -> str | None:
        rows = store.select(POPULATION_DATE)
        return rows[0]["date"].value if rows and "date" in rows[0] else None

    return store.cached("pictures.population_date", read)


def _covered(row: dict[str, ox.Term]) -> Covered:
    return Covered(int(row["communes"].value), int(row["inhabitants"].value))


def _read(store: KnowledgeStore) -> LabelFigures:
    names: dict[str, dict[str, str]] = defaultdict(dict)
    classes: dict[str, str] = {}
    starts: dict[str, set[str]] = defaultdict(set)
    for row in store.select(_NAMES):
        entity = row["entity"].value
        classes[entity] = local_name(row["class"].value)
        if "label" in row:
            names[entity].setdefault(row["label"].language or "", row["label"].value)
        if "start" in row:
            starts[entity].add(row["start"].value)

    def value(row: dict[str, ox.Term], name: str) -> str | None:
        return row[name].value if name in row else None

    awards = {
        (row["round"].value, row["kind"].value): int(row["awards"].value)
        for row in store.select(AWARDS_BY_ROUND_AND_KIND)
    }
    by_region = {
        (row["round"].value, row["kind"].value, value(row, "region")): int(row["awards"].value)
        for row in store.select(AWARDS_BY_REGION)
    }
    (no_round,) = store.select(AWARDS_OF_NO_ROUND)
    sources: dict[str | None, set[str]] = defaultdict(set)
    for row in store.select(SOURCES_OF_AWARDS):
        sources[value(row, "round")].add(row["source"].value)

    def named(iri: str) -> Named:
        date = quality.round_date(local_name(iri), sorted(starts[iri]))
        return Named(iri, dict(names[iri]), date if classes.get(iri) == "LabelRound" else "")

    rounds = sorted((named(r) for r in {r for r, _ in awards}), key=lambda n: (n.date, n.iri))
    order = {r.iri: i for i, r in enumerate(rounds)}
    first: dict[str, int] = {}
    for round_iri, kind in awards:
        first[kind] = min(first.get(kind, order[round_iri]), order[round_iri])
    kinds = sorted(first, key=lambda k: (first[k], k))
    regions = sorted({r for _, _, r in by_region if r is not None})
    return LabelFigures(
        rounds={r.iri: r for r in rounds},
        kinds={k: named(k) for k in kinds},
        regions={r: named(r) for r in regions},
        awards=awards,
        by_region=by_region,
        sources={k: frozenset(v) for k, v in sources.items()},
        of_no_round=int(no_round["awards"].value),
    )


__all__ = [
    "AWARDS_BY_REGION",
    "AWARDS_BY_ROUND_AND_KIND",
    "AWARDS_IN_REGION_LISTING",
    "AWARDS_LISTING",
    "AWARDS_OF_NO_ROUND",
    "POPULATION_BY_KIND",
    "POPULATION_BY_ROUND_AND_KIND",
    "Covered",
    "LabelFigures",
    "Named",
    "label_figures",
    "pinned",
    "population_by_kind",
    "population_by_round",
    "population_date",
]

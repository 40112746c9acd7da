"""The programme's history as the sources date it: label awards, lineage events and rounds.

Everything a timeline needs is gathered once per data version, in a few set-at-a-time
queries (the whole programme holds a few hundred awards), and every page picks its own part:
an ecosystem its awards and lineage, a territory the awards of the ecosystems covering it, a
label kind and a round the rounds in order, ``/timeline`` all of them.

Each date is kept as each source states it (the named graph of its source), so that a vaguer
date ("2014") stands beside a precise one ("12 November 2014") as agreeing, and two dates
that cannot both hold ("12 November" and "5 December 2014") as disagreeing, with the
editors' verdict when they recorded one (an ``ftkg:Disagreement`` about the date's claims).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox

from server import stated_dates
from server.entities import describe as describing
from server.remote import with_bindings
from server.stated_dates import StatedDate
from server.version.store import KnowledgeStore

T = TypeVar("T")

IGEO = "http://rdf.insee.fr/def/geo#"
SCHEMA = "http://schema.org/"
TERRITORY_TYPES = frozenset(
    {
        IGEO + "Commune",
        IGEO + "Intercommunalite",
        IGEO + "Departement",
        IGEO + "Region",
        IGEO + "Arrondissement",
        SCHEMA + "City",
        SCHEMA + "Country",
        "ontology#OverseasCollectivity",  # relative to the base, like every term of ours
    }
)

_PREFIXES = """
PREFIX ftkg: <ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX schema: <http://schema.org/>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
# Each date with the graph of the source that states it.
AWARD_DATES = (
    _PREFIXES + "SELECT ?event ?date ?graph WHERE { GRAPH ?graph { ?event ftkg:awardDate ?date } }"
)
LINEAGE_DATES = (
    _PREFIXES
    + "SELECT ?event ?date ?graph WHERE { ?event a ftkg:LineageEvent . "
    + "GRAPH ?graph { ?event dcterms:date ?date } }"
)
ROUND_DATES = (
    _PREFIXES
    + "SELECT ?event ?date ?graph WHERE { ?event a ftkg:LabelRound . "
    + "GRAPH ?graph { ?event schema:startDate ?date } }"
)
AWARD_FACTS = (
    _PREFIXES
    + """
SELECT ?event ?p ?o WHERE {
  VALUES ?p { ftkg:awardee ftkg:labelKind ftkg:inRound ftkg:awardStatus ftkg:endStatus
              ftkg:renews ftkg:validUntil }
  ?event a ftkg:LabelAward ; ?p ?o .
}
"""
)
LINEAGE_FACTS = (
    _PREFIXES
    + """
SELECT ?event ?p ?o WHERE {
  VALUES ?p { ftkg:lineageKind ftkg:predecessor ftkg:successor ftkg:formerName ftkg:newName }
  ?event a ftkg:LineageEvent ; ?p ?o .
}
"""
)
ROUNDS = _PREFIXES + "SELECT ?event WHERE { ?event a ftkg:LabelRound }"
COVERS = (
    _PREFIXES + "SELECT ?ecosystem ?territory WHERE { ?ecosystem ftkg:coversTerritory ?territory }"
)
# The territories containing a territory (see ``ancestors_of``); and those of every territory
# an ecosystem covers, at once. A UNION rather than a VALUES list of predicates: Oxigraph then
# starts from the territory (46 ms against 1.1 s for the second query, measured).
_CONTAINED = """
  { ?territory igeo:subdivisionDe ?ancestor }
  UNION { ?territory igeo:subdivisionDirecteDe ?ancestor }
  UNION { ?territory schema:containedInPlace ?ancestor }
"""
ANCESTORS = (
    _PREFIXES
    + "PREFIX igeo: <http://rdf.insee.fr/def/geo#>\n"
    + "SELECT ?territory ?ancestor WHERE {"
    + _CONTAINED
    + "}"
)
COVERED_ANCESTORS = (
    _PREFIXES
    + "PREFIX igeo: <http://rdf.insee.fr/def/geo#>\n"
    + "SELECT DISTINCT ?territory ?ancestor WHERE {\n"
    + "  ?ecosystem ftkg:coversTerritory ?territory ."
    + _CONTAINED
    + "}"
)
# The editors' disagreements about a date: each competing claim, with its value and source.
DATE_DISAGREEMENTS = (
    _PREFIXES
    + """
SELECT ?disagreement ?subject ?value ?graph ?claim ?confidence ?verdict ?preferred WHERE {
  VALUES ?predicate { ftkg:awardDate schema:startDate dcterms:date }
  ?disagreement a ftkg:Disagreement ; ftkg:competingClaim ?claim .
  ?claim rdf:subject ?subject ; rdf:predicate ?predicate ; rdf:object ?value ;
         ftkg:statedIn ?graph .
  OPTIONAL { ?claim ftkg:confidence ?confidence }
  OPTIONAL { ?disagreement ftkg:verdict ?verdict }
  OPTIONAL { ?disagreement ftkg:preferredClaim ?preferred }
}
"""
)
RATIONALES = (
    _PREFIXES
    + "SELECT ?disagreement ?text WHERE { ?disagreement a ftkg:Disagreement ; "
    + "ftkg:rationale ?text }"
)


@dataclass(frozen=True)
class DateClaim:
    """One date as stated, and the graphs of the sources that state exactly it."""

    date: StatedDate
    graphs: tuple[str, ...]


@dataclass(frozen=True)
class DateGroup:
    """Dates that can all hold together: the most precise first, then the vaguer ones."""

    claims: tuple[DateClaim, ...]

    @property
    def date(self) -> StatedDate:
        """The most precise date of the group, where the event is placed."""
        return self.claims[0].date


@dataclass
class DateVerdict:
    """What the editors recorded of sources disagreeing on an event's date."""

    disagreement: str
    verdict: str | None
    preferred: str | None  # the lexical date of the claim held right
    rationale: dict[str, str]
    confidence: dict[tuple[str, str], str]  # (graph, lexical date) -> confidence level


@dataclass
class Event:
    """Something that happened on a date the sources give: an award, a lineage event, a round."""

    iri: str
    kind: str  # "award", "lineage" or "round"
    claims: list[DateClaim] = field(default_factory=list)
    facts: dict[str, list[ox.Term]] = field(default_factory=lambda: defaultdict(list))
    verdict: DateVerdict | None = None
    dated_by_awards: bool = False  # a round dated by its awards, no source dating it

    def groups(self) -> list[DateGroup]:
        """The dates stated, grouped by what can hold together, earliest group first."""
        return agreeing_groups(self.claims)

    def held_date(self) -> StatedDate | None:
        """Where to place the event: the date the editors hold right, else the earliest."""
        groups = self.groups()
        if not groups:
            return None
        if self.verdict is not None and self.verdict.preferred is not None:
            for group in groups:
                if any(c.date.lexical == self.verdict.preferred for c in group.claims):
                    return group.date
        return groups[0].date

    def first(self, name: str) -> str | None:
        """The value (IRI or text) of one of the event's facts, if stated."""
        values = self.facts.get(name)
        return values[0].value if values else None

    def all(self, name: str) -> list[str]:
        """Every value of one of the event's facts, sorted."""
        return sorted({v.value for v in self.facts.get(name, [])})


def agreeing_groups(claims: list[DateClaim]) -> list[DateGroup]:
    """``claims`` grouped so that every date of a group can hold with its most precise one;
    two groups are dates that cannot both be true. Earliest group first."""
    groups: list[list[DateClaim]] = []
    for claim in sorted(claims, key=lambda c: (-c.date.precision, c.date.lexical)):
        home = next((g for g in groups if g[0].date.compatible(claim.date)), None)
        if home is None:
            groups.append([claim])
        else:
            home.append(claim)
    return sorted(
        (DateGroup(tuple(g)) for g in groups), key=lambda g: (g.date.first_day, g.date.lexical)
    )


@dataclass
class History:
    """Every dated event of the programme, and what a page needs to pick its own."""

    events: dict[str, Event]
    covers: dict[str, set[str]]  # territory -> ecosystems covering it
    ancestors: dict[str, set[str]]  # covered territory -> the territories containing it

    def of_kind(self, kind: str) -> list[Event]:
        """Every event of one kind, in date order."""
        return in_order(e for e in self.events.values() if e.kind == kind)

    def of_ecosystem(self, ecosystem: str) -> list[Event]:
        """The awards the ecosystem received and the lineage events it took part in."""
        found = []
        for event in self.events.values():
            if (event.kind == "award" and ecosystem in event.all("awardee")) or (
                event.kind == "lineage"
                and ecosystem in (event.all("predecessor") + event.all("successor"))
            ):
                found.append(event)
        return in_order(found)

    def covering(self, territory: str, its_ancestors: set[str]) -> dict[str, set[str]]:
        """The ecosystems covering ``territory``, a territory containing it, or one within it,
        each with the territories through which it does."""
        found: dict[str, set[str]] = defaultdict(set)
        for covered, ecosystems in self.covers.items():
            if (
                covered == territory
                or covered in its_ancestors
                or territory in self.ancestors.get(covered, set())
            ):
                for ecosystem in ecosystems:
                    found[ecosystem].add(covered)
        return dict(found)

    def awards_of(self, ecosystems: set[str]) -> list[Event]:
        """The awards of any of ``ecosystems``, in date order."""
        return in_order(
            e
            for e in self.events.values()
            if e.kind == "award" and ecosystems & set(e.all("awardee"))
        )

    def awards_in(self, round_iri: str) -> list[Event]:
        """The awards of one round."""
        return [
            e for e in self.events.values() if e.kind == "award" and round_iri in e.all("inRound")
        ]

    def rounds_awarding(self, kinds: set[str]) -> list[Event]:
        """The rounds that awarded any of the label ``kinds``, in date order."""
        rounds = {
            r
            for e in self.events.values()
            if e.kind == "award" and kinds & set(e.all("labelKind"))
            for r in e.all("inRound")
        }
        return in_order(self.events[r] for r in rounds if r in self.events)

    def kinds_of(self, round_iri: str) -> set[str]:
        """The label kinds a round awarded."""
        return {k for e in self.awards_in(round_iri) for k in e.all("labelKind")}


def in_order(events: Iterable[Event]) -> list[Event]:
    """Events by the date they are placed at, undated ones last, ties by IRI."""
    return in_order_by(events, lambda event: event)


def in_order_by(items: Iterable[T], event_of: Callable[[T], Event]) -> list[T]:
    """``items`` in the date order of their events (see ``in_order``)."""

    def key(item: T) -> tuple[int, str, str]:
        event = event_of(item)
        held = event.held_date()
        if held is None:
            return (1, "", event.iri)
        return (0, held.first_day.isoformat() + held.lexical, event.iri)

    return sorted(items, key=key)


def history(store: KnowledgeStore) -> History:
    """The programme's history in the served version (gathered once per version)."""
    return store.cached("history", lambda: _gather(store))


def _gather(store: KnowledgeStore) -> History:
    events: dict[str, Event] = {}

    def event(iri: str, kind: str) -> Event:
        found = events.get(iri)
        if found is None:
            found = events[iri] = Event(iri, kind)
        return found

    for query, kind in ((AWARD_FACTS, "award"), (LINEAGE_FACTS, "lineage")):
        for row in store.select(query):
            name = row["p"].value.rsplit("#", 1)[-1]
            event(row["event"].value, kind).facts[name].append(row["o"])
    for row in store.select(ROUNDS):
        event(row["event"].value, "round")
    for query in (AWARD_DATES, LINEAGE_DATES, ROUND_DATES):
        stated: dict[tuple[str, str], list[str]] = defaultdict(list)
        for row in store.select(query):
            stated[(row["event"].value, row["date"].value)].append(row["graph"].value)
        for (iri, lexical), graphs in sorted(stated.items()):
            date = stated_dates.parse(lexical)
            if date is not None and iri in events:
                events[iri].claims.append(DateClaim(date, tuple(sorted(set(graphs)))))
    for subject, verdict in _date_verdicts(store).items():
        if subject in events:
            events[subject].verdict = verdict
    _date_rounds_by_their_awards(events)

    covers: dict[str, set[str]] = defaultdict(set)
    for row in store.select(COVERS):
        covers[row["territory"].value].add(row["ecosystem"].value)
    ancestors: dict[str, set[str]] = defaultdict(set)
    for row in store.select(COVERED_ANCESTORS):
        ancestors[row["territory"].value].add(row["ancestor"].value)
    return History(events=events, covers=dict(covers), ancestors=dict(ancestors))


def _date_rounds_by_their_awards(events: dict[str, Event]) -> None:
    """A round no source dates (the 2014 hubs…) takes the earliest date its awards' sources
    give, with those sources, and says so (``dated_by_awards``): never a date read from its
    name."""
    stated: dict[str, dict[StatedDate, set[str]]] = defaultdict(lambda: defaultdict(set))
    for event in events.values():
        if event.kind == "award":
            for round_iri in event.all("inRound"):
                for claim in event.claims:  # one claim per date, whichever award it dates
                    stated[round_iri][claim.date].update(claim.graphs)
    for event in events.values():
        if event.kind == "round" and not event.claims and stated.get(event.iri):
            claims = [DateClaim(d, tuple(sorted(g))) for d, g in stated[event.iri].items()]
            event.claims = list(agreeing_groups(claims)[0].claims)
            event.dated_by_awards = True


def _date_verdicts(store: KnowledgeStore) -> dict[str, DateVerdict]:
    rationales: dict[str, dict[str, str]] = defaultdict(dict)
    for row in store.select(RATIONALES):
        text = row["text"]
        rationales[row["disagreement"].value][getattr(text, "language", "") or ""] = text.value
    found: dict[str, DateVerdict] = {}
    for row in store.select(DATE_DISAGREEMENTS):
        subject = row["subject"].value
        disagreement = row["disagreement"].value
        verdict = found.get(subject)
        if verdict is None:
            verdict = found[subject] = DateVerdict(
                disagreement=disagreement,
                verdict=row["verdict"].value if "verdict" in row else None,
                preferred=None,
                rationale=rationales.get(disagreement, {}),
                confidence={},
            )
        if "confidence" in row:
            verdict.confidence[(row["graph"].value, row["value"].value)] = row["confidence"].value
        if "preferred" in row and row["preferred"] == row["claim"]:
            verdict.preferred = row["value"].value
    return found


def ancestors_of(store: KnowledgeStore, territory: str) -> set[str]:
    """The territories containing ``territory``: its EPCI, arrondissement, département and
    région (INSEE's ``igeo:subdivisionDe`` is transitive and the build states every step of
    it, so one hop reaches them all), or a city's country. One query, so that a remote store
    answers it in one request."""
    query = with_bindings(ANCESTORS, {"territory": ox.NamedNode(territory)})
    return {row["ancestor"].value for row in store.select(query)}


def is_territory(types: list[str], base_uri: str) -> bool:
    """Whether an entity of ``types`` is a territory (of France, or a city or country abroad)."""
    absolute = {t if t.startswith("http") else base_uri + t for t in TERRITORY_TYPES}
    return bool(absolute & set(types))


def labels(store: KnowledgeStore, iris: set[str]) -> dict[str, dict[str, str]]:
    """The labels of ``iris`` by language, read once per version (``labels_of``)."""
    return {iri: describing.labels_of(store, iri) for iri in iris}


def sources(store: KnowledgeStore, graphs: set[str]) -> dict[str, describing.Source]:
    """What is known of the source of each graph, read once per version (``source_of``)."""
    return {graph: describing.source_of(store, graph) for graph in graphs}

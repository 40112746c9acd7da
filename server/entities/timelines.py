"""The timelines pages open with, in the reader's language: which events, worded how, cited how.

``plan_for`` picks a page's events from the programme's history (an ecosystem's awards and
lineage, the awards of the ecosystems covering a territory, the rounds of a label kind or
around a round); ``view`` words them, numbers their sources with the page's own footnotes and
draws the picture (``server.pictures.timeline``) with the list that stands beside it: the
same events, dates and sources, readable by anyone and any tool.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from markupsafe import Markup

from server import quality, stated_dates
from server.entities import history as histories
from server.entities.history import DateGroup, Event, History
from server.pictures import timeline as pictures
from server.presentation import best_label, link_for, local_name
from server.version.store import KnowledgeStore

FTKG = "ontology#"
RENEWED = "id/label-status/renewed"

# The words of timelines, in both languages.
WORDS = {
    "fr": {
        "ecosystem": "Historique des labels",
        "ecosystem_caption": (
            "Chaque label reçu, chaque changement de nom ou succession, à la date que donne "
            "chaque source."
        ),
        "territory": "Labels des écosystèmes du territoire",
        "territory_caption": (
            "Les labels des écosystèmes qui couvrent ce territoire, un territoire qui le "
            "contient ou un territoire qu'il contient, à la date que donne chaque source."
        ),
        "label_kind": "Les vagues de ce label",
        "label_kind_caption": (
            "Les vagues qui ont attribué ce label, dans l'ordre, avec le nombre de lauréats "
            "que le graphe connaît."
        ),
        "round": "Les vagues, dans l'ordre",
        "programme_title": "Le programme French Tech, de 2013 à aujourd'hui",
        "programme": "Les vagues, dans l'ordre",
        "round_caption": "Cette vague parmi celles qui ont attribué les mêmes labels.",
        "programme_caption": (
            "Les vagues du programme, de 2013 à aujourd'hui. Les barres de couleur le long de"
            " l'axe : les années où chaque type de label a été attribué (nommés dans le "
            "tableau plus bas) ; les lauréats de chaque vague sont comptés dans la même "
            "couleur, sur le total annoncé quand une source le donne."
        ),
        "round_word": "vague",
        "disagree": "les sources divergent sur la date",
        "verdict": "Conclusion des éditeurs",
        "through": "par",
        "ended": "fin du label",
        "renews": "renouvelle",
        "valid_until": "valable jusqu'au",
        "dated_by_awards": "aucune source ne date la vague : date de ses premières attributions",
        "confidence": "confiance",
        "held_right": "tenue pour juste",
        "holders": "lauréats",
        "of_announced": "sur {announced} annoncés",
        "list": "Les mêmes événements en liste",
    },
    "en": {
        "ecosystem": "Label history",
        "ecosystem_caption": (
            "Every label received, every renaming or succession, on the date each source gives."
        ),
        "territory": "Labels of the ecosystems covering this territory",
        "territory_caption": (
            "The labels of the ecosystems covering this territory, a territory containing it "
            "or a territory within it, on the date each source gives."
        ),
        "label_kind": "The rounds of this label",
        "label_kind_caption": (
            "The rounds that awarded this label, in order, with the number of holders the "
            "graph knows."
        ),
        "round": "The rounds, in order",
        "programme_title": "The French Tech programme, from 2013 to today",
        "programme": "The rounds, in order",
        "round_caption": "This round among those that awarded the same labels.",
        "programme_caption": (
            "The programme's rounds, from 2013 to today. The coloured bars along the axis: "
            "the years each label kind was awarded (named in the table below); each round's "
            "holders are counted in the same colour, out of the announced total where a "
            "source gives one."
        ),
        "round_word": "round",
        "disagree": "sources disagree on the date",
        "verdict": "The editors conclude",
        "through": "through",
        "ended": "how the label ended",
        "renews": "renews",
        "valid_until": "valid until",
        "dated_by_awards": "no source dates the round: the date of its first awards",
        "confidence": "confidence",
        "held_right": "held right",
        "holders": "holders",
        "of_announced": "of {announced} announced",
        "list": "The same events as a list",
    },
}


@dataclass(frozen=True)
class Plan:
    """A page's timeline before wording: which events, and how the page relates to them."""

    kind: str  # ecosystem, territory, label_kind, round
    subject: str
    events: list[Event]
    through: dict[str, set[str]] = field(default_factory=dict)  # ecosystem -> via territories

    def graphs(self) -> set[str]:
        """The named graphs the events' dates come from: the page cites their sources."""
        return {g for e in self.events for c in e.claims for g in c.graphs}


@dataclass(frozen=True)
class ClaimView:
    """One date as stated, with the page's footnote numbers of the sources stating it."""

    iso: str
    text: str
    footnotes: list[int]
    confidence: str | None


@dataclass(frozen=True)
class GroupView:
    """Dates that hold together, the most precise first; several groups disagree."""

    claims: list[ClaimView]
    held_right: bool


@dataclass(frozen=True)
class RowView:
    """One event in the list beside the picture."""

    href: str | None
    lines: list[str]
    groups: list[GroupView]
    notes: list[str]
    verdict: tuple[str, str | None, str, str | None] | None  # words, verdict, rationale, href
    current: bool = False


@dataclass(frozen=True)
class TimelineView:
    """What a template shows: the heading, the picture and its list."""

    id: str
    heading: str
    caption: str
    picture: Markup
    rows: list[RowView]


def plan_for(store: KnowledgeStore, iri: str, types: list[str]) -> Plan | None:
    """The timeline an entity's page opens with, if it has one."""
    found = histories.history(store)
    ftkg = store.base_uri + FTKG
    if ftkg + "Ecosystem" in types:
        events = found.of_ecosystem(iri)
        return Plan("ecosystem", iri, events) if events else None
    if ftkg + "LabelKind" in types:
        events = found.rounds_awarding({iri})
        return Plan("label_kind", iri, events) if events else None
    if ftkg + "LabelRound" in types:
        kinds = found.kinds_of(iri)
        events = found.rounds_awarding(kinds) if kinds else []
        if iri not in {e.iri for e in events} and iri in found.events:
            events = histories.in_order([*events, found.events[iri]])
        return Plan("round", iri, events) if any(e.claims for e in events) else None
    if histories.is_territory(types, store.base_uri):
        through = found.covering(iri, histories.ancestors_of(store, iri))
        events = found.awards_of(set(through))
        return Plan("territory", iri, events, through) if events else None
    return None


class _Wording:
    """Words an event for one page: labels in the reader's language, footnotes, links."""

    def __init__(
        self,
        store: KnowledgeStore,
        lang: str,
        number: Callable[[str], int | None],
        found: History,
    ) -> None:
        self.store = store
        self.lang = lang
        self.words = WORDS[lang]
        self.number = number
        self.history = found
        self._labels: dict[str, dict[str, str]] = {}

    def label(self, iri: str | None) -> str:
        if iri is None:
            return ""
        if iri not in self._labels:
            self._labels.update(histories.labels(self.store, {iri}))
        return best_label(self._labels[iri], self.lang, local_name(iri))[0]

    def href(self, iri: str) -> str | None:
        return link_for(iri, self.store.base_uri).href

    def footnotes(self, graphs: tuple[str, ...]) -> list[int]:
        return sorted({n for g in graphs if (n := self.number(g)) is not None})

    def groups(self, event: Event) -> list[GroupView]:
        verdict = event.verdict
        views = []
        for group in event.groups():
            claims = []
            for claim in group.claims:
                level = None
                if verdict is not None:
                    levels = {
                        verdict.confidence.get((g, claim.date.lexical)) for g in claim.graphs
                    } - {None}
                    level = ", ".join(sorted(self.label(x) for x in levels if x)) or None
                claims.append(
                    ClaimView(
                        claim.date.iso(),
                        stated_dates.display(claim.date, self.lang),
                        self.footnotes(claim.graphs),
                        level,
                    )
                )
            held = (
                verdict is not None
                and verdict.preferred is not None
                and any(c.date.lexical == verdict.preferred for c in group.claims)
            )
            views.append(GroupView(claims, held))
        return views

    def point(self, group: DateGroup) -> pictures.Point:
        graphs = tuple(g for c in group.claims for g in c.graphs)
        sources = histories.sources(self.store, set(graphs))
        return pictures.Point(
            group.date.first_day,
            group.date.last_day,
            stated_dates.display(group.date, self.lang, short=True),
            tuple(
                pictures.Footnote(n, f"#source-{n}", sources[g].title or local_name(g))
                for g in sorted(set(graphs), key=lambda g: self.number(g) or 0)
                if (n := self.number(g)) is not None
            ),
        )

    def verdict(self, event: Event) -> tuple[str, str | None, str, str | None] | None:
        verdict = event.verdict
        if verdict is None or len(event.groups()) < 2:
            return None
        return (
            self.words["verdict"],
            self.label(verdict.verdict) if verdict.verdict else None,
            best_label(verdict.rationale, self.lang, "")[0],
            self.href(verdict.disagreement),
        )

    def colon(self, word: str, value: str) -> str:
        return f"{word}{' :' if self.lang == 'fr' else ':'} {value}"

    def lines(self, event: Event, plan: Plan) -> tuple[list[str], list[str], str]:
        """The event's label lines, the notes the list adds, and its marker's style."""
        notes: list[str] = []
        if event.kind == "award":
            kind = self.label(event.first("labelKind"))
            status = event.first("awardStatus")
            renewed = status == self.store.base_uri + RENEWED
            first = f"{kind}, {self.label(status)}" if renewed else kind
            if plan.kind == "territory":
                first = f"{' / '.join(self.label(e) for e in event.all('awardee'))} — {first}"
                through = {t for e in event.all("awardee") for t in plan.through.get(e, set())}
                via = sorted(through - {plan.subject})
                if via and plan.subject not in through:  # no detour to name when it covers it
                    notes.append(f"{self.words['through']} {', '.join(self.label(t) for t in via)}")
            lines = [first] + [
                self.colon(self.words["round_word"], self.label(r)) for r in event.all("inRound")
            ]
            for earlier in event.all("renews"):
                notes.append(self.colon(self.words["renews"], self.label(earlier)))
            if event.first("endStatus"):
                notes.append(self.colon(self.words["ended"], self.label(event.first("endStatus"))))
            until = event.first("validUntil")
            if until and (parsed := stated_dates.parse(until)):
                notes.append(
                    f"{self.words['valid_until']} {stated_dates.display(parsed, self.lang)}"
                )
            return lines, notes, "renewal" if renewed else "award"
        if event.kind == "lineage":
            kind = self.label(event.first("lineageKind"))
            before, after = event.all("predecessor"), event.all("successor")
            if before == after and event.first("newName"):
                former = event.first("formerName") or self.label(before[0])
                change = f"{former} → {event.first('newName')}"
            else:
                change = (
                    f"{', '.join(self.label(b) for b in before)} → "
                    f"{', '.join(self.label(a) for a in after)}"
                )
            return [kind[:1].upper() + kind[1:], change], notes, "lineage"
        if event.dated_by_awards:
            notes.append(self.words["dated_by_awards"])
        counts = self.counts(event.iri)
        return [self.label(event.iri), *([counts] if counts else [])], notes, "round"

    def holders(self, round_iri: str) -> list[tuple[str, int, int | None]]:
        """Each label kind a round awarded: the holders the graph knows, and how many a
        source announced (the total the editors retain), by kind name."""
        holders: dict[str, set[str]] = defaultdict(set)
        for award in self.history.awards_in(round_iri):
            for kind in award.all("labelKind"):
                holders[kind].update(award.all("awardee"))
        announced = {
            (r.round, r.kind): r.announced for r in quality.rosters(self.store) if r.announced
        }
        return [
            (kind, len(holders[kind]), announced.get((round_iri, kind)))
            for kind in sorted(holders, key=self.label)
        ]

    def count(self, present: int, announced: int | None) -> str:
        if announced is None:
            return str(present)
        return f"{present} {self.words['of_announced'].format(announced=announced)}"

    def counts(self, round_iri: str) -> str:
        """How many holders of each label kind the graph knows in a round, in words."""
        return " · ".join(
            self.colon(self.label(kind), self.count(present, announced))
            for kind, present, announced in self.holders(round_iri)
        )

    def short_counts(self, round_iri: str, lanes: dict[str, int]) -> tuple[tuple[str, str], ...]:
        """The same counts in short, each coloured like its label kind's lane: "13/13"."""
        runs: list[tuple[str, str]] = []
        for kind, present, announced in sorted(
            self.holders(round_iri), key=lambda h: lanes.get(h[0], len(lanes))
        ):
            if runs:
                runs.append((" · ", "tl-detail"))
            text = f"■ {present}" + (f"/{announced}" if announced is not None else "")
            runs.append((text, f"tl-count tl-lane-{lanes[kind]}" if kind in lanes else "tl-detail"))
        return tuple(runs)

    def row_and_marker(
        self, event: Event, plan: Plan, lanes: dict[str, int] | None
    ) -> tuple[RowView, pictures.Marker]:
        lines, notes, style = self.lines(event, plan)
        groups = event.groups()
        held = event.held_date()
        ordered = sorted(groups, key=lambda g: g.date != held)  # the placed date first
        points = tuple(self.point(g) for g in ordered)
        if len(groups) > 1:
            notes.insert(0, self.words["disagree"])
        row = RowView(
            href=self.href(event.iri),
            lines=lines,
            groups=self.groups(event),
            notes=notes,
            verdict=self.verdict(event),
            current=event.iri == plan.subject,
        )
        drawn: list[pictures.Line] = list(lines)
        if lanes and event.kind == "round" and len(lines) > 1:
            drawn[-1] = self.short_counts(event.iri, lanes)
        marker = pictures.Marker(
            href=row.href,
            title=" — ".join([*lines, " ≠ ".join(p.text for p in points), *notes]),
            lines=tuple(drawn),
            points=points,
            style=style,
            current=row.current,
        )
        return row, marker


def view(
    store: KnowledgeStore,
    plan: Plan,
    lang: str,
    number: Callable[[str], int | None],
    *,
    years: tuple[int, int] | None = None,
    spans: list[pictures.Span] | None = None,
    lanes: dict[str, int] | None = None,
    caption: str | None = None,
) -> TimelineView:
    """The timeline of ``plan`` in ``lang``, its sources cited with the page's ``number``;
    ``lanes`` (label kind -> lane of ``spans``) colours the counts of rounds like the lanes."""
    wording = _Wording(store, lang, number, histories.history(store))
    rows, markers = [], []
    for event in plan.events:
        if not event.claims:
            continue
        row, marker = wording.row_and_marker(event, plan, lanes)
        rows.append(row)
        markers.append(marker)
    words = WORDS[lang]
    element_id = f"timeline-{plan.kind}"
    heading = words.get(plan.kind, words["round"])
    picture = pictures.render(
        markers, labelled_by=element_id + "-caption", years=years, spans=spans or ()
    )
    return TimelineView(
        id=element_id,
        heading=heading,
        caption=caption or words[f"{plan.kind}_caption"],
        picture=picture,
        rows=rows,
    )

"""``/timeline``: the whole French Tech programme, from its launch in 2013 to today.

Every round on the date its sources give (disagreeing dates side by side, with the editors'
verdict), the holders the graph knows in each round per label kind (with the total announced,
where a source gives one) linked to the round's page, and beside the axis the years each
label kind was awarded, from the first round that awarded it to the last. The picture stands
beside the same rounds as a list, and a table says when each label kind came and went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template

from server import stated_dates
from server.entities import history as histories
from server.entities import timelines
from server.entities.history import Event, History
from server.pictures.timeline import Span
from server.presentation import best_label, link_for, local_name, reader_language
from server.version.store import KnowledgeStore
from server.web import knowledge_store

bp = Blueprint("programme", __name__)


@dataclass(frozen=True)
class KindLife:
    """When a label kind was first and last awarded, and how its last holders' labels ended."""

    kind: str
    first: Event
    last: Event
    ended: str | None  # the end status every award of its last round shares, if any


@bp.get("/timeline")
def page() -> str:
    """The programme's timeline, in the reader's language."""
    store = knowledge_store()
    lang = reader_language()
    found = histories.history(store)
    rounds = [e for e in found.of_kind("round") if e.claims]
    plan = timelines.Plan("programme", "", rounds)
    sources = sorted(
        histories.sources(store, plan.graphs()).values(),
        key=lambda s: (s.date or "", s.title or s.graph),
    )
    numbers = {source.graph: n for n, source in enumerate(sources, start=1)}
    lives = kind_lives(found)

    def name(iri: str) -> str:
        labels = histories.labels(store, {iri})[iri]
        return best_label(labels, lang, local_name(iri))[0]

    spans = []
    for lane, life in enumerate(lives):
        first, last = life.first.held_date(), life.last.held_date()
        if first is None or last is None:
            continue
        spans.append(
            Span(
                title=f"{name(life.kind)} : {first.year} – {last.year}"
                if lang == "fr"
                else f"{name(life.kind)}: {first.year}–{last.year}",
                href=link_for(life.kind, store.base_uri).href,
                first_day=first.first_day,
                last_day=last.last_day,
                lane=lane,
            )
        )
    first_year = min((d.year for e in rounds if (d := e.held_date())), default=date.today().year)
    view = timelines.view(
        store,
        plan,
        lang,
        numbers.get,
        years=(first_year, max(date.today().year, first_year)),
        spans=spans,
        lanes={life.kind: lane for lane, life in enumerate(lives)},
    )
    return render_template(
        "timeline.html",
        timeline=view,
        timeline_words=timelines.WORDS[lang],
        kinds=[_kind_row(store, life, lang, name, lane) for lane, life in enumerate(lives)],
        sources=[
            {
                "number": numbers[s.graph],
                "title": s.title or local_name(s.graph),
                "date": s.date,
                "href": link_for(s.document, store.base_uri).href if s.document else None,
            }
            for s in sources
        ],
        lang=lang,
    )


def kind_lives(found: History) -> list[KindLife]:
    """Every label kind awarded, by the date of the first round that awarded it."""
    rounds_of: dict[str, set[str]] = {}
    for award in found.of_kind("award"):
        for kind in award.all("labelKind"):
            rounds_of.setdefault(kind, set()).update(award.all("inRound"))
    lives = []
    for kind, round_iris in rounds_of.items():
        ordered = [r for r in histories.in_order(found.events[i] for i in round_iris) if r.claims]
        if not ordered:
            continue
        last = ordered[-1]
        ends = {
            award.first("endStatus")
            for award in found.awards_in(last.iri)
            if kind in award.all("labelKind")
        }
        lives.append(KindLife(kind, ordered[0], last, next(iter(ends)) if len(ends) == 1 else None))
    return histories.in_order_by(lives, lambda life: life.first)


def _kind_row(
    store: KnowledgeStore, life: KindLife, lang: str, name: Callable[[str], str], lane: int
) -> dict[str, object]:
    def when(event: Event) -> str:
        held = event.held_date()
        return stated_dates.display(held, lang) if held else ""

    def link(iri: str) -> str | None:
        return link_for(iri, store.base_uri).href

    return {
        "lane": lane,
        "name": name(life.kind),
        "href": link(life.kind),
        "first": (name(life.first.iri), link(life.first.iri), when(life.first)),
        "last": (name(life.last.iri), link(life.last.iri), when(life.last)),
        "ended": name(life.ended) if life.ended else None,
    }

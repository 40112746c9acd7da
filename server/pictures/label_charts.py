"""The label charts of the home page and of each round's page.

Which figures each page draws, in the reader's language, how each one counts (said under
the chart), where each bar leads (the round, the label kind or the région it is about, or the
query listing what it counts) and where its figures come from (the query that computes
them, and the sources the graph has them from).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from babel.dates import format_date
from flask import url_for

from server import quality
from server.examples import ExampleQuery
from server.pictures import label_figures as data
from server.pictures.charts import (
    PATTERNS,
    Bar,
    Chart,
    Figure,
    Reference,
    Segment,
    Series,
    counted,
    figure,
)
from server.presentation import link_for
from server.version.store import KnowledgeStore

COMPLETENESS_EXAMPLE = "how-complete-is-each-round"

TEXT = {
    "fr": {
        "by_round": "Attributions de label par vague et par type",
        "by_kind": "Attributions de cette vague par type de label",
        "by_region": "Attributions de label par région",
        "population": "Population couverte par type de label",
        "completeness": "Lauréats annoncés et présents, par vague et type de label",
        "round_completeness": "Lauréats annoncés et présents dans cette vague",
        "round": "Vague",
        "kind": "Type de label",
        "region": "Région",
        "roster": "Vague et type de label",
        "award": ("attribution", "attributions"),
        "label_award": ("attribution de label", "attributions de label"),
        "source": ("source", "sources"),
        "inhabitant": ("habitant", "habitants"),
        "holder": ("lauréat", "lauréats"),
        "announced": "Annoncés",
        "present": "Présents",
        "unknown": "total inconnu",
        "computed": "Calculé sur les {awards} du graphe, affirmées par {sources}.",
        "computed_round": "Calculé sur les {awards} de cette vague, affirmées par {sources}.",
        "query": "la requête qui le calcule",
        "editor": "l'ouvrir dans l'éditeur",
        "rosters": "Chiffres calculés à la construction du graphe (graphe nommé "
        "« completeness »), comme la page de complétude.",
        "completeness_page": "la page de complétude",
        "example": "la requête d'exemple",
        "no_round": "{n} sans vague connue ne sont pas dessinées.",
        "regions_rule": "Une attribution compte dans chaque région que touchent les territoires "
        "de son écosystème (ou la région que les sources lui donnent) : les écosystèmes à cheval "
        "sur plusieurs régions ajoutent {extra} à la somme des barres.",
        "unplaced": "{n} ne se situent dans aucune région de France (communautés à l'étranger, "
        "collectivités d'outre-mer) ou vont à un écosystème dont le graphe ne donne pas le "
        "territoire : elles ne sont pas dessinées.",
        "population_rule": "Population municipale au {date} (la géographie officielle "
        "d'aujourd'hui, non celle de l'année du label) des communes que couvrent les écosystèmes "
        "ayant reçu chaque type de label{scope} : communes nommées, membres d'un EPCI couvert, "
        "communes d'un département ou d'une région couverts. Une commune couverte deux fois — "
        "par deux écosystèmes, deux vagues ou deux chemins — ne compte qu'une fois par type de "
        "label ; couverte par deux types, elle compte dans chacun, si bien que les barres ne "
        "s'additionnent pas.",
        "any_round": ", toutes vagues confondues",
        "this_round": " dans cette vague",
        "abroad": "Sans commune couverte en France, non dessinés : {kinds}.",
        "unknown_rosters": "Seuls les palmarès dont une source donne le total annoncé sont "
        "dessinés ; {n} n'en ont pas.",
        "completeness_rule": "Annoncés : le total que les éditeurs retiennent d'une source. "
        "Présents : les écosystèmes que le graphe nomme lauréats, chacun avec au moins une "
        "source.",
    },
    "en": {
        "by_round": "Label awards by round and kind",
        "by_kind": "This round's awards by label kind",
        "by_region": "Label awards by région",
        "population": "Population covered by label kind",
        "completeness": "Holders announced and present, by round and label kind",
        "round_completeness": "Holders announced and present in this round",
        "round": "Round",
        "kind": "Label kind",
        "region": "Région",
        "roster": "Round and label kind",
        "award": ("award", "awards"),
        "label_award": ("label award", "label awards"),
        "source": ("source", "sources"),
        "inhabitant": ("inhabitant", "inhabitants"),
        "holder": ("holder", "holders"),
        "announced": "Announced",
        "present": "Present",
        "unknown": "total unknown",
        "computed": "Computed from {awards} in the graph, stated by {sources}.",
        "computed_round": "Computed from this round's {awards}, stated by {sources}.",
        "query": "the query that computes it",
        "editor": "open it in the editor",
        "rosters": "Figures computed when the graph is built (the named graph "
        "“completeness”), as on the completeness page.",
        "completeness_page": "the completeness page",
        "example": "the example query",
        "no_round": "{n} with no known round are not drawn.",
        "regions_rule": "An award counts in every région its ecosystem's territories reach (or "
        "the région the sources give it): ecosystems spanning several régions add {extra} to "
        "the sum of the bars.",
        "unplaced": "{n} lie in no région of France (communities abroad, overseas "
        "collectivities) or go to an ecosystem whose territory the graph does not give: they "
        "are not drawn.",
        "population_rule": "Municipal population on {date} (today's official geography, not "
        "that of the award's year) of the communes covered by the ecosystems awarded each label "
        "kind{scope}: communes named, members of a covered EPCI, communes of a covered "
        "département or région. A commune covered twice — by two ecosystems, two rounds or two "
        "paths — counts once per label kind; covered by two kinds, it counts in each, so the "
        "bars do not add up.",
        "any_round": ", over every round",
        "this_round": " in this round",
        "abroad": "Covering no commune in France, not drawn: {kinds}.",
        "unknown_rosters": "Only the rosters whose announced total a source gives are drawn; "
        "{n} have none.",
        "completeness_rule": "Announced: the total the editors retain from a source. Present: "
        "the ecosystems the graph names as holders, each with at least one source.",
    },
}


@dataclass(frozen=True)
class KindSummary:
    """A label kind as the home page lists it: name, page and how many awards."""

    name: str
    href: str | None
    awards: str


@dataclass(frozen=True)
class Summary:
    """What the labels section of the home page says before its charts."""

    awards: str
    rounds: str
    first_year: str
    last_year: str
    kinds: list[KindSummary]


def _link(iri: str, store: KnowledgeStore) -> str | None:
    return link_for(iri, store.base_uri).href


def query_link(query: str, store: KnowledgeStore, **values: str | None) -> str:
    """Where the results of ``query`` (pinned to ``values``) are, at this endpoint."""
    return url_for("sparql.endpoint", query=data.pinned(query, store.base_uri, **values))


def editor_link(query: str, store: KnowledgeStore, **values: str | None) -> str:
    """The query editor opened on ``query`` (pinned to ``values``)."""
    return (
        url_for("sparql.editor") + "#query=" + quote(data.pinned(query, store.base_uri, **values))
    )


def kind_series(figures: data.LabelFigures, lang: str) -> dict[str, Series]:
    """Each label kind's look, the same in every chart: by the order kinds were first awarded."""
    return {
        kind: Series(kind, named.name(lang), f"k{i % PATTERNS}", i % PATTERNS)
        for i, (kind, named) in enumerate(figures.kinds.items())
    }


def summary(store: KnowledgeStore, lang: str) -> Summary:
    """The awards, rounds and label kinds of the graph, for the home page's first section."""
    figures = data.label_figures(store)
    words = TEXT[lang]
    per_kind = {
        k: sum(n for (_, kind), n in figures.awards.items() if kind == k) for k in figures.kinds
    }
    years = [r.date[:4] for r in figures.rounds.values() if r.date[:4].isdigit()]
    return Summary(
        awards=counted(figures.total(), words["label_award"], lang),
        rounds=str(len(figures.rounds)),
        first_year=min(years, default=""),
        last_year=max(years, default=""),
        kinds=[
            KindSummary(
                named.name(lang), _link(kind, store), counted(per_kind[kind], words["award"], lang)
            )
            for kind, named in figures.kinds.items()
        ],
    )


def _source(
    store: KnowledgeStore, figures: data.LabelFigures, lang: str, round_iri: str | None = None
) -> str:
    words = TEXT[lang]
    template = words["computed_round" if round_iri else "computed"]
    return template.format(
        awards=counted(
            figures.total(round_iri), words["award" if round_iri else "label_award"], lang
        ),
        sources=counted(len(figures.sources_of(round_iri)), words["source"], lang),
    )


def _query_references(
    query: str, store: KnowledgeStore, lang: str, **values: str | None
) -> tuple[Reference, ...]:
    words = TEXT[lang]
    return (
        Reference(words["query"], query_link(query, store, **values)),
        Reference(words["editor"], editor_link(query, store, **values)),
    )


def _no_round(figures: data.LabelFigures, lang: str) -> list[str]:
    words = TEXT[lang]
    if not figures.of_no_round:
        return []
    return [words["no_round"].format(n=counted(figures.of_no_round, words["award"], lang))]


def awards_by_round(store: KnowledgeStore, lang: str) -> Figure:
    """Awards per round, stacked by label kind, oldest round first."""
    figures = data.label_figures(store)
    series = kind_series(figures, lang)
    words = TEXT[lang]
    bars = []
    for round_iri, named in figures.rounds.items():
        segments = tuple(
            Segment(kind, n, query_link(data.AWARDS_LISTING, store, round=round_iri, kind=kind))
            for kind in figures.kinds
            if (n := figures.awards.get((round_iri, kind), 0))
        )
        bars.append(Bar(round_iri, named.name(lang), segments, _link(round_iri, store)))
    chart = Chart(
        "awards-by-round",
        words["by_round"],
        words["round"],
        tuple(series.values()),
        tuple(bars),
        words["award"],
    )
    notes = _no_round(figures, lang)
    return figure(
        chart,
        lang,
        _source(store, figures, lang),
        _query_references(data.AWARDS_BY_ROUND_AND_KIND, store, lang),
        notes,
    )


def awards_by_kind(store: KnowledgeStore, round_iri: str, lang: str) -> Figure:
    """One round's awards per label kind, as columns."""
    figures = data.label_figures(store)
    series = kind_series(figures, lang)
    words = TEXT[lang]
    bars = tuple(
        Bar(
            kind,
            named.name(lang),
            (Segment(kind, n, query_link(data.AWARDS_LISTING, store, round=round_iri, kind=kind)),),
            _link(kind, store),
        )
        for kind, named in figures.kinds.items()
        if (n := figures.awards.get((round_iri, kind), 0))
    )
    used = {bar.key for bar in bars}
    chart = Chart(
        "round-awards-by-kind",
        words["by_kind"],
        words["kind"],
        tuple(s for k, s in series.items() if k in used),
        bars,
        words["award"],
        vertical=True,
    )
    return figure(
        chart,
        lang,
        _source(store, figures, lang, round_iri),
        _query_references(data.AWARDS_BY_ROUND_AND_KIND, store, lang, round=round_iri),
    )


def awards_by_region(store: KnowledgeStore, lang: str, round_iri: str | None = None) -> Figure:
    """Awards per région, stacked by label kind, the région with most first; of one round,
    or of all."""
    figures = data.label_figures(store)
    series = kind_series(figures, lang)
    words = TEXT[lang]
    counts: dict[tuple[str, str], int] = {}
    pins = {"round": round_iri} if round_iri else {}
    unplaced = 0
    for (r, kind, region), n in figures.by_region.items():
        if round_iri is not None and r != round_iri:
            continue
        if region is None:
            unplaced += n
        else:
            counts[region, kind] = counts.get((region, kind), 0) + n
    bars = []
    for region, named in figures.regions.items():
        segments = tuple(
            Segment(
                kind,
                n,
                query_link(data.AWARDS_IN_REGION_LISTING, store, **pins, kind=kind, region=region),
            )
            for kind in figures.kinds
            if (n := counts.get((region, kind), 0))
        )
        if segments:
            bars.append(Bar(region, named.name(lang), segments, _link(region, store)))
    bars.sort(key=lambda bar: (-bar.total, bar.label))
    used = {s.series for bar in bars for s in bar.segments}
    chart = Chart(
        "round-awards-by-region" if round_iri else "awards-by-region",
        words["by_region"],
        words["region"],
        tuple(s for k, s in series.items() if k in used),
        tuple(bars),
        words["award"],
    )
    placed = figures.total(round_iri) - unplaced
    extra = sum(bar.total for bar in bars) - placed
    notes = [words["regions_rule"].format(extra=counted(extra, words["award"], lang))]
    if unplaced:
        notes.append(words["unplaced"].format(n=counted(unplaced, words["award"], lang)))
    if round_iri is None:
        notes += _no_round(figures, lang)
    return figure(
        chart,
        lang,
        _source(store, figures, lang, round_iri),
        _query_references(data.AWARDS_BY_REGION, store, lang, **pins),
        notes,
    )


def population(store: KnowledgeStore, lang: str, round_iri: str | None = None) -> Figure:
    """The municipal population each label kind covers, each commune once per kind."""
    figures = data.label_figures(store)
    series = kind_series(figures, lang)
    words = TEXT[lang]
    if round_iri is None:
        covered = data.population_by_kind(store)
        query = data.POPULATION_BY_KIND
        awarded = list(figures.kinds)
    else:
        covered = {k: c for (r, k), c in data.population_by_round(store).items() if r == round_iri}
        query = data.POPULATION_BY_ROUND_AND_KIND
        awarded = [k for k in figures.kinds if figures.awards.get((round_iri, k))]
    pins = {"round": round_iri} if round_iri else {}
    bars = tuple(
        Bar(
            kind,
            figures.kinds[kind].name(lang),
            (
                Segment(
                    kind, covered[kind].inhabitants, query_link(query, store, **pins, kind=kind)
                ),
            ),
            _link(kind, store),
        )
        for kind in sorted(
            (k for k in awarded if k in covered), key=lambda k: -covered[k].inhabitants
        )
    )
    chart = Chart(
        "round-population" if round_iri else "population-by-kind",
        words["population"],
        words["kind"],
        tuple(series[bar.key] for bar in bars),
        bars,
        words["inhabitant"],
    )
    when = data.population_date(store)
    shown = format_date(date.fromisoformat(when), "long", locale=lang) if when else "?"
    scope = words["this_round" if round_iri else "any_round"]
    notes = [words["population_rule"].format(date=shown, scope=scope)]
    abroad = [figures.kinds[k].name(lang) for k in awarded if k not in covered]
    if abroad:
        notes.append(words["abroad"].format(kinds=", ".join(abroad)))
    return figure(
        chart,
        lang,
        _source(store, figures, lang, round_iri),
        _query_references(query, store, lang, **pins),
        notes,
    )


def completeness(
    store: KnowledgeStore, lang: str, examples: Sequence[ExampleQuery], round_iri: str | None = None
) -> Figure:
    """Holders announced against holders present: every roster whose total is known, or every
    roster of one round."""
    words = TEXT[lang]
    announced = Series("announced", words["announced"], "announced", 1)
    present = Series("present", words["present"], "present", 0)
    rosters = quality.rosters(store)
    if round_iri is None:
        shown = [r for r in rosters if r.announced is not None]
    else:
        shown = [r for r in rosters if r.round == round_iri]
    bars = []
    for roster in shown:
        segments = []
        if roster.announced is not None:
            source = _link(roster.sources[0].iri, store) if roster.sources else None
            segments.append(Segment(announced.key, roster.announced, source))
        listing = query_link(data.AWARDS_LISTING, store, round=roster.round, kind=roster.kind)
        segments.append(Segment(present.key, roster.present, listing))
        if round_iri is None:
            label, sublabel, href = roster.round_name(lang), roster.kind_name(lang), roster.round
        else:
            label, sublabel, href = roster.kind_name(lang), None, roster.kind
        bars.append(
            Bar(
                roster.roster,
                label,
                tuple(segments),
                _link(href, store),
                sublabel,
                words["unknown"] if roster.announced is None else None,
            )
        )
    chart = Chart(
        "round-completeness" if round_iri else "completeness",
        words["round_completeness" if round_iri else "completeness"],
        words["kind" if round_iri else "roster"],
        (announced, present),
        tuple(bars),
        words["holder"],
        grouped=True,
    )
    notes = [words["completeness_rule"]]
    unknown = sum(1 for r in rosters if r.announced is None)
    if round_iri is None and unknown:
        notes.append(words["unknown_rosters"].format(n=unknown))
    references = [Reference(words["completeness_page"], url_for("completeness.page"))]
    example = next((e for e in examples if e.name == COMPLETENESS_EXAMPLE), None)
    if example is not None:
        references.append(Reference(words["example"], query_link(example.body, store)))
    return figure(chart, lang, words["rosters"], references, notes)


def home_figures(
    store: KnowledgeStore, lang: str, examples: Sequence[ExampleQuery]
) -> dict[str, Figure]:
    """The home page's charts: awards per round, per région, population, completeness."""
    return {
        "by_round": awards_by_round(store, lang),
        "by_region": awards_by_region(store, lang),
        "population": population(store, lang),
        "completeness": completeness(store, lang, examples),
    }


def round_figures(
    store: KnowledgeStore, round_iri: str, lang: str, examples: Sequence[ExampleQuery]
) -> list[Figure]:
    """A round page's charts: its awards per kind and per région, the population they cover,
    how complete its list of holders is."""
    figures = data.label_figures(store)
    if figures.total(round_iri) == 0:
        return []
    drawn = [
        awards_by_kind(store, round_iri, lang),
        awards_by_region(store, lang, round_iri),
        population(store, lang, round_iri),
        completeness(store, lang, examples, round_iri),
    ]
    # A round of communities abroad has no région and covers no commune: nothing to draw.
    return [f for f in drawn if f.chart.bars]


__all__ = [
    "KindSummary",
    "Summary",
    "awards_by_kind",
    "awards_by_region",
    "awards_by_round",
    "completeness",
    "editor_link",
    "home_figures",
    "kind_series",
    "population",
    "query_link",
    "round_figures",
    "summary",
]

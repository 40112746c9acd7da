"""A map as the page draws it: each shape's colour, title and link, the legend, the table.

The SVG is written by the templates (``map.html``, ``map_shapes.svg``) from what this module
computes, so that it is plain markup the server sends: no script draws it, no ``style``
attribute colours it (the page's Content-Security-Policy allows no inline style), only classes
of ``static/style.css``. A territory holding one label kind takes that kind's class; one
holding several is striped with each kind's colour, by a ``<pattern>`` of the same SVG that
its ``fill`` attribute names (a presentation attribute, which CSP does not govern).
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from server.maps.facts import Award, Facts, Level
from server.maps.shapes import BaseMap

# As many colours as static/style.css defines ``.map-kind-N`` classes for.
PALETTE_SIZE = 8
# The band above the map where the labels of the territory under the pointer or the keyboard
# focus are written: lines of text, in viewBox units per map width.
TIP_LINES = 3
TIP_FONT_SHARE = 0.021  # font size as a share of the map's width
TIP_CHARACTER_SHARE = 0.55  # average character width as a share of the font size

WORDS = {
    "fr": {
        # French puts a no-break space before ":" and ";", which wrapping must not split.
        "and": " et ",
        "colon": "\u00a0: ",
        "between": "\u00a0; ",
        "none": "aucun label dans les vagues de {year}",
        "hint": "Survolez un territoire, ou parcourez la carte avec la touche Tab, pour lire "
        "ses labels\u00a0; le tableau sous la carte donne les mêmes faits.",
    },
    "en": {
        "and": " and ",
        "colon": ": ",
        "between": "; ",
        "none": "no label in the {year} rounds",
        "hint": "Point at a territory, or move through the map with the Tab key, to read its "
        "labels; the table under the map gives the same facts.",
    },
}


@dataclass(frozen=True)
class DrawnShape:
    """One territory as drawn: its outline, link, title, colour class and tip lines."""

    code: str
    d: str
    href: str | None
    title: str
    css: str
    fill: str | None
    tip: tuple[str, ...]


@dataclass(frozen=True)
class Pattern:
    """Stripes of several kinds' colours, for a territory holding several labels."""

    id: str
    slots: tuple[int, ...]


@dataclass(frozen=True)
class Caption:
    """An inset's frame and the name written in it."""

    x: float
    y: float
    width: float
    height: float
    text: str


@dataclass(frozen=True)
class LegendEntry:
    """One colour of the legend, what it means and how many territories have it."""

    css: str
    name: str
    territories: int
    pattern: str | None = None


@dataclass(frozen=True)
class Linked:
    """A name and where it leads (None: nowhere)."""

    name: str
    href: str | None


@dataclass(frozen=True)
class Row:
    """One award in the table: ecosystem, label, round and the documents stating it."""

    ecosystem: Linked
    kind: str
    css: str
    round: Linked
    sources: tuple[Linked, ...]
    elsewhere: tuple[str, ...] = ()


@dataclass(frozen=True)
class TerritoryRows:
    """A territory of the table and its awards."""

    territory: Linked
    code: str
    rows: tuple[Row, ...]


@dataclass
class Drawing:
    """Everything a map page shows of one level and one year."""

    view_box: str
    font_size: float
    line_height: float
    tip_top: float
    tip_height: float
    width: float
    hint: tuple[str, ...]
    shapes: list[DrawnShape]
    patterns: list[Pattern]
    captions: list[Caption]
    legend: list[LegendEntry]
    table: list[TerritoryRows]
    unplaced: list[Row]
    territories_without: int
    sources: tuple[dict[str, str], ...] = field(default_factory=tuple)


def draw(
    facts: Facts,
    level: Level,
    base: BaseMap,
    year: str,
    lang: str,
    link: Callable[[str], str | None],
) -> Drawing:
    """The map of ``level`` for the rounds of ``year``, in ``lang``; ``link`` gives the page of
    an IRI of the graph."""
    slots = {kind: index % PALETTE_SIZE for index, kind in enumerate(facts.kinds)}
    territories = facts.territories.get(level.territory_type, {})
    by_code, unplaced = _placed(facts, level, base, year)

    def ordered(found: list[Award]) -> list[Award]:
        return sorted(
            found, key=lambda a: (facts.name(a.ecosystem, lang).casefold(), slots[a.kind])
        )

    def territory(code: str, fallback: str) -> Linked:
        iri = territories.get(code)
        name = facts.name(iri, lang) if iri is not None and iri in facts.names else fallback
        return Linked(name, link(iri) if iri else None)

    def row(award: Award, elsewhere: tuple[str, ...] = ()) -> Row:
        return Row(
            ecosystem=Linked(facts.name(award.ecosystem, lang), link(award.ecosystem)),
            kind=facts.name(award.kind, lang),
            css=f"map-kind-{slots[award.kind]}",
            round=Linked(facts.name(award.round, lang), link(award.round)),
            sources=tuple(Linked(s.name(lang), link(s.iri)) for s in award.sources),
            elsewhere=elsewhere,
        )

    x, y, width, height = base.view_box
    font = round(width * TIP_FONT_SHARE, 1)
    line = round(font * 1.3, 1)
    band = round(line * TIP_LINES + font, 1)
    columns = int(width / (font * TIP_CHARACTER_SHARE))
    patterns: dict[tuple[int, ...], Pattern] = {}
    shapes = []
    for shape in base.shapes:
        held = ordered(by_code.get(shape.code, []))
        place = territory(shape.code, shape.name)
        kinds = tuple(sorted({slots[a.kind] for a in held}))
        if not held:
            css, fill = "map-none", None
            title = f"{place.name} — {WORDS[lang]['none'].format(year=year)}"
        elif len(kinds) == 1:
            css, fill = f"map-kind-{kinds[0]}", None
            title = f"{place.name} — {_summary(facts, held, slots, lang)}"
        else:
            pattern = patterns.setdefault(
                kinds, Pattern("map-mix-" + "-".join(map(str, kinds)), kinds)
            )
            css, fill = "map-several", f"url(#{pattern.id})"
            title = f"{place.name} — {_summary(facts, held, slots, lang)}"
        shapes.append(
            DrawnShape(shape.code, shape.d, place.href, title, css, fill, _wrapped(title, columns))
        )
    regions = facts.places["region"] if not level.abroad else {}
    return Drawing(
        view_box=" ".join(_number(v) for v in (x, y - band, width, height + band)),
        font_size=font,
        line_height=line,
        tip_top=y - band,
        tip_height=band,
        width=width,
        hint=_wrapped(WORDS[lang]["hint"], columns),
        shapes=shapes,
        patterns=list(patterns.values()),
        captions=[
            Caption(i.x, i.y, i.width, i.height, territory(i.code, i.code).name)
            for i in base.insets
        ],
        legend=_legend(facts, shapes, slots, patterns, lang),
        table=[
            TerritoryRows(
                territory(shape.code, shape.name),
                shape.code,
                tuple(row(a) for a in ordered(by_code[shape.code])),
            )
            for shape in sorted(base.shapes, key=lambda s: _code_order(s.code))
            if shape.code in by_code
        ],
        unplaced=[
            row(a, tuple(facts.name(r, lang) for r, _ in regions.get(a.ecosystem, [])))
            for a in ordered(unplaced)
        ],
        territories_without=sum(1 for s in shapes if s.css == "map-none"),
        sources=base.sources,
    )


def _placed(
    facts: Facts, level: Level, base: BaseMap, year: str
) -> tuple[dict[str, list[Award]], list[Award]]:
    """The awards of ``year`` by the code of each shape they are drawn in, and those drawn in
    none (no territory of this level, or none with a shape)."""
    drawn = set(base.codes())
    by_code: dict[str, list[Award]] = defaultdict(list)
    unplaced = []
    for award in facts.on_level(level):
        if award.year != year:
            continue
        codes = [code for _territory, code in facts.places_of(level, award) if code in drawn]
        for code in codes:
            by_code[code].append(award)
        if not codes:
            unplaced.append(award)
    return by_code, unplaced


def _legend(
    facts: Facts,
    shapes: list[DrawnShape],
    slots: dict[str, int],
    patterns: dict[tuple[int, ...], Pattern],
    lang: str,
) -> list[LegendEntry]:
    """One entry per kind of label drawn, then "several" (when any), then "none"."""
    counts: dict[str, int] = defaultdict(int)
    for shape in shapes:
        counts[shape.css] += 1
    drawn = {slot for kinds in patterns for slot in kinds} | {
        int(s.css.removeprefix("map-kind-")) for s in shapes if s.css.startswith("map-kind-")
    }
    legend = [
        LegendEntry(
            f"map-kind-{slots[kind]}", facts.name(kind, lang), counts[f"map-kind-{slots[kind]}"]
        )
        for kind in facts.kinds
        if slots[kind] in drawn
    ]
    if patterns:
        first = next(iter(patterns.values()))
        legend.append(LegendEntry("map-several", "", counts["map-several"], first.id))
    legend.append(LegendEntry("map-none", "", counts["map-none"]))
    return legend


def named_shapes(
    facts: Facts, level: Level, base: BaseMap, lang: str
) -> list[tuple[str, str, str]]:
    """Each shape's code, name (from the graph, else the package's) and path data."""
    territories = facts.territories.get(level.territory_type, {})
    named = []
    for shape in base.shapes:
        iri = territories.get(shape.code)
        name = facts.name(iri, lang) if iri is not None and iri in facts.names else shape.name
        named.append((shape.code, name, shape.d))
    return named


def _summary(facts: Facts, held: list[Award], slots: dict[str, int], lang: str) -> str:
    """ "Capitale French Tech et Communauté French Tech : French Tech Lille (…) ; …"."""
    words = WORDS[lang]
    kinds = sorted({a.kind for a in held}, key=lambda k: slots[k])
    by_ecosystem: dict[str, list[str]] = {}
    for award in held:
        by_ecosystem.setdefault(award.ecosystem, [])
        name = facts.name(award.kind, lang)
        if name not in by_ecosystem[award.ecosystem]:
            by_ecosystem[award.ecosystem].append(name)
    ecosystems = [
        facts.name(e, lang) + (f" ({', '.join(k)})" if len(kinds) > 1 else "")
        for e, k in by_ecosystem.items()
    ]
    return (
        words["and"].join(facts.name(k, lang) for k in kinds)
        + words["colon"]
        + words["between"].join(ecosystems)
    )


def _wrapped(text: str, columns: int) -> tuple[str, ...]:
    lines = textwrap.wrap(text, columns)
    if len(lines) > TIP_LINES:
        lines = [
            *lines[: TIP_LINES - 1],
            textwrap.shorten(" ".join(lines[TIP_LINES - 1 :]), columns, placeholder=" …"),
        ]
    return tuple(lines)


def _code_order(code: str) -> tuple[int, str]:
    """INSEE codes in their usual order (01 … 19, 2A, 2B, 21 … 976), other codes by letter."""
    digits = code.replace("2A", "20.1").replace("2B", "20.2")
    try:
        return (0, f"{float(digits):08.2f}")
    except ValueError:
        return (1, code)


def _number(value: float) -> str:
    return f"{value:g}"

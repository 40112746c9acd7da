"""Bar charts drawn on the server as inline SVG, each with the table of its figures.

A chart is part of the page's HTML: it needs no JavaScript and no file of its own, so it
works offline and wherever the page does, and it scales to the screen through its viewBox.
Every bar is a link into the data (an entity's page, or the query that lists what the bar
counts) carrying a ``<title>`` that names its figure, and links are focusable from the
keyboard. Each series has a colour and a pattern, so that bars stay apart in greyscale and
for readers who do not tell the colours apart (WCAG 2.2 §1.4.1, Use of Color); the colours,
in style.css, stand out from the page by at least 3:1 (§1.4.11, Non-text Contrast). The
pages' Content-Security-Policy allows no inline style (``server.security``), so every look
comes from a class. Numbers are written as the reader's language writes them (CLDR, Babel).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field

from babel import Locale
from babel.numbers import format_compact_decimal, format_decimal
from markupsafe import Markup

SVG_NAMESPACE = "http://www.w3.org/2000/svg"

# The drawing's own units: the viewBox is WIDTH wide and as tall as its bars need. Text is
# 13 units high (style.css); CHARACTER is the widest mean advance of a character at that size
# measured in Chromium (DejaVu Sans, a wide face), BOLD_CHARACTER that of the bars' labels, to
# wrap labels before they reach the edge.
WIDTH = 400
PAD = 8
LINE = 16
CHARACTER = 7.7
BOLD_CHARACTER = 8.4
LANE = 14  # the thickness of a stacked bar
GROUPED_LANE = 10  # of each bar in a group of bars side by side
ROW_GAP = 12
VALUE_ROOM = 56  # room right of the longest bar for its value
PLOT_HEIGHT = 180  # of a chart with vertical bars
LEFT_AXIS = 48
MAX_LABEL_LINES = 3
# From here on, values on axes and at the ends of bars are written short ("20,2 M").
COMPACT_FROM = 100_000
PATTERNS = 8  # pattern 0 is a plain fill; 1 to 7 draw white lines or dots over the colour


@dataclass(frozen=True)
class Series:
    """One kind of thing a chart counts (a label kind, "announced"), drawn in one look.

    ``mark`` names its colour class in style.css (``series-<mark>``), ``pattern`` the pattern
    drawn over it (0 for none).
    """

    key: str
    name: str
    mark: str
    pattern: int = 0


@dataclass(frozen=True)
class Segment:
    """The value of one series in one bar, and where it leads."""

    series: str
    value: int
    href: str | None = None


@dataclass(frozen=True)
class Bar:
    """One category of a chart (a round, a région): its label, link and values."""

    key: str
    label: str
    segments: tuple[Segment, ...]
    href: str | None = None
    sublabel: str | None = None
    note: str | None = None  # said in place of a missing value ("total unknown")

    @property
    def total(self) -> int:
        """The sum of the bar's values."""
        return sum(segment.value for segment in self.segments)

    def value_of(self, series: str) -> Segment | None:
        """The bar's segment of ``series``, if it has one."""
        return next((s for s in self.segments if s.series == series), None)


@dataclass(frozen=True)
class Chart:
    """What a chart shows, independent of how it is drawn.

    ``key`` must be unique on the page (the ids of its title and patterns derive from it).
    Segments are stacked end to end unless ``grouped``, where each series has a bar of its
    own beside the others. ``unit`` is what a value counts, singular then plural.
    """

    key: str
    title: str
    category: str
    series: tuple[Series, ...]
    bars: tuple[Bar, ...]
    unit: tuple[str, str]
    grouped: bool = False
    vertical: bool = False

    @property
    def named_by_bars(self) -> bool:
        """Whether each bar is a series of its own (a label kind's population), so that its
        label names its look and no legend is needed."""
        return all(len(b.segments) == 1 and b.segments[0].series == b.key for b in self.bars)

    @property
    def legend(self) -> bool:
        """Whether the chart needs a legend: several series not named by the bars' labels."""
        return len(self.series) > 1 and not self.named_by_bars


@dataclass(frozen=True)
class Cell:
    """One cell of a chart's table."""

    text: str
    href: str | None = None
    number: bool = False


@dataclass(frozen=True)
class Table:
    """A chart's figures as a table: a row per bar, a column per series (and the total)."""

    caption: str
    head: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Reference:
    """A link naming where a chart's figures come from."""

    text: str
    href: str


@dataclass(frozen=True)
class Figure:
    """A chart as a page shows it: the picture, its table, how it counts, and its sources."""

    chart: Chart
    svg: Markup
    table: Table
    source: str
    references: tuple[Reference, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def figure(
    chart: Chart,
    lang: str,
    source: str,
    references: Iterable[Reference] = (),
    notes: Iterable[str] = (),
) -> Figure:
    """``chart`` drawn and tabulated for a reader of ``lang``, with its source named."""
    return Figure(
        chart, svg(chart, lang), table(chart, lang), source, tuple(references), tuple(notes)
    )


def number(value: float, lang: str) -> str:
    """``value`` as a reader of ``lang`` writes it: "1 234" (narrow no-break space) in French,
    "1,234" in English."""
    return format_decimal(value, locale=lang)


def short_number(value: float, lang: str) -> str:
    """``value`` written short when large ("20,2 M", "20.2M"), in full otherwise."""
    if abs(value) >= COMPACT_FROM:
        return format_compact_decimal(value, locale=lang, fraction_digits=1)
    return number(value, lang)


def counted(value: int, unit: tuple[str, str], lang: str) -> str:
    """ "12 attributions", "1 award": the value and its unit, in the plural form ``lang``
    gives that value (CLDR plural rules: French counts 0 and 1 as singular)."""
    word = unit[0] if Locale.parse(lang).plural_form(value) == "one" else unit[1]
    return f"{number(value, lang)} {word}"


def ticks(maximum: float, count: int = 5) -> list[int]:
    """Round values from 0 to at least ``maximum``, about ``count`` steps of 1, 2 or 5 × 10ⁿ."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))
    steps = math.ceil(maximum / step)
    return [int(i * step) for i in range(steps + 1)]


def wrap(
    text: str, width: float, lines: int = MAX_LABEL_LINES, character: float = BOLD_CHARACTER
) -> list[str]:
    """``text`` broken between words into at most ``lines`` lines that fit ``width`` units;
    what does not fit ends in an ellipsis (the full text is in the title and the table)."""
    limit = max(4, int(width / character))
    found: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit or not current:
            current = candidate
        else:
            found.append(current)
            current = word
    if current:
        found.append(current)
    found = [line if len(line) <= limit else line[: limit - 1] + "…" for line in found]
    if len(found) > lines:
        found = found[:lines]
        found[-1] = found[-1][: limit - 1].rstrip() + "…"
    return found or [""]


def svg(chart: Chart, lang: str) -> Markup:
    """The chart as an inline ``<svg>`` element for a reader of ``lang``."""
    root = ET.Element(
        "svg",
        {
            "xmlns": SVG_NAMESPACE,
            "class": "chart-svg",
            "aria-labelledby": f"{chart.key}-title",
        },
    )
    ET.SubElement(root, "title", {"id": f"{chart.key}-title"}).text = chart.title
    _patterns(root, chart)
    top = _legend(root, chart) if chart.legend else PAD
    height = (_vertical if chart.vertical else _horizontal)(root, chart, lang, top)
    root.set("viewBox", f"0 0 {WIDTH} {_n(height)}")
    # Our own markup, built element by element: ElementTree escapes every text and attribute.
    return Markup(ET.tostring(root, encoding="unicode", short_empty_elements=True))


def table(chart: Chart, lang: str) -> Table:
    """The chart's figures as a table with the same links as its bars."""
    if chart.named_by_bars:
        return Table(
            chart.title,
            (Cell(chart.category), Cell(chart.unit[1].capitalize(), number=True)),
            tuple(
                (
                    Cell(bar.label, bar.href),
                    Cell(number(bar.total, lang), bar.segments[0].href, number=True),
                )
                for bar in chart.bars
            ),
        )
    with_total = not chart.grouped and len(chart.series) > 1
    head = [Cell(chart.category)]
    head += [Cell(s.name, number=True) for s in chart.series]
    if with_total:
        head.append(Cell("Total", number=True))
    rows = []
    for bar in chart.bars:
        label = f"{bar.label} — {bar.sublabel}" if bar.sublabel else bar.label
        row = [Cell(label, bar.href)]
        for series in chart.series:
            segment = bar.value_of(series.key)
            if segment is None:
                row.append(Cell(bar.note if chart.grouped and bar.note else "—", number=True))
            else:
                row.append(Cell(number(segment.value, lang), segment.href, number=True))
        if with_total:
            row.append(Cell(number(bar.total, lang), number=True))
        rows.append(tuple(row))
    return Table(chart.title, tuple(head), tuple(rows))


def _n(value: float) -> str:
    """A coordinate, short: "12", "12.5"."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _series(chart: Chart) -> dict[str, Series]:
    return {s.key: s for s in chart.series}


def _pattern_id(chart: Chart, series: Series) -> str:
    return f"{chart.key}-pattern-{series.mark}"


def _patterns(root: ET.Element, chart: Chart) -> None:
    """One ``<pattern>`` per patterned series, classed by series so style.css can colour its
    lines."""
    patterned = [s for s in chart.series if s.pattern]
    if not patterned:
        return
    defs = ET.SubElement(root, "defs")
    for series in patterned:
        pattern = ET.SubElement(
            defs,
            "pattern",
            {
                "id": _pattern_id(chart, series),
                "class": f"pattern-{series.mark}",
                "width": "6",
                "height": "6",
                "patternUnits": "userSpaceOnUse",
            },
        )
        if series.pattern == 2:
            ET.SubElement(pattern, "circle", {"cx": "3", "cy": "3", "r": "1.3", "class": "dot"})
        else:
            ET.SubElement(pattern, "path", {"d": _HATCHES[series.pattern], "class": "hatch"})


# The lines each pattern draws in its 6 × 6 tile (2 is dots): diagonal, horizontal,
# crossed, vertical, the other diagonal, a grid. Diagonals overshoot the tile so that
# neighbouring tiles join without gaps.
_HATCHES = {
    1: "M-1,1 L1,-1 M0,6 L6,0 M5,7 L7,5",
    3: "M0,3 H6",
    4: "M-1,1 L1,-1 M0,6 L6,0 M5,7 L7,5 M-1,5 L1,7 M0,0 L6,6 M5,-1 L7,1",
    5: "M3,0 V6",
    6: "M-1,5 L1,7 M0,0 L6,6 M5,-1 L7,1",
    7: "M0,3 H6 M3,0 V6",
}


def _swatch(parent: ET.Element, chart: Chart, series: Series, box: tuple[float, ...]) -> None:
    x, y, width, height = (_n(v) for v in box)
    ET.SubElement(
        parent,
        "rect",
        {"x": x, "y": y, "width": width, "height": height, "class": f"bar series-{series.mark}"},
    )
    if series.pattern:
        ET.SubElement(
            parent,
            "rect",
            {
                "x": x,
                "y": y,
                "width": width,
                "height": height,
                "class": "pattern",
                "fill": f"url(#{_pattern_id(chart, series)})",
            },
        )


def _legend(root: ET.Element, chart: Chart) -> float:
    """The series' looks and names, left to right, wrapping; returns where the plot starts."""
    group = ET.SubElement(root, "g", {"class": "legend"})
    x, y = PAD, PAD
    for series in chart.series:
        width = 18 + len(series.name) * CHARACTER
        if x > PAD and x + width > WIDTH - PAD:
            x, y = PAD, y + LINE + 4
        _swatch(group, chart, series, (x, y + 2, 12, 12))
        text = ET.SubElement(group, "text", {"x": _n(x + 17), "y": _n(y + 12)})
        text.text = series.name
        x += width + 14
    return y + LINE + 12


def _mark(
    parent: ET.Element,
    chart: Chart,
    series: Series,
    box: tuple[float, float, float, float],
    title: str,
    href: str | None,
) -> None:
    """One bar or segment: a link (when it leads somewhere) with a title, its fill and pattern."""
    target = ET.SubElement(parent, "a", {"href": href}) if href else ET.SubElement(parent, "g")
    ET.SubElement(target, "title").text = title
    _swatch(target, chart, series, box)


def _category(
    parent: ET.Element, bar: Bar, lines: list[str], x: float, y: float, anchor: str
) -> ET.Element:
    """A bar's label, one ``<tspan>`` a line, linked to what the bar is about."""
    target = ET.SubElement(parent, "a", {"href": bar.href}) if bar.href else parent
    text = ET.SubElement(
        target, "text", {"x": _n(x), "y": _n(y), "class": "category", "text-anchor": anchor}
    )
    for index, line in enumerate(lines):
        span = ET.SubElement(text, "tspan", {"x": _n(x), "dy": "0" if index == 0 else str(LINE)})
        span.text = line
    return text


def _title(bar: Bar, series: Series, value: int, chart: Chart, lang: str) -> str:
    what = f"{bar.label} ({bar.sublabel})" if bar.sublabel else bar.label
    colon = "\u00a0: " if lang == "fr" else ": "
    return f"{what} — {series.name}{colon}{counted(value, chart.unit, lang)}"


def _axis_title(root: ET.Element, chart: Chart, x: float, y: float) -> None:
    text = ET.SubElement(root, "text", {"x": _n(x), "y": _n(y), "class": "axis-title"})
    text.text = chart.unit[1]


def _maximum(chart: Chart) -> int:
    if chart.grouped:
        return max((s.value for bar in chart.bars for s in bar.segments), default=0)
    return max((bar.total for bar in chart.bars), default=0)


def _horizontal(root: ET.Element, chart: Chart, lang: str, top: float) -> float:
    """Bars from left to right, each under its label; returns the drawing's height."""
    series = _series(chart)
    scale = ticks(_maximum(chart))
    left, right = PAD, WIDTH - PAD - VALUE_ROOM
    unit = (right - left) / scale[-1]
    _axis_title(root, chart, left, top + 12)
    axis = ET.SubElement(root, "g", {"class": "axis"})
    y = top + LINE + 14
    for index, tick in enumerate(scale):
        anchor = "start" if index == 0 else "middle"
        label = ET.SubElement(
            axis, "text", {"x": _n(left + tick * unit), "y": _n(y), "text-anchor": anchor}
        )
        label.text = short_number(tick, lang)
    grid = ET.SubElement(root, "g", {"class": "grid"})
    plot_top = y + 6
    y = plot_top + 6
    bars = ET.SubElement(root, "g", {"class": "bars"})
    for bar in chart.bars:
        row = ET.SubElement(bars, "g", {"class": "row"})
        lines = wrap(bar.label, WIDTH - 2 * PAD)
        _category(row, bar, lines, left, y + 11, "start")
        y += len(lines) * LINE
        if bar.sublabel:
            sub = ET.SubElement(row, "text", {"x": _n(left), "y": _n(y + 11), "class": "sublabel"})
            sub.text = bar.sublabel
            y += LINE
        y += 2
        if chart.grouped:
            for one in chart.series:
                segment = bar.value_of(one.key)
                if segment is not None:
                    width = max(segment.value * unit, 1.5 if segment.value else 0)
                    box = (left, y, width, GROUPED_LANE)
                    _mark(
                        row,
                        chart,
                        one,
                        box,
                        _title(bar, one, segment.value, chart, lang),
                        segment.href,
                    )
                    _value(row, short_number(segment.value, lang), left + width + 4, y + 9)
                elif bar.note:
                    note = ET.SubElement(
                        row, "text", {"x": _n(left + 4), "y": _n(y + 9), "class": "note"}
                    )
                    note.text = f"{one.name}{' : ' if lang == 'fr' else ': '}{bar.note}"
                y += GROUPED_LANE + 2
            y += ROW_GAP - 2
            continue
        x = left
        for segment in bar.segments:
            if not segment.value:
                continue
            width = max(segment.value * unit, 1.5)
            one = series[segment.series]
            title = _title(bar, one, segment.value, chart, lang)
            _mark(row, chart, one, (x, y, width, LANE), title, segment.href)
            x += width
        _value(row, short_number(bar.total, lang), x + 4, y + 11)
        y += LANE + ROW_GAP
    bottom = y - ROW_GAP + 4
    for tick in scale:
        x = _n(left + tick * unit)
        ET.SubElement(grid, "line", {"x1": x, "x2": x, "y1": _n(plot_top), "y2": _n(bottom)})
    return bottom + PAD


def _value(parent: ET.Element, text: str, x: float, y: float) -> None:
    label = ET.SubElement(parent, "text", {"x": _n(x), "y": _n(y), "class": "value"})
    label.text = text


def _vertical(root: ET.Element, chart: Chart, lang: str, top: float) -> float:
    """Columns from a common baseline, labels below; returns the drawing's height."""
    series = _series(chart)
    scale = ticks(_maximum(chart), 4)
    left, right = LEFT_AXIS, WIDTH - PAD
    _axis_title(root, chart, PAD, top + 12)
    plot_top = top + LINE + 12
    baseline = plot_top + PLOT_HEIGHT
    unit = PLOT_HEIGHT / scale[-1]
    grid = ET.SubElement(root, "g", {"class": "grid"})
    axis = ET.SubElement(root, "g", {"class": "axis"})
    for tick in scale:
        y = baseline - tick * unit
        ET.SubElement(grid, "line", {"x1": _n(left), "x2": _n(right), "y1": _n(y), "y2": _n(y)})
        label = ET.SubElement(
            axis, "text", {"x": _n(left - 6), "y": _n(y + 4), "text-anchor": "end"}
        )
        label.text = short_number(tick, lang)
    band = (right - left) / max(1, len(chart.bars))
    column = min(band * 0.6, 96)
    bars = ET.SubElement(root, "g", {"class": "bars"})
    deepest = baseline
    for index, bar in enumerate(chart.bars):
        row = ET.SubElement(bars, "g", {"class": "row"})
        middle = left + band * (index + 0.5)
        x = middle - column / 2
        if chart.grouped:
            lane = column / len(chart.series)
            for position, one in enumerate(chart.series):
                segment = bar.value_of(one.key)
                lane_x = x + position * lane
                if segment is None:
                    if bar.note:
                        note = ET.SubElement(
                            row,
                            "text",
                            {
                                "x": _n(lane_x + lane / 2),
                                "y": _n(baseline - 6),
                                "class": "note",
                                "text-anchor": "middle",
                            },
                        )
                        note.text = "?"
                    continue
                height = max(segment.value * unit, 1.5 if segment.value else 0)
                box = (lane_x + 1, baseline - height, lane - 2, height)
                _mark(
                    row, chart, one, box, _title(bar, one, segment.value, chart, lang), segment.href
                )
                _centred_value(
                    row, short_number(segment.value, lang), lane_x + lane / 2, baseline - height - 4
                )
        else:
            y = baseline
            for segment in bar.segments:
                if not segment.value:
                    continue
                height = max(segment.value * unit, 1.5)
                y -= height
                one = series[segment.series]
                title = _title(bar, one, segment.value, chart, lang)
                _mark(row, chart, one, (x, y, column, height), title, segment.href)
            _centred_value(row, short_number(bar.total, lang), middle, y - 4)
        lines = wrap(bar.label, band - 4)
        _category(row, bar, lines, middle, baseline + LINE + 2, "middle")
        deepest = max(deepest, baseline + len(lines) * LINE + 6)
    ET.SubElement(
        root,
        "line",
        {
            "x1": _n(left),
            "x2": _n(right),
            "y1": _n(baseline),
            "y2": _n(baseline),
            "class": "baseline",
        },
    )
    return deepest + PAD


def _centred_value(parent: ET.Element, text: str, x: float, y: float) -> None:
    label = ET.SubElement(
        parent, "text", {"x": _n(x), "y": _n(y), "class": "value", "text-anchor": "middle"}
    )
    label.text = text


__all__ = [
    "Bar",
    "Cell",
    "Chart",
    "Figure",
    "Reference",
    "Segment",
    "Series",
    "Table",
    "counted",
    "figure",
    "number",
    "short_number",
    "svg",
    "table",
    "ticks",
    "wrap",
]

"""A timeline as inline SVG: time runs down a year axis, each event a marker with its label.

Drawn on the server, so that it shows without JavaScript, works offline and obeys the pages'
Content-Security-Policy (``style-src 'self'``: no inline style, every colour is a class of
``static/style.css``). Time runs downwards because a phone is taller than wide: the picture
keeps its text readable at 390 CSS pixels.

Each marker sits on the axis at its date, drawn as a band over the month or year when the
source gives no day; its label is set beside it, pushed down when events crowd, and joined to
it by a leader line. A marker is a link (keyboard focusable, named by its ``<title>``) to the
event's page; its date line carries the sources as numbered links to the page's list of
sources. When sources disagree on the date, every date is drawn (the others hollow, joined to
the first by a dashed line) and written side by side. Lanes beside the axis can show spans,
such as the years a label kind was awarded.

The module knows nothing of the graph or of languages: it draws what it is given, already
worded, and ElementTree writes it, so the SVG is well-formed and every text escaped.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

SVG = "http://www.w3.org/2000/svg"
WIDTH = 380  # viewBox units; the page scales the picture to its column
AXIS_X = 52
LINE = 16  # one line of text
GAP = 6  # between two labels
TOP = 14
BOTTOM = 12
LANE = 10  # width of one span lane
MIN_YEAR = 44  # the least height one year is drawn
MAX_YEAR = 140
CHAR = 7.6  # mean advance of a character at 13px (DejaVu Sans is wide), to wrap labels
MAX_CITES = 5  # footnotes drawn per date; the list beside the picture gives them all


@dataclass(frozen=True)
class Footnote:
    """A source cited for a date: its number and where the page lists it."""

    number: int
    href: str
    title: str


@dataclass(frozen=True)
class Point:
    """One date of an event, as a reader reads it, and the sources that give it."""

    first_day: date
    last_day: date
    text: str
    footnotes: tuple[Footnote, ...] = ()


# A line of a label: plain text, or runs of (text, class) drawn one after the other (counts
# coloured like the lanes they count).
Line = str | tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Marker:
    """One event: where it links, what it is called, its dates (more than one when the
    sources disagree, the one it is placed at first)."""

    href: str | None
    title: str
    lines: tuple[Line, ...]
    points: tuple[Point, ...]
    style: str = "award"  # a class suffix: award, renewal, lineage, round
    current: bool = False


@dataclass(frozen=True)
class Span:
    """A stretch of time drawn as a lane beside the axis (a label kind's years)."""

    title: str
    href: str | None
    first_day: date
    last_day: date
    lane: int


@dataclass
class _Layout:
    first_year: int
    last_year: int
    per_year: float
    label_x: float
    chars: int
    tops: list[float] = field(default_factory=list)

    def y(self, day: date) -> float:
        start = date(self.first_year, 1, 1).toordinal()
        return TOP + (day.toordinal() - start) / 365.25 * self.per_year

    def at(self, point: Point) -> float:
        """Where a date is drawn: its first possible day, as it is ordered (a month or a year
        then shows as a band running down from there)."""
        return self.y(point.first_day)

    @property
    def axis_end(self) -> float:
        return self.y(date(self.last_year + 1, 1, 1))


def render(
    markers: Sequence[Marker],
    *,
    labelled_by: str,
    years: tuple[int, int] | None = None,
    spans: Sequence[Span] = (),
    disagree: str = "≠",
) -> Markup:
    """The SVG of ``markers`` (in the order they are listed, which should be their date
    order), named by the element ``labelled_by``, over ``years`` (inclusive; by default those
    of the markers), with ``spans`` in lanes beside the axis."""
    points = [p for m in markers for p in m.points] + [
        p for s in spans for p in (Point(s.first_day, s.last_day, ""),)
    ]
    if years is None:
        if not points:
            return Markup("")
        years = (min(p.first_day.year for p in points), max(p.last_day.year for p in points))
    first_year, last_year = years
    lanes = max((s.lane + 1 for s in spans), default=0)
    label_x = AXIS_X + 16 + lanes * LANE + (8 if lanes else 0)
    chars = int((WIDTH - label_x - 6) / CHAR)
    wrapped = [_wrap(m.lines, chars) for m in markers]
    needed = sum(LINE * (1 + len(lines)) + GAP for lines in wrapped)
    per_year = min(MAX_YEAR, max(MIN_YEAR, needed / (last_year - first_year + 1)))
    layout = _Layout(first_year, last_year, per_year, label_x, chars)

    bottom = TOP
    for marker, lines in zip(markers, wrapped, strict=True):
        at = layout.at(marker.points[0]) if marker.points else bottom
        top = max(at - LINE * 0.75, bottom)
        layout.tops.append(top)
        bottom = top + LINE * (1 + len(lines)) + GAP
    height = max(bottom, layout.axis_end) + BOTTOM

    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG,
            "viewBox": f"0 0 {WIDTH} {_n(height)}",
            "width": str(WIDTH),
            "height": _n(height),
            "class": "timeline-picture",
            "aria-labelledby": labelled_by,
        },
    )
    _axis(svg, layout)
    for span in spans:
        _span(svg, layout, span)
    for marker, lines, top in zip(markers, wrapped, layout.tops, strict=True):
        _marker(svg, layout, marker, lines, top, disagree)
    return Markup(ET.tostring(svg, encoding="unicode", short_empty_elements=True))


def _n(value: float) -> str:
    """A coordinate, short: SVG needs no more than a tenth of a unit here."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _wrap(lines: tuple[Line, ...], chars: int) -> list[tuple[Line, bool]]:
    """Each text line in at most two lines of ``chars``, the rest cut with an ellipsis (the
    marker's title and the list beside the picture give it whole); runs stay one line. Each
    drawn line says whether it belongs to the first line given, the event's name."""
    wrapped: list[tuple[Line, bool]] = []
    for index, line in enumerate(lines):
        if not isinstance(line, str):
            wrapped.append((line, index == 0))
            continue
        parts = textwrap.wrap(line, chars) or [""]
        if len(parts) > 2:
            parts = [parts[0], textwrap.shorten(" ".join(parts[1:]), chars, placeholder=" …")]
        wrapped.extend((part, index == 0) for part in parts)
    return wrapped


def _axis(svg: ET.Element, layout: _Layout) -> None:
    axis = ET.SubElement(svg, "g", {"class": "tl-axis", "aria-hidden": "true"})
    ET.SubElement(
        axis,
        "line",
        {"x1": str(AXIS_X), "x2": str(AXIS_X), "y1": _n(TOP), "y2": _n(layout.axis_end)},
    )
    for year in range(layout.first_year, layout.last_year + 2):
        y = layout.y(date(year, 1, 1))
        ET.SubElement(
            axis, "line", {"x1": str(AXIS_X - 5), "x2": str(AXIS_X), "y1": _n(y), "y2": _n(y)}
        )
        if year <= layout.last_year:  # written beside the year it names, between its ticks
            middle = (y + layout.y(date(year + 1, 1, 1))) / 2
            label = ET.SubElement(
                axis, "text", {"x": str(AXIS_X - 9), "y": _n(middle + 4), "text-anchor": "end"}
            )
            label.text = str(year)


def _span(svg: ET.Element, layout: _Layout, span: Span) -> None:
    parent = svg
    if span.href:
        parent = ET.SubElement(svg, "a", {"href": span.href, "class": "tl-span-link"})
    group = ET.SubElement(parent, "g", {"class": f"tl-span tl-lane-{span.lane}"})
    ET.SubElement(group, "title").text = span.title
    top = layout.y(span.first_day)
    ET.SubElement(
        group,
        "rect",
        {
            "x": str(AXIS_X + 12 + span.lane * LANE),
            "y": _n(top),
            "width": str(LANE - 3),
            "height": _n(max(layout.y(span.last_day) - top, 3)),
            "rx": "2",
        },
    )


def _marker(
    svg: ET.Element,
    layout: _Layout,
    marker: Marker,
    lines: list[tuple[Line, bool]],
    top: float,
    disagree: str,
) -> None:
    classes = f"tl-event tl-{marker.style}"
    if len(marker.points) > 1:
        classes += " tl-disagreeing"
    if marker.current:
        classes += " tl-current"
    group = ET.SubElement(svg, "g", {"class": classes})
    first = marker.points[0] if marker.points else None
    at = layout.at(first) if first else top + LINE * 0.75
    for point in marker.points:
        _band(group, layout, point)
    for point in marker.points[1:]:  # the other dates sources give, joined to the first
        y = layout.at(point)
        ET.SubElement(
            group,
            "line",
            {
                "class": "tl-dispute",
                "x1": str(AXIS_X + 7),
                "x2": str(AXIS_X + 7),
                "y1": _n(at),
                "y2": _n(y),
            },
        )
        other = ET.SubElement(
            group,
            "circle",
            {"class": "tl-point tl-other", "cx": str(AXIS_X), "cy": _n(y), "r": "4"},
        )
        ET.SubElement(other, "title").text = f"{point.text} ({disagree})"

    link_attributes = {"class": "tl-link"}
    if marker.href:
        link_attributes["href"] = marker.href
    if marker.current:
        link_attributes["aria-current"] = "page"
    link = ET.SubElement(group, "a", link_attributes)
    ET.SubElement(link, "title").text = marker.title
    label_y = top + LINE * 0.75
    ET.SubElement(
        link,
        "path",
        {
            "class": "tl-leader",
            "d": f"M{AXIS_X} {_n(at)}H{AXIS_X + 10}L{_n(layout.label_x - 4)} {_n(label_y)}",
        },
    )
    ET.SubElement(link, "circle", {"class": "tl-point", "cx": str(AXIS_X), "cy": _n(at), "r": "5"})
    label = ET.SubElement(link, "text", {"class": "tl-label"})
    for index, (line, is_name) in enumerate(lines):
        span = ET.SubElement(
            label,
            "tspan",
            {
                "x": _n(layout.label_x),
                "y": _n(label_y + LINE * (index + 1)),
                "class": "tl-title" if is_name else "tl-detail",
            },
        )
        if isinstance(line, str):
            span.text = line
        else:
            for text, css in line:
                ET.SubElement(span, "tspan", {"class": css}).text = text

    dates = ET.SubElement(
        group, "text", {"class": "tl-date", "x": _n(layout.label_x), "y": _n(label_y)}
    )
    # Every date on the line; as many of its footnotes as the width leaves room for.
    room = layout.chars - sum(len(p.text) + 3 for p in marker.points)
    for index, point in enumerate(marker.points):
        if index:
            ET.SubElement(dates, "tspan", {"class": "tl-neq"}).text = f" {disagree} "
        ET.SubElement(dates, "tspan").text = point.text
        shown = 0
        for footnote in point.footnotes[:MAX_CITES]:
            text = f" [{footnote.number}]"
            if len(text) > room - 2:
                break
            room -= len(text)
            shown += 1
            cite = ET.SubElement(dates, "a", {"href": footnote.href, "class": "tl-cite"})
            ET.SubElement(cite, "title").text = footnote.title
            ET.SubElement(cite, "tspan").text = text
        if shown < len(point.footnotes):
            ET.SubElement(dates, "tspan").text = " …"
            room -= 2


def _band(group: ET.Element, layout: _Layout, point: Point) -> None:
    """The month or year a date without a day can mean, drawn along the axis."""
    top = layout.y(point.first_day)
    height = layout.y(date.fromordinal(point.last_day.toordinal() + 1)) - top
    if height > 3:
        ET.SubElement(
            group,
            "rect",
            {
                "class": "tl-band",
                "x": str(AXIS_X - 3),
                "y": _n(top),
                "width": "6",
                "height": _n(height),
            },
        )

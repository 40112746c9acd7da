"""The map pages (``/map``, ``/map/world``) and the bare base maps (``/map/shapes/…``).

``/map`` draws France by département or by région (``level=``), ``/map/world`` the countries
of the international communities and French Tech Hubs; ``round=`` picks the year whose rounds
colour the map. Both are HTML pages in French or English, with the map as inline SVG, a legend
and a table of the same facts: readable without JavaScript, and cached like every page (by
data version, ``server.caching``). The base maps are plain SVG documents for other views (the
query editor's map): one ``<path>`` per territory with its code in ``data-code``.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, render_template, request, url_for

from server.errors import BadRequest, NotFound
from server.maps import facts as map_facts
from server.maps import render
from server.maps.facts import DEPARTEMENT, REGION, WORLD, Level
from server.maps.shapes import MAPS, base_maps
from server.presentation import link_for, reader_language
from server.web import knowledge_store

bp = Blueprint("maps", __name__)

FRANCE_LEVELS = (DEPARTEMENT, REGION)
YEAR = re.compile(r"[0-9]{4}")
SVG_TYPE = "image/svg+xml; charset=utf-8"
VIEW_NAMES = {
    "fr": {
        "departement": "Départements",
        "region": "Régions",
        "world": "Monde : communautés internationales",
    },
    "en": {
        "departement": "Départements",
        "region": "Régions",
        "world": "World: international communities",
    },
}
HEADINGS = {
    "fr": {
        "departement": "Les labels French Tech par département, vagues de {year}",
        "region": "Les labels French Tech par région, vagues de {year}",
        "world": "La French Tech dans le monde, vagues de {year}",
    },
    "en": {
        "departement": "French Tech labels by département, {year} rounds",
        "region": "French Tech labels by région, {year} rounds",
        "world": "French Tech abroad, {year} rounds",
    },
}
SHAPES_LEVEL = {"france-departements": DEPARTEMENT, "france-regions": REGION, "world": WORLD}


@bp.get("/map")
def france() -> str:
    """France by département (default) or région, coloured by the labels of one year's rounds."""
    asked = request.args.get("level", DEPARTEMENT.name)
    level = next((lv for lv in FRANCE_LEVELS if lv.name == asked), None)
    if level is None:
        raise BadRequest(
            f"level={asked!r} is not a level of the map of France: use level=departement or "
            f"level=region (the international communities are on {url_for('maps.world')})"
        )
    return _page(level)


@bp.get("/map/world")
def world() -> str:
    """The countries of the international communities and hubs, coloured like France."""
    return _page(WORLD)


@bp.get("/map/shapes/<name>.svg")
def shapes(name: str) -> Response:
    """A base map as a plain SVG document: one ``<path data-code="…">`` with a ``<title>``
    per territory (INSEE codes for France, ISO 3166-1 alpha-2 for countries)."""
    if name not in MAPS:
        raise NotFound(
            f"no base map {name!r}: the base maps are "
            + ", ".join(url_for("maps.shapes", name=m) for m in MAPS)
        )
    base = base_maps()[name]
    lang = reader_language()
    level = SHAPES_LEVEL[name]
    body = render_template(
        "map_shapes.svg",
        base=base,
        shapes=render.named_shapes(map_facts.facts(knowledge_store()), level, base, lang),
        view_box=" ".join(f"{v:g}" for v in base.view_box),
        lang=lang,
    )
    return Response(body, content_type=SVG_TYPE)


def _page(level: Level) -> str:
    store = knowledge_store()
    lang = reader_language()
    found = map_facts.facts(store)
    years = found.years(level)
    year = request.args.get("round")
    if year is None:
        year = found.default_year(level)
        if year is None:
            raise NotFound("no label round has an award to draw on this map yet")
    elif not YEAR.fullmatch(year):
        raise BadRequest(
            f"round={year!r} is not a year: give the year of the rounds to draw, one of "
            + ", ".join(years)
        )
    elif year not in years:
        raise NotFound(
            f"no label round of {year} has an award on this map: the years with rounds are "
            + ", ".join(years)
        )
    base = base_maps()[level.shapes]

    def link(iri: str) -> str | None:
        return link_for(iri, store.base_uri).href

    drawing = render.draw(found, level, base, year, lang, link)
    # Links keep the language only when the reader chose it in the address.
    chosen = lang if request.args.get("lang") == lang else None
    rounds_links = [(y, _address(level, y, chosen), y == year) for y in years]
    views = [
        (lv, _address(lv, year if year in found.years(lv) else None, chosen), lv == level)
        for lv in (*FRANCE_LEVELS, WORLD)
    ]
    return render_template(
        "map.html",
        heading=HEADINGS[lang][level.name].format(year=year),
        view_names=VIEW_NAMES[lang],
        level=level,
        year=year,
        drawing=drawing,
        rounds=[(r, found.name(r, lang), link(r)) for r in found.rounds_of(level, year)],
        round_links=rounds_links,
        views=views,
        elsewhere=_elsewhere(found, level, year, chosen),
        lang=lang,
    )


def _address(level: Level, year: str | None, lang: str | None) -> str:
    if level is WORLD:
        return url_for("maps.world", round=year, lang=lang)
    return url_for("maps.france", level=level.name, round=year, lang=lang)


def _elsewhere(
    found: map_facts.Facts, level: Level, year: str, lang: str | None
) -> tuple[int, str | None]:
    """How many awards of the same year the other map (France or the world) shows, and its
    address when it has that year."""
    other = DEPARTEMENT if level.abroad else WORLD
    count = sum(1 for a in found.on_level(other) if a.year == year)
    return count, (_address(other, year, lang) if count else None)


__all__ = ["bp"]

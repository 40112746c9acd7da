"""The maps (/map, /map/world): every territory drawn and linked, coloured as the store says,
the same facts in a table, readable without script or inline style, in French and English; and
the bare base maps other views draw on (/map/shapes/…)."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE, PROJECT_ROOT

from server.maps import generate
from server.pipeline.errors import BuildError

SVG = "{http://www.w3.org/2000/svg}"
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
PREFIXES = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
CODES = (
    PREFIXES + "SELECT ?type ?code ?territory WHERE { ?territory a ?type ; igeo:codeINSEE ?code }"
)
# Rounds with an award to an ecosystem in France (not located in a country), dated.
FRENCH_ROUNDS = (
    PREFIXES
    + """
SELECT DISTINCT ?round WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:awardee ?e ; ftkg:awardDate ?date .
  FILTER NOT EXISTS { ?e ftkg:locatedIn/a schema:Country }
}"""
)
# The label kinds (French names) each département's ecosystems were awarded in a round: an
# ecosystem lies where it covers a territory (the territory's département, or an EPCI's
# members' ones), or in every département of a région it covers when it covers nothing finer.
KINDS_BY_DEPARTEMENT = (
    PREFIXES
    + """
SELECT DISTINCT ?round ?code ?kindName WHERE {
  ?award ftkg:inRound ?round ; ftkg:labelKind ?kind ; ftkg:awardee ?e .
  ?kind skos:prefLabel ?kindName FILTER(LANG(?kindName) = "fr")
  { ?e ftkg:coversTerritory/igeo:subdivisionDe? ?d }
  UNION
  { ?e ftkg:coversTerritory ?epci . ?epci a igeo:Intercommunalite .
    ?m igeo:subdivisionDirecteDe ?epci ; igeo:subdivisionDe ?d }
  UNION
  { ?e ftkg:coversTerritory ?r . ?r a igeo:Region . ?d igeo:subdivisionDirecteDe ?r .
    FILTER NOT EXISTS {
      ?e ftkg:coversTerritory/a ?ft
      FILTER(?ft IN (igeo:Departement, igeo:Commune, igeo:Intercommunalite))
    } }
  ?d a igeo:Departement ; igeo:codeINSEE ?code .
}"""
)
# The same by région: an ecosystem lies in a région it covers or is located in, or that holds
# a territory it covers.
KINDS_BY_REGION = (
    PREFIXES
    + """
SELECT DISTINCT ?round ?code ?kindName WHERE {
  ?award ftkg:inRound ?round ; ftkg:labelKind ?kind ; ftkg:awardee ?e .
  ?kind skos:prefLabel ?kindName FILTER(LANG(?kindName) = "fr")
  { ?e ftkg:coversTerritory|ftkg:locatedIn ?r }
  UNION { ?e ftkg:coversTerritory/(igeo:subdivisionDe|igeo:subdivisionDirecteDe) ?r }
  UNION { ?e ftkg:coversTerritory ?t . ?t a igeo:Intercommunalite .
          ?m igeo:subdivisionDirecteDe ?t ; igeo:subdivisionDe ?r }
  ?r a igeo:Region ; igeo:codeINSEE ?code .
}"""
)
COUNTRIES_OF_ROUND = (
    PREFIXES
    + """
SELECT DISTINCT ?round ?code WHERE {
  ?award ftkg:inRound ?round ; ftkg:awardee ?e .
  ?e ftkg:locatedIn ?country . ?country a schema:Country ; ftkg:iso3166Alpha2 ?code .
}"""
)
INTERNATIONAL_COUNTRIES = (
    PREFIXES
    + """
SELECT DISTINCT ?code WHERE {
  ?award ftkg:labelKind <id/label-kind/communaute-french-tech-internationale> ; ftkg:awardee ?e .
  ?e ftkg:locatedIn ?country . ?country a schema:Country ; ftkg:iso3166Alpha2 ?code .
}"""
)
COUNTRY_CODES = PREFIXES + "SELECT ?code WHERE { ?c a schema:Country ; ftkg:iso3166Alpha2 ?code }"
KIND_NAMES = (
    PREFIXES
    + """
SELECT ?lang ?kind ?name WHERE { ?kind a ftkg:LabelKind ; skos:prefLabel ?name FILTER(LANG(?name) = ?lang) }"""
)


# --- reading a map page ------------------------------------------------------------------------


class Balance(HTMLParser):
    """Whether every element of a page is closed, in order (void elements excepted)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.errors: list[str] = []
        self.inline_styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(name == "style" for name, _ in attrs) or tag == "style":
            self.inline_styles.append(tag)
        if tag not in VOID_ELEMENTS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if any(name == "style" for name, _ in attrs):
            self.inline_styles.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
        else:
            self.open.pop()


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def main(html: str) -> ET.Element:
    """The page's <main>, parsed as XML: the map's markup is well-formed XML, inline SVG too."""
    return ET.fromstring(html[html.index("<main") : html.index("</main>") + len("</main>")])


def drawn(html: str) -> dict[str, ET.Element]:
    """The map's shapes (SVG links) by territory code."""
    svg = main(html).find(f".//{SVG}svg[@class='map-svg']")
    assert svg is not None
    shapes = svg.findall(f".//{SVG}a")
    codes = [a.get("data-code") for a in shapes]
    assert len(codes) == len(set(codes)), "a territory drawn twice"
    return {a.get("data-code"): a for a in shapes}


def legend(html: str) -> dict[str, str]:
    """Colour class -> the label kind it stands for."""
    found = {}
    for item in main(html).iter("li"):
        rect = item.find(f".//{SVG}rect")
        if rect is not None and rect.get("class", "").startswith("map-kind-"):
            found[rect.get("class")] = "".join(item.itertext()).rsplit("(", 1)[0].strip()
    return found


def kinds_drawn(html: str) -> dict[str, set[str]]:
    """The label kinds each coloured shape shows, read back through the legend."""
    names = legend(html)
    found = {}
    for code, shape in drawn(html).items():
        classes = shape.get("class", "").split()
        slots = [c for c in classes if c.startswith("map-kind-")]
        if "map-several" in classes:
            pattern = re.fullmatch(r"url\(#map-mix-([0-9-]+)\)", shape.get("fill", ""))
            assert pattern, shape.attrib
            slots = [f"map-kind-{n}" for n in pattern.group(1).split("-")]
        if slots:
            found[code] = {names[slot] for slot in slots}
    return found


def table(html: str) -> dict[str, list[dict[str, object]]]:
    """The table's rows by territory code: ecosystem, label kind, round and sources."""
    found: dict[str, list[dict[str, object]]] = {}
    for body in main(html).iter("tbody"):
        code = body.get("data-code")
        if code is None:
            continue
        rows = []
        for row in body.iter("tr"):
            cells = row.findall("td")
            rows.append(
                {
                    "ecosystem": cells[0].find("a").get("href"),
                    "kind": "".join(cells[1].itertext()).strip(),
                    "round": cells[2].find("a").get("href"),
                    "sources": [a.get("href") for a in cells[3].iter("a")],
                }
            )
        found[code] = rows
    return found


def rounds_listed(html: str) -> set[str]:
    """The rounds the page says it draws, as IRIs."""
    paragraph = next(p for p in main(html).iter("p") if p.get("class") == "map-rounds")
    return {BASE + "id/" + a.get("href").removeprefix("/page/") for a in paragraph.iter("a")}


def year_links(html: str) -> dict[str, str]:
    """The round selector: year -> its address."""
    nav = next(n for n in main(html).iter("nav") if "map-nav" in n.get("class", ""))
    spans = nav.findall("span")
    return {a.text: a.get("href") for a in spans[1].iter("a")}


def territory_codes(knowledge_store, type_iri: str) -> dict[str, str]:
    rows = knowledge_store.select(CODES, type=ox.NamedNode(type_iri))
    return {r["code"].value: r["territory"].value for r in rows}


def page_of(iri: str) -> str:
    return "/page/" + iri.removeprefix(BASE + "id/")


# --- every territory, drawn and linked ---------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "type_iri", "count"),
    [
        ("departement", "http://rdf.insee.fr/def/geo#Departement", 101),
        ("region", "http://rdf.insee.fr/def/geo#Region", 18),
    ],
)
def test_every_territory_of_the_level_is_drawn_once_and_links_to_its_page(
    client, knowledge_store, level, type_iri, count
):
    territories = territory_codes(knowledge_store, type_iri)
    shapes = drawn(page(client, f"/map?level={level}"))
    assert len(territories) == count
    assert set(shapes) == set(territories)
    for code, shape in shapes.items():
        assert shape.get("href") == page_of(territories[code])
        assert shape.find(f"{SVG}title").text.startswith(
            knowledge_store.select(
                PREFIXES
                + "SELECT ?t ?n WHERE { ?t <http://www.w3.org/2000/01/rdf-schema#label> ?n "
                "FILTER(LANG(?n) = 'fr') }",
                t=ox.NamedNode(territories[code]),
            )[0]["n"].value
        )


def test_the_overseas_departements_are_drawn_in_insets_named_after_them(client):
    html = page(client, "/map?lang=fr")
    captions = [
        t.text for t in main(html).iter(f"{SVG}text") if t.get("class") == "map-inset-caption"
    ]
    assert captions == ["Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]
    assert {"971", "972", "973", "974", "976"} <= set(drawn(html))


# --- the rounds --------------------------------------------------------------------------------


def test_the_round_selector_lists_every_round_of_france_under_exactly_one_year(
    client, knowledge_store
):
    expected = {r["round"].value for r in knowledge_store.select(FRENCH_ROUNDS)}
    html = page(client, "/map")
    seen: list[str] = []
    for year, href in year_links(html).items():
        assert re.fullmatch(r"[0-9]{4}", year)
        assert f"round={year}" in href
        seen += sorted(rounds_listed(page(client, href)))
    assert sorted(seen) == sorted(expected)


def test_the_chosen_round_is_marked_current_in_the_selector(client):
    html = page(client, "/map?round=2015")
    nav = next(n for n in main(html).iter("nav") if "map-nav" in n.get("class", ""))
    current = [a.text for a in nav.findall("span")[1].iter("a") if a.get("aria-current")]
    assert current == ["2015"]


# --- colours and table, against the store -------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "query"), [("departement", KINDS_BY_DEPARTEMENT), ("region", KINDS_BY_REGION)]
)
def test_each_shape_is_coloured_by_the_kinds_its_ecosystems_were_awarded_in_the_year(
    client, knowledge_store, level, query
):
    kinds: dict[str, dict[str, set[str]]] = {}
    for row in knowledge_store.select(query):
        by_code = kinds.setdefault(row["round"].value, {})
        by_code.setdefault(row["code"].value, set()).add(row["kindName"].value)
    for year, href in year_links(page(client, f"/map?level={level}&lang=fr")).items():
        html = page(client, href)
        expected: dict[str, set[str]] = {}
        for round_iri in rounds_listed(html):
            for code, names in kinds.get(round_iri, {}).items():
                expected.setdefault(code, set()).update(names)
        assert kinds_drawn(html) == expected, year


def test_a_territory_awarded_several_kinds_is_striped_and_its_title_says_so(client):
    html = page(client, "/map?round=2019&lang=fr")
    several = {c: s for c, s in drawn(html).items() if "map-several" in s.get("class", "")}
    assert several
    for shape in several.values():
        title = shape.find(f"{SVG}title").text
        names = kinds_drawn(html)[shape.get("data-code")]
        assert " et ".join(sorted(names)) in title or all(name in title for name in names)
        assert main(html).find(f".//{SVG}pattern[@id='{shape.get('fill')[5:-1]}']") is not None


def test_the_table_lists_the_same_facts_as_the_map_with_their_sources(client):
    html = page(client, "/map?round=2019&lang=fr")
    rows = table(html)
    colours = kinds_drawn(html)
    assert set(rows) == set(colours)
    for code, awards in rows.items():
        assert {row["kind"] for row in awards} == colours[code]
        for row in awards:
            assert row["ecosystem"].startswith("/page/ecosystem/")
            assert row["round"].startswith("/page/round/")
            assert row["sources"] and all(s.startswith("/page/source/") for s in row["sources"])
    uncoloured = [s for s in drawn(html).values() if "map-none" in s.get("class", "")]
    assert f"les {len(uncoloured)} autres n'en ont reçu aucun" in html


def test_a_source_named_in_the_table_leads_to_its_page(client):
    rows = table(page(client, "/map?round=2014"))
    first = next(iter(rows.values()))[0]
    assert client.get(first["sources"][0]).status_code == 200


def test_awards_tied_to_no_departement_are_listed_apart(client, knowledge_store):
    html = page(client, "/map?round=2019&lang=fr")
    unplaced = next(
        t for t in main(html).iter("table") if t.find("caption").get("id") == "map-unplaced-caption"
    )
    listed = {
        a.get("href")
        for a in unplaced.iter("a")
        if a.get("href", "").startswith("/page/ecosystem/")
    }
    placed = {row["ecosystem"] for rows in table(html).values() for row in rows}
    # Paris-Saclay: the graph gives it no territory at all.
    assert "/page/ecosystem/paris-saclay" in listed
    assert not listed & placed


# --- the world ---------------------------------------------------------------------------------


def test_the_world_map_draws_the_country_of_every_international_community(client, knowledge_store):
    html = page(client, "/map/world")
    shapes = drawn(html)
    for row in knowledge_store.select(INTERNATIONAL_COUNTRIES):
        code = row["code"].value
        assert code in shapes and shapes[code].get("href") == f"/page/country/{code}"


def test_each_world_round_colours_the_countries_of_its_awards(client, knowledge_store):
    for year, href in year_links(page(client, "/map/world")).items():
        html = page(client, href)
        expected = set()
        for round_iri in rounds_listed(html):
            rows = knowledge_store.select(COUNTRIES_OF_ROUND, round=ox.NamedNode(round_iri))
            expected |= {r["code"].value for r in rows}
        coloured = {c for c, s in drawn(html).items() if "map-none" not in s.get("class", "")}
        assert coloured == expected, year


# --- without script, without inline style, well-formed -------------------------------------------


@pytest.mark.parametrize("path", ["/map", "/map?level=region&round=2023", "/map/world?round=2016"])
def test_the_map_pages_are_well_formed_and_need_no_script_nor_inline_style(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    checker = Balance()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.open == []
    assert checker.inline_styles == []
    # The page's only script is the site's search box; the map is in the markup itself.
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/search.js" defer>']
    policy = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy and "style-src 'self'" in policy
    assert len(drawn(html)) > 0


def test_every_colour_class_of_the_map_is_defined_in_the_stylesheet(client):
    css = (PROJECT_ROOT / "server" / "static" / "style.css").read_text()
    html = page(client, "/map?round=2019")
    classes = set(re.findall(r'class="[^"]*\b(map-(?:kind-\d+|none))\b', html))
    assert classes
    for name in classes:
        assert re.search(rf"\.{name} {{ fill: #[0-9a-f]{{6}}; }}", css), name


# --- languages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "heading"), [("fr", "par département"), ("en", "by département")])
def test_the_page_speaks_the_readers_language(client, knowledge_store, lang, heading):
    html = page(client, f"/map?round=2019&lang={lang}")
    assert f'<html lang="{lang}">' in html
    assert heading in main(html).find("h1").text
    names = {r["name"].value for r in knowledge_store.select(KIND_NAMES, lang=ox.Literal(lang))}
    assert set(legend(html).values()) <= names


def test_a_reader_who_prefers_english_gets_english_without_asking(client):
    response = client.get("/map", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "by département" in response.get_data(as_text=True)


# --- errors ------------------------------------------------------------------------------------


def test_a_round_that_is_not_a_year_is_a_bad_request_naming_the_years(client):
    response = client.get("/map?round=spring")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "round='spring' is not a year" in text and "2019" in text


def test_a_year_without_rounds_is_not_found_and_names_the_years_that_have_some(client):
    response = client.get("/map?round=1999")
    assert response.status_code == 404
    assert "no label round of 1999" in response.get_data(as_text=True)


def test_an_unknown_level_is_a_bad_request_that_points_to_the_levels(client):
    response = client.get("/map?level=commune")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "level=departement" in text and "level=region" in text and "/map/world" in text


# --- caching -----------------------------------------------------------------------------------


def test_a_map_page_is_cacheable_and_revalidates_by_version(client):
    first = client.get("/map?round=2019")
    assert "public" in first.headers["Cache-Control"]
    again = client.get("/map?round=2019", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# --- the base maps -----------------------------------------------------------------------------


def svg_document(client, name: str) -> ET.Element:
    response = client.get(f"/map/shapes/{name}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    return ET.fromstring(response.get_data())


@pytest.mark.parametrize(
    ("name", "type_iri"),
    [
        ("france-departements", "http://rdf.insee.fr/def/geo#Departement"),
        ("france-regions", "http://rdf.insee.fr/def/geo#Region"),
    ],
)
def test_a_base_map_of_france_has_one_path_per_territory_keyed_by_insee_code(
    client, knowledge_store, name, type_iri
):
    document = svg_document(client, name)
    paths = document.findall(f".//{SVG}path[@data-code]")
    codes = [p.get("data-code") for p in paths]
    assert sorted(codes) == sorted(territory_codes(knowledge_store, type_iri))
    assert all(p.find(f"{SVG}title").text for p in paths)


def test_the_base_map_of_the_world_keys_each_country_by_its_iso_code(client, knowledge_store):
    document = svg_document(client, "world")
    codes = {p.get("data-code") for p in document.findall(f".//{SVG}path[@data-code]")}
    known = {r["code"].value for r in knowledge_store.select(COUNTRY_CODES)}
    assert codes <= known
    assert {r["code"].value for r in knowledge_store.select(INTERNATIONAL_COUNTRIES)} <= codes
    france = document.find(f".//{SVG}path[@data-code='FR']")
    assert france.find(f"{SVG}title").text == "France"


def test_a_base_map_names_its_territories_in_the_readers_language(client):
    english = client.get("/map/shapes/world.svg?lang=en").get_data(as_text=True)
    french = client.get("/map/shapes/world.svg?lang=fr").get_data(as_text=True)
    assert "<title>Germany</title>" in english and "<title>Allemagne</title>" in french


def test_an_unknown_base_map_is_not_found_and_lists_those_there_are(client):
    response = client.get("/map/shapes/europe.svg")
    assert response.status_code == 404
    assert "/map/shapes/world.svg" in response.get_data(as_text=True)


# --- attribution and navigation ------------------------------------------------------------------


def test_the_page_credits_the_map_packages_and_their_licences(client):
    html = page(client, "/map?lang=en")
    for document in ("france-departements", "france-regions"):
        shapes = json.loads((PROJECT_ROOT / "data" / "maps" / f"{document}.json").read_text())
        for source in shapes["sources"]:
            assert f"{source['package']} {source['version']}" in html
    assert "https://creativecommons.org/licenses/by/4.0/" in html
    assert "MapSVG" in html and "Natural Earth" in html


def test_every_page_links_to_the_map(client):
    assert 'href="/map"' in page(client, "/")


# --- the generator -----------------------------------------------------------------------------


def test_the_committed_shapes_are_what_the_generator_writes_from_the_pins():
    directory = PROJECT_ROOT / "data" / "maps"
    documents = generate.generate(directory / "map-shapes.json")
    for name, document in documents.items():
        assert (directory / f"{name}.json").read_text(encoding="utf-8") == generate.serialise(
            document
        ), f"data/maps/{name}.json is stale: run `ftkg map-shapes`"


def test_the_generator_refuses_a_tarball_that_is_not_the_pinned_one(tmp_path: Path):
    shutil.copytree(PROJECT_ROOT / "data" / "maps", tmp_path / "maps")
    shutil.copytree(PROJECT_ROOT / "data" / "geography", tmp_path / "geography")
    manifest = tmp_path / "maps" / "map-shapes.json"
    pins = json.loads(manifest.read_text())
    tarball = tmp_path / "maps" / pins["packages"]["departements"]["tarball"]
    tarball.write_bytes(tarball.read_bytes() + b"\0")
    with pytest.raises(BuildError, match="integrity mismatch"):
        generate.generate(manifest)

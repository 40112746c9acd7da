"""The label charts of the home page and the round pages: their figures are the store's, their
bars lead where they say, their tables say what they draw, in the reader's language."""

from __future__ import annotations

import html
import itertools
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

from server import security
from server.pictures import charts
from server.pictures import label_figures as figures
from server.pipeline.derive import DERIVATIONS
from server.version.store import KnowledgeStore

SVG = "{http://www.w3.org/2000/svg}"
STYLE = Path(__file__).resolve().parent.parent / "server" / "static" / "style.css"
EN = {"Accept-Language": "en"}
ROUND_2019 = "round/2019-capitales-communautes"
HOME_CHARTS = ("awards-by-round", "awards-by-region", "population-by-kind", "completeness")
ROUND_CHARTS = (
    "round-awards-by-kind",
    "round-awards-by-region",
    "round-population",
    "round-completeness",
)


# --- reading a page's charts -----------------------------------------------------------------


class _Table(HTMLParser):
    """The rows of a table: each cell's text and link."""

    def __init__(self) -> None:
        super().__init__()
        self.head: list[str] = []
        self.rows: list[list[tuple[str, str | None]]] = []
        self._cell: list[str] | None = None
        self._href: str | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell, self._href = [], None
        elif tag == "a" and self._cell is not None:
            self._href = dict(attrs)["href"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            # Only the markup's own spaces are collapsed: a number's narrow no-break spaces stay.
            text = re.sub(r"[ \t\r\n]+", " ", "".join(self._cell)).strip()
            if self._in_head:
                self.head.append(text)
            else:
                self.rows[-1].append((text, self._href))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def figure_of(page: str, key: str) -> str:
    """The markup of the chart ``key`` on ``page``."""
    found = re.search(rf'<figure class="chart" id="{key}".*?</figure>', page, re.S)
    assert found, f"no chart {key} on the page"
    return found.group(0)


def svg_of(figure: str) -> ET.Element:
    """The chart's picture, parsed as XML (it must be well-formed)."""
    return ET.fromstring(re.search(r"<svg.*?</svg>", figure, re.S).group(0))


def table_of(figure: str) -> _Table:
    parser = _Table()
    parser.feed(re.search(r"<table.*?</table>", figure, re.S).group(0))
    return parser


def as_int(text: str) -> int:
    """A number as a page writes it ("1 234", "1,234"), read back."""
    return int(re.sub(r"\D", "", text))


def bars_of(svg: ET.Element) -> list[tuple[str | None, str]]:
    """Every bar of a chart: its link and its title."""
    found = []
    for group in svg.iter():
        if group.tag in (f"{SVG}a", f"{SVG}g") and group.find(f"{SVG}rect") is not None:
            title = group.find(f"{SVG}title")
            if title is not None:
                found.append((group.get("href"), title.text or ""))
    return found


def value_in(title: str) -> int:
    """The figure a bar's title gives: the number before its unit, at the end."""
    return as_int(re.search(r"([\d\u202f\u00a0,.]+) \S+$", title).group(1))


def table_values(table: _Table) -> dict[tuple[str, str], int]:
    """{(row label, column): value} of every number the table gives."""
    found = {}
    for row in table.rows:
        for column, (text, _) in zip(table.head[1:], row[1:], strict=True):
            if re.search(r"\d", text):
                found[row[0][0], column] = as_int(text)
    return found


def select(store: KnowledgeStore, query: str, **bindings: ox.NamedNode) -> list[dict]:
    return store.select(query, **bindings)


# --- the chart module on its own ----------------------------------------------------------------


def test_numbers_are_written_as_the_readers_language_writes_them():
    assert charts.number(1234567, "fr") == "1\u202f234\u202f567"
    assert charts.number(1234567, "en") == "1,234,567"


def test_a_count_takes_the_plural_its_language_gives_it():
    unit = ("attribution", "attributions")
    assert charts.counted(1, unit, "fr") == "1 attribution"
    assert charts.counted(0, unit, "fr") == "0 attribution"
    assert charts.counted(0, ("award", "awards"), "en") == "0 awards"


@pytest.mark.parametrize("maximum", [1, 7, 13, 50, 65, 999, 20_205_188])
def test_ticks_are_round_steps_reaching_the_largest_value(maximum):
    ticks = charts.ticks(maximum)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and ticks[-1] >= maximum > ticks[-2]
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert int(str(step).rstrip("0")) in (1, 2, 5)


def test_a_long_label_wraps_between_words_within_its_width():
    text = "Réseaux thématiques French Tech et confirmation des Métropoles (2016)"
    lines = charts.wrap(text, 300)
    assert len(lines) > 1
    assert all(len(line) * charts.BOLD_CHARACTER <= 300 for line in lines)
    assert " ".join(lines) == text


def test_a_label_too_long_for_its_lines_ends_in_an_ellipsis():
    text = "Réseaux thématiques French Tech et confirmation des Métropoles (2016)"
    lines = charts.wrap(text, 200, lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(len(line) * charts.BOLD_CHARACTER <= 200 for line in lines)


def _chart() -> charts.Chart:
    kinds = (charts.Series("a", "Kind A", "k0"), charts.Series("b", "Kind <B>", "k1", 1))
    bars = (
        charts.Bar("x", "Round X", (charts.Segment("a", 3, "/x/a"), charts.Segment("b", 2)), "/x"),
        charts.Bar("y", "Round Y", (charts.Segment("b", 1234, "/y/b?q=1&r=2"),)),
    )
    return charts.Chart("test", "Awards & rounds", "Round", kinds, bars, ("award", "awards"))


def test_a_chart_is_well_formed_svg_titled_with_a_title_on_every_bar():
    picture = ET.fromstring(str(charts.svg(_chart(), "en")))
    assert picture.find(f"{SVG}title").text == "Awards & rounds"
    assert picture.get("aria-labelledby") == picture.find(f"{SVG}title").get("id")
    assert picture.get("viewBox").startswith("0 0 ")  # scales to any width
    titles = [title for _, title in bars_of(picture)]
    assert titles == [
        "Round X — Kind A: 3 awards",
        "Round X — Kind <B>: 2 awards",
        "Round Y — Kind <B>: 1,234 awards",
    ]


def test_bars_link_where_their_figures_lead_and_bars_without_a_link_are_not_links():
    picture = ET.fromstring(str(charts.svg(_chart(), "en")))
    assert [href for href, _ in bars_of(picture)] == ["/x/a", None, "/y/b?q=1&r=2"]


def test_a_chart_draws_no_inline_style_for_the_pages_policy_forbids_it():
    markup = str(charts.svg(_chart(), "fr"))
    assert "style" not in markup
    assert "style-src 'self'" in security.DEFAULT_PAGE_POLICY


def test_the_table_gives_the_same_figures_as_the_bars_with_the_same_links():
    chart = _chart()
    table = charts.table(chart, "fr")
    assert [c.text for c in table.head] == ["Round", "Kind A", "Kind <B>", "Total"]
    assert [[(c.text, c.href) for c in row] for row in table.rows] == [
        [("Round X", "/x"), ("3", "/x/a"), ("2", None), ("5", None)],
        [("Round Y", None), ("—", None), ("1\u202f234", "/y/b?q=1&r=2"), ("1\u202f234", None)],
    ]


def _contrast(one: str, other: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_series_colour_stands_out_from_the_page_by_three_to_one():
    # WCAG 2.2 §1.4.11 Non-text Contrast: graphical objects need 3:1 against what is beside.
    css = STYLE.read_text(encoding="utf-8")
    background = re.search(r"--bg: (#[0-9a-f]{6})", css).group(1)
    fills = dict(re.findall(r"\.series-(k\d) \{ fill: (#[0-9a-f]{6}); \}", css))
    assert sorted(fills) == [f"k{i}" for i in range(charts.PATTERNS)]
    for mark, colour in fills.items():
        assert _contrast(colour, "#ffffff") >= 3, mark
        assert _contrast(colour, background) >= 3, mark


def test_every_label_kind_has_a_look_of_its_own_colour_and_pattern(knowledge_store, app):
    with app.test_request_context():
        from server.pictures.label_charts import kind_series

        looks = kind_series(figures.label_figures(knowledge_store), "en")
    assert len(looks) <= charts.PATTERNS
    assert len({s.mark for s in looks.values()}) == len(looks)
    assert len({s.pattern for s in looks.values()}) == len(looks)


# --- pinned queries ---------------------------------------------------------------------------


AWARDS_OF_A_ROUND = """
PREFIX ftkg: <ontology#>
SELECT ?round (COUNT(DISTINCT ?award) AS ?n) WHERE { ?award ftkg:inRound ?round }
GROUP BY ?round
"""


def test_a_pinned_query_counts_only_what_it_is_pinned_to(knowledge_store):
    round_iri = knowledge_store.base_uri + "id/" + ROUND_2019
    text = figures.pinned(figures.AWARDS_BY_ROUND_AND_KIND, "http://elsewhere.test/", round=None)
    assert text.startswith("BASE <http://elsewhere.test/>")
    pinned = figures.pinned(
        figures.AWARDS_BY_ROUND_AND_KIND, knowledge_store.base_uri, round=round_iri
    )
    rows = list(knowledge_store.store.query(pinned))
    assert {row["round"].value for row in rows} == {round_iri}
    (expected,) = knowledge_store.select(AWARDS_OF_A_ROUND, round=ox.NamedNode(round_iri))
    assert sum(int(row["awards"].value) for row in rows) == int(expected["n"].value)


def test_a_pinned_value_cannot_break_out_of_its_iri():
    with pytest.raises(ValueError):
        figures.pinned(figures.AWARDS_LISTING, "http://kg.test/", round="x> } DROP ALL #")


# --- counting rules, on a small graph made for them --------------------------------------------

BASE = "http://small.test/"
POPULATION = {"a1": 1000, "a2": 200, "a3": 30, "b1": 4}
# Communes a1, a2 in EPCI e (département A, région r); a3 in A too; b1 in région s.
SMALL_GRAPH = """
@prefix ftkg: <ontology#> .
@prefix igeo: <http://rdf.insee.fr/def/geo#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<id/region/r> a igeo:Region ; rdfs:label "R"@fr .
<id/region/s> a igeo:Region ; rdfs:label "S"@fr .
<id/departement/A> a igeo:Departement ; igeo:subdivisionDirecteDe <id/region/r> .
<id/epci/e> a igeo:Intercommunalite .
<id/commune/a1> a igeo:Commune ; igeo:subdivisionDirecteDe <id/epci/e> ;
    igeo:subdivisionDe <id/departement/A> , <id/region/r> .
<id/commune/a2> a igeo:Commune ; igeo:subdivisionDirecteDe <id/epci/e> ;
    igeo:subdivisionDe <id/departement/A> , <id/region/r> .
<id/commune/a3> a igeo:Commune ; igeo:subdivisionDe <id/departement/A> , <id/region/r> .
<id/commune/b1> a igeo:Commune ; igeo:subdivisionDe <id/region/s> .
<id/round/one> a ftkg:LabelRound ; rdfs:label "One"@en .
<id/round/two> a ftkg:LabelRound ; rdfs:label "Two"@en .
<id/label-kind/k> a ftkg:LabelKind ; rdfs:label "K"@en .
<id/label-kind/l> a ftkg:LabelKind ; rdfs:label "L"@en .
# The same commune reached three ways for kind k: named, through its EPCI, in two rounds.
<id/ecosystem/city> ftkg:coversTerritory <id/commune/a1> .
<id/ecosystem/metro> ftkg:coversTerritory <id/epci/e> .
<id/ecosystem/county> ftkg:coversTerritory <id/departement/A> .
<id/ecosystem/across> ftkg:coversTerritory <id/commune/a3> , <id/commune/b1> .
<id/award/1> a ftkg:LabelAward ; ftkg:labelKind <id/label-kind/k> ; ftkg:inRound <id/round/one> ;
    ftkg:awardee <id/ecosystem/city> .
<id/award/2> a ftkg:LabelAward ; ftkg:labelKind <id/label-kind/k> ; ftkg:inRound <id/round/two> ;
    ftkg:awardee <id/ecosystem/metro> .
<id/award/3> a ftkg:LabelAward ; ftkg:labelKind <id/label-kind/l> ; ftkg:inRound <id/round/two> ;
    ftkg:awardee <id/ecosystem/county> .
<id/award/4> a ftkg:LabelAward ; ftkg:labelKind <id/label-kind/l> ; ftkg:inRound <id/round/two> ;
    ftkg:awardee <id/ecosystem/across> .
"""
COVERS = {  # what each award covers, from the graph above
    ("one", "k"): {"a1"},
    ("two", "k"): {"a1", "a2"},
    ("two", "l"): {"a1", "a2", "a3", "b1"},
}


@pytest.fixture(scope="module")
def small_store() -> KnowledgeStore:
    store = ox.Store()
    figures_ttl = "".join(
        f"<id/figure/{c}> ftkg:figureOf <id/commune/{c}> ; "
        f"ftkg:quantityKind <id/quantity/population-municipale> ; rdf:value {n} ; "
        'ftkg:referenceDate "2023-01-01" .\n'
        for c, n in POPULATION.items()
    )
    store.load((SMALL_GRAPH + figures_ttl).encode(), ox.RdfFormat.TURTLE, base_iri=BASE)
    return KnowledgeStore(store, BASE, "small", derive=DERIVATIONS)


def test_a_commune_covered_twice_by_one_label_kind_counts_once(small_store):
    covered = figures.population_by_kind(small_store)
    for kind in ("k", "l"):
        communes = set().union(*(c for (_, k), c in COVERS.items() if k == kind))
        found = covered[BASE + f"id/label-kind/{kind}"]
        assert found.communes == len(communes)
        assert found.inhabitants == sum(POPULATION[c] for c in communes)


def test_a_round_covers_its_own_awards_communes_once_each(small_store):
    covered = figures.population_by_round(small_store)
    assert {(r[len(BASE) + 9 :], k[len(BASE) + 14 :]) for r, k in covered} == set(COVERS)
    for (round_key, kind), communes in COVERS.items():
        found = covered[BASE + f"id/round/{round_key}", BASE + f"id/label-kind/{kind}"]
        assert found.inhabitants == sum(POPULATION[c] for c in communes)


def test_an_award_spanning_two_regions_counts_in_each(small_store):
    by_region = figures.label_figures(small_store).by_region
    across = {r for (_, k, r), n in by_region.items() if k.endswith("/l") and r}
    assert across == {BASE + "id/region/r", BASE + "id/region/s"}
    assert by_region[BASE + "id/round/two", BASE + "id/label-kind/l", BASE + "id/region/s"] == 1
    assert by_region[BASE + "id/round/two", BASE + "id/label-kind/l", BASE + "id/region/r"] == 2


# --- the home page ------------------------------------------------------------------------------


def test_the_home_page_leads_with_the_labels(client):
    page = client.get("/", headers=EN).get_data(as_text=True)
    sections = re.findall(r'<section aria-labelledby="(\w+)"', page)
    assert sections[0] == "labels"
    assert sections.index("holds") > sections.index("complete") > sections.index("where")
    first = page[page.index('<section aria-labelledby="labels"') : page.index("</section>")]
    assert 'href="/map"' in first
    assert 'id="awards-by-round"' in first
    assert page.index('id="labels"') < page.index('class="entry-points"')


def test_the_home_page_draws_its_four_charts_each_with_its_table_and_source(client):
    page = client.get("/", headers=EN).get_data(as_text=True)
    for key in HOME_CHARTS:
        figure = figure_of(page, key)
        assert bars_of(svg_of(figure))
        assert table_of(figure).rows
        assert re.search(r'<p class="chart-source">.*?<a href="/', figure, re.S)


AWARDS_PER_ROUND_AND_KIND = """
PREFIX ftkg: <ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?round ?kind (COUNT(?award) AS ?n) WHERE {
  ?award ftkg:inRound/rdfs:label ?round ; ftkg:labelKind/skos:prefLabel ?kind .
  FILTER(LANG(?round) = "en" && LANG(?kind) = "en")
}
GROUP BY ?round ?kind
"""


def test_awards_per_round_and_kind_are_the_stores_count_of_awards(client, knowledge_store):
    page = client.get("/", headers=EN).get_data(as_text=True)
    shown = table_values(table_of(figure_of(page, "awards-by-round")))
    expected = {
        (row["round"].value, row["kind"].value): int(row["n"].value)
        for row in select(knowledge_store, AWARDS_PER_ROUND_AND_KIND)
    }
    assert {k: v for k, v in shown.items() if k[1] != "Total"} == expected


AWARDS_PER_REGION = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT ?region (COUNT(DISTINCT ?award) AS ?n) WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:awardee ?ecosystem .
  ?ecosystem ftkg:locatedIn
    | ftkg:coversTerritory/(igeo:subdivisionDe|igeo:subdivisionDirecteDe)?
    | ftkg:coversTerritory/^igeo:subdivisionDirecteDe/igeo:subdivisionDe ?region .
  ?region a igeo:Region .
}
GROUP BY ?region
"""


def test_awards_per_region_are_the_stores_count_of_awards_in_each_region(client, knowledge_store):
    page = client.get("/", headers=EN).get_data(as_text=True)
    table = table_of(figure_of(page, "awards-by-region"))
    shown = {row[0][1]: as_int(row[-1][0]) for row in table.rows}
    base = len(knowledge_store.base_uri) + len("id/")
    expected = {
        "/page/" + row["region"].value[base:]: int(row["n"].value)
        for row in select(knowledge_store, AWARDS_PER_REGION)
    }
    assert table.head[-1] == "Total"
    assert shown == expected


PLACED_AWARDS = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT (COUNT(DISTINCT ?award) AS ?n) WHERE {
  ?award a ftkg:LabelAward ; ftkg:inRound ?round ; ftkg:awardee ?ecosystem .
  ?ecosystem ftkg:locatedIn
    | ftkg:coversTerritory/(igeo:subdivisionDe|igeo:subdivisionDirecteDe)?
    | ftkg:coversTerritory/^igeo:subdivisionDirecteDe/igeo:subdivisionDe ?region .
  ?region a igeo:Region .
}
"""


def test_the_home_page_says_what_ecosystems_spanning_regions_add_to_the_bars(
    client, knowledge_store
):
    page = client.get("/", headers=EN).get_data(as_text=True)
    figure = figure_of(page, "awards-by-region")
    drawn = sum(n for (_, column), n in table_values(table_of(figure)).items() if column == "Total")
    (placed,) = select(knowledge_store, PLACED_AWARDS)
    extra = drawn - int(placed["n"].value)
    assert extra > 0  # Troyes, Grande Provence: their territories reach two régions
    assert f"add {extra} awards to the sum of the bars" in figure


ROSTERS = """
PREFIX ftkg: <ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?round ?announced ?present WHERE {
  ?roster a ftkg:Roster ; ftkg:round/rdfs:label ?round ; ftkg:holdersAnnounced ?announced ;
          ftkg:holdersPresent ?present .
  FILTER(LANG(?round) = "en")
}
"""


def test_the_completeness_chart_shows_every_known_roster_announced_against_present(
    client, knowledge_store
):
    page = client.get("/", headers=EN).get_data(as_text=True)
    table = table_of(figure_of(page, "completeness"))
    shown = sorted(
        (row[0][0].split(" — ")[0], as_int(row[1][0]), as_int(row[2][0])) for row in table.rows
    )
    expected = sorted(
        (row["round"].value, int(row["announced"].value), int(row["present"].value))
        for row in select(knowledge_store, ROSTERS)
    )
    assert table.head[1:] == ["Announced", "Present"]
    assert shown == expected


def test_every_table_gives_the_figures_and_links_of_its_chart(client):
    for path, keys in (("/", HOME_CHARTS), (f"/page/{ROUND_2019}", ROUND_CHARTS)):
        page = client.get(path, headers=EN).get_data(as_text=True)
        for key in keys:
            figure = figure_of(page, key)
            drawn = sorted((href, value_in(title)) for href, title in bars_of(svg_of(figure)))
            table = table_of(figure)
            tabulated = sorted(
                (href, as_int(text))
                for row in table.rows
                for column, (text, href) in zip(table.head[1:], row[1:], strict=True)
                if column != "Total" and re.search(r"\d", text)
            )
            assert drawn == tabulated, key


def _answer(client, href: str) -> list[dict]:
    response = client.get(href, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, href
    return json.loads(response.data)["results"]["bindings"]


def test_every_bar_leads_to_the_query_listing_what_it_counts(client):
    for path, keys in (("/", HOME_CHARTS), (f"/page/{ROUND_2019}", ROUND_CHARTS)):
        page = client.get(path, headers=EN).get_data(as_text=True)
        for key in keys:
            for href, title in bars_of(svg_of(figure_of(page, key))):
                assert href, f"{key}: {title} leads nowhere"
                if not href.startswith("/sparql?"):
                    assert client.get(href).status_code == 200, href
                    continue
                rows = _answer(client, href)
                if "inhabitants" in rows[0]:
                    assert int(rows[0]["inhabitants"]["value"]) == value_in(title), title
                else:
                    assert len({r["award"]["value"] for r in rows}) == value_in(title), title


def test_every_bar_label_leads_to_the_page_of_what_it_names(client):
    for path, keys in (("/", HOME_CHARTS), (f"/page/{ROUND_2019}", ROUND_CHARTS)):
        page = client.get(path, headers=EN).get_data(as_text=True)
        for key in keys:
            for row in table_of(figure_of(page, key)).rows:
                label, href = row[0]
                assert href and href.startswith("/page/"), label
                target = client.get(href, headers=EN).get_data(as_text=True)
                heading = re.search(r"<h1[^>]*>(.*?)</h1>", target, re.S).group(1)
                assert label.split(" — ")[0] == html.unescape(heading), href


def test_the_query_under_each_chart_computes_its_figures(client):
    page = client.get("/", headers=EN).get_data(as_text=True)
    figure = figure_of(page, "awards-by-round")
    table = table_of(figure)
    query = re.search(r'<p class="chart-source">.*?<a href="([^"]+)"', figure, re.S).group(1)
    rows = _answer(client, query.replace("&amp;", "&"))
    assert sum(int(r["awards"]["value"]) for r in rows) == sum(
        as_int(row[-1][0]) for row in table.rows
    )


POPULATION_EXAMPLE = (
    Path(__file__).resolve().parent.parent / "queries" / "population-covered-by-label-kind-2019.rq"
)


def test_a_round_pages_population_is_the_example_querys_for_that_round(client, knowledge_store):
    page = client.get(f"/page/{ROUND_2019}", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    shown = {
        row[0][0]: as_int(row[1][0]) for row in table_of(figure_of(page, "round-population")).rows
    }
    expected = {
        row["label"].value: int(row["populationCovered"].value)
        for row in select(knowledge_store, POPULATION_EXAMPLE.read_text(encoding="utf-8"))
        if "populationCovered" in row
    }
    assert shown == expected


@pytest.mark.parametrize(("lang", "separator"), [("fr", "\u202f"), ("en", ",")])
def test_populations_are_written_in_the_readers_language(client, knowledge_store, lang, separator):
    page = client.get("/", headers={"Accept-Language": lang}).get_data(as_text=True)
    table = table_of(figure_of(page, "population-by-kind"))
    largest = max(
        int(row["inhabitants"].value) for row in select(knowledge_store, figures.POPULATION_BY_KIND)
    )
    written = f"{largest:,}".replace(",", separator)
    assert written in [cell[0] for row in table.rows for cell in row]


def test_a_round_page_draws_its_awards_per_kind_and_region_population_and_completeness(client):
    page = client.get(f"/page/{ROUND_2019}", headers=EN).get_data(as_text=True)
    assert re.findall(r'<figure class="chart" id="([\w-]+)"', page) == list(ROUND_CHARTS)


def test_a_round_abroad_draws_no_empty_region_or_population_chart(client):
    page = client.get("/page/round/2019-07-communautes", headers=EN).get_data(as_text=True)
    assert re.findall(r'<figure class="chart" id="([\w-]+)"', page) == [
        "round-awards-by-kind",
        "round-completeness",
    ]


def test_a_page_that_is_not_a_rounds_draws_no_chart(client):
    page = client.get("/page/label-kind/capitale-french-tech").get_data(as_text=True)
    assert '<figure class="chart"' not in page


def test_pages_with_charts_keep_the_page_policy_and_use_no_inline_style(client):
    for path in ("/", f"/page/{ROUND_2019}"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == security.DEFAULT_PAGE_POLICY
        page = response.get_data(as_text=True)
        assert not re.search(r"<[^>]+\sstyle=", page)
        assert "<style" not in page


def test_chart_links_to_queries_are_url_encoded(client):
    page = client.get("/", headers=EN).get_data(as_text=True)
    for href, _ in bars_of(svg_of(figure_of(page, "awards-by-round"))):
        query = urlsplit(href).query
        assert " " not in query and "<" not in query and "{" not in query
        assert parse_qs(query)["query"][0].startswith("BASE <")

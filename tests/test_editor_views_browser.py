"""The query editor's result views in Chromium: the view a query asks for with
`#defaultView:`, drawn from its rows (bars, coloured shapes, dated items, nodes), the readable
table and its raw switch, the completion of our own classes, all under the page's policy."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from browser import RECORD_VIOLATIONS, chromium_available
from conftest import BASE, PROJECT_ROOT

from server import examples

pytestmark = [
    pytest.mark.live,
    pytest.mark.browser,
    pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed"),
]

EXAMPLES = {e.name: e for e in examples.load_all(PROJECT_ROOT / "queries")}
LILLE_POPULATION = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?commune ?communeLabel ?population WHERE {
  VALUES ?commune { <id/commune/59350> }
  ?commune igeo:nom ?communeLabel .
  ?figure ftkg:figureOf ?commune ;
          ftkg:quantityKind <id/quantity/population-municipale> ;
          rdf:value ?population .
}
"""
LILLE_AWARDS_GRAPH = """#defaultView:Graph
PREFIX ftkg: <ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?award ftkg:awardee <id/ecosystem/lille> ; ftkg:labelKind ?kind ; a ftkg:LabelAward .
            ?kind rdfs:label ?name }
WHERE { ?award ftkg:awardee <id/ecosystem/lille> ; ftkg:labelKind ?kind .
        ?kind rdfs:label ?name FILTER(LANG(?name) = "en") }
"""


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """The editor, recording policy violations."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server + "sparql")
    page.wait_for_selector(".yasqe .CodeMirror")
    yield page
    page.close()


def run(page, query: str) -> None:
    """Put ``query`` in the editor, its relative IRIs resolved as in the store, and run it."""
    page.evaluate(
        "(query) => { const tab = window.__ftkgYasgui.getTab(); tab.setQuery(query); tab.query(); }",
        f"BASE <{BASE}>\n{query}",
    )


def violations(page) -> list[str]:
    return page.evaluate("window.__violations")


def selected_view(page) -> str:
    return page.inner_text(".yasr_btnGroup .selected").strip()


def links(page, selector: str) -> list[str]:
    """Where the links ``selector`` finds lead (SVG links may carry xlink:href)."""
    return page.eval_on_selector_all(selector, "links => links.map(a => a.getAttribute('href'))")


def relative(cell: str) -> str:
    """``<id/round/x>`` of an expected table as the page path it links to."""
    return "/page/" + cell.strip("<>").removeprefix("id/")


def test_the_bar_chart_example_draws_a_bar_per_round_each_linking_to_its_page(page):
    example = EXAMPLES["awards-per-round"]
    page.select_option("#example", example.name)
    page.wait_for_selector(".ftkg-view-barchart svg")
    assert selected_view(page) == "Bar chart"
    bars = page.locator('.ftkg-view-barchart g[aria-label="bar"] rect')
    assert bars.count() == len(example.expected_rows)
    assert links(page, '.ftkg-view-barchart g[aria-label="bar"] a') == [
        relative(row[0]) for row in example.expected_rows
    ]
    assert violations(page) == []


def test_the_map_example_colours_the_regions_of_the_2019_capitales(page):
    example = EXAMPLES["capitales-2019-on-a-map"]
    expected = {
        re.fullmatch(r"<id/region/(\w+)>", row[0]).group(1) for row in example.expected_rows
    }
    page.select_option("#example", example.name)
    page.wait_for_selector(".ftkg-map .ftkg-hit")
    assert selected_view(page) == "Map"
    coloured = page.eval_on_selector_all(
        ".ftkg-map .ftkg-hit", "shapes => shapes.map(s => s.getAttribute('data-code'))"
    )
    assert sorted(coloured) == sorted(expected)
    assert sorted(links(page, ".ftkg-map a:has(> .ftkg-hit)")) == sorted(
        f"/page/region/{code}" for code in expected
    )
    plain = page.eval_on_selector_all(
        ".ftkg-map [data-code]:not(.ftkg-hit)", "shapes => shapes.map(s => s.style.fill)"
    )
    assert plain and set(plain) == {""}
    assert violations(page) == []


def test_the_timeline_example_shows_each_dated_label_of_lille_once(page):
    example = EXAMPLES["label-history-of-an-ecosystem"]
    sources_by_item = defaultdict(list)
    for label, date, source in example.expected_rows:
        name = re.fullmatch(r'"(.+)"@fr', label).group(1)
        sources_by_item[name, date].append(re.fullmatch(r'"(.+)"@fr', source).group(1))
    page.select_option("#example", example.name)
    page.wait_for_selector(".ftkg-view-timeline svg")
    assert selected_view(page) == "Timeline"
    titles = page.eval_on_selector_all(
        ".ftkg-timeline-day title, .ftkg-timeline-span title", "ts => ts.map(t => t.textContent)"
    )
    assert len(titles) == len(sources_by_item)
    for (name, _), sources in sources_by_item.items():
        shown = [title for title in titles if title.startswith(f"{name}, ")]
        assert [all(s in title for s in sources) for title in shown].count(True) == 1
    assert violations(page) == []


def test_the_line_chart_puts_a_point_per_row(page):
    run(
        page,
        "#defaultView:LineChart\nSELECT ?year ?n { VALUES (?year ?n) { (2014 9) (2015 4) (2019 13) } }",
    )
    page.wait_for_selector(".ftkg-view-linechart svg")
    assert page.locator('.ftkg-view-linechart g[aria-label="dot"] circle').count() == 3
    assert page.locator('.ftkg-view-linechart g[aria-label="line"] path').count() == 1
    assert violations(page) == []


def test_the_graph_view_draws_a_node_per_entity_of_a_construct_result(page, knowledge_store):
    expected = {
        str(term)
        for triple in knowledge_store.query(LILLE_AWARDS_GRAPH)
        if triple.predicate.value != "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
        for term in (triple.subject, triple.object)
        if not isinstance(term, ox.Literal)
    }
    run(page, LILLE_AWARDS_GRAPH)
    page.wait_for_selector(".ftkg-view-graph svg")
    assert selected_view(page) == "Graph"
    nodes = page.locator('.ftkg-view-graph g[aria-label="dot"] circle')
    assert nodes.count() == len(expected)
    assert links(page, ".ftkg-view-graph a").count("/page/ecosystem/lille") == 1
    assert violations(page) == []


def test_a_default_view_the_result_cannot_fill_falls_back_to_the_table(page):
    run(page, '#defaultView:Map\nSELECT ?x { VALUES ?x { "no territory" } }')
    page.wait_for_selector(".yasr table tbody tr")
    assert selected_view(page) == "Map"
    assert "Could not render results with the Map plugin" in page.inner_text(".yasr")


def test_the_table_shows_a_label_linked_to_its_page_and_a_number_formatted(page, knowledge_store):
    (lille,) = knowledge_store.select(LILLE_POPULATION)
    run(page, LILLE_POPULATION)
    page.wait_for_selector(".yasr table tbody tr")
    assert selected_view(page) == "Table"
    headers = page.eval_on_selector_all(
        ".yasr table thead th", "ths => ths.map(t => t.innerText.trim())"
    )
    assert headers == ["", "commune", "population"]
    link = page.locator(".yasr table tbody a[href='/page/commune/59350']")
    assert link.inner_text() == lille["communeLabel"].value
    cells = page.eval_on_selector_all(
        ".yasr table tbody td", "tds => tds.map(t => t.innerText.trim())"
    )
    assert cells[-1] == f"{int(lille['population'].value):,}"
    assert violations(page) == []


def test_the_raw_switch_shows_the_rdf_terms(page, knowledge_store):
    (lille,) = knowledge_store.select(LILLE_POPULATION)
    run(page, LILLE_POPULATION)
    page.wait_for_selector(".yasr table tbody tr")
    page.click("label:has(.ftkg-raw-terms)")
    page.wait_for_function("document.querySelectorAll('.yasr table thead th').length === 4")
    table = page.inner_text(".yasr table tbody")
    assert f'"{lille["population"].value}"^^xsd:integer' in table
    assert f"<{lille['commune'].value}>" in table
    assert violations(page) == []


def test_autocompletion_offers_our_classes_from_the_void_description(page):
    page.evaluate(
        "(text) => { const yasqe = window.__ftkgYasgui.getTab().getYasqe();"
        " yasqe.setValue(text); yasqe.focus(); yasqe.setCursor({line: 2, ch: 7}); }",
        f"PREFIX ftkg: <{BASE}ontology#>\nSELECT * WHERE {{\n  ?x a ",
    )
    page.keyboard.type("ftkg:LabelA", delay=20)
    page.wait_for_selector(".CodeMirror-hints li")
    hints = page.eval_on_selector_all(
        ".CodeMirror-hints li", "lis => lis.map(li => li.textContent)"
    )
    assert "ftkg:LabelAward" in hints
    assert violations(page) == []

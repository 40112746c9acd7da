"""Timelines: an ecosystem's label history, a territory's labels, the rounds of a label kind and
around a round, and /timeline, each as a picture and as a list, dated and sourced like the
graph says."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

import pyoxigraph as ox
import pytest
from conftest import BASE, PROJECT_ROOT
from html_tree import Node, parse

from server import stated_dates
from server.entities.history import DateClaim, agreeing_groups
from server.pictures import timeline as pictures

SVG = "{http://www.w3.org/2000/svg}"
FTKG = BASE + "ontology#"


def page(client, path: str, lang: str = "fr") -> Node:
    response = client.get(path, query_string={"lang": lang})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return parse(response.get_data(as_text=True))


def page_path(iri: str) -> str:
    """The page of one of our entities: /page/{kind}/{key}."""
    return "/page/" + iri.removeprefix(BASE + "id/")


def rows(document: Node) -> list[Node]:
    return document.find("ol", "timeline-list").find_all("li", "tl-row")


def claims(row: Node) -> list[tuple[str, list[int]]]:
    """Each date of a row as (datetime, footnote numbers)."""
    found = []
    for claim in row.find_all("span", "tl-claim"):
        numbers = [int(a.text().strip("[]")) for a in claim.find_all("a", "cite")]
        found.append((claim.find("time").attributes["datetime"], numbers))
    return found


def source_titles(document: Node) -> dict[int, str]:
    """Each numbered source's title, as the page lists it."""
    return {
        int(item.attributes["id"].removeprefix("source-")): item.find("a").text()
        for item in document.find("ol", "sources").find_all("li")
    }


def placed(row: Node) -> str:
    """Where a row is placed in time: the date the editors hold right, else its first."""
    held = row.find_all("span", "tl-held")
    group = held[0] if held else row.find("span", "tl-group")
    return group.find("time").attributes["datetime"]


def ordered(datetimes: list[str]) -> bool:
    starts = [stated_dates.parse(d).first_day for d in datetimes]
    return starts == sorted(starts)


def svg_of(document_html: str) -> ET.Element:
    (markup,) = re.findall(r"<svg\b.*?</svg>", document_html, re.S)
    return ET.fromstring(markup)  # raises unless well-formed


# --- an ecosystem's label history -----------------------------------------------------------


def test_lilles_timeline_lists_its_awards_in_date_order_with_the_querys_dates_and_sources(
    client, knowledge_store
):
    query = (PROJECT_ROOT / "queries" / "label-history-of-an-ecosystem.rq").read_text()
    expected = {
        (row["label"].value, row["date"].value, row["source"].value)
        for row in knowledge_store.select(query)
    }
    document = page(client, "/page/ecosystem/lille", "fr")
    titles = source_titles(document)
    shown = set()
    for row in rows(document):
        kind = row.find("p", "tl-what").find("a").text().split(",")[0]
        for datetime, numbers in claims(row):
            shown |= {(kind, datetime, titles[n]) for n in numbers}
    assert shown == expected
    assert ordered([placed(row) for row in rows(document)])


def test_the_ecosystem_page_opens_with_its_timeline_before_its_properties(client):
    html = client.get("/page/ecosystem/lille?lang=en").get_data(as_text=True)
    assert 0 < html.index('class="timeline"') < html.index('id="properties"')


def test_a_renaming_is_on_the_timeline_of_the_ecosystem_renamed(client, knowledge_store):
    (renaming,) = knowledge_store.select(
        "PREFIX ftkg: <ontology#> SELECT ?event ?name ?ecosystem WHERE { ?event a "
        "ftkg:LineageEvent ; ftkg:predecessor ?ecosystem ; ftkg:successor ?ecosystem ; "
        "ftkg:newName ?name } ORDER BY ?event LIMIT 1"
    )
    listed = [
        row
        for row in rows(page(client, page_path(renaming["ecosystem"].value)))
        if renaming["name"].value in row.text()
    ]
    assert len(listed) == 1
    link = listed[0].find("p", "tl-what").find("a").attributes["href"]
    assert link == page_path(renaming["event"].value)


def test_a_renewal_says_which_award_it_renews(client, knowledge_store):
    (renewal,) = knowledge_store.select(
        "PREFIX ftkg: <ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?award ?ecosystem ?earlier WHERE { ?award ftkg:renews ?e ; ftkg:awardee ?ecosystem . "
        "?e rdfs:label ?earlier FILTER(LANG(?earlier) = 'fr') } ORDER BY ?award LIMIT 1"
    )
    (row,) = [
        r
        for r in rows(page(client, page_path(renewal["ecosystem"].value)))
        if r.find("p", "tl-what").find("a").attributes["href"] == page_path(renewal["award"].value)
    ]
    assert f"renouvelle : {renewal['earlier'].value}" in row.find("p", "tl-notes").text()


# --- disagreeing dates ----------------------------------------------------------------------

DATE_DISAGREEMENT = """
PREFIX ftkg: <ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX schema: <http://schema.org/>
SELECT ?subject ?value ?rationale WHERE {
  ?d a ftkg:Disagreement ; ftkg:competingClaim ?claim ; ftkg:rationale ?rationale .
  FILTER(LANG(?rationale) = "fr")
  ?claim rdf:subject ?subject ; rdf:predicate schema:startDate ; rdf:object ?value .
  ?subject a ftkg:LabelRound .
}
"""


def test_dates_sources_disagree_on_are_shown_side_by_side_with_the_editors_verdict(
    client, knowledge_store
):
    found = knowledge_store.select(DATE_DISAGREEMENT)
    assert found, "the graph records no disagreement about a round's date"
    subject = found[0]["subject"].value
    values = {r["value"].value for r in found if r["subject"].value == subject}
    kind = next(
        r["k"].value
        for r in knowledge_store.select(
            "PREFIX ftkg: <ontology#> SELECT ?round ?k WHERE { ?a ftkg:inRound ?round ; ftkg:labelKind ?k }",
            round=ox.NamedNode(subject),
        )
    )
    document = page(client, page_path(kind))
    href = page_path(subject)
    (row,) = [
        r for r in rows(document) if r.find("p", "tl-what").find("a").attributes["href"] == href
    ]
    assert "tl-disagreeing" in row.classes
    assert len(row.find_all("span", "tl-group")) >= 2
    assert values <= {datetime for datetime, _ in claims(row)}
    assert found[0]["rationale"].value in row.find("p", "tl-verdict").text()


def test_compatible_dates_agree_and_incompatible_ones_disagree():
    def claim(lexical: str) -> DateClaim:
        return DateClaim(stated_dates.parse(lexical), ("g",))

    groups = agreeing_groups(
        [claim("2014"), claim("2014-12-05"), claim("2014-11"), claim("2014-11-12")]
    )
    assert [[c.date.lexical for c in g.claims] for g in groups] == [
        ["2014-11-12", "2014-11", "2014"],
        ["2014-12-05"],
    ]


def test_a_date_is_written_as_the_readers_language_writes_it_and_no_more_precisely():
    day, month, year = (stated_dates.parse(x) for x in ("2014-11-12", "2019-04", "2013"))
    assert stated_dates.display(day, "fr") == "12 novembre 2014"
    assert stated_dates.display(day, "en") == "November 12, 2014"
    assert stated_dates.display(month, "fr") == "avril 2019"
    assert stated_dates.display(month, "en") == "April 2019"
    assert stated_dates.display(year, "en") == "2013"


def test_the_list_dates_events_in_the_readers_language(client):
    for lang, text in (("fr", "12 novembre 2014"), ("en", "November 12, 2014")):
        row = rows(page(client, "/page/ecosystem/lille", lang))[0]
        assert row.find("time").text() == text


# --- the picture ----------------------------------------------------------------------------


def test_the_picture_is_well_formed_svg_each_marker_a_titled_link_over_a_year_axis(client):
    html = client.get("/page/ecosystem/lille?lang=en").get_data(as_text=True)
    svg = svg_of(html)
    listed = rows(parse(html))
    links = [a for a in svg.iter(SVG + "a") if "tl-link" in a.get("class", "")]
    assert len(links) == len(listed)
    for link, row in zip(links, listed, strict=True):
        assert link.get("href") == row.find("p", "tl-what").find("a").attributes["href"]
        assert link.find(SVG + "title").text.startswith(row.find("p", "tl-what").find("a").text())
    years = [int(t.text) for t in svg.iter(SVG + "text") if (t.text or "").isdigit()]
    assert years == list(range(years[0], years[-1] + 1))
    assert svg.get("aria-labelledby") in html


def test_a_disagreement_is_drawn_with_both_dates():
    marker = pictures.Marker(
        href="/page/round/x",
        title="x",
        lines=("x",),
        points=(
            pictures.Point(date(2014, 11, 12), date(2014, 11, 12), "12 Nov 2014"),
            pictures.Point(date(2013, 1, 1), date(2013, 12, 31), "2013"),
        ),
    )
    svg = ET.fromstring(pictures.render([marker], labelled_by="c"))
    circles = [c for c in svg.iter(SVG + "circle")]
    assert len(circles) == 2
    assert any("tl-dispute" in line.get("class", "") for line in svg.iter(SVG + "line"))
    date_line = next(t for t in svg.iter(SVG + "text") if t.get("class") == "tl-date")
    assert "".join(date_line.itertext()) == "12 Nov 2014 ≠ 2013"


def test_the_picture_escapes_what_it_writes():
    marker = pictures.Marker(
        href="/page/x?a=1&b=2",
        title='<script>alert("x")</script>',
        lines=("</text><script>",),
        points=(pictures.Point(date(2020, 1, 1), date(2020, 1, 1), "1 Jan 2020"),),
    )
    markup = str(pictures.render([marker], labelled_by="c"))
    assert "<script>" not in markup
    assert ET.fromstring(markup).find(f".//{SVG}title").text == '<script>alert("x")</script>'


# --- territories, label kinds, rounds -------------------------------------------------------

COVERING_A_COMMUNE = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT DISTINCT ?award ?territory WHERE {
  { ?ecosystem ftkg:coversTerritory ?territory }
  UNION { ?territory igeo:subdivisionDe ?covered . ?ecosystem ftkg:coversTerritory ?covered }
  UNION { ?territory igeo:subdivisionDirecteDe ?covered . ?ecosystem ftkg:coversTerritory ?covered }
  ?award ftkg:awardee ?ecosystem ; ftkg:awardDate ?date .
}
"""
COVERING_A_REGION = """
PREFIX ftkg: <ontology#>
PREFIX igeo: <http://rdf.insee.fr/def/geo#>
SELECT DISTINCT ?award ?territory WHERE {
  { ?ecosystem ftkg:coversTerritory ?territory }
  UNION { ?ecosystem ftkg:coversTerritory ?covered . ?covered igeo:subdivisionDe ?territory }
  ?award ftkg:awardee ?ecosystem ; ftkg:awardDate ?date .
}
"""


def award_links(document: Node) -> set[str]:
    return {r.find("p", "tl-what").find("a").attributes["href"] for r in rows(document)}


@pytest.mark.parametrize(
    ("territory", "query"),
    [("id/commune/59512", COVERING_A_COMMUNE), ("id/region/32", COVERING_A_REGION)],
)
def test_a_territory_shows_the_labels_of_the_ecosystems_covering_it(
    client, knowledge_store, territory, query
):
    expected = {
        page_path(r["award"].value)
        for r in knowledge_store.select(query, territory=ox.NamedNode(BASE + territory))
    }
    assert expected, f"no ecosystem covers {territory} in the graph"
    document = page(client, page_path(BASE + territory))
    assert award_links(document) == expected
    assert ordered([placed(row) for row in rows(document)])


def test_a_label_kind_shows_the_rounds_that_awarded_it_in_order(client, knowledge_store):
    kind = ox.NamedNode(BASE + "id/label-kind/communaute-french-tech")
    expected = {
        page_path(r["round"].value)
        for r in knowledge_store.select(
            "PREFIX ftkg: <ontology#> SELECT DISTINCT ?kind ?round WHERE "
            "{ ?a ftkg:labelKind ?kind ; ftkg:inRound ?round }",
            kind=kind,
        )
    }
    document = page(client, page_path(kind.value))
    assert award_links(document) == expected
    assert ordered([placed(row) for row in rows(document)])


def test_a_round_shows_the_rounds_of_its_labels_in_order_with_itself_marked(
    client, knowledge_store
):
    round_iri = ox.NamedNode(BASE + "id/round/2019-capitales-communautes")
    expected = {
        page_path(r["other"].value)
        for r in knowledge_store.select(
            "PREFIX ftkg: <ontology#> SELECT DISTINCT ?round ?other WHERE { "
            "?a ftkg:inRound ?round ; ftkg:labelKind ?kind . "
            "?b ftkg:labelKind ?kind ; ftkg:inRound ?other }",
            round=round_iri,
        )
    }
    document = page(client, page_path(round_iri.value))
    assert award_links(document) == expected
    (current,) = [r for r in rows(document) if r.attributes.get("aria-current") == "page"]
    assert current.find("p", "tl-what").find("a").attributes["href"] == page_path(round_iri.value)
    assert ordered([placed(row) for row in rows(document)])


# --- /timeline -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("fr", "Le programme French Tech, de 2013 à aujourd'hui"),
        ("en", "The French Tech programme, from 2013 to today"),
    ],
)
def test_the_programme_timeline_shows_every_dated_round_in_the_readers_language(
    client, knowledge_store, lang, heading
):
    response = client.get("/timeline", query_string={"lang": lang})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    document = parse(html)
    assert f'<html lang="{lang}">' in html
    assert document.find("h1").text() == heading
    assert [h.text() for h in document.find_all("h2")].count(heading) == 0
    rounds = {
        page_path(r["round"].value)
        for r in knowledge_store.select(
            "PREFIX ftkg: <ontology#> PREFIX schema: <http://schema.org/> SELECT DISTINCT ?round "
            "WHERE { ?round a ftkg:LabelRound . { ?round schema:startDate ?d } UNION "
            "{ ?a ftkg:inRound ?round ; ftkg:awardDate ?d } }"
        )
    }
    assert award_links(document) == rounds
    assert ordered([placed(row) for row in rows(document)])
    svg = svg_of(html)
    assert [s for s in svg.iter(SVG + "g") if "tl-span" in s.get("class", "")]
    assert document.find("ol", "sources").find_all("li")


def test_the_programme_timeline_counts_each_rounds_holders_per_label_kind(client, knowledge_store):
    round_iri = ox.NamedNode(BASE + "id/round/2019-capitales-communautes")
    holders = {
        r["label"].value: int(r["n"].value)
        for r in knowledge_store.select(
            "PREFIX ftkg: <ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "SELECT ?round ?label (COUNT(DISTINCT ?e) AS ?n) WHERE { ?a ftkg:inRound ?round ; "
            "ftkg:labelKind ?k ; ftkg:awardee ?e . ?k skos:prefLabel ?label "
            "FILTER(LANG(?label) = 'en') } GROUP BY ?round ?label",
            round=round_iri,
        )
    }
    (row,) = [
        r
        for r in rows(page(client, "/timeline", "en"))
        if r.find("p", "tl-what").find("a").attributes["href"] == page_path(round_iri.value)
    ]
    for label, count in holders.items():
        assert f"{label}: {count}" in row.find("p", "tl-what").text()


def test_every_page_links_to_the_programme_timeline(client):
    for path in ("/", "/completeness", "/page/ecosystem/lille"):
        assert 'href="/timeline"' in client.get(path).get_data(as_text=True)


def test_an_events_name_keeps_its_style_when_it_wraps():
    name = "Écosystème French Tech de Saint-Quentin — Écosystème thématique French Tech"
    marker = pictures.Marker(
        href="/page/award/x",
        title=name,
        lines=(name, "round"),
        points=(pictures.Point(date(2016, 7, 25), date(2016, 7, 25), "25 Jul 2016"),),
    )
    svg = ET.fromstring(pictures.render([marker], labelled_by="c"))
    spans = [t for t in svg.iter(SVG + "tspan") if t.get("class") in ("tl-title", "tl-detail")]
    titles = [t.text for t in spans if t.get("class") == "tl-title"]
    assert len(titles) >= 2 and " ".join(titles) == name
    assert [t.text for t in spans if t.get("class") == "tl-detail"] == ["round"]

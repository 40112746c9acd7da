"""Entity pages as a researcher reads them: footnotes that cannot run together, notes in the
reader's language, and links pointing to the page named from the page's own point of view."""

from __future__ import annotations

import pyoxigraph as ox
import rdflib
from conftest import BASE, PROJECT_ROOT
from html_tree import Node, parse

FTKG = rdflib.Namespace(BASE + "ontology#")


def page(client, path: str, lang: str) -> Node:
    response = client.get(path, query_string={"lang": lang})
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def property_row(document: Node, label: str) -> Node:
    """The row of the properties table whose heading is ``label``."""
    for row in document.find("table", "properties").find_all("tr"):
        if row.find("th").text() == label:
            return row
    raise AssertionError(f"no property {label!r} on the page")


# --- footnotes ------------------------------------------------------------------------------


def test_the_footnotes_of_one_value_read_as_separate_numbers(client):
    document = page(client, "/page/ecosystem/lille", "fr")
    values = [
        li
        for li in document.find("table", "properties").find_all("li")
        if len(li.find_all("a", "cite")) >= 2
    ]
    assert values, "no value of Lille's page cites two sources"
    for value in values:
        numbers = [
            a.attributes["href"].removeprefix("#source-") for a in value.find_all("a", "cite")
        ]
        text = value.text()
        for number in numbers:
            assert f"[{number}]" in text, text
        assert "".join(numbers) not in text.replace(" ", ""), text


def test_every_footnote_links_to_a_listed_source(client):
    document = page(client, "/page/ecosystem/lille", "en")
    listed = {li.attributes["id"] for li in document.find("ol", "sources").find_all("li")}
    cited = {a.attributes["href"].removeprefix("#") for a in document.find_all("a", "cite")}
    assert cited and cited <= listed


# --- texts in the reader's language ---------------------------------------------------------


NOTES = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?note WHERE { ?entity skos:editorialNote ?note }
"""
# A text of ours the sources give in French only: a round's selection criteria.
FRENCH_ONLY_TEXT = """
PREFIX ftkg: <ontology#>
SELECT ?entity ?text WHERE {
  ?entity ftkg:criterion ?text FILTER(LANG(?text) = "fr")
  FILTER NOT EXISTS { ?entity ftkg:criterion ?en FILTER(LANG(?en) = "en") }
}
ORDER BY ?entity ?text LIMIT 1
"""


def notes_of(knowledge_store, entity: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for row in knowledge_store.select(NOTES, entity=ox.NamedNode(entity)):
        found.setdefault(row["note"].language or "", []).append(row["note"].value)
    return found


def test_a_note_in_both_languages_is_shown_only_in_the_readers(client, knowledge_store):
    notes = notes_of(knowledge_store, BASE + "id/ecosystem/lille")
    assert {"fr", "en"} <= set(notes), "Lille's editorial note is no longer in both languages"
    for lang, label, other in (("fr", "note éditoriale", "en"), ("en", "editorial note", "fr")):
        row = property_row(page(client, "/page/ecosystem/lille", lang), label)
        text = row.find("td").text()
        assert all(" ".join(n.split()) in text for n in notes[lang])
        assert not any(" ".join(n.split()) in text for n in notes[other])


def test_a_text_only_in_the_other_language_is_shown_and_says_its_language(client, knowledge_store):
    rows = knowledge_store.select(FRENCH_ONLY_TEXT)
    assert rows, "every criterion has an English version: nothing to fall back from"
    entity, text = rows[0]["entity"].value, rows[0]["text"].value
    row = property_row(
        page(client, "/page/" + entity.removeprefix(BASE + "id/"), "en"), "criterion"
    )
    shown = [e for e in row.find("td").elements() if e.attributes.get("lang") == "fr"]
    assert any(" ".join(text.split()) in e.text() for e in shown)


# --- links pointing to the page ---------------------------------------------------------------


POINTING_TO_OURS = """
SELECT DISTINCT ?p WHERE { ?s ?p ?o FILTER(isIRI(?o) && STRSTARTS(STR(?o), STR(<id/>))) }
"""


def incoming_headings(document: Node) -> list[str]:
    section = next(
        s for s in document.find_all("section") if s.attributes.get("aria-labelledby") == "incoming"
    )
    return [h.text() for h in section.find_all("h3")]


def test_a_link_to_the_page_is_named_from_the_pages_point_of_view(client, knowledge_store):
    # Réseau #HealthTech org:hasMember Lille: read from Lille's page, Lille is a member of it.
    (row,) = knowledge_store.select(
        "SELECT ?network ?lille WHERE { ?network <http://www.w3.org/ns/org#hasMember> ?lille }",
        lille=ox.NamedNode(BASE + "id/ecosystem/lille"),
    ) or [None]
    assert row is not None, "no organisation has Lille as member any more"
    for lang, inverse, forward in (
        ("fr", "membre de", "a pour membre"),
        ("en", "member of", "has member"),
    ):
        headings = incoming_headings(page(client, "/page/ecosystem/lille", lang))
        assert any(h.startswith(inverse + " (") for h in headings), headings
        assert not any(h.startswith(forward + " (") for h in headings), headings


def test_every_property_pointing_to_our_entities_has_an_inverse_name_in_both_languages(
    knowledge_store,
):
    ontology = rdflib.Graph()
    for path in sorted((PROJECT_ROOT / "ontology").glob("*.ttl")):
        if path.name != "shapes.ttl":
            ontology.parse(path, format="turtle", publicID=BASE)
    used = {row["p"].value for row in knowledge_store.select(POINTING_TO_OURS)}
    missing = sorted(
        p
        for p in used
        if {lit.language for lit in ontology.objects(rdflib.URIRef(p), FTKG.inverseLabel)}
        < {"fr", "en"}
    )
    assert missing == []

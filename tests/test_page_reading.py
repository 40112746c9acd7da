"""Entity pages as a researcher reads them: footnotes that cannot run together, notes in the
reader's language, and links pointing to the page named from the page's own point of view."""

from __future__ import annotations

import rdflib
from conftest import BASE
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

"""The home page and the error pages."""

from __future__ import annotations

import html
import json


def test_home_page_says_what_the_service_is_and_counts_entities(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "French Tech Knowledge Graph" in page
    assert "label award" in page  # a class count row, labelled from the ontology
    assert "Licence Ouverte" in page


def test_home_page_lists_every_example_query_by_title(client, app):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for example in app.extensions["ftkg.examples"]:
        assert example.title("en") in html.unescape(page)


def test_an_unknown_path_is_a_404_in_the_clients_format(client):
    response = client.get("/nothing-here", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert json.loads(response.data)["status"] == 404

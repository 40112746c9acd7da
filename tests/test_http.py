"""The web surface of the first issue: home page and the SPARQL endpoint's basics."""

from __future__ import annotations

import html
import json

import pyoxigraph as ox
import pytest

ASK_CAPITALE = "ASK { ?a <http://kg.test/ontology#labelKind> <http://kg.test/id/label-kind/capitale-french-tech> }"
SELECT_AWARDS = "SELECT ?a WHERE { ?a <ontology#awardee> <id/ecosystem/lille> } ORDER BY ?a"


def test_home_page_says_what_the_service_is_and_counts_entities(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "French Tech Knowledge Graph" in page
    assert "label award" in page  # a class count row, labelled from the ontology
    assert "Licence Ouverte" in page


def test_home_page_lists_every_example_query_by_title(client, app):
    page = client.get("/").get_data(as_text=True)
    for example in app.extensions["ftkg.examples"]:
        assert example.title("en") in html.unescape(page)


def test_get_query_answers_sparql_results_json(client):
    response = client.get("/sparql", query_string={"query": SELECT_AWARDS})
    assert response.status_code == 200
    assert response.content_type == "application/sparql-results+json; charset=utf-8"
    bindings = json.loads(response.data)["results"]["bindings"]
    assert len(bindings) == 4
    assert bindings[0]["a"]["value"] == "http://kg.test/id/award/2014-metropole-lille"


def test_form_post_query_answers_the_same(client):
    response = client.post("/sparql", data={"query": ASK_CAPITALE})
    assert response.status_code == 200
    assert json.loads(response.data) == {"head": {}, "boolean": True}


def test_direct_post_query_answers_the_same(client):
    response = client.post(
        "/sparql", data=ASK_CAPITALE.encode(), content_type="application/sparql-query"
    )
    assert response.status_code == 200
    assert json.loads(response.data)["boolean"] is True


def test_construct_answers_turtle_by_default(client):
    query = "CONSTRUCT { ?a a ?t } WHERE { ?a a ?t FILTER(?a = <id/award/2019-capitale-lille>) }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    triples = list(ox.parse(response.data, ox.RdfFormat.TURTLE))
    assert {t.object.value for t in triples} == {"http://kg.test/ontology#LabelAward"}


def test_a_malformed_query_is_a_400_with_the_parser_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "1:" in response.get_data(as_text=True)
    assert "invalid SPARQL query" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("kwargs", "status", "phrase"),
    [
        ({"query_string": {}}, 400, "no query"),
        ({"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "exactly one query"),
    ],
)
def test_get_without_exactly_one_query_is_a_400(client, kwargs, status, phrase):
    response = client.get("/sparql", **kwargs)
    assert response.status_code == status
    assert phrase in response.get_data(as_text=True)


def test_a_body_of_another_type_is_a_415(client):
    response = client.post("/sparql", data=b"ASK {}", content_type="text/plain")
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_data(as_text=True)


def test_a_body_that_is_not_utf8_is_a_400(client):
    response = client.post(
        "/sparql", data=b'ASK { ?s ?p "\xff" }', content_type="application/sparql-query"
    )
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


def test_an_unsupported_accept_is_a_406_listing_what_is_offered(client):
    response = client.get(
        "/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.get_data(as_text=True)


def test_an_unsupported_method_is_a_405_with_allow(client):
    response = client.put("/sparql")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_an_unknown_path_is_a_404_in_the_clients_format(client):
    response = client.get("/nothing-here", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert json.loads(response.data)["status"] == 404

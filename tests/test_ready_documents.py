"""Entity IRIs and data documents answered from the documents made at build, before Flask:
the same answers as the views give, header for header, and everything else left to them."""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import wsgi_layers
from conftest import BASE
from flask import Flask
from werkzeug.test import Client, TestResponse
from wsgi_layers import answered_alone, answered_behind, counted, decoded

from server.app import create_app
from server.entities import describe as describing
from server.ready_documents import ReadyDocuments

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
# What differs between two exchanges whoever answers them.
PER_EXCHANGE = {"date"}


@pytest.fixture(scope="module")
def app(built_store) -> Flask:
    # No response cache: the views must make every answer compared here.
    return create_app({"TESTING": True, "STORE": str(built_store), "RESPONSE_CACHE_MB": 0})


@pytest.fixture
def layer(app) -> Iterator[ReadyDocuments]:
    with counted(app, ReadyDocuments) as layer:
        yield layer


def comparable(response: TestResponse) -> dict[str, str]:
    return wsgi_layers.comparable(response, PER_EXCHANGE)


@pytest.mark.parametrize("extension", ["ttl", "jsonld", "nt"])
@pytest.mark.parametrize("encoding", [None, "gzip", "gzip, deflate", "deflate, GZIP"])
def test_a_document_made_at_build_is_answered_as_the_view_answers_it(layer, extension, encoding):
    path = f"/data/commune/59350.{extension}"
    headers = {"Accept-Encoding": encoding} if encoding else {}
    fast = answered_alone(layer, path, headers=headers)
    slow = answered_behind(layer, path, headers=headers)
    assert fast.status_code == slow.status_code == 200
    assert comparable(fast) | {"content-length": ""} == comparable(slow) | {"content-length": ""}
    assert decoded(fast) == decoded(slow)


@pytest.mark.parametrize(
    "accept",
    [None, "*/*", "text/turtle", "application/ld+json", "text/html;q=0.1, text/turtle", CHROME],
)
def test_an_entity_iri_is_answered_303_as_the_view_answers_it(layer, accept):
    headers = {"Accept": accept} if accept else {}
    fast = answered_alone(layer, "/id/ecosystem/lille", headers=headers)
    slow = answered_behind(layer, "/id/ecosystem/lille", headers=headers)
    assert fast.status_code == slow.status_code == 303
    assert comparable(fast) == comparable(slow)
    assert fast.get_data() == slow.get_data()


def test_the_addresses_keep_the_prefix_the_service_is_published_under(layer):
    response = answered_alone(layer, "/id/commune/59350", base_url="http://localhost/kg/")
    assert response.headers["Location"] == "/kg/data/commune/59350.ttl"
    assert "</kg/page/commune/59350>" in response.headers["Link"]


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/data/commune/59350.ttl?page=1", {}),  # a query string: the view reads it
        ("/id/commune/59350?format=ttl", {}),
        ("/data/commune/59350.ttl", {"headers": {"If-None-Match": '"x"'}}),  # revalidation
        ("/data/commune/59350.ttl", {"headers": {"Accept-Encoding": "br"}}),  # Flask compresses
        # Codings with q-values, identity or *, where flask-compress's reading decides.
        ("/data/commune/59350.ttl", {"headers": {"Accept-Encoding": "identity, gzip;q=0.5"}}),
        ("/data/commune/59350.ttl", {"headers": {"Accept-Encoding": "gzip; q=0.5"}}),
        ("/data/commune/59350.ttl", {"headers": {"Accept-Encoding": "gzip;q=0"}}),
        ("/data/commune/59350.ttl", {"headers": {"Accept-Encoding": "br;q=0.5, gzip"}}),
        ("/data/commune/59350.ttl", {"headers": {"Accept-Encoding": "*"}}),
        ("/data/commune/59350.ttl", {"environ_overrides": {"SCRIPT_NAME": "/kg/"}}),
        ("/data/commune/59350.rdf", {}),  # a format not kept
        ("/data/commune/00000.ttl", {}),  # nothing known: the view's 404
        ("/id/commune/00000", {}),
        ("/id/commune/59350", {"headers": {"Accept": "image/png"}}),  # the view's 406
        ("/id/dataset/french-tech-kg", {}),
    ],
)
def test_what_the_documents_do_not_answer_goes_on_to_the_views(layer, path, kwargs):
    before = layer.app.calls
    Client(layer).get(path, **kwargs)
    assert layer.app.calls == before + 1


def test_a_former_identifier_goes_on_to_the_views_and_its_301(layer):
    store = layer.live.current.store
    replaced = store.store.quads_for_pattern(
        None, describing.DCT_REPLACED_BY, None, ox.DefaultGraph()
    )
    aliases = [
        q.subject.value
        for q in replaced
        if q.subject.value.startswith(BASE + "id/") and describing.is_alias(store, q.subject.value)
    ]
    assert aliases, "the data names no former identifier to try"
    path = aliases[0][len(BASE) + 3 :]
    for address in (f"/id/{path}", f"/data/{path}.ttl"):
        before = layer.app.calls
        response = Client(layer).get(address)
        assert layer.app.calls == before + 1
        assert response.status_code == 301


@pytest.mark.parametrize(
    "host", ["example.org:80", "data.example.org:8443", 'a>; rel="x", <http://evil']
)
def test_the_json_ld_context_is_linked_at_the_host_as_the_view_reads_it(layer, host):
    # Werkzeug reads the Host (drops a default port, refuses characters no host has); the
    # raw header never reaches the Link.
    fast = answered_alone(layer, "/data/commune/59350.jsonld", headers={"Host": host})
    slow = answered_behind(layer, "/data/commune/59350.jsonld", headers={"Host": host})
    assert fast.headers["Link"] == slow.headers["Link"]
    assert "evil" not in fast.headers["Link"]


def test_a_head_request_gets_the_headers_the_view_sends_without_the_body(layer):
    fast = Client(layer).head("/data/commune/59350.ttl")
    slow = Client(layer.app.app).head("/data/commune/59350.ttl")
    assert fast.status_code == slow.status_code == 200
    assert comparable(fast) == comparable(slow)
    assert fast.get_data() == b""

"""Queries answered before Flask (sent by GET, or POSTed as a form or as the query itself):
the answers the endpoint gives, header for header, one rate-limit count whichever way a
request goes, and everything else left to it."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
import wsgi_layers
from conftest import BASE
from flask import Flask
from werkzeug.test import Client, EnvironBuilder, TestResponse
from wsgi_layers import answered_alone, answered_behind, counted, decoded, layer_of

from server.app import create_app
from server.direct_queries import DirectQueries

# What differs between two exchanges whoever answers them.
PER_EXCHANGE = {"date", "x-ratelimit-remaining", "x-ratelimit-reset"}
PREFIXES = "PREFIX igeo: <http://rdf.insee.fr/def/geo#>\n"
LOOKUP = f"SELECT ?p ?o WHERE {{ <{BASE}id/commune/59350> ?p ?o }}"
# Not a lookup: a join, answered in the web process as its worst case is small.
JOIN = PREFIXES + (
    f"SELECT ?name ?region WHERE {{ <{BASE}id/commune/59350> igeo:nom ?name ; "
    "igeo:subdivisionDe ?r . ?r a igeo:Region ; igeo:nom ?region }"
)
ASK = f"ASK {{ <{BASE}id/commune/59350> ?p ?o }}"
CONSTRUCT = (
    f"CONSTRUCT {{ <{BASE}id/commune/59350> ?p ?o }} WHERE {{ <{BASE}id/commune/59350> ?p ?o }}"
)
DESCRIBE = f"DESCRIBE <{BASE}id/ecosystem/lille>"
SOLUTION_TYPES = [
    None,
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = [None, "text/turtle", "application/n-triples", "application/ld+json"]


@pytest.fixture(scope="module")
def app(built_store) -> Flask:
    # No response cache: the endpoint must make every answer compared here. A limit no test
    # reaches, so that the count's headers are there to compare.
    return create_app(
        {
            "TESTING": True,
            "STORE": str(built_store),
            "RESPONSE_CACHE_MB": 0,
            "RATE_LIMIT": "100000 per minute",
        }
    )


@pytest.fixture
def layer(app) -> Iterator[DirectQueries]:
    with counted(app, DirectQueries) as layer:
        yield layer


def address(query: str, **more: str) -> str:
    return "/sparql?" + urlencode({"query": query, **more})


# The three ways of SPARQL 1.1 Protocol §2.1 to send a query.
SENDINGS = ["get", "form", "direct"]


def sent(client: Client, sending: str, query: str, headers: dict[str, str]) -> TestResponse:
    """``query`` sent to ``client``'s /sparql the way ``sending`` names."""
    if sending == "get":
        return client.get(address(query), headers=headers)
    if sending == "form":
        return client.post("/sparql", data={"query": query}, headers=headers)
    return client.post(
        "/sparql", data=query.encode(), content_type="application/sparql-query", headers=headers
    )


def both_ways(
    layer: DirectQueries, sending: str, query: str, headers: dict[str, str]
) -> tuple[TestResponse, TestResponse]:
    """The layer's answer (which must not have needed the app) and the endpoint's."""
    before = layer.app.calls
    fast = sent(Client(layer), sending, query, headers)
    assert layer.app.calls == before, f"{query} ({sending}) was handed on to Flask"
    return fast, sent(Client(layer.app.app), sending, query, headers)


def comparable(response: TestResponse) -> dict[str, str]:
    return wsgi_layers.comparable(response, PER_EXCHANGE)


def assert_same_answer(fast: TestResponse, slow: TestResponse) -> None:
    assert fast.status_code == slow.status_code == 200
    assert comparable(fast) == comparable(slow)
    assert decoded(fast) == decoded(slow)
    assert "X-RateLimit-Remaining" in fast.headers


@pytest.mark.parametrize("sending", SENDINGS)
@pytest.mark.parametrize("accept", SOLUTION_TYPES)
@pytest.mark.parametrize("query", [LOOKUP, JOIN, ASK], ids=["lookup", "join", "ask"])
def test_a_query_is_answered_as_the_endpoint_answers_it(layer, query, accept, sending):
    headers = {"Accept": accept} if accept else {}
    assert_same_answer(*both_ways(layer, sending, query, headers))


@pytest.mark.parametrize("sending", SENDINGS)
@pytest.mark.parametrize("accept", GRAPH_TYPES)
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_a_graph_query_is_answered_as_the_endpoint_answers_it(layer, query, accept, sending):
    headers = {"Accept": accept} if accept else {}
    assert_same_answer(*both_ways(layer, sending, query, headers))


@pytest.mark.parametrize("sending", SENDINGS)
@pytest.mark.parametrize("encoding", ["gzip", "gzip, deflate", "deflate, GZIP"])
@pytest.mark.parametrize("query", [LOOKUP, JOIN, ASK], ids=["lookup", "join", "ask"])
def test_an_answer_is_gzipped_as_the_endpoint_gzips_it(layer, query, encoding, sending):
    fast, slow = both_ways(layer, sending, query, {"Accept-Encoding": encoding})
    assert fast.headers["Content-Encoding"] == "gzip"
    assert_same_answer(fast, slow)


def test_only_an_answer_to_a_get_is_marked_for_caches(layer):
    by_get, _ = both_ways(layer, "get", LOOKUP, {})
    by_post, _ = both_ways(layer, "form", LOOKUP, {})
    assert {"ETag", "Last-Modified", "Cache-Control"} <= set(by_get.headers.keys())
    assert not {"ETag", "Last-Modified", "Cache-Control"} & set(by_post.headers.keys())


def test_the_links_keep_the_prefix_the_service_is_published_under(layer):
    fast = answered_alone(layer, address(LOOKUP), base_url="http://localhost/kg/")
    slow = answered_behind(layer, address(LOOKUP), base_url="http://localhost/kg/")
    assert "</kg/.well-known/void>" in fast.headers["Link"]
    assert fast.headers["Link"] == slow.headers["Link"]


def test_a_truncated_result_says_so_as_the_endpoint_does(built_store):
    app = create_app(
        {"TESTING": True, "STORE": str(built_store), "RESPONSE_CACHE_MB": 0, "RESULT_LIMIT": 3}
    )
    layer = layer_of(app, DirectQueries)
    fast = Client(layer).get(address(LOOKUP))
    slow = Client(layer.app).get(address(LOOKUP))
    assert fast.headers["X-Result-Truncated"] == "true"
    assert comparable(fast) == comparable(slow)
    assert decoded(fast) == decoded(slow)
    assert decoded(fast).count(b'"p":') == 3


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        (address(LOOKUP, format="json"), {}),  # another parameter: the view reads it
        (address(LOOKUP, **{"default-graph-uri": BASE + "graph/x"}), {}),
        ("/sparql?query=" + "SELECT%20%2A%20WHERE%20%7B%7D&query=ASK%7B%7D", {}),  # two queries
        ("/sparql?query=%20", {}),  # an empty query: the view's 400
        ("/sparql?query=%FF", {}),  # not UTF-8: the view's 400
        ("/sparql", {}),  # the service description
        (address("INSERT DATA { <a:b> <a:b> <a:b> }"), {}),  # an update: the view's 400
        (address("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"), {}),
        (address("this is no query"), {}),
        (address(LOOKUP), {"headers": {"Accept": "image/png"}}),  # the view's 406
        (address(CONSTRUCT), {"headers": {"Accept": "text/csv"}}),  # no graph in CSV
        (address(LOOKUP), {"headers": {"If-None-Match": '"x"'}}),  # revalidation
        (address(LOOKUP), {"headers": {"Accept-Encoding": "br"}}),  # Flask compresses
        (address(LOOKUP), {"headers": {"Accept-Encoding": "gzip;q=0.5"}}),
        (address(LOOKUP), {"environ_overrides": {"SCRIPT_NAME": "/kg/"}}),
    ],
)
def test_what_the_layer_does_not_answer_goes_on_to_the_endpoint(layer, path, kwargs):
    before = layer.app.calls
    Client(layer).get(path, **kwargs)
    assert layer.app.calls == before + 1


def test_a_head_request_goes_on_to_the_endpoint(layer):
    before = layer.app.calls
    head = Client(layer).head(address(LOOKUP))
    assert layer.app.calls == before + 1
    assert head.status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"query": LOOKUP, "default-graph-uri": BASE + "graph/x"}},  # a dataset
        {"data": {"update": "INSERT DATA { <a:b> <a:b> <a:b> }"}},  # the view's 403
        {"data": {"query": LOOKUP}, "query_string": {"format": "json"}},  # a query string too
        {"data": b"\xff", "content_type": "application/sparql-query"},  # not UTF-8: a 400
        {"data": b" ", "content_type": "application/sparql-query"},  # empty: the view's 400
        {"data": LOOKUP.encode(), "content_type": "text/plain"},  # the view's 415
        {"data": {"query": "x" * (64 * 1024)}},  # a body longer than the cache reads ahead
    ],
    ids=["dataset", "update", "query-string", "not-utf8", "empty", "text-plain", "long"],
)
def test_a_post_the_layer_does_not_answer_goes_on_to_the_endpoint(layer, kwargs):
    before = layer.app.calls
    Client(layer).post("/sparql", **kwargs)
    assert layer.app.calls == before + 1


def test_a_query_that_fails_is_answered_by_the_endpoint_with_its_error(layer):
    broken = "SELECT ?s WHERE { ?s ?p }"  # a SELECT to the profile, not to the parser
    before = layer.app.calls
    fast = Client(layer).get(address(broken), headers={"Accept": "application/json"})
    slow = answered_behind(layer, address(broken), headers={"Accept": "application/json"})
    assert layer.app.calls == before + 1
    assert fast.status_code == slow.status_code == 400
    assert fast.get_json() == slow.get_json()
    assert "invalid SPARQL query" in fast.get_json()["message"]


def test_a_posted_query_that_fails_is_answered_by_the_endpoint_with_its_error(layer):
    broken = "SELECT ?s WHERE { ?s ?p }"
    before = layer.app.calls
    fast = Client(layer).post("/sparql", data={"query": broken})
    assert layer.app.calls == before + 1
    assert fast.status_code == 400
    assert "invalid SPARQL query" in fast.get_data(as_text=True)


def test_a_failed_query_is_counted_once_against_the_rate_limit(layer):
    first = answered_alone(layer, address(LOOKUP))
    failed = Client(layer).get(address("SELECT ?s WHERE { ?s ?p }"))
    after = answered_alone(layer, address(LOOKUP))
    remaining = [int(r.headers["X-RateLimit-Remaining"]) for r in (first, failed, after)]
    assert remaining == [remaining[0], remaining[0] - 1, remaining[0] - 2]


def test_requests_answered_either_way_share_one_rate_limit_count(built_store):
    app = create_app(
        {
            "TESTING": True,
            "STORE": str(built_store),
            "RESPONSE_CACHE_MB": 0,
            "RATE_LIMIT": "4 per minute",
            "WORKERS": 1,
        }
    )
    client = Client(app)
    answers = [
        client.get(address(LOOKUP)),  # before Flask
        client.get(address(LOOKUP, format="json")),  # through Flask (a parameter it reads)
        client.get(address(JOIN)),
        client.get(address(JOIN, format="json")),
    ]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["3", "2", "1", "0"]
    refused = client.get(address(ASK))
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1


def test_an_answer_is_kept_and_asked_again_is_a_cache_hit(built_store):
    app = create_app({"TESTING": True, "STORE": str(built_store), "RESPONSE_CACHE_MB": 8})
    client = Client(app)
    first = client.get(address(JOIN))
    sent = first.get_data()  # kept once the whole body was sent
    again = client.get(address(JOIN))
    assert "X-Cache" not in first.headers
    assert again.headers["X-Cache"] == "hit"
    assert again.get_data() == sent


def test_an_answer_to_a_posted_query_is_kept_and_asked_again_is_a_cache_hit(built_store):
    app = create_app({"TESTING": True, "STORE": str(built_store), "RESPONSE_CACHE_MB": 8})
    client = Client(app)
    first = client.post("/sparql", data={"query": JOIN})
    kept = first.get_data()
    again = client.post("/sparql", data={"query": JOIN})
    assert again.headers["X-Cache"] == "hit"
    assert again.get_data() == kept


def test_an_answer_revalidated_is_a_304(built_store):
    app = create_app({"TESTING": True, "STORE": str(built_store), "RESPONSE_CACHE_MB": 0})
    client = Client(app)
    first = client.get(address(LOOKUP))
    again = client.get(address(LOOKUP), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]


def test_an_answer_closed_unread_lets_its_worker_go(built_store):
    app = create_app(
        {
            "TESTING": True,
            "STORE": str(built_store),
            "RESPONSE_CACHE_MB": 0,
            "QUERY_WORKERS": 1,
            "QUEUE_TIMEOUT": 2,
        }
    )
    layer = layer_of(app, DirectQueries)
    bodies = []  # held, so that only close() can let their workers go, not the collector
    for _ in range(3):  # each would hold the only worker, were it not let go of
        environ = EnvironBuilder(path="/sparql", query_string={"query": JOIN}).get_environ()
        bodies.append(layer(environ, lambda status, headers, exc_info=None: None))
        bodies[-1].close()
    answered = Client(layer).get(address(JOIN))
    assert answered.status_code == 200
    assert b"Lille" in answered.get_data()

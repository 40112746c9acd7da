"""Rate limits on the expensive surfaces: SPARQL, search, reconciliation."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from conftest import serving

from server.app import create_app
from server.limits import per_worker

FTKG = "http://kg.test/ontology#"


def limited_app(knowledge_store, **config):
    return create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store, "WORKERS": 1, **config})


def test_each_worker_enforces_its_share_of_a_limit_counted_in_its_own_memory():
    assert per_worker("600 per minute", 2, "memory://") == "300 per 1 minute"


def test_a_share_is_rounded_up_so_that_a_small_limit_still_lets_requests_through():
    assert per_worker("3 per minute", 2, "memory://") == "2 per 1 minute"


def test_every_part_of_a_compound_limit_is_shared():
    assert per_worker("10 per second; 600 per 2 hours", 4, "memory://") == (
        "3 per 1 second; 150 per 2 hour"
    )


def test_a_shared_storage_enforces_the_whole_limit_in_each_worker():
    assert per_worker("600 per minute", 2, "redis://127.0.0.1:6379") == "600 per minute"


def test_a_limit_that_does_not_parse_is_refused_with_an_example_of_the_syntax(knowledge_store):
    with pytest.raises(ValueError, match="'60 per minute'"):
        limited_app(knowledge_store, SEARCH_RATE_LIMIT="lots")


def test_search_answers_429_with_retry_after_past_its_limit(knowledge_store):
    client = limited_app(knowledge_store, SEARCH_RATE_LIMIT="2 per minute").test_client()
    statuses = [client.get("/search", query_string={"q": f"lil{i}"}).status_code for i in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get(
        "/search", query_string={"q": "lille"}, headers={"Accept": "application/json"}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "2 per 1 minute" in refused.get_json()["message"]


def test_an_answer_within_the_limit_carries_its_count_and_no_retry_after(knowledge_store):
    client = limited_app(knowledge_store, RATE_LIMIT="3 per minute").test_client()
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "2"
    # Retry-After says when to retry a refused request (RFC 9110 §10.2.3); nothing to retry here.
    assert "Retry-After" not in response.headers


def test_a_429_says_how_long_until_the_window_lets_the_client_through(knowledge_store):
    client = limited_app(knowledge_store, SEARCH_RATE_LIMIT="1 per 2 seconds").test_client()
    assert client.get("/search", query_string={"q": "lille"}).status_code == 200
    refused = client.get("/search", query_string={"q": "lyon"})
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 2
    time.sleep(wait)
    assert client.get("/search", query_string={"q": "lyon"}).status_code == 200


def test_reconciliation_answers_429_past_its_limit(knowledge_store):
    client = limited_app(knowledge_store, RECONCILE_RATE_LIMIT="1 per minute").test_client()
    queries = json.dumps({"q0": {"query": "Lille"}})
    assert client.post("/reconcile", data={"queries": queries}).status_code == 200
    refused = client.post("/reconcile", data={"queries": queries})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_each_surface_counts_apart(knowledge_store):
    client = limited_app(
        knowledge_store, SEARCH_RATE_LIMIT="1 per minute", RATE_LIMIT="1 per minute"
    ).test_client()
    assert client.get("/search", query_string={"q": "lille"}).status_code == 200
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    assert client.get("/search", query_string={"q": "lyon"}).status_code == 429


def test_pages_and_documents_are_never_rate_limited(knowledge_store):
    client = limited_app(knowledge_store, RATE_LIMIT="1 per minute").test_client()
    statuses = {client.get("/data/ecosystem/lille.ttl").status_code for _ in range(5)}
    assert statuses == {200}


def test_the_service_description_publishes_the_endpoint_rate_limit(knowledge_store):
    client = limited_app(knowledge_store).test_client()
    response = client.get("/sparql", headers={"Accept": "application/n-triples"})
    triples = list(ox.parse(response.get_data(), ox.RdfFormat.N_TRIPLES))
    limits = {t.object.value for t in triples if t.predicate == ox.NamedNode(FTKG + "rateLimit")}
    assert limits == {"600 per minute"}


def post_query(url: str, query: str) -> int:
    body = urllib.parse.urlencode({"query": query}).encode()
    try:
        with urllib.request.urlopen(url + "sparql", data=body, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code


@pytest.mark.live
def test_two_web_workers_together_never_let_a_client_past_the_published_limit(
    built_store, tmp_path
):
    with serving(built_store, tmp_path, WORKERS="2", RATE_LIMIT="10 per minute") as url:
        # Distinct queries, so that none is answered from a response cache.
        statuses = [post_query(url, f"ASK {{ ?s ?p {i} }}") for i in range(30)]
    assert set(statuses) == {200, 429}
    assert 5 <= statuses.count(200) <= 10

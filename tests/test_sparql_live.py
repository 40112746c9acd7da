"""The endpoint over real HTTP: real clients, deadlines, truncation, streaming, faults."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

import pytest
import rdflib
from conftest import BASE, serving
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

pytestmark = pytest.mark.live

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
LILLE = (
    "SELECT ?a WHERE { ?a <http://kg.test/ontology#awardee> <http://kg.test/id/ecosystem/lille> }"
)


def get(url: str, **params: str) -> tuple[int, Message, bytes]:
    # Header names are case-insensitive (RFC 9110 §5.1): keep the Message, not a dict.
    full = url + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with urllib.request.urlopen(full, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def ready(url: str) -> dict:
    return json.loads(get(url + "health/ready")[2])


@pytest.fixture(scope="module")
def strict_server(built_store, tmp_path_factory):
    """A server with a 2 s deadline and a 100-row limit; one web process, so that its
    readiness report lists every query worker."""
    with serving(
        built_store,
        tmp_path_factory.mktemp("strict"),
        QUERY_TIMEOUT="2",
        RESULT_LIMIT="100",
        WORKERS="1",
    ) as url:
        yield url


@pytest.fixture(scope="module")
def busy_server(built_store, tmp_path_factory):
    """One query worker with a 2 s deadline, a 1 s wait for it, and the rate limit on (its
    counts must not turn into a Retry-After on these answers)."""
    with serving(
        built_store,
        tmp_path_factory.mktemp("busy"),
        QUERY_TIMEOUT="2",
        QUERY_WORKERS="1",
        QUEUE_TIMEOUT="1",
        WORKERS="1",
        RATE_LIMIT="1000 per minute",
    ) as url:
        yield url


def fresh_query() -> str:
    """A query no response cache holds, so that a query worker must answer it."""
    return f"ASK {{ ?s ?p {time.monotonic_ns()} }}"


# --- real clients ----------------------------------------------------------------------------


def test_sparqlwrapper_select_in_json_and_xml(live_server):
    for fmt in (JSON, XML):
        client = SPARQLWrapper(live_server + "sparql")
        client.setQuery(LILLE)
        client.setReturnFormat(fmt)
        result = client.queryAndConvert()
        if fmt == JSON:
            assert len(result["results"]["bindings"]) == 4
        else:
            assert len(result.getElementsByTagName("result")) == 4


def test_sparqlwrapper_construct_in_turtle(live_server):
    client = SPARQLWrapper(live_server + "sparql")
    client.setQuery("CONSTRUCT WHERE { <http://kg.test/id/ecosystem/lille> ?p ?o }")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.queryAndConvert(), format="turtle")
    assert len(graph) > 5


def test_sparqlwrapper_ask_by_post(live_server):
    client = SPARQLWrapper(live_server + "sparql")
    client.setMethod("POST")
    client.setQuery("ASK { <http://kg.test/id/commune/59350> ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


def test_rdflib_sparqlstore_queries_the_endpoint(live_server):
    graph = rdflib.Graph(store=SPARQLStore(live_server + "sparql", returnFormat="json"))
    rows = list(graph.query(LILLE))
    assert len(rows) == 4
    assert (
        rdflib.URIRef(BASE + "id/ecosystem/lille"),
        rdflib.URIRef(BASE + "ontology#federatedBy"),
        rdflib.URIRef(BASE + "id/organisation/french-tech-lille"),
    ) in graph


# --- deadline ----------------------------------------------------------------------------------


def test_a_runaway_query_is_stopped_at_the_deadline_and_the_server_keeps_serving(strict_server):
    workers_before = set(ready(strict_server)["query_workers"])
    started = time.monotonic()
    status, _, body = get(strict_server + "sparql", query=RUNAWAY)
    elapsed = time.monotonic() - started
    assert status == 503
    assert "2 s limit" in body.decode()
    assert elapsed < 20  # stopped by the deadline, not by finishing
    status, _, body = get(strict_server + "sparql", query=LILLE)
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 4
    workers_after = set(ready(strict_server)["query_workers"])
    assert len(workers_after) == len(workers_before)
    assert workers_after != workers_before  # the runaway's worker was replaced


def test_other_requests_are_answered_while_a_query_runs_away(strict_server):
    import threading

    results = {}
    runaway = threading.Thread(
        target=lambda: results.update(runaway=get(strict_server + "sparql", query=RUNAWAY)[0])
    )
    runaway.start()
    time.sleep(0.3)
    status, _, _ = get(strict_server + "sparql", query=LILLE)
    assert status == 200
    runaway.join()
    assert results["runaway"] == 503


def test_a_query_stopped_at_its_deadline_is_not_invited_to_retry(busy_server):
    status, headers, body = get(busy_server + "sparql", query=RUNAWAY)
    assert status == 503 and "2 s limit" in body.decode()
    # The same query would run out of time again: no Retry-After (RFC 9110 §10.2.3).
    assert headers["Retry-After"] is None


def test_busy_workers_say_when_one_is_free_and_a_retry_then_is_answered(busy_server):
    import threading

    runaway = threading.Thread(target=lambda: get(busy_server + "sparql", query=RUNAWAY))
    runaway.start()
    time.sleep(0.3)
    status, headers, body = get(busy_server + "sparql", query=fresh_query())
    assert status == 503 and "busy" in body.decode()
    wait = int(headers["Retry-After"])
    # The runaway holds the only worker until its deadline, at most 2 s after it started.
    assert 1 <= wait <= 2
    time.sleep(wait)
    assert get(busy_server + "sparql", query=fresh_query())[0] == 200
    runaway.join()


# --- limits and safety -------------------------------------------------------------------------


def test_truncation_is_announced_over_http(strict_server):
    status, headers, body = get(
        strict_server + "sparql", query="SELECT * WHERE { ?s ?p ?o } LIMIT 500"
    )
    assert status == 200
    assert headers["X-Result-Truncated"] == "true"
    assert headers["X-Result-Limit"] == "100"
    document = json.loads(body)
    assert document["truncated"] is True and len(document["results"]["bindings"]) == 100


def test_service_is_refused_over_http(live_server):
    status, _, body = get(
        live_server + "sparql",
        query="SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    )
    assert status == 403
    assert "federated queries are disabled" in body.decode()


@pytest.mark.parametrize(
    ("params", "status"),
    [({"query": "SELECT ?x WHERE {"}, 400), ({}, 200), ({"query": "ASK {}", "format": "pdf"}, 400)],
)
def test_error_statuses_over_http(live_server, params, status):
    assert get(live_server + "sparql", **params)[0] == status


def test_an_unsupported_content_type_is_a_415_over_http(live_server):
    request = urllib.request.Request(
        live_server + "sparql", data=b"ASK {}", headers={"Content-Type": "text/plain"}
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    with error.value:
        assert error.value.code == 415


# --- streaming and broken connections -----------------------------------------------------------


def test_a_large_result_streams_and_a_client_leaving_frees_its_worker(
    built_store, tmp_path_factory
):
    with serving(
        built_store,
        tmp_path_factory.mktemp("stream"),
        RESULT_LIMIT="0",
        QUERY_WORKERS="1",
        WORKERS="1",
    ) as url:
        before = ready(url)["query_workers"]
        host, port = urllib.parse.urlsplit(url).netloc.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        connection.request(
            "GET",
            "/sparql?"
            + urllib.parse.urlencode(
                {"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "format": "tsv"}
            ),
        )
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Transfer-Encoding") == "chunked"  # no length known up front
        first = response.read(65536)
        assert first.startswith(b"?s\t?p\t?o\n")
        response.close()  # leave mid-stream: 690,000 rows were not all sent
        connection.close()
        deadline = time.monotonic() + 20
        while ready(url)["query_workers"] == before and time.monotonic() < deadline:
            time.sleep(0.2)
        after = ready(url)["query_workers"]
        assert after != before and len(after) == 1
        status, _, body = get(url + "sparql", query=LILLE)
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 4


def test_a_worker_killed_mid_query_fails_cleanly_and_is_replaced(strict_server):
    import threading

    (pid, *_) = ready(strict_server)["query_workers"]
    outcome = {}
    thread = threading.Thread(
        target=lambda: outcome.update(r=get(strict_server + "sparql", query=RUNAWAY))
    )
    thread.start()
    time.sleep(0.5)
    for worker in ready(strict_server)["query_workers"]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGKILL)
    thread.join()
    status, _, body = outcome["r"]
    assert status == 503
    assert "stopped" in body.decode() or "limit" in body.decode()
    assert get(strict_server + "sparql", query=LILLE)[0] == 200
    assert pid not in ready(strict_server)["query_workers"]


def test_a_malformed_query_leaves_the_query_workers_alone(strict_server):
    # Earlier tests kill workers; a dead one is replaced when next picked: pick until both
    # are alive (distinct queries, so that none is answered from the response cache).
    deadline = time.monotonic() + 30
    limit = 1
    while len(ready(strict_server)["query_workers"]) < 2 and time.monotonic() < deadline:
        get(strict_server + "sparql", query=f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {limit}")
        limit += 1
    before = set(ready(strict_server)["query_workers"])
    assert len(before) == 2
    for _ in range(3):
        status, _, _ = get(strict_server + "sparql", query="SELECT * WHERE { ?s ?p }")
        assert status == 400
    assert set(ready(strict_server)["query_workers"]) == before

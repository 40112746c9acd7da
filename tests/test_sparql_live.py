"""The endpoint over real HTTP: real clients, deadlines, truncation, streaming, faults."""

from __future__ import annotations

import http.client
import json
import os
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import Message
from typing import Any, TypeVar

import pytest
import rdflib
from conftest import BASE, cpu_seconds, serving, wait_until
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

pytestmark = pytest.mark.live

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
T = TypeVar("T")
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

# CPU time a query worker must spend for its query to count as running: 0.1 s, ten ticks of
# the kernel's clock, which an idle worker (blocked reading its pipe) never accrues.
RUNNING = 0.1


def idle_workers(url: str, count: int) -> dict[int, float]:
    """The ``count`` query workers of ``url`` with the CPU time each has used, once none of
    them spends any: a worker replaced by an earlier test may still be starting."""

    def settled() -> dict[int, float] | None:
        pids = ready(url)["query_workers"]
        first = {pid: cpu_seconds(pid) for pid in pids}
        time.sleep(0.2)
        again = {pid: cpu_seconds(pid) for pid in pids}
        quiet = len(pids) == count and first == again and None not in first.values()
        return first if quiet else None

    return wait_until(settled, 30, what="the query workers settling idle")


def running_worker(baseline: dict[int, float], *, besides: Collection[int] = ()) -> int:
    """The worker of ``baseline`` (not one of ``besides``) that is evaluating a query: its CPU
    time rises. This is what tells a query that ran from one that was never started."""

    def busy() -> int | None:
        for pid, before in baseline.items():
            spent = cpu_seconds(pid)
            if pid not in besides and spent is not None and spent - before >= RUNNING:
                return pid
        return None

    return wait_until(busy, 10, what="a query worker starting on the query")


def runaway_running(url: str, workers: int) -> Future[tuple[int, Message, bytes]]:
    """The runaway query sent to ``url`` (with ``workers`` query workers) in the background,
    once a worker is evaluating it."""
    baseline = idle_workers(url, workers)
    runaway = in_background(get, url + "sparql", query=RUNAWAY)
    running_worker(baseline)
    return runaway


def timed_get(url: str, **params: str) -> tuple[int, Message, bytes, float]:
    """``get``, with the seconds it took."""
    started = time.monotonic()
    status, headers, body = get(url, **params)
    return status, headers, body, time.monotonic() - started


def in_background(call: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    """``call`` run on a thread of its own; its outcome comes back through the future."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(call, *args, **kwargs)
    pool.shutdown(wait=False)
    return future


def test_a_runaway_query_is_stopped_at_the_deadline_and_the_server_keeps_serving(strict_server):
    baseline = idle_workers(strict_server, 2)
    runaway = in_background(timed_get, strict_server + "sparql", query=RUNAWAY)
    worker = running_worker(baseline)  # the query did start, on this worker
    status, _, body, elapsed = runaway.result(timeout=30)
    assert status == 503
    assert "did not finish within the 2 s limit and was stopped" in body.decode()
    assert 2 <= elapsed < 20  # stopped by the deadline: not before it, and not by finishing
    status, _, body = get(strict_server + "sparql", query=LILLE)
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 4
    workers_after = set(ready(strict_server)["query_workers"])
    assert len(workers_after) == len(baseline)
    assert worker not in workers_after  # the runaway's worker was stopped and replaced
    assert set(baseline) - {worker} <= workers_after  # the other one was left alone


# What codepoint escapes hide (server.query_text): read with them undone, a join of two label
# patterns; read as pyoxigraph reads it, a comment, then every statement joined with every one.
HIDDEN_RUNAWAY = (
    "SELECT * { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o . # \\u000A "
    '?s <http://www.w3.org/2000/01/rdf-schema#label> """\n'
    "?a ?b ?c . ?d ?e ?f FILTER(STRLEN(STR(?c)) + STRLEN(STR(?f)) < 0) "
    'BIND( """ . # """ AS ?w)\n}'
)


def test_a_runaway_hidden_by_codepoint_escapes_is_stopped_at_the_deadline(strict_server):
    status, _, body, elapsed = timed_get(strict_server + "sparql", query=HIDDEN_RUNAWAY)
    assert status == 503
    assert "did not finish within the 2 s limit and was stopped" in body.decode()
    assert 2 <= elapsed < 20  # run by a worker its deadline stops, not in the web process


def test_other_requests_are_answered_while_a_query_runs_away(strict_server):
    runaway = runaway_running(strict_server, 2)
    status, _, _ = get(strict_server + "sparql", query=LILLE)
    assert status == 200
    assert not runaway.done()  # answered while the runaway still ran
    assert runaway.result(timeout=30)[0] == 503


def test_a_query_stopped_at_its_deadline_is_not_invited_to_retry(busy_server):
    status, headers, body = get(busy_server + "sparql", query=RUNAWAY)
    assert status == 503 and "2 s limit" in body.decode()
    # The same query would run out of time again: no Retry-After (RFC 9110 §10.2.3).
    assert headers["Retry-After"] is None


def test_busy_workers_say_when_one_is_free_and_a_retry_then_is_answered(busy_server):
    runaway = runaway_running(busy_server, 1)
    status, headers, body = get(busy_server + "sparql", query=fresh_query())
    assert status == 503 and "busy" in body.decode()
    wait = int(headers["Retry-After"])
    # The runaway holds the only worker until its deadline, at most 2 s after it started.
    assert 1 <= wait <= 2
    time.sleep(wait)  # a client doing as told, not a guess: the time is the server's promise
    assert get(busy_server + "sparql", query=fresh_query())[0] == 200
    runaway.result(timeout=30)


LILLE_STATEMENTS = "SELECT ?p ?o WHERE { <http://kg.test/id/ecosystem/lille> ?p ?o }"


def test_a_lookup_is_answered_while_every_query_worker_is_busy(busy_server):
    # A lookup (one pattern about one named resource) reads at most that resource's
    # statements, so the web process answers it itself, with no worker and no deadline.
    runaway = runaway_running(busy_server, 1)
    status, headers, body = get(busy_server + "sparql", query=LILLE_STATEMENTS)
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    bindings = json.loads(body)["results"]["bindings"]
    assert {"type": "uri", "value": "http://kg.test/ontology#Ecosystem"} in [
        b["o"] for b in bindings if b["p"]["value"].endswith("#type")
    ]
    assert not runaway.done()  # answered while the only worker was still busy
    assert runaway.result(timeout=30)[0] == 503


LILLE_NAMED = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    'SELECT ?s ?type WHERE { ?s rdfs:label "French Tech Lille"@en ; a ?type }'
)


def test_a_small_join_is_answered_while_every_query_worker_is_busy(busy_server):
    # What bears a label, with its types: at most a few dozen index steps by the fan-outs
    # the build recorded (server.sparql.bounds), so the web process answers it itself.
    runaway = runaway_running(busy_server, 1)
    status, _, body = get(busy_server + "sparql", query=LILLE_NAMED)
    assert status == 200
    bindings = json.loads(body)["results"]["bindings"]
    assert {"type": "uri", "value": "http://kg.test/ontology#Ecosystem"} in [
        b["type"] for b in bindings if b["s"]["value"] == "http://kg.test/id/ecosystem/lille"
    ]
    assert not runaway.done()  # answered while the only worker was still busy
    assert runaway.result(timeout=30)[0] == 503


def test_a_join_over_every_member_of_a_class_waits_for_a_worker(busy_server):
    # Every commune: tens of thousands of steps, too many to run where no deadline can stop.
    every_commune = (
        "SELECT ?c ?n WHERE { ?c a <http://rdf.insee.fr/def/geo#Commune> ; "
        "<http://rdf.insee.fr/def/geo#nom> ?n }"
    )
    runaway = runaway_running(busy_server, 1)
    status, _, body = get(busy_server + "sparql", query=every_commune)
    assert status == 503 and "busy" in body.decode()
    runaway.result(timeout=30)


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
        after = wait_until(
            lambda: (pids := ready(url)["query_workers"]) != before and pids,
            what="the abandoned query's worker being replaced",
        )
        assert after != before and len(after) == 1
        status, _, body = get(url + "sparql", query=LILLE)
        assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 4


def test_a_query_whose_worker_dies_before_answering_runs_again_on_another(strict_server):
    baseline = idle_workers(strict_server, 2)
    answer = in_background(get, strict_server + "sparql", query=RUNAWAY)
    first = running_worker(baseline)
    os.kill(first, signal.SIGKILL)
    # Nothing was answered yet, so the query is run once more; it runs until its deadline.
    running_worker(baseline, besides={first})
    status, _, body = answer.result(timeout=30)
    assert status == 503
    assert "did not finish within the 2 s limit" in body.decode()


def test_a_worker_killed_mid_query_fails_cleanly_and_is_replaced(strict_server):
    baseline = idle_workers(strict_server, 2)
    answer = in_background(get, strict_server + "sparql", query=RUNAWAY)
    # Its worker killed, the query gets one more try on another worker: killed too, the
    # death is the query's own doing, and it is reported.
    killed = set()
    for _ in range(2):
        worker = running_worker(baseline, besides=killed)
        os.kill(worker, signal.SIGKILL)
        killed.add(worker)
    status, _, body = answer.result(timeout=30)
    assert status == 503
    assert "the query worker stopped while answering; retry" in body.decode()
    assert get(strict_server + "sparql", query=LILLE)[0] == 200
    workers_after = set(ready(strict_server)["query_workers"])
    assert len(workers_after) == 2 and not killed & workers_after


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

"""The service on a remote engine: a build pushed to Oxigraph server through the Graph Store
Protocol, then served with KG_SPARQL_ENDPOINT, answering what the embedded store answers."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
import rdflib
from conftest import free_port, ftkg, oxigraph_server, serving

from server.entities import describe as describing
from server.remote import RemoteStore, with_bindings
from server.version.store import KnowledgeStore

pytestmark = pytest.mark.live

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A writable Oxigraph server; yields its root URL."""
    work = tmp_path_factory.mktemp("engine")
    with oxigraph_server(work / "db", work / "engine.log", read_only=False) as root:
        yield root


@pytest.fixture(scope="module")
def pushed(engine, built_store):
    done = ftkg("push", engine + "store", "--store", str(built_store))
    assert done.returncode == 0, done.stderr
    return engine


def count(endpoint: str) -> int:
    url = endpoint + "?" + urllib.parse.urlencode({"query": COUNT})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(json.load(response)["results"]["bindings"][0]["n"]["value"])


def test_push_loads_exactly_the_triples_of_the_build(pushed, built_store):
    built = json.loads((built_store / "live" / "build.json").read_text())
    assert count(pushed + "query") == built["triples"]


def test_the_service_on_the_remote_engine_serves_the_same_documents(
    pushed, built_store, live_server, tmp_path
):
    with serving(built_store, tmp_path, SPARQL_ENDPOINT=pushed + "query", WORKERS="1") as url:
        for path in ("data/ecosystem/lille.ttl", "data/commune/59350.ttl"):
            remote = rdflib.Graph().parse(url + path, format="turtle")
            embedded = rdflib.Graph().parse(live_server + path, format="turtle")
            assert len(remote) == len(embedded) > 10
        assert count(url + "sparql") == count(live_server + "sparql")


def test_labels_read_from_the_engine_in_one_query_are_the_embedded_stores(pushed, built_store):
    embedded = KnowledgeStore.open_live(built_store)
    try:
        remote = KnowledgeStore(RemoteStore(pushed + "query"), embedded.base_uri, "")
        linked = describing.describe(embedded, embedded.base_uri + "id/ecosystem/lille")
        iris = set(linked.labels)
        assert len(iris) > 50
        expected = describing.labels_of_all(embedded, iris)
        assert describing.labels_of_all(remote, iris) == expected
    finally:
        embedded.close()


def test_a_push_to_an_engine_that_is_not_there_fails_with_a_message(built_store):
    done = ftkg("push", f"http://127.0.0.1:{free_port()}/store", "--store", str(built_store))
    assert done.returncode == 1
    assert "refused the data" in done.stderr


def test_bindings_open_the_where_clause_and_skip_braces_in_strings_and_iris():
    query = 'CONSTRUCT { ?s ?p "{" } WHERE { ?s ?p <urn:x{> FILTER(?lang = "}") }'
    bound = with_bindings(query, {"lang": ox.Literal("fr")})
    assert bound.startswith('CONSTRUCT { ?s ?p "{" } WHERE { VALUES (?lang) { ("fr") } ')


def test_an_engine_that_does_not_answer_is_a_clear_error():
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(ValueError, match="did not answer"):
        store.query("ASK { ?s ?p ?o }")


def test_an_update_is_never_sent_to_the_engine(pushed):
    store = RemoteStore(pushed + "query")
    with pytest.raises(SyntaxError, match="updates are not accepted"):
        store.query("DELETE WHERE { ?s ?p ?o }")
    assert count(pushed + "query") > 0

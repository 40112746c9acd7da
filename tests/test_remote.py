"""The service on a remote engine: a build pushed to Oxigraph server through the Graph Store
Protocol, then served with KG_SPARQL_ENDPOINT, answering what the embedded store answers."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest
import rdflib
from conftest import BASE, PROJECT_ROOT, free_port, ftkg, oxigraph_server, serving

from server import examples
from server.entities import describe as describing
from server.remote import RemoteStore, engine_text, with_bindings
from server.version.store import KnowledgeStore

pytestmark = pytest.mark.live

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
EXAMPLES = examples.load_all(PROJECT_ROOT / "queries")


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


def test_an_update_our_scanner_cannot_read_is_refused_too():
    # \U00110000 is no code point: the scanner gives up on the text, which is still refused
    # as an update, before any connection (nothing listens at that port).
    store = RemoteStore(f"http://127.0.0.1:{free_port()}/query", timeout=2)
    with pytest.raises(SyntaxError, match="updates are not accepted"):
        store.query('INSERT DATA { <http://a> <http://b> "\\U00110000" }')


@contextmanager
def recording(endpoint: str) -> Iterator[tuple[str, list[str]]]:
    """A loopback relay in front of ``endpoint`` that keeps the text of every query the engine
    is sent; yields its URL and that list."""
    received: list[str] = []

    class Relay(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.extend(urllib.parse.parse_qs(body.decode())["query"])
            headers = {name: self.headers[name] for name in ("Content-Type", "Accept")}
            forwarded = urllib.request.Request(endpoint, data=body, headers=headers)
            try:
                with urllib.request.urlopen(forwarded, timeout=60) as response:
                    status, kind, answer = response.status, response.headers, response.read()
            except urllib.error.HTTPError as error:
                status, kind, answer = error.code, error.headers, error.read()
            self.send_response(status)
            self.send_header("Content-Type", kind["Content-Type"])
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/query", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def rows(solutions) -> Counter:
    names = [variable.value for variable in solutions.variables]
    return Counter(tuple(str(solution[name]) for name in names) for solution in solutions)


def bases(text: str) -> int:
    return len(re.findall(r"\bBASE\b", text, re.IGNORECASE))


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_every_example_query_is_answered_remotely_as_the_embedded_store_answers_it(
    knowledge_store, remote_endpoint, example
):
    remote = RemoteStore(remote_endpoint).query(example.text, base_iri=BASE)
    embedded = knowledge_store.store.query(example.text, base_iri=BASE)
    assert rows(remote) == rows(embedded)


def test_a_select_whose_comments_mention_update_keywords_is_sent_as_a_query(remote_endpoint):
    query = "# Sources that\n# ADD to what others say\nSELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    with recording(remote_endpoint) as (url, received):
        solutions = list(RemoteStore(url).query(query))
    assert len(solutions) == 1
    assert received == [query]


QUERY_WITH_ITS_OWN_BASE = "BASE <id/ecosystem/> SELECT ?p ?o WHERE { <lille> ?p ?o }"


def test_a_query_with_its_own_base_reaches_the_engine_with_that_base_only(
    knowledge_store, remote_endpoint
):
    with recording(remote_endpoint) as (url, received):
        remote = rows(RemoteStore(url).query(QUERY_WITH_ITS_OWN_BASE, base_iri=BASE))
    embedded = rows(knowledge_store.store.query(QUERY_WITH_ITS_OWN_BASE, base_iri=BASE))
    assert remote == embedded
    assert sum(embedded.values()) > 5
    assert [bases(text) for text in received] == [1]


def test_the_text_sent_resolves_every_iri_as_the_query_resolves_them_here():
    query = (
        "PREFIX p: <x/>\nBASE <a/b/>\nPREFIX q: <c/>\nbase <../d/>\n"
        "SELECT * WHERE { BIND(<> AS ?base) BIND(p:n AS ?p) BIND(q:n AS ?q) BIND(<e> AS ?e) }"
    )
    sent = engine_text(query, "http://kg.test/f/g")
    here = ox.Store().query(query, base_iri="http://kg.test/f/g")
    there = ox.Store().query(sent.text)
    assert rows(there) == rows(here)
    assert bases(sent.text) == bases(query)


def test_a_query_without_a_base_is_sent_with_the_services_base():
    sent = engine_text("SELECT * WHERE { BIND(<e> AS ?e) }", BASE)
    assert bases(sent.text) == 1
    assert rows(ox.Store().query(sent.text)) == Counter([(f"<{BASE}e>",)])


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p }",
        "BASE <id/> SELECT * WHERE { ?s ?p }",
        "PREFIX p: <x/> BASE <id/> SELECT * WHERE { ?s ?p }",
        "PREFIX p: <x/>\nBASE <id/> SELECT * WHERE {\n ?s ?p }",
    ],
)
def test_a_syntax_error_is_placed_where_the_embedded_store_places_it(remote_endpoint, query):
    with pytest.raises(SyntaxError) as embedded:
        ox.Store().query(query, base_iri=BASE)
    with pytest.raises(SyntaxError) as remote:
        RemoteStore(remote_endpoint).query(query, base_iri=BASE)
    position = re.compile(r"error at \d+:\d+")
    assert (
        position.search(str(remote.value.msg)).group()
        == position.search(str(embedded.value)).group()
    )

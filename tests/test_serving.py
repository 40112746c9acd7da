"""Production serving over real HTTP: worker processes, the response cache, swapping in a new
build while serving, and serving an Oxigraph directory built elsewhere."""

from __future__ import annotations

import gzip
import http.client
import json
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE, ftkg, serving, small_store, wait_until

from server import settings
from server.app import create_app

pytestmark = pytest.mark.live

LILLE = "data/ecosystem/lille.ttl"


def fetch(url: str, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One GET on a fresh connection (so that requests spread over the worker processes)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", "/" + path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def health(url: str) -> dict:
    return json.loads(fetch(url, "health/ready")[2])


def test_serve_runs_several_web_worker_processes(built_store, tmp_path):
    with serving(built_store, tmp_path, WORKERS="2") as url:
        seen = {health(url)["web_worker"] for _ in range(60)}
    assert len(seen) == 2


def fetch_repeatedly(url: str, path: str, times: int = 8, **headers: str) -> list[tuple]:
    return [fetch(url, path, **headers) for _ in range(times)]


# Each web worker keeps its own cache, so each may compute a representation once.
WEB_WORKERS = settings.defaults()["WORKERS"]


def test_a_repeated_request_is_answered_from_the_cache_with_the_same_bytes(live_server):
    answers = fetch_repeatedly(live_server, LILLE, Accept="text/turtle")
    hits = [headers for _, headers, _ in answers if headers.get("x-cache") == "hit"]
    assert len(hits) >= len(answers) - WEB_WORKERS
    assert {status for status, _, _ in answers} == {200}
    assert len({body for _, _, body in answers}) == 1
    assert len({headers["etag"] for _, headers, _ in answers}) == 1
    assert {h["content-type"] for h in hits} == {"text/turtle; charset=utf-8"}


def post(url: str, path: str, body: bytes, content_type: str) -> tuple[int, dict[str, str], bytes]:
    """One POST on a fresh connection."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        headers = {"Content-Type": content_type, "Accept": "application/sparql-results+json"}
        connection.request("POST", "/" + path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


AWARDEES = "SELECT ?a WHERE { ?a <http://kg.test/ontology#awardee> ?e } ORDER BY ?a LIMIT 7"


def test_a_query_sent_by_post_is_answered_from_the_cache_the_next_times(live_server):
    form = urllib.parse.urlencode({"query": AWARDEES}).encode()
    answers = [
        post(live_server, "sparql", form, "application/x-www-form-urlencoded") for _ in range(8)
    ]
    assert {status for status, _, _ in answers} == {200}
    assert len({body for _, _, body in answers}) == 1
    hits = [headers for _, headers, _ in answers if headers.get("x-cache") == "hit"]
    assert len(hits) >= len(answers) - WEB_WORKERS
    assert all("etag" not in headers for _, headers, _ in answers)  # no validators for POST


def test_queries_sent_by_post_are_kept_apart_by_body_and_by_content_type(live_server):
    other = AWARDEES.replace("LIMIT 7", "LIMIT 3")
    direct = [post(live_server, "sparql", AWARDEES.encode(), "application/sparql-query")]
    direct += [post(live_server, "sparql", other.encode(), "application/sparql-query")]
    rows = [len(json.loads(body)["results"]["bindings"]) for _, _, body in direct]
    assert rows == [7, 3]
    # The bytes of a bare query are not a form: a 400 not answered from any cached 200.
    form_typed = post(live_server, "sparql", AWARDEES.encode(), "application/x-www-form-urlencoded")
    assert form_typed[0] == 400


def test_a_cached_response_keeps_its_cors_headers(live_server):
    answers = fetch_repeatedly(live_server, LILLE, Origin="https://example.org")
    hits = [headers for _, headers, _ in answers if headers.get("x-cache") == "hit"]
    assert hits
    assert {h.get("access-control-allow-origin") for h in hits} == {"*"}


def test_a_cached_response_keeps_its_encoding_apart_from_the_plain_one(live_server):
    plain = fetch_repeatedly(live_server, "page/ecosystem/lille")
    gzipped = fetch_repeatedly(live_server, "page/ecosystem/lille", **{"Accept-Encoding": "gzip"})
    assert {headers.get("content-encoding") for _, headers, _ in plain} == {None}
    assert {headers.get("content-encoding") for _, headers, _ in gzipped} == {"gzip"}
    assert len({body for _, _, body in plain}) == 1
    assert sum(headers.get("x-cache") == "hit" for _, headers, _ in gzipped) >= 8 - WEB_WORKERS


def test_revalidation_of_a_cached_document_answers_304(live_server):
    _, headers, _ = fetch(live_server, LILLE)
    status, _, body = fetch(live_server, LILLE, **{"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""


def test_last_modified_is_the_build_time_on_every_response(live_server, built_store):
    built_at = json.loads((built_store / "live" / "build.json").read_text())["built_at"]
    expected = time.strftime(
        "%a, %d %b %Y %H:%M:%S GMT", time.strptime(built_at[:19], "%Y-%m-%dT%H:%M:%S")
    )
    stamps = {fetch(live_server, LILLE)[1]["last-modified"] for _ in range(3)}
    assert stamps == {expected}


def test_static_files_are_served_with_their_type_and_nosniff(live_server):
    status, headers, body = fetch(live_server, "static/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and body
    assert headers["x-content-type-options"] == "nosniff"


def _relabel(sources: Path, old: str, new: str) -> None:
    for file in (sources / "data").rglob("*.trig"):
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace(old, new), encoding="utf-8")


class Hammer:
    """Requests in a loop from a background thread, recording every outcome."""

    PATHS = (LILLE, "page/ecosystem/lille", "sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D")

    def __init__(self, url: str) -> None:
        self.url = url
        self.outcomes: list[int | str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.is_set():
            for path in self.PATHS:
                try:
                    self.outcomes.append(fetch(self.url, path)[0])
                except OSError as error:
                    self.outcomes.append(repr(error))

    def __enter__(self) -> Hammer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def test_a_new_build_rolls_out_to_two_replicas_without_a_failed_request_or_stale_cache(
    tmp_path, small_build
):
    # Two instances on different ports over one store directory: replicas behind a load
    # balancer, each following the live link by itself.
    sources, store = small_store(small_build, tmp_path)
    build = ("build", "--store", str(store), "--base-uri", BASE, "--source", str(sources))
    with (
        serving(store, tmp_path, WORKERS="1", SOURCE_DIR=str(sources)) as first,
        serving(store, tmp_path, WORKERS="1", SOURCE_DIR=str(sources)) as second,
    ):
        replicas = (first, second)
        before = health(first)["data_version"]
        for url in replicas:  # each caches the old document
            _, old_headers, old_body = fetch(url, LILLE)
            assert fetch(url, LILLE)[1].get("x-cache") == "hit"
        assert b'"French Tech Lille"@fr' in old_body
        _relabel(sources, '"French Tech Lille"@fr', '"French Tech Lille Métropole"@fr')
        with Hammer(first) as one, Hammer(second) as two:
            done = ftkg(*build)
            assert done.returncode == 0, done.stderr
            wait_until(
                lambda: all(health(url)["data_version"] != before for url in replicas),
                what="both replicas serving the new version",
            )
            # The hammers go on over the new version too: a whole round of paths each.
            counts = [len(hammer.outcomes) for hammer in (one, two)]
            wait_until(
                lambda: all(
                    len(hammer.outcomes) >= count + 2 * len(Hammer.PATHS)
                    for hammer, count in zip((one, two), counts, strict=True)
                ),
                what="requests over the new version",
            )
        after = [fetch(url, LILLE) for url in replicas]
    for hammer in (one, two):
        assert hammer.outcomes and set(hammer.outcomes) == {200}
    for status, headers, body in after:
        assert status == 200
        assert '"French Tech Lille Métropole"@fr'.encode() in body
        assert headers["etag"] != old_headers["etag"]


def test_an_oxigraph_directory_built_elsewhere_is_served_with_its_base_uri(built_store, tmp_path):
    (dump,) = (built_store / "live" / "dumps").glob("ftkg-2*.nt.gz")
    directory = tmp_path / "elsewhere"
    elsewhere = ox.Store(str(directory))
    with gzip.open(dump) as triples:
        elsewhere.bulk_load(input=triples, format=ox.RdfFormat.N_TRIPLES)
    elsewhere.flush()
    del elsewhere
    with serving(directory, tmp_path, BASE_URI=BASE) as url:
        status, _, body = fetch(url, LILLE, Accept="text/turtle")
        assert status == 200 and b"French Tech Lille" in body
        answer = fetch(url, "sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }"))
        assert json.loads(answer[2])["boolean"] is True
        assert health(url)["data_version"]


def test_a_live_link_written_with_a_trailing_slash_still_names_the_version_served(
    small_build, tmp_path
):
    _, store = small_store(small_build, tmp_path)
    link = store / "live"
    target = str(link.readlink())
    link.unlink()
    link.symlink_to(target + "/")
    app = create_app({"TESTING": True, "QUERY_WORKERS": 1, "STORE": str(store)})
    live = app.extensions["ftkg.live"]
    try:
        served = live.current
        version = live.acquire()
        live.release(version)
        assert version is served  # not taken for another version and opened again
    finally:
        live.close()

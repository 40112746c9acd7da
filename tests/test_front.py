"""Serving behind nginx (``ftkg serve --front nginx``): nginx sends the documents made at build
and entity IRIs' 303s with the app's own answers, and hands everything else to the app.

The app alone, serving the same store, is the oracle: each answer nginx gives is compared
with the app's, over real HTTP."""

from __future__ import annotations

import gzip
import http.client
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

import pytest
from conftest import (
    BASE,
    UNLIMITED,
    copy_sources,
    free_port,
    ftkg,
    serving,
    wait_until,
    wait_until_up,
)
from werkzeug.http import http_date

from server.front import nginx
from server.version import layout

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
        reason="nginx is not installed (make test installs Debian's nginx-light as root)",
    ),
]

# What differs between two answers whoever sends them: the exchange's own fields, and the
# validators, which are nginx's for the files it sends (their date is the document's).
PER_SENDER = {
    "date",
    "server",
    "connection",
    "keep-alive",
    "content-length",
    "transfer-encoding",
    "etag",
    "last-modified",
    "x-cache",  # whether the app's response cache had it
}
# nginx's ETag of a file it sends: its modification time and size, in hexadecimal.
NGINX_ETAG = re.compile(r'(W/)?"[0-9a-f]+-[0-9a-f]+"')
SAMPLE = 12
HOST = "kg.example.org:8000"
FORMATS = ("ttl", "jsonld", "nt")
PERSON_PATH = "person/fleur-pellerin"
LABEL = 'rdfs:label "Fleur Pellerin"@fr'
RELABELLED = 'rdfs:label "Fleur Pellerin (renamed)"@fr'


class Answer:
    """One HTTP exchange's status, headers (names lowercased) and body as received."""

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = {}
        for name, value in headers:
            key = name.lower()
            self.headers[key] = f"{self.headers[key]}, {value}" if key in self.headers else value
        self.body = body

    @property
    def content(self) -> bytes:
        """The body with its content coding undone."""
        if self.headers.get("content-encoding") == "gzip":
            return gzip.decompress(self.body)
        return self.body

    def compared(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if k not in PER_SENDER}


def fetch(url: str, path: str, method: str = "GET", **headers: str) -> Answer:
    """``method path`` sent to the server at ``url``; header names with "_" for "-". Both
    servers are asked under the same Host, so that the absolute links they write are equal."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    sent = {"Host": HOST, **{k.replace("_", "-"): v for k, v in headers.items()}}
    try:
        connection.request(method, path, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A store built with its documents as files, served by the app alone and behind nginx:
    (sources, store, app's URL, front's URL)."""
    root = tmp_path_factory.mktemp("front")
    sources = copy_sources(root / "src")
    store = root / "store"
    built = ftkg(
        "build", "--store", str(store), "--base-uri", BASE, "--source", str(sources), "--files"
    )
    assert built.returncode == 0, built.stderr
    with (
        serving(store, root, WORKERS="1") as app,
        serving(store, root, WORKERS="1", FRONT="nginx") as front,
    ):
        yield sources, store, app, front


def entities(store: Path, where: str) -> list[str]:
    """Paths of the live version's entities matching ``where`` (SQL over its table)."""
    version = layout.live_version(store)
    assert version is not None
    connection = sqlite3.connect(f"file:{version.documents_path}?mode=ro", uri=True)
    try:
        return sorted(p for (p,) in connection.execute(f"SELECT path FROM entity WHERE {where}"))
    finally:
        connection.close()


def sample(store: Path) -> list[str]:
    ready = entities(store, "successor IS NULL AND next_page = 0")
    return random.Random(18).sample(ready, SAMPLE)


def sent_by_nginx(answer: Answer) -> bool:
    """Whether nginx sent a file (its own validator) rather than passing the app's answer."""
    return NGINX_ETAG.fullmatch(answer.headers.get("etag", "")) is not None


@pytest.mark.parametrize("extension", FORMATS)
@pytest.mark.parametrize("coding", ["gzip", "identity"])
def test_a_document_is_sent_by_nginx_with_the_apps_bytes_and_headers(site, extension, coding):
    _, store, app, front = site
    for path in sample(store):
        url = f"/data/{path}.{extension}"
        ours, theirs = (
            fetch(front, url, Accept_Encoding=coding),
            fetch(app, url, Accept_Encoding=coding),
        )
        assert sent_by_nginx(ours), url
        assert (ours.status, ours.content) == (theirs.status, theirs.content), url
        assert ours.compared() == theirs.compared(), url


def test_a_documents_last_modified_is_its_own_date(site):
    _, store, _, front = site
    path = sample(store)[0]
    answer = fetch(front, f"/data/{path}.ttl")
    modified = re.search(rb':modified "([^"]+)"', answer.content)
    assert modified is not None
    assert answer.headers["last-modified"] == http_date(
        datetime.fromisoformat(modified[1].decode())
    )


def test_a_revalidated_document_is_answered_not_modified_by_nginx(site):
    _, store, _, front = site
    path = sample(store)[1]
    first = fetch(front, f"/data/{path}.jsonld", Accept_Encoding="gzip")
    again = fetch(
        front, f"/data/{path}.jsonld", Accept_Encoding="gzip", If_None_Match=first.headers["etag"]
    )
    assert again.status == 304
    assert again.body == b""


@pytest.mark.parametrize("accept", nginx.accept_values())
def test_an_entity_iri_is_redirected_by_nginx_where_the_app_redirects_it(site, accept):
    _, store, app, front = site
    path = sample(store)[2]
    ours, theirs = (
        fetch(front, f"/id/{path}", Accept=accept),
        fetch(app, f"/id/{path}", Accept=accept),
    )
    assert (ours.status, ours.headers.get("location")) == (
        theirs.status,
        theirs.headers.get("location"),
    )
    assert ours.status == 303
    # nginx's own body (the app's is Werkzeug's): the 303 did not reach the app.
    assert b"nginx" in ours.body
    assert {k: v for k, v in ours.compared().items() if k != "content-type"} == {
        k: v for k, v in theirs.compared().items() if k != "content-type"
    }


@pytest.mark.parametrize(
    ("what", "path", "headers"),
    [
        (
            "an Accept value the map does not list",
            "/id/{entity}",
            {"Accept": "text/turtle;q=0.5, application/ld+json"},
        ),
        ("no acceptable format (406)", "/id/{entity}", {"Accept": "image/png"}),
        ("an unknown entity (404)", "/id/commune/00000", {}),
        ("an unknown document (404)", "/data/commune/00000.ttl", {}),
        ("a format without files", "/data/{entity}.rdf", {}),
        ("a query string", "/data/{entity}.ttl?format=jsonld", {}),
        ("a byte range", "/data/{entity}.ttl", {"Range": "bytes=0-99"}),
        ("a page for people", "/page/{entity}", {}),
        ("an address with an empty segment", "/data/award//2015-french-tech-hubs--hub.ttl", {}),
        ("an IRI with an empty segment", "/id/award//2015-french-tech-hubs--hub", {}),
        ("a dataset's IRI", "/id/dataset/french-tech-kg", {"Accept": "text/turtle"}),
        (
            "a SPARQL query",
            "/sparql?query=ASK%7B%7D",
            {"Accept": "application/sparql-results+json"},
        ),
        ("a document whose incoming links go past page 1", "/data/{paged}.ttl", {}),
        ("a second page of incoming links", "/data/{paged}.ttl?page=2", {}),
    ],
)
def test_what_nginx_does_not_answer_is_the_apps_answer(site, what, path, headers):
    _, store, app, front = site
    paged = entities(store, "next_page = 1")
    assert paged, "the store has an entity whose incoming links go past page 1"
    filled = path.format(entity=sample(store)[3], paged=paged[0])
    ours, theirs = (
        fetch(front, filled, **{k.replace("-", "_"): v for k, v in headers.items()}),
        fetch(app, filled, **{k.replace("-", "_"): v for k, v in headers.items()}),
    )
    assert not sent_by_nginx(ours), what
    assert (ours.status, ours.content) == (theirs.status, theirs.content), what
    assert ours.compared() == theirs.compared(), what


def test_a_query_too_long_for_nginxs_default_buffers_reaches_the_app(site):
    _, _, app, front = site
    tests = " || ".join(f"1 = {n}" for n in range(2000))
    path = "/sparql?" + urllib.parse.urlencode({"query": f"ASK {{ FILTER({tests}) }}"})
    assert len(path) > 32 * 1024
    ours, theirs = fetch(front, path), fetch(app, path)
    assert ours.status == theirs.status == 200
    assert ours.content == theirs.content


def test_another_method_on_a_document_is_the_apps_answer(site):
    _, store, app, front = site
    url = f"/data/{sample(store)[4]}.ttl"
    ours, theirs = fetch(front, url, "DELETE"), fetch(app, url, "DELETE")
    assert ours.status == theirs.status == 405
    assert ours.content == theirs.content


def test_the_app_behind_nginx_names_the_host_the_client_asked_for(site):
    front = site[3]
    answer = fetch(front, "/catalog.ttl", Host="data.example.org:8443")
    assert answer.status == 200, answer.body[:300]
    assert b"http://data.example.org:8443/" in answer.content


def test_a_client_cannot_claim_another_address_to_escape_the_rate_limit(tmp_path_factory, site):
    _, store, _, _ = site
    root = tmp_path_factory.mktemp("front-limits")
    with serving(store, root, WORKERS="1", FRONT="nginx", RATE_LIMIT="2/minute") as front:
        # Three different queries, so that none is answered from the response cache.
        statuses = [
            fetch(front, f"/sparql?query=ASK%7B%7D%23{n}", X_Forwarded_For=f"10.0.0.{n}").status
            for n in range(3)
        ]
    assert statuses == [200, 200, 429]


def test_a_new_version_is_sent_by_nginx_once_it_is_live(site):
    sources, store, _, front = site
    before = layout.live_version(store)
    assert before is not None
    unchanged = f"data/{sample(store)[5]}.ttl.gz"
    # Every file that names her: the shapes want one French label.
    for file in (sources / "data").rglob("*.trig"):
        text = file.read_text(encoding="utf-8")
        if LABEL in text:
            file.write_text(text.replace(LABEL, RELABELLED), encoding="utf-8")
    built = ftkg("build", "--store", str(store), "--base-uri", BASE, "--source", str(sources))
    assert built.returncode == 0, built.stderr
    after = layout.live_version(store)
    assert after is not None and after != before
    # Written again without being asked: the live version had files. An unchanged document's
    # file is the previous version's, linked.
    assert (after.files_path / unchanged).stat().st_ino == (
        before.files_path / unchanged
    ).stat().st_ino

    def renamed() -> Answer | None:
        answer = fetch(front, f"/data/{PERSON_PATH}.ttl")
        return answer if RELABELLED.encode() in answer.content else None

    answer = wait_until(renamed, what="the new version's document sent by nginx")
    assert sent_by_nginx(answer)


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    for child in children(pid):
        found |= {child, *descendants(child)}
    return found


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture
def front_process(site, tmp_path):
    """``ftkg serve --front nginx`` as its own process: (process, URL, nginx master's pid)."""
    _, store, _, _ = site
    port = free_port()
    env = {**os.environ, **{f"KG_{k}": v for k, v in UNLIMITED.items()}, "KG_WORKERS": "1"}
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--store",
                str(store),
                "--port",
                str(port),
                "--front",
                "nginx",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url + "health/ready", process, log)
        master = next(p for p in children(process.pid) if "nginx: master" in command(p))
        yield process, url, master
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_stopping_the_service_stops_nginx_and_the_app_with_it(front_process):
    process, _, master = front_process
    family = descendants(process.pid)
    assert master in family
    process.terminate()
    assert process.wait(timeout=30) == 0
    wait_until(
        lambda: not [p for p in family if Path(f"/proc/{p}").exists() and command(p)],
        what="every process of the service gone",
    )


def test_nginx_dying_stops_the_service_with_a_failure_and_leaves_nothing_listening(
    front_process, tmp_path
):
    process, _, master = front_process
    family = descendants(process.pid) - {master}
    os.kill(master, signal.SIGKILL)
    assert process.wait(timeout=30) == 1
    wait_until(
        lambda: not [p for p in family if Path(f"/proc/{p}").exists() and command(p)],
        what="the app's processes and nginx's workers gone",
    )
    assert "nginx exited" in (tmp_path / "serve.log").read_text()


def test_nginx_takes_no_request_before_the_app_can_answer_it(site, tmp_path):
    _, store, _, _ = site
    port = free_port()
    env = {**os.environ, **{f"KG_{k}": v for k, v in UNLIMITED.items()}, "KG_WORKERS": "1"}
    statuses = []
    with (tmp_path / "serve.log").open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--store",
                str(store),
                "--port",
                str(port),
                "--front",
                "nginx",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        # Until the app is ready the port is closed, as with the app alone: never a 502.
        while 200 not in statuses:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                statuses.append(fetch(f"http://127.0.0.1:{port}/", "/health/ready").status)
            except OSError:
                time.sleep(0.005)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert set(statuses) == {200}

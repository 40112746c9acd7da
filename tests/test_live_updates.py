"""New data while serving: builds killed at any step change nothing that is served, and a
request in flight finishes on the version it started with, which stays on disk until then."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from conftest import BASE, ftkg, serving, small_store, wait_until

pytestmark = pytest.mark.live

# The build's steps, in order, as its progress lines name them: a full build's, and those of
# an incremental one (what a build of unchanged sources over a live version is).
FULL_STEPS = [
    "parse",
    "generate",
    "load",
    "validate (pyshacl)",
    "validate (SPARQL)",
    "optimize",
    "dumps and search index",
    "documents",
    "statistics",
    "publish",
]
INCREMENTAL_STEPS = [step for step in FULL_STEPS if step != "optimize"]
BUILDS = [("--full", step) for step in FULL_STEPS] + [
    ("--if-changed", step) for step in INCREMENTAL_STEPS
]
LILLE = "data/ecosystem/lille.ttl"


def build_command(sources: Path, store: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "server.cli",
        "build",
        "--store",
        str(store),
        "--base-uri",
        BASE,
        "--source",
        str(sources),
        *extra,
    ]


def get(url: str, path: str) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", "/" + path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def served_version(url: str) -> str:
    status, body = get(url, "health/ready")
    assert status == 200
    return json.loads(body)["data_version"]


def complete_versions(store: Path) -> set[str]:
    """Names of the versions a build finished (metadata written last, before publishing)."""
    return {
        p.name
        for p in (store / "versions").iterdir()
        if not p.name.startswith(".") and (p / "build.json").is_file()
    }


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory, small_build):
    """A built store and ``ftkg serve`` on it: (sources, store, url)."""
    root = tmp_path_factory.mktemp("live-updates")
    sources, store = small_store(small_build, root)
    with serving(store, root, WORKERS="1", RESULT_LIMIT="0") as url:
        yield sources, store, url


@pytest.mark.parametrize(("kind", "step"), BUILDS, ids=[f"{k[2:]}-{s}" for k, s in BUILDS])
def test_a_build_killed_at_any_step_leaves_the_served_data_alone(rebuilt, kind, step):
    sources, store, url = rebuilt
    if kind == "--if-changed":
        # A real change, so that the build is incremental rather than skipped.
        (sources / "data" / "kill-test.trig").write_text(f"# {step}\n", encoding="utf-8")
    live_before = (store / "live").readlink()
    # Its own session: SIGKILL reaches the build and the processes writing its dumps, as
    # when a machine or a container is stopped.
    with subprocess.Popen(
        build_command(sources, store, kind),
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    ) as build:
        assert build.stderr is not None
        for line in build.stderr:
            line = line.strip()
            if line.startswith(f"{step}:") or line == step:
                os.killpg(build.pid, signal.SIGKILL)
                break
        else:
            pytest.fail(f"the build never reached {step!r}")
        build.wait()
    # Publishing is the last step: the build may finish it before the signal lands.
    assert build.returncode == -signal.SIGKILL or (step == "publish" and build.returncode == 0)
    live_after = (store / "live").readlink()
    # Killed before publishing: nothing moved. Killed while publishing: the link may point at
    # the new version, but only once it was complete.
    assert live_after == live_before or Path(live_after).name in complete_versions(store)
    status, body = get(url, LILLE)
    assert status == 200 and b"French Tech Lille" in body


def test_the_build_after_killed_ones_works_and_leaves_nothing_behind(rebuilt):
    sources, store, url = rebuilt
    result = ftkg(*build_command(sources, store)[3:])
    assert result.returncode == 0, result.stderr
    assert not list((store / "versions").glob(".staging-*"))
    assert not list(store.glob(".live.*"))
    new = json.loads((store / "live" / "build.json").read_text())["data_version"]
    wait_until(lambda: served_version(url) == new, 10, what="the new version being served")
    assert get(url, LILLE)[0] == 200


def test_a_request_in_flight_finishes_on_its_version_which_is_pruned_only_afterwards(rebuilt):
    sources, store, url = rebuilt
    old_version = (store / "live").resolve()
    triples = json.loads((old_version / "build.json").read_text())["triples"]
    parts = urllib.parse.urlsplit(url)
    stream = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    query = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    stream.request("GET", f"/sparql?{query}", headers={"Accept": "text/tab-separated-values"})
    response = stream.getresponse()
    assert response.status == 200
    first = response.read(4096)

    for file in (sources / "data").rglob("*.trig"):
        text = file.read_text(encoding="utf-8")
        file.write_text(text.replace('"French Tech Lille"@fr', '"FT Lille (v2)"@fr'))
    result = ftkg(*build_command(sources, store, "--keep", "1")[3:])
    assert result.returncode == 0, result.stderr
    status, body = get(url, LILLE)  # a new request: the new version
    assert status == 200 and b"FT Lille (v2)" in body
    assert old_version.is_dir()  # still read by the stream: not pruned

    rest = response.read()
    stream.close()
    rows = (first + rest).decode().splitlines()
    assert len(rows) == 1 + triples  # header, then every statement of the old version
    assert any('"French Tech Lille"@fr' in row for row in rows)
    assert not any("FT Lille (v2)" in row for row in rows)

    # Once the stream is over, nothing holds the old version: the next build prunes it.
    get(url, "health/ready")
    result = ftkg(*build_command(sources, store, "--keep", "1")[3:])
    assert result.returncode == 0, result.stderr
    assert not old_version.exists()

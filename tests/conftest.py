"""Shared fixtures: the graph built from the repository's own files, the app, a live server."""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
import pytest
from browser import chromium
from filelock import FileLock
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser

from server.app import create_app
from server.pipeline import geography
from server.pipeline.build import build_in_memory
from server.pipeline.derive import DERIVATIONS
from server.remote import RemoteStore
from server.version.store import KnowledgeStore

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Not localhost on purpose: nothing may depend on the default base.
BASE = "http://kg.test/"
T = TypeVar("T")
UNLIMITED = {"RATE_LIMIT": "", "SEARCH_RATE_LIMIT": "", "RECONCILE_RATE_LIMIT": ""}


@pytest.fixture(scope="session")
def knowledge_store() -> KnowledgeStore:
    """The whole graph, validated and loaded into an in-memory Oxigraph store."""
    return KnowledgeStore(
        build_in_memory(PROJECT_ROOT, BASE), BASE, "test-version", derive=DERIVATIONS
    )


@pytest.fixture
def app(knowledge_store: KnowledgeStore) -> Flask:
    """The app serving the in-memory graph."""
    return create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store})


@contextmanager
def oxigraph_server(location: Path, log_path: Path, *, read_only: bool) -> Iterator[str]:
    """Oxigraph server (PyPI ``oxigraph``) on ``location`` at a loopback port; yields its root
    URL (``query`` and ``store`` below it)."""
    binary = str(Path(sys.executable).with_name("oxigraph"))
    mode = "serve-read-only" if read_only else "serve"
    port = free_port()
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            [binary, mode, "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
        ) as process,
    ):
        root = f"http://127.0.0.1:{port}/"
        wait_until_up(root + "query?query=ASK%7B%7D", process, log_path)
        try:
            yield root
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def remote_endpoint(
    knowledge_store: KnowledgeStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Oxigraph server holding the same quads, read-only; yields its SPARQL endpoint."""
    work = tmp_path_factory.mktemp("oxigraph-server")
    quads = work / "graph.nq"
    knowledge_store.store.dump(str(quads), format=ox.RdfFormat.N_QUADS)
    location = work / "store"
    binary = str(Path(sys.executable).with_name("oxigraph"))
    loaded = subprocess.run(
        [binary, "load", "--location", str(location), "--file", str(quads)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert loaded.returncode == 0, loaded.stderr
    with oxigraph_server(location, work / "server.log", read_only=True) as root:
        yield root + "query"


def backend_store(name: str, request: pytest.FixtureRequest) -> KnowledgeStore:
    """The test graph behind the embedded store, or behind Oxigraph server over HTTP."""
    embedded: KnowledgeStore = request.getfixturevalue("knowledge_store")
    if name == "embedded":
        return embedded
    endpoint = request.getfixturevalue("remote_endpoint")
    return KnowledgeStore(RemoteStore(endpoint), BASE, embedded.data_version, derive=DERIVATIONS)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A Flask test client for ``app``."""
    return app.test_client()


def copy_sources(destination: Path, *, full_geography: bool = False) -> Path:
    """A copy of ontology/, data/ and queries/ that a test may break without harm.

    Unless ``full_geography``, the pinned geography package is swapped for a smaller one cut
    from it (the communes and EPCI the curated data mentions, every département and région),
    so that a build takes seconds; its manifest carries the small tarball's own integrity hash.
    """
    for name in ("ontology", "data", "queries"):
        shutil.copytree(PROJECT_ROOT / name, destination / name)
    if not full_geography:
        write_small_geography(destination / "data" / "geography")
    return destination


_SMALL_GEOGRAPHY: dict[str, bytes] = {}


def write_small_geography(directory: Path) -> None:
    """Replace the geography tarball under ``directory`` by a cut keeping what data mentions.

    The cut depends only on the repository's files, so it is made once per session.
    """
    manifest_path = directory / "decoupage-administratif.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    tarball = directory / manifest["tarball"]
    if "tarball" not in _SMALL_GEOGRAPHY:
        _SMALL_GEOGRAPHY["tarball"] = _cut_geography(directory)
    tarball.write_bytes(_SMALL_GEOGRAPHY["tarball"])
    digest = hashlib.sha512(_SMALL_GEOGRAPHY["tarball"]).digest()
    manifest["integrity"] = "sha512-" + base64.b64encode(digest).decode()
    manifest_path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _cut_geography(directory: Path) -> bytes:
    manifest_path = directory / "decoupage-administratif.json"
    package = geography.read_package(geography.Manifest.read(manifest_path))
    mentioned = set()
    for path in (directory.parent).rglob("*.trig"):
        mentioned |= set(
            re.findall(
                r"<id/(?:commune|departement|epci|region)/([0-9AB]+)>",
                path.read_text(encoding="utf-8"),
            )
        )
    # Every territory kind stays complete but communes and EPCI: only those the data names.
    package["communes"] = [c for c in package["communes"] if c["code"] in mentioned]
    kept = {c["code"] for c in package["communes"]}
    package["epci"] = [
        {**e, "membres": [m for m in e["membres"] if m["code"] in kept]}
        for e in package["epci"]
        if e["code"] in mentioned
    ]
    buffer = io.BytesIO()
    # The same bytes in every process (gzip's header otherwise records the time it was
    # written): the test workers each cut their own, and a build's digest covers the tarball.
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w") as archive,
    ):
        for name, records in package.items():
            data = json.dumps(records).encode()
            info = tarfile.TarInfo(f"package/data/{name}.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ftkg(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the ``ftkg`` command in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
    name: str,
    make: Callable[[Path], None],
) -> Path:
    """A directory ``name`` filled by ``make(directory)`` once per test run.

    Under pytest-xdist each worker process has its own session, so a session fixture would be
    made once per worker: the workers share the run's base directory instead, and the first
    to come makes it while the others wait on a lock (pytest-xdist's documented pattern). What
    it holds is never changed by a test.
    """
    if worker_id == "master":
        directory = tmp_path_factory.mktemp(name)
        make(directory)
        return directory
    shared = tmp_path_factory.getbasetemp().parent
    directory, done = shared / name, shared / f"{name}.done"
    with FileLock(str(done) + ".lock"):
        if not done.is_file():
            # Left by a worker whose attempt failed: each worker then reports the failure itself.
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            make(directory)
            done.touch()
    return directory


def _build_repository(root: Path) -> None:
    result = ftkg("build", "--store", str(root), "--base-uri", BASE, "--source", str(PROJECT_ROOT))
    assert result.returncode == 0, result.stderr


def _build_small(root: Path) -> None:
    sources = copy_sources(root / "src")
    result = ftkg(
        "build", "--store", str(root / "store"), "--base-uri", BASE, "--source", str(sources)
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """An on-disk store built by ``ftkg build`` from the repository's files, once per run:
    tests read it (and serve it), never change it."""
    return once_per_run(tmp_path_factory, worker_id, "store", _build_repository)


@pytest.fixture(scope="session")
def small_build(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, Path]:
    """Sources with the small geography (``copy_sources``) and a store root built from them
    by ``ftkg build --base-uri BASE``, once per run: never served or changed itself, only
    copied by ``small_store`` for each test that needs one."""
    root = once_per_run(tmp_path_factory, worker_id, "small-build", _build_small)
    return root / "src", root / "store"


def small_store(template: tuple[Path, Path], destination: Path) -> tuple[Path, Path]:
    """A copy of ``small_build``'s sources and store root under ``destination``: (sources,
    store). The same as building them there: the live link is relative and a version records
    its inputs by path from the sources' root. A copy takes well under a second, a build about
    twelve."""
    sources, store = template
    shutil.copytree(sources, destination / "src")
    shutil.copytree(store, destination / "store", symlinks=True)
    return destination / "src", destination / "store"


@contextmanager
def serving(
    store: Path | None,
    log_dir: Path,
    port: int | None = None,
    cwd: Path | None = None,
    **settings: str,
) -> Iterator[str]:
    """``ftkg serve`` on a loopback port (free, unless given) with ``KG_*`` settings, started
    in ``cwd`` (this process's working directory by default); yields its root URL.

    ``store`` None: no ``--store`` and no ``KG_STORE``, so the default (``var/store``)."""
    port = port or free_port()
    # Many requests from one address: the rate limits are off unless a test sets them.
    settings = {**UNLIMITED, **settings}
    env = {**os.environ, **{f"KG_{name}": value for name, value in settings.items()}}
    log_path = log_dir / f"server-{port}.log"
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
    if store is None:
        env.pop("KG_STORE", None)
    else:
        command += ["--store", str(store)]
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd
        ) as process,
    ):
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url + "health/ready", process, log_path)
        try:
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ftkg serve`` on a loopback port, answering real HTTP; yields its root URL."""
    with serving(built_store, tmp_path_factory.mktemp("server")) as url:
        yield url


def wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    """Poll ``url`` until it answers; fail with the server's log if it dies or times out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"server did not start:\n{log_path.read_text()}") from None
            time.sleep(0.1)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After a run that fuzzed, the requests sent and failures seen per family."""
    fuzzing = sys.modules.get("fuzzing")
    if fuzzing is not None and fuzzing.TALLY.sent:
        terminalreporter.write_sep("-", "fuzzing: requests sent per family")
        terminalreporter.write_line(fuzzing.TALLY.report())


def wait_until(
    condition: Callable[[], T], timeout: float = 20, *, what: str = "the condition"
) -> T:
    """Poll ``condition`` until it returns something true, and return that; fail the test
    naming ``what`` if ``timeout`` seconds pass first. Tests wait on an event this way rather
    than sleeping for a guessed time."""
    deadline = time.monotonic() + timeout
    while not (outcome := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.05)
    return outcome


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) process ``pid`` has used, or None once it is gone (Linux
    /proc, proc(5)): a query worker busy evaluating a query is one whose count rises."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """A headless Chromium for one browser-test module, closed after it."""
    with chromium() as instance:
        yield instance

"""Shared fixtures: the graph built from the repository's own files, the app, a live server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server.app import create_app
from server.build.pipeline import build_in_memory
from server.store import KnowledgeStore

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Not localhost on purpose: nothing may depend on the default base.
BASE = "http://kg.test/"


@pytest.fixture(scope="session")
def knowledge_store() -> KnowledgeStore:
    """The whole graph, validated and loaded into an in-memory Oxigraph store."""
    return KnowledgeStore(build_in_memory(PROJECT_ROOT, BASE), BASE, "test-version")


@pytest.fixture
def app(knowledge_store: KnowledgeStore) -> Flask:
    """The app serving the in-memory graph."""
    return create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A Flask test client for ``app``."""
    return app.test_client()


def copy_sources(destination: Path) -> Path:
    """A copy of ontology/, data/ and queries/ that a test may break without harm."""
    for name in ("ontology", "data", "queries"):
        shutil.copytree(PROJECT_ROOT / name, destination / name)
    return destination


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


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An on-disk store built by ``ftkg build`` from the repository's files."""
    root = tmp_path_factory.mktemp("store")
    result = ftkg("build", "--store", str(root), "--base-uri", BASE, "--source", str(PROJECT_ROOT))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def live_server(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``ftkg serve`` on a loopback port, answering real HTTP; yields its root URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    command = [sys.executable, "-m", "server.cli", "serve", "--store", str(built_store)]
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            [*command, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
        ) as process,
    ):
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, process, log_path)
        yield url
        process.terminate()
        process.wait(timeout=10)


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

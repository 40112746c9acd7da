"""The servers compared: ours (``ftkg serve``, alone or behind nginx), Oxigraph server and
Virtuoso.

Each launcher is a context manager yielding a running :class:`Endpoint` bound to a free
loopback port, and killing the server's whole process group on exit.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.harness import procs
from bench.harness.workload import DEREF_FORMATS, ID_REDIRECT, SPARQL_JSON, Call

OURS, OXIGRAPH, VIRTUOSO = "ours", "oxigraph", "virtuoso"
# Our service with its queries sent to the benchmark's Virtuoso (KG_SPARQL_ENDPOINT).
OURS_ON_VIRTUOSO = "ours-virtuoso"
# Our service behind nginx (``ftkg serve --front nginx``): nginx sends the documents made at
# build and the entity IRIs' 303s, the app answers the rest.
OURS_NGINX = "ours-nginx"
FRONT = "nginx"
# Longer query strings go in a form POST, as YASGUI does: Oxigraph server refuses request
# heads over 8 kB, and a long URL is not how clients send long queries anyway.
MAX_GET_URL = 4000
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Rendered:
    """A call as an HTTP request for one server (``body`` is a form, or empty for GET;
    ``status`` the answer that counts as a success)."""

    method: str
    path: str
    accept: str
    body: str = ""
    status: int = 200


@dataclass
class Endpoint:
    """A running server: where to send requests, and how to render a call for it."""

    name: str
    port: int
    sparql_path: str
    base: str
    pid: int
    native_pages: bool = False

    @property
    def root(self) -> str:
        """The server's root URL."""
        return f"http://{procs.LOOPBACK}:{self.port}"

    def render(self, call: Call) -> Rendered | None:
        """The HTTP request for ``call``, or None if this server has no equivalent (HTML
        entity pages on a bare SPARQL engine)."""
        if not call.is_deref:
            return self._sparql(call.target, SPARQL_JSON)
        accept, suffix = DEREF_FORMATS[call.kind]
        if self.native_pages:
            kind, key = call.target[len(self.base + "id/") :].split("/", 1)
            if call.kind == ID_REDIRECT:
                return Rendered("GET", f"/id/{kind}/{key}", accept, status=303)
            if suffix is None:
                return Rendered("GET", f"/page/{kind}/{key}", accept)
            return Rendered("GET", f"/data/{kind}/{key}{suffix}", accept)
        if suffix is None:
            return None
        return self._sparql(f"DESCRIBE <{call.target}>", accept)

    def _sparql(self, query: str, accept: str) -> Rendered:
        form = urllib.parse.urlencode({"query": query})
        if len(form) <= MAX_GET_URL:
            return Rendered("GET", f"{self.sparql_path}?{form}", accept)
        return Rendered("POST", self.sparql_path, accept, form)


# Every rate limit of ``ftkg serve`` switched off (a benchmark sends thousands of requests a
# second from one address).
UNLIMITED = {"KG_RATE_LIMIT": "", "KG_SEARCH_RATE_LIMIT": "", "KG_RECONCILE_RATE_LIMIT": ""}


def ftkg_command(*args: str) -> list[str]:
    """The ``ftkg`` command line, run with this interpreter as a user would."""
    return [sys.executable, "-m", "server.cli", *args]


def supports_workers() -> bool:
    """Whether ``ftkg serve`` has the production ``--workers`` option yet."""
    result = subprocess.run(
        ftkg_command("serve", "--help"), capture_output=True, text=True, check=False
    )
    return "--workers" in result.stdout


def front_unavailable() -> str | None:
    """None when ``ftkg serve --front nginx`` can run here, else why not (how to install)."""
    # Imported here: the harness needs no part of the server unless nginx is measured.
    from server.front.run import FrontError, nginx_command

    try:
        nginx_command()
    except FrontError as error:
        return str(error)
    return None


@contextmanager
def ours(
    store: Path,
    base: str,
    log: Path,
    workers: int | None,
    query_timeout: float,
    sparql_endpoint: str = "",
    front: bool = False,
    settings: dict[str, str] | None = None,
) -> Iterator[Endpoint]:
    """``ftkg serve`` on ``store`` (a built store root); with ``sparql_endpoint``, its
    queries go to that engine instead of the embedded store (``KG_SPARQL_ENDPOINT``); with
    ``front``, behind nginx (``--front nginx``), which first writes the live version's
    documents as files if the build did not; ``settings``, more ``KG_*`` variables.

    Its query deadline is the client's patience: a query the client gave up on is stopped
    then, instead of holding a query worker and a core for the default 30 s.
    """
    port = procs.free_port()
    command = ftkg_command(
        "serve", "--store", str(store), "--host", procs.LOOPBACK, "--port", str(port)
    )
    if workers and supports_workers():
        command += ["--workers", str(workers)]
    if front:
        command += ["--front", FRONT]
    # The peers have no rate limits: ours are off too, or the load would mostly measure 429s.
    environment = {"KG_QUERY_TIMEOUT": str(query_timeout), **UNLIMITED, **(settings or {})}
    if sparql_endpoint:
        environment["KG_SPARQL_ENDPOINT"] = sparql_endpoint
    name = OURS_ON_VIRTUOSO if sparql_endpoint else OURS_NGINX if front else OURS
    # Writing some 250,000 files before it listens takes ~10 s, longer on a busy machine.
    ready = 600 if front else 120
    with procs.process_group(command, log, env=environment) as process:
        procs.wait_http(f"http://{procs.LOOPBACK}:{port}/health/ready", process, log, ready)
        yield Endpoint(name, port, "/sparql", base, process.pid, native_pages=True)


@contextmanager
def oxigraph(location: Path, base: str, log: Path) -> Iterator[Endpoint]:
    """``oxigraph serve-read-only`` on a store holding our quads (default graph included).

    Without ``--timeout-s``: Oxigraph 0.5 starts a thread per query to enforce it, which at
    thousands of requests a second exhausts threads (EAGAIN) and crashes the server.
    """
    binary = procs.require("oxigraph", "pip install oxigraph (dev extras)")
    port = procs.free_port()
    command = [
        binary,
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"{procs.LOOPBACK}:{port}",
    ]
    with procs.process_group(command, log) as process:
        procs.wait_http(f"http://{procs.LOOPBACK}:{port}/query?query=ASK%7B%7D", process, log)
        yield Endpoint(OXIGRAPH, port, "/query", base, process.pid)


def load_oxigraph(files: list[Path], location: Path, log: Path) -> tuple[float, float]:
    """``oxigraph load`` of ``files`` (in parallel, one per core) then ``optimize``;
    (load seconds, optimize seconds)."""
    binary = procs.require("oxigraph", "pip install oxigraph (dev extras)")
    load = procs.run_logged(
        [binary, "load", "--location", str(location), "--file", *map(str, files)], log
    )
    optimize = procs.run_logged([binary, "optimize", "--location", str(location)], log)
    return load, optimize

"""Load with faults: does the service hold 32 clients while things go wrong?

    .venv/bin/python bench/faults.py --store var/store [--seconds 120] [--connections 32]

Serves the store with `ftkg serve` (2 web workers, a 3 s query deadline) and runs a realistic
mix from `--connections` Python clients on keep-alive connections: entity documents (Turtle,
JSON-LD), HTML pages, SPARQL lookups and search, over random entities. During the run:

- at a quarter of the time, a query worker is killed with SIGKILL;
- at half, a runaway query (a triple cross product) runs into the deadline;
- at three quarters, a client asks for the whole graph as a stream and leaves after 64 kB.

With `--swap`, a new version is also built from this repository into the store from the
start of the run and swapped in while the clients go on (the run lasts until the build ends).
Meanwhile `/health/ready` is polled four times a second, counting the versions it reports.
Printed (and written as JSON with `--json FILE`): requests served, errors (any answer other
than 200, or a broken connection, outside the requests the killed worker was answering; those
must be 503s with a message), latency p50 / p99, the faults and what each got, memory of the
process tree before and after, zombie processes, and processes left behind once the server stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import measure, procs, servers  # noqa: E402
from bench.soak import request_lines  # noqa: E402

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
WHOLE_GRAPH = "SELECT * WHERE { ?s ?p ?o }"
SEARCHES = ["lil", "lyon", "mars", "toulou", "bordea", "nant", "strasb", "renn", "greno", "montp"]
DEADLINE_SECONDS = 3


@dataclass(frozen=True)
class Outcome:
    """One request of the mix: its kind, when it ran, and how it ended."""

    kind: str
    started: float
    ended: float
    status: int | str
    message: str = ""


@dataclass
class Report:
    """What the run measured."""

    seconds: float
    connections: int
    requests: int = 0
    errors: int = 0
    killed_requests: int = 0
    killed_requests_clean: bool = True
    killed_samples: list[str] = field(default_factory=list)
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    error_samples: list[str] = field(default_factory=list)
    faults: dict[str, dict[str, object]] = field(default_factory=dict)
    health_checks: int = 0
    health_failures: int = 0
    versions_served: int = 0
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    rss_peak_mb: float = 0.0
    zombies: int = 0
    left_behind: list[str] = field(default_factory=list)


def mix(store: Path, count: int, seed: int) -> list[tuple[str, str, str]]:
    """(kind, path, Accept) of the requests the clients draw from."""
    calls = []
    for line in request_lines(store, count, seed):
        _, path, accept, _ = line.split("\t")
        kind = "sparql" if path.startswith("/sparql") else accept.split("/")[-1]
        calls.append((kind, path, accept))
    rng = random.Random(seed)
    for _ in range(max(1, count // 10)):
        term = rng.choice(SEARCHES)[: rng.randrange(3, 7)]
        calls.append(("search", "/search?" + urllib.parse.urlencode({"q": term}), "*/*"))
    return calls


def _client(
    host: str,
    port: int,
    calls: list[tuple[str, str, str]],
    stop: threading.Event,
    outcomes: list[Outcome],
    seed: int,
) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection(host, port, timeout=60)
    while not stop.is_set():
        kind, path, accept = rng.choice(calls)
        started = time.monotonic()
        try:
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            body = response.read()
            status: int | str = response.status
            message = body[:300].decode("utf-8", "replace") if response.status != 200 else ""
        except (OSError, http.client.HTTPException) as error:
            status, message = type(error).__name__, str(error)
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=60)
        outcomes.append(Outcome(kind, started, time.monotonic(), status, message))
    connection.close()


def _get_json(host: str, port: int, path: str) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        try:
            return response.status, json.loads(body)
        except ValueError:
            return response.status, {}
    finally:
        connection.close()


def _poll_health(host: str, port: int, stop: threading.Event, report: Report) -> None:
    versions = set()
    while not stop.is_set():
        try:
            status, body = _get_json(host, port, "/health/ready")
            healthy = status == 200 and body.get("store_open") is True
            versions.add(body.get("built_at"))
        except OSError:
            healthy = False
        report.health_checks += 1
        report.health_failures += 0 if healthy else 1
        time.sleep(0.25)
    report.versions_served = len(versions)


def _kill_a_query_worker(host: str, port: int) -> dict[str, object]:
    for _ in range(20):
        _, body = _get_json(host, port, "/health/ready")
        workers = body.get("query_workers") or []
        if workers:
            victim = int(workers[0])  # type: ignore[call-overload]
            os.kill(victim, signal.SIGKILL)
            return {"pid": victim, "at": time.monotonic()}
        time.sleep(0.1)
    return {"pid": None, "at": time.monotonic()}


def _runaway(host: str, port: int) -> dict[str, object]:
    started = time.monotonic()
    connection = http.client.HTTPConnection(host, port, timeout=DEADLINE_SECONDS + 30)
    try:
        query = urllib.parse.urlencode({"query": RUNAWAY})
        connection.request(
            "GET", f"/sparql?{query}", headers={"Accept": "application/sparql-results+json"}
        )
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return {
            "status": response.status,
            "seconds": round(time.monotonic() - started, 2),
            "message": body.strip()[:200],
        }
    finally:
        connection.close()


def _leave_mid_stream(host: str, port: int) -> dict[str, object]:
    query = urllib.parse.urlencode({"query": WHOLE_GRAPH})
    request = (
        f"GET /sparql?{query} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Accept: text/tab-separated-values\r\n\r\n"
    ).encode()
    received = 0
    with socket.create_connection((host, port), timeout=30) as raw:
        raw.sendall(request)
        while received < 65536:
            chunk = raw.recv(65536 - received)
            if not chunk:
                break
            received += len(chunk)
    return {"bytes_read_before_leaving": received}


def _zombies(pids: list[int]) -> int:
    count = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            count += stat[stat.rindex(")") + 2] == "Z"
    return count


def _alive(pid: int) -> bool:
    """Whether ``pid`` still exists: running, or dead but never reaped by its parent."""
    return Path(f"/proc/{pid}").exists()


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return f"{pid} (gone)"
    words = raw.replace(b"\0", b" ").decode(errors="replace").strip()
    return f"{pid}: {words}"


def _rebuild(store: Path, log: Path, outcome: dict[str, object]) -> None:
    base = json.loads((store / "live" / "build.json").read_text())["base_uri"]
    command = servers.ftkg_command(
        "build", "--store", str(store), "--source", str(ROOT), "--base-uri", base
    )
    try:
        outcome["seconds"] = round(procs.run_logged(command, log), 1)
        outcome["built"] = True
    except RuntimeError as error:  # the build failed: its log's tail says why
        outcome["built"] = False
        outcome["failure"] = str(error)[-500:]


def run(
    store: Path, seconds: float, connections: int, seed: int, work: Path, swap: bool = False
) -> Report:
    """Serve ``store`` and load it for ``seconds`` with the three faults (and, with ``swap``,
    a new version built into ``store`` and swapped in meanwhile); the report."""
    report = Report(seconds=seconds, connections=connections)
    calls = mix(store, 5000, seed)
    port = procs.free_port()
    host = procs.LOOPBACK
    command = servers.ftkg_command(
        "serve", "--store", str(store), "--host", host, "--port", str(port), "--workers", "2"
    )
    settings = {**servers.UNLIMITED, "KG_QUERY_TIMEOUT": str(DEADLINE_SECONDS)}
    log = work / "server.log"
    with procs.process_group(command, log, env=settings) as server:
        procs.wait_http(f"http://{host}:{port}/health/ready", server, log)
        report.rss_before_mb = procs.tree_memory(server.pid)[0] / 2**20
        sampler_stop = threading.Event()
        peak = [0]

        def sample() -> None:
            while not sampler_stop.is_set():
                peak[0] = max(peak[0], procs.tree_memory(server.pid)[0])
                time.sleep(0.5)

        stop = threading.Event()
        outcomes: list[Outcome] = []
        threads = [
            threading.Thread(target=_client, args=(host, port, calls, stop, outcomes, seed + i))
            for i in range(connections)
        ]
        threads.append(threading.Thread(target=_poll_health, args=(host, port, stop, report)))
        threads.append(threading.Thread(target=sample))
        start = time.monotonic()
        for thread in threads:
            thread.start()
        if swap:
            rebuilt: dict[str, object] = {}
            report.faults["new version built and swapped in"] = rebuilt
            builder = threading.Thread(target=_rebuild, args=(store, work / "build.log", rebuilt))
            builder.start()
        time.sleep(seconds / 4)
        kill = _kill_a_query_worker(host, port)
        report.faults["query worker killed (SIGKILL)"] = {"pid": kill["pid"]}
        time.sleep(max(0.0, start + seconds / 2 - time.monotonic()))
        report.faults["runaway query"] = _runaway(host, port)
        time.sleep(max(0.0, start + 3 * seconds / 4 - time.monotonic()))
        report.faults["client left mid-stream"] = _leave_mid_stream(host, port)
        time.sleep(max(0.0, start + seconds - time.monotonic()))
        if swap:
            builder.join()  # the run lasts at least as long as the build
        stop.set()
        report.seconds = round(time.monotonic() - start, 1)  # longer than asked if a build ran
        for thread in threads[:-1]:
            thread.join()
        sampler_stop.set()
        threads[-1].join()
        time.sleep(2)  # workers replaced, streams torn down
        # Ask until the replacement of the killed worker has been started.
        _, after = _get_json(host, port, "/health/ready")
        report.faults["query worker killed (SIGKILL)"]["workers_after"] = after.get("query_workers")
        pids = procs.tree_pids(server.pid)
        names = {pid: _command_line(pid) for pid in pids}
        report.zombies = _zombies(pids)
        report.rss_after_mb = procs.tree_memory(server.pid)[0] / 2**20
        report.rss_peak_mb = peak[0] / 2**20
        # Stopped as an operator would (SIGTERM to the server alone): every web and query
        # worker must go with it, none left running or unreaped.
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=DEADLINE_SECONDS + 30)
        # Workers exit on their own once their parent has gone (the multiprocessing resource
        # tracker when its pipe closes): give them, and init reaping them, a few seconds.
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        report.left_behind = [names[pid] for pid in pids if _alive(pid)]
    _account(report, outcomes, float(kill["at"]))  # type: ignore[arg-type]
    return report


def _account(report: Report, outcomes: list[Outcome], killed_at: float) -> None:
    report.requests = len(outcomes)
    latencies = sorted((o.ended - o.started) * 1000 for o in outcomes)
    report.p50_ms = round(measure.percentile(latencies, 0.50), 2)
    report.p99_ms = round(measure.percentile(latencies, 0.99), 2)
    for outcome in outcomes:
        if outcome.status == 200:
            continue
        in_flight = outcome.started <= killed_at <= outcome.ended
        if outcome.kind == "sparql" and in_flight:
            report.killed_requests += 1
            # Failing cleanly: a 503 that says why, never a broken connection.
            report.killed_requests_clean &= outcome.status == 503 and bool(outcome.message)
            report.killed_samples.append(f"{outcome.status} {outcome.message[:120]}")
            continue
        report.errors += 1
        if len(report.error_samples) < 5:
            report.error_samples.append(f"{outcome.kind} {outcome.status} {outcome.message[:120]}")


def main() -> int:
    """Run the load with faults and print (or write) the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument(
        "--swap",
        action="store_true",
        help="also build a new version into STORE from this repository during the run",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ftkg-faults-") as scratch:
        report = run(
            args.store, args.seconds, args.connections, args.seed, Path(scratch), args.swap
        )
    figures = asdict(report)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    for name, value in figures.items():
        print(f"{name:>24}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

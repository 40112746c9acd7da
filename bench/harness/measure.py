"""Timing requests: sequentially from Python (latency), and concurrently with wrk
(throughput)."""

from __future__ import annotations

import http.client
import json
import resource
import statistics
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.harness import procs
from bench.harness.servers import FORM, Endpoint, Rendered
from bench.harness.workload import Call

LUA_SCRIPT = Path(__file__).resolve().parent.parent / "wrk" / "requests.lua"


@dataclass
class Latency:
    """Sequential latencies of one kind of request, in milliseconds."""

    count: int = 0
    errors: int = 0
    timeouts: int = 0
    p50: float = 0.0
    p90: float = 0.0
    mean_bytes: float = 0.0
    first_error: str = ""


@dataclass
class Throughput:
    """One wrk run: requests per second, latency percentiles and the client's own CPU use."""

    connections: int
    requests: int = 0
    distinct: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    timeouts: int = 0
    wrk_cpu_share: float = 0.0
    detail: dict[str, int] = field(default_factory=dict)


class Client:
    """One keep-alive HTTP/1.1 connection to a server, reopened if the server drops it."""

    def __init__(self, endpoint: Endpoint, timeout: float = 300) -> None:
        self.endpoint, self.timeout = endpoint, timeout
        self.connection = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(procs.LOOPBACK, self.endpoint.port, timeout=self.timeout)

    def fetch(self, request: Rendered) -> tuple[float, int, bytes]:
        """(seconds, status, body) of one request, timed from sending to the last body byte."""
        headers = {"Accept": request.accept}
        if request.body:
            headers["Content-Type"] = FORM
        for attempt in range(2):
            try:
                start = time.perf_counter()
                self.connection.request(
                    request.method, request.path, body=request.body or None, headers=headers
                )
                response = self.connection.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - start
                if response.getheader("Connection", "").lower() == "close":
                    self.connection.close()
                    self.connection = self._connect()
                return elapsed, response.status, body
            except (http.client.HTTPException, ConnectionError):
                # A server may close an idle keep-alive connection: retry once on a new one.
                self.connection.close()
                self.connection = self._connect()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def percentile(ordered: list[float], fraction: float) -> float:
    """The value at ``fraction`` of sorted ``ordered`` (0.0 when there is none)."""
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def sequential(
    endpoint: Endpoint, calls: list[Call], repeats: int = 1, timeout: float = 60
) -> Latency:
    """Send ``calls`` one after another, ``repeats`` passes over them (the first pass over a
    fresh parameter set is the cold figure, later passes the warm one). A request slower
    than ``timeout`` seconds counts as an error, as in wrk."""
    client = Client(endpoint, timeout)
    times: list[float] = []
    sizes: list[int] = []
    result = Latency()
    try:
        for _ in range(repeats):
            for call in calls:
                rendered = endpoint.render(call)
                if rendered is None:
                    continue
                try:
                    elapsed, status, body = client.fetch(rendered)
                except TimeoutError:
                    # Slow is not wrong: counted apart from errors, as wrk does.
                    result.timeouts += 1
                    client.close()
                    client = Client(endpoint, timeout)
                    continue
                if status != rendered.status:
                    result.errors += 1
                    result.first_error = result.first_error or f"{status}: {body[:300]!r}"
                    continue
                times.append(elapsed * 1000)
                sizes.append(len(body))
    finally:
        client.close()
    if times:
        ordered = sorted(times)
        result.count = len(times)
        result.p50 = statistics.median(ordered)
        result.p90 = percentile(ordered, 0.9)
        result.mean_bytes = statistics.fmean(sizes)
    return result


def write_requests(endpoint: Endpoint, calls: list[Call], path: Path) -> int:
    """Write the lines wrk's script cycles through (method, path, Accept and form body,
    tab-separated: URL-encoding leaves no tab or newline in them); how many."""
    lines = [
        "\t".join((r.method, r.path, r.accept, r.body))
        for call in calls
        if (r := endpoint.render(call)) is not None
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def wrk(
    endpoint: Endpoint, requests_file: Path, connections: int, seconds: float, timeout: float
) -> Throughput:
    """Run wrk with one thread for ``seconds`` over ``requests_file``.

    wrk never follows redirects, and counts only statuses from 400 up as errors: a 303 of
    ``/id/`` is a success, as it is to a linked-data client (the sequential pass checks
    that each kind gets exactly the status it expects).

    One wrk thread keeps the client to a fraction of one of the two cores; its CPU share
    (CPU seconds / wall seconds, from the kernel's accounting of the reaped child) is kept
    with the figures so a reader can check the client was not the bottleneck.
    """
    binary = procs.require("wrk", "apt-get install wrk (make bench-tools)")
    distinct = sum(1 for _ in requests_file.open(encoding="utf-8"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [
            binary,
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            f"--timeout={round(timeout)}s",
            "-s",
            str(LUA_SCRIPT),
            endpoint.root,
            "--",
            str(requests_file),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr or result.stdout}")
    summary = next(
        json.loads(line.split(" ", 1)[1])
        for line in result.stdout.splitlines()
        if line.startswith("WRK_JSON ")
    )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    duration = summary["duration_us"] / 1e6
    errors = {key: summary[key] for key in ("connect", "read", "write", "status")}
    return Throughput(
        connections=connections,
        requests=summary["requests"],
        distinct=distinct,
        seconds=duration,
        rps=summary["requests"] / duration if duration else 0.0,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=sum(errors.values()),
        timeouts=summary["timeout"],
        wrk_cpu_share=cpu / wall,
        detail=errors,
    )


def as_dict(value: Latency | Throughput) -> dict[str, object]:
    """A measurement as plain JSON-ready data."""
    return asdict(value)

"""What is sent to every server, and in which order: the same plan for each of them."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import measure, workload
from bench.harness.servers import Endpoint
from bench.harness.workload import (
    ANALYTICS,
    DEREF_FORMATS,
    FULL_MIX,
    ID_REDIRECT,
    LOOKUP_MIX,
    Call,
)

MIXES = {"lookup-mix": LOOKUP_MIX, "full-mix": FULL_MIX}
# A closed-loop rate counts the requests completed in the run; those still in flight when it
# stops (up to one per connection) are lost. When each takes seconds (the full mix on two
# cores, at 32 clients) a 5 s run completes about one per connection and its rate says more
# about the run's length than about the server. A run completing fewer than this many per
# connection is made again, longer, on requests not sent yet. Twenty rather than ten: the full
# mix's queries differ a hundredfold in cost, and at ten per connection the rate still moved
# with the draw (bench/README.md, Throughput).
MIN_REQUESTS_PER_CONNECTION = 20
# A run made again aims past what the first lacked, and lasts at least this many times as
# long: a rate seen over a few seconds is uncertain, so a remake aimed at exactly the threshold
# can fall short again, and one that just missed it (158 of 160) would otherwise be made
# again for about the same few seconds, measuring nothing new.
REMAKE_MARGIN = 1.5
REMAKE_AT_LEAST = 2.0


@dataclass
class Plan:
    """The requests of a run, drawn once and sent identically to every server.

    ``sequential`` pools are timed one request at a time (first pass cold, two more passes
    warm) and then make the warm wrk files; ``cold`` pools are disjoint from them and from
    each other (one per client count), so every cold request is a first on its server.
    """

    sequential: dict[str, list[Call]]
    cold: dict[str, dict[int, list[Call]]]
    examples: list[Call]
    connections: tuple[int, ...]
    seconds: float
    timeout: float
    repeats: int
    # The longest a run made again may take (``seconds``: never made again).
    longest: float = 0.0

    @property
    def throughput_workloads(self) -> list[str]:
        """What wrk runs: the example queries too, but not in a smoke run (too slow)."""
        return [*self.cold, "examples"] if self.repeats > 1 else list(self.cold)

    def describe(self) -> dict[str, Any]:
        """The plan's shape, for the results file and the table's row order."""
        return {
            "sequential_kinds": list(self.sequential),
            "sequential_sizes": {kind: len(calls) for kind, calls in self.sequential.items()},
            "cold_sizes": {
                name: {str(c): len(calls) for c, calls in pools.items()}
                for name, pools in self.cold.items()
            },
            "throughput_workloads": self.throughput_workloads,
            "runs": [f"{c} {phase}" for phase in ("cold", "warm") for c in self.connections],
            "examples": [call.kind for call in self.examples],
            "seconds_per_wrk_run": self.seconds,
            "longest_wrk_run": max(self.seconds, self.longest),
            "min_requests_per_connection": MIN_REQUESTS_PER_CONNECTION,
        }


def make_plan(sample: workload.Sample, examples: list[Call], seed: int, smoke: bool) -> Plan:
    """Pools sized for a full run, or tiny ones for the smoke run."""
    quick, slow = (5, 1) if smoke else (50, 10)
    # ``id-303`` gets entities of its own: a peer answers it with the very DESCRIBE it
    # answered for ``deref-ttl``, which would not be a first request any more.
    sequential = {
        kind: workload.calls(kind, sample, quick if kind == ID_REDIRECT else 0, quick, seed)
        for kind in DEREF_FORMATS
    }
    for kind in workload.FULL_MIX:
        sequential[kind] = workload.calls(
            kind, sample, 0, slow if kind in ANALYTICS else quick, seed
        )
    # Enough distinct requests for a cold wrk run at the expected rates (at most ~10k
    # entities a second); the pools wrap around when the data is smaller, e.g. the tests'.
    deref_size = max(1, min(40_000, (len(sample.entities) - 2 * quick) // 4))
    mix_size = 200 if smoke else 15_000
    full_size = 50 if smoke else 2_000
    cold: dict[str, dict[int, list[Call]]] = {}
    connections = (8, 32)
    for kind in DEREF_FORMATS:
        first = 2 * quick + (2 * deref_size if kind == ID_REDIRECT else 0)
        cold[kind] = {
            c: workload.calls(kind, sample, first + i * deref_size, deref_size, seed)
            for i, c in enumerate(connections)
        }
    start = quick
    for name, size in (("lookup-mix", mix_size), ("full-mix", full_size)):
        cold[name] = {}
        for c in connections:
            cold[name][c] = workload.mix(MIXES[name], sample, start, size, seed)
            start += size
    return Plan(
        sequential=sequential,
        cold=cold,
        examples=examples,
        connections=connections,
        seconds=1.0 if smoke else 5.0,
        timeout=3.0 if smoke else 60.0,
        repeats=1 if smoke else 2,
        longest=1.0 if smoke else 60.0,
    )


def _warm_pool(plan: Plan, name: str) -> list[Call]:
    if name == "examples":
        return plan.examples
    if name in MIXES:
        columns = [plan.sequential[kind] for kind in MIXES[name]]
        return [call for row in zip(*columns, strict=False) for call in row]
    return plan.sequential[name]


def _wrk_runs(
    endpoint: Endpoint, plan: Plan, calls: list[Call], connections: int, path: Path, cold: bool
) -> list[measure.Throughput]:
    """One wrk run over ``calls`` (written to ``path``), then a longer one when it completed
    too few requests per connection (``_longer_run``); empty when the server can answer none
    of them. The figure to keep is the last."""
    if not measure.write_requests(endpoint, calls, path):
        return []
    figure = measure.wrk(endpoint, path, connections, plan.seconds, plan.timeout)
    longer = _longer_run(figure, plan)
    if not longer:
        return [figure]
    rest = _unsent(calls, figure) if cold else calls
    if not rest or not measure.write_requests(endpoint, rest, path):
        return [figure]
    return [figure, measure.wrk(endpoint, path, connections, longer, plan.timeout)]


def _unsent(calls: list[Call], figure: measure.Throughput) -> list[Call]:
    """The calls of a cold pool past every one ``figure``'s run may have sent: those it
    completed, those that timed out, and one in flight per connection when it stopped
    (wrk sends the file's requests in order), so each is still a first."""
    return calls[figure.requests + figure.timeouts + figure.connections :]


def _longer_run(figure: measure.Throughput, plan: Plan) -> float:
    """How long to make ``figure``'s run again for (0: it completed enough requests, or the
    plan makes no run again): long enough, at the rate seen, for the requests it lacked with a
    margin, and at least ``REMAKE_AT_LEAST`` times the first run, within the plan's longest."""
    wanted = MIN_REQUESTS_PER_CONNECTION * figure.connections
    if figure.requests >= wanted or plan.longest <= plan.seconds:
        return 0.0
    aimed = plan.seconds * REMAKE_MARGIN * wanted / max(1, figure.requests)
    return min(plan.longest, max(aimed, REMAKE_AT_LEAST * plan.seconds))


def _examples(
    endpoint: Endpoint, examples: list[Call], timeout: float, repeats: int
) -> dict[str, Any]:
    """Each example query once (cold), then ``repeats`` more times (warm: the median)."""
    detail = {}
    for call in examples:
        cold = measure.sequential(endpoint, [call], timeout=timeout)
        # A query that failed or timed out cold is not retried: it would only fail again.
        warm = (
            measure.sequential(endpoint, [call], repeats=repeats, timeout=timeout)
            if not (cold.errors or cold.timeouts)
            else measure.Latency()
        )
        detail[call.kind] = {"cold": measure.as_dict(cold), "warm": measure.as_dict(warm)}
    # Totals over the queries that answered in time; "completed" says how many that is.
    return {
        "cold_total_ms": sum(d["cold"]["p50"] for d in detail.values()),
        "warm_total_ms": sum(d["warm"]["p50"] for d in detail.values()),
        "errors": sum(d["cold"]["errors"] + d["warm"]["errors"] for d in detail.values()),
        "timeouts": sum(d["cold"]["timeouts"] + d["warm"]["timeouts"] for d in detail.values()),
        "completed": sum(1 for d in detail.values() if d["cold"]["count"]),
        "queries": detail,
    }


def run(endpoint: Endpoint, plan: Plan, scratch: Path, log: Any = print) -> dict[str, Any]:
    """Every measurement of the plan against one running server."""
    scratch.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"sequential": {}, "throughput": {}}
    errors = timeouts = 0
    for kind, calls in plan.sequential.items():
        cold = measure.sequential(endpoint, calls, timeout=plan.timeout)
        warm = measure.sequential(endpoint, calls, repeats=plan.repeats, timeout=plan.timeout)
        out["sequential"][kind] = {"cold": measure.as_dict(cold), "warm": measure.as_dict(warm)}
        errors += cold.errors + warm.errors
        timeouts += cold.timeouts + warm.timeouts
        log(f"  {kind:13} cold p50 {cold.p50:8.2f} ms   warm p50 {warm.p50:8.2f} ms")
        if cold.first_error or warm.first_error:
            log(f"    error: {cold.first_error or warm.first_error}")
    out["examples"] = _examples(endpoint, plan.examples, plan.timeout, plan.repeats)
    errors += out["examples"]["errors"]
    timeouts += out["examples"]["timeouts"]
    log(f"  examples      cold total {out['examples']['cold_total_ms'] or 0:8.1f} ms")
    shares = []
    for name in plan.throughput_workloads:
        runs: dict[str, Any] = {}
        for phase in ("cold", "warm"):
            for c in plan.connections:
                if phase == "cold" and name == "examples":
                    continue
                calls = plan.cold[name][c] if phase == "cold" else _warm_pool(plan, name)
                requests = scratch / f"{name}-{c}-{phase}.txt"
                measured = _wrk_runs(endpoint, plan, calls, c, requests, cold=phase == "cold")
                if not measured:
                    continue  # nothing this server can answer (HTML pages on an engine)
                figure = measured[-1]
                runs[f"{c} {phase}"] = measure.as_dict(figure)
                if len(measured) > 1:
                    first = measured[0]
                    runs[f"{c} {phase}"]["made_again_from"] = {
                        "requests": first.requests,
                        "seconds": first.seconds,
                    }
                    log(
                        f"  {name:13} @{c:<2} {phase}: {first.requests} requests in "
                        f"{first.seconds:.1f} s, fewer than {MIN_REQUESTS_PER_CONNECTION} per "
                        f"connection: made again for {figure.seconds:.0f} s"
                    )
                errors += sum(m.errors for m in measured)
                timeouts += sum(m.timeouts for m in measured)
                shares.append(figure.wrk_cpu_share)
                log(
                    f"  {name:13} @{c:<2} {phase}: {figure.rps:9.1f} req/s, "
                    f"p50 {figure.p50_ms:.2f} ms, wrk CPU {figure.wrk_cpu_share:.0%}, "
                    f"{figure.requests} requests over {figure.distinct} distinct, "
                    f"{figure.errors} errors, {figure.timeouts} timeouts"
                )
        out["throughput"][name] = runs
    out["errors"], out["timeouts"] = errors, timeouts
    out["max_wrk_cpu_share"] = max(shares, default=0.0)
    out["median_wrk_cpu_share"] = statistics.median(shares) if shares else 0.0
    return out

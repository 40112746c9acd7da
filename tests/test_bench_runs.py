"""How long the benchmark's wrk runs last (bench/harness/suite.py): a run whose requests each
take seconds is made again, longer, so that its rate is the server's and not the run's end."""

from __future__ import annotations

import sys

import pytest
from conftest import PROJECT_ROOT

# bench/ is scripts, not an installed package: importable from the repository root, as
# bench/compare.py makes it for itself.
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench.harness import report
from bench.harness.measure import Throughput
from bench.harness.suite import (
    MIN_REQUESTS_PER_CONNECTION,
    REMAKE_AT_LEAST,
    REMAKE_MARGIN,
    Plan,
    _longer_run,
    _unsent,
)
from bench.harness.workload import Call


def _plan(seconds: float, longest: float) -> Plan:
    return Plan({}, {}, [], (8, 32), seconds=seconds, timeout=60.0, repeats=2, longest=longest)


def _run(connections: int, requests: int, seconds: float = 5.0) -> Throughput:
    return Throughput(connections, requests=requests, seconds=seconds)


def test_a_run_with_enough_requests_per_connection_is_not_made_again() -> None:
    enough = MIN_REQUESTS_PER_CONNECTION * 32
    assert _longer_run(_run(32, enough), _plan(5.0, 60.0)) == 0.0


def test_a_run_with_too_few_requests_is_made_again_long_enough_at_its_rate() -> None:
    # 40 requests in 5 s at 8 clients: 8 req/s, at which those wanted from 8 connections, with
    # the margin, take MIN_REQUESTS_PER_CONNECTION * REMAKE_MARGIN seconds.
    seconds = MIN_REQUESTS_PER_CONNECTION * REMAKE_MARGIN * 8 / 8.0
    assert _longer_run(_run(8, 40), _plan(5.0, 60.0)) == pytest.approx(seconds)


def test_a_run_just_short_of_enough_requests_is_made_again_for_longer_than_it_lasted() -> None:
    just_short = MIN_REQUESTS_PER_CONNECTION * 8 - 2
    assert _longer_run(_run(8, just_short), _plan(5.0, 60.0)) == REMAKE_AT_LEAST * 5.0


def test_a_run_made_again_lasts_at_most_the_plans_longest() -> None:
    assert _longer_run(_run(32, 3), _plan(5.0, 60.0)) == 60.0
    assert _longer_run(_run(32, 0), _plan(5.0, 60.0)) == 60.0


def test_a_plan_whose_longest_is_its_run_length_never_makes_a_run_again() -> None:
    # The smoke run's plan: 1 s runs, none longer.
    assert _longer_run(_run(32, 1, 1.0), _plan(1.0, 1.0)) == 0.0


def test_a_cold_run_made_again_starts_past_every_request_the_first_may_have_sent() -> None:
    calls = [Call("lookup", f"q{i}") for i in range(100)]
    # 30 completed, 2 timed out, and up to 8 in flight (one per connection) when it stopped.
    first = Throughput(8, requests=30, timeouts=2, seconds=5.0)
    assert _unsent(calls, first) == calls[40:]


def test_the_report_names_each_run_made_again_and_its_length() -> None:
    results = {
        "plan": {"seconds_per_wrk_run": 5.0, "min_requests_per_connection": 10},
        "servers": {
            "ours": {
                "throughput": {
                    "full-mix": {
                        "8 cold": {"seconds": 5.0},
                        "32 cold": {
                            "seconds": 41.2,
                            "made_again_from": {"requests": 39, "seconds": 5.0},
                        },
                    }
                }
            }
        },
    }
    (_, line) = report._longer_runs(results)
    assert line.endswith("ftkg (ours) full-mix @32 cold: 41 s.")
    assert "fewer than 10 requests per connection in 5 s" in line

"""Query worker processes: a worker killed while idle costs no request."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from server.version.engine import Job
from server.version.messages import body_of
from server.version.workers import ProcessQueries

ASK = Job(
    query="ASK { ?s ?p ?o }",
    base_iri="http://kg.test/",
    results_format="application/sparql-results+json",
    graph_format=None,
)


@pytest.fixture
def workers(built_store: Path):
    runner = ProcessQueries(str(built_store / "live" / "oxigraph"), size=2)
    yield runner
    runner.close()


def answer(runner: ProcessQueries) -> bytes:
    return body_of(runner.run(ASK, deadline=time.monotonic() + 30))


def test_a_query_right_after_an_idle_worker_was_killed_is_answered(workers):
    assert b"true" in answer(workers)
    # The kill and the next query race: a worker just killed can still look alive, and the
    # job sent to it must go to another worker instead of failing.
    for _ in range(20):
        os.kill(workers.pids[0], signal.SIGKILL)
        assert b"true" in answer(workers)

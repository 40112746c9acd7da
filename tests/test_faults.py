"""Load with faults (bench/faults.py): 32 clients on a realistic mix while a query worker is
killed, a runaway query meets the deadline and a client leaves mid-stream."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.live]


@pytest.fixture(scope="module")
def report(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("faults") / "report.json"
    command = [sys.executable, "bench/faults.py", "--store", str(built_store), "--seconds", "20"]
    result = subprocess.run(
        [*command, "--json", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(out.read_text())


def test_the_load_is_served_without_an_error_outside_the_killed_requests(report):
    assert report["requests"] > 1000
    assert report["errors"] == 0, report["error_samples"]


def test_requests_on_the_killed_query_worker_fail_cleanly_with_a_503(report):
    assert report["faults"]["query worker killed (SIGKILL)"]["pid"] is not None
    assert report["killed_requests_clean"], report["killed_samples"]


def test_the_runaway_query_is_stopped_at_the_deadline_with_a_message(report):
    runaway = report["faults"]["runaway query"]
    assert runaway["status"] == 503
    assert runaway["seconds"] < 3 + 5
    assert "did not finish within the 3 s limit" in runaway["message"]


def test_readiness_stays_truthful_and_green_throughout(report):
    assert report["health_checks"] > 40
    assert report["health_failures"] == 0
    assert report["versions_served"] == 1  # no build ran: one version throughout


def test_no_zombie_while_serving_and_no_process_left_once_stopped(report):
    assert report["zombies"] == 0
    assert report["left_behind"] == []


def test_a_client_leaving_mid_stream_was_streamed_to_and_cost_no_other_request(report):
    assert report["faults"]["client left mid-stream"]["bytes_read_before_leaving"] == 65536
    assert report["errors"] == 0

"""The comparison benchmark (bench/compare.py) runs end to end in its smoke mode: Oxigraph
server, ours alone and, where nginx is installed, ours behind nginx (``--front nginx``)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_ROOT, small_store

from server.front.run import FrontError, nginx_command

pytestmark = pytest.mark.slow


def _nginx_installed() -> bool:
    try:
        nginx_command()
    except FrontError:
        return False
    return True


NGINX = _nginx_installed()
needs_nginx = pytest.mark.skipif(not NGINX, reason="nginx is not installed (nginx-light)")


@pytest.fixture(scope="module")
def smoke(
    small_build: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Any]:
    """One smoke run, on the small geography (the pools wrap around): its printed output and
    its results file."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk, or make bench-tools)")
    scratch = tmp_path_factory.mktemp("bench-smoke")
    # A copy: ours behind nginx writes the live version's documents as files at its start.
    _, store = small_store(small_build, scratch)
    out = scratch / "results.json"
    result = subprocess.run(
        [sys.executable, "bench/compare.py", "--smoke", "--store", str(store), "--out", str(out)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_smoke_run_prints_the_comparison_table(smoke: tuple[str, Any]) -> None:
    table, results = smoke
    for row in (
        "deref-ttl: p50 / p90 ms, cold",
        "deref-jsonld: req/s @8 cold",
        "lookup-mix: req/s @32 warm",
        "aggregate: p50 / p90 ms, warm",
        "id-303: req/s @32 cold",
        "examples (queries/*.rq): total ms, cold",
        "peak memory, process tree RSS MB",
        "size on disk of a data version, MB",
    ):
        assert f"| {row} |" in table, row
    assert "| ftkg (ours) |" in table
    assert "| Oxigraph server |" in table
    assert "Skipped virtuoso: not in --smoke runs" in table

    for name in ("ours", "oxigraph"):
        server = results["servers"][name]
        assert server["errors"] == 0, (name, server)
        assert server["memory"]["peak_rss"] > 0
        assert server["disk_bytes"] > 0
        # Fast requests complete many times even in a 1 s run: every figure must be positive.
        # id-303: our 303 redirects (not followed) count as successes, as errors == 0 says.
        for workload in ("deref-ttl", "deref-jsonld", "id-303", "lookup-mix"):
            for run, figure in server["throughput"][workload].items():
                assert figure["rps"] > 0, (name, workload, run)
        for kind in (
            "deref-ttl",
            "id-303",
            "lookup",
            "label",
            "join",
            "aggregate",
            "paging",
            "search",
        ):
            for phase in ("cold", "warm"):
                assert server["sequential"][kind][phase]["p50"] > 0, (name, kind, phase)
        # Some example queries take longer than the smoke run's 3 s timeout: most must not.
        assert server["examples"]["completed"] >= len(server["examples"]["queries"]) // 2
    assert results["servers"]["ours"]["throughput"]["page-html"]
    assert results["servers"]["oxigraph"]["load"]["triples_per_second"] > 0


@needs_nginx
def test_smoke_run_measures_ours_behind_nginx_with_the_same_suite(smoke: tuple[str, Any]) -> None:
    table, results = smoke
    assert "| | ftkg (ours) | ftkg behind nginx | Oxigraph server |" in table
    behind = results["servers"]["ours-nginx"]
    assert behind["errors"] == 0, behind
    for workload in ("deref-ttl", "deref-jsonld", "id-303", "lookup-mix", "page-html"):
        assert behind["throughput"][workload].keys() == (
            results["servers"]["ours"]["throughput"][workload].keys()
        )
        for run, figure in behind["throughput"][workload].items():
            assert figure["rps"] > 0, (workload, run)
    assert behind["sequential"].keys() == results["servers"]["ours"]["sequential"].keys()


@needs_nginx
def test_smoke_run_prints_each_target_for_ours_alone_and_behind_nginx(
    smoke: tuple[str, Any],
) -> None:
    table, _ = smoke
    assert "| first requests, req/s | Oxigraph server | ftkg (ours) | ftkg behind nginx |" in table
    for target in ("`/id/` 303 (Turtle)", "`/data/` Turtle", "`/data/` JSON-LD", "lookup mix"):
        for clients in (8, 32):
            row = next(
                line for line in table.splitlines() if line.startswith(f"| {target} @{clients} |")
            )
            # Oxigraph's figure, then ours alone and behind nginx each with its ratio to it.
            assert row.count("x) |") == 2, row


@needs_nginx
def test_ours_behind_nginx_answers_documents_and_303s_as_ours_alone(
    smoke: tuple[str, Any],
) -> None:
    table, results = smoke
    agreement = results["servers"]["ours-nginx"]["agreement"]
    assert agreement["compared"] > 0
    assert agreement["same"] == agreement["compared"], agreement["differ"]
    assert f"{agreement['compared']} compared, {agreement['compared']} the same, 0 differ" in table


@needs_nginx
def test_peak_memory_behind_nginx_counts_nginx_processes(smoke: tuple[str, Any]) -> None:
    _, results = smoke
    memory = results["servers"]["ours-nginx"]["memory"]
    # nginx's master and at least one worker, beside the app's processes.
    assert memory["processes_at_peak"].get("nginx", 0) >= 2, memory
    # The command name of the app's processes is the interpreter's (python, python3...).
    assert any(name.startswith("python") for name in memory["processes_at_peak"]), memory


@needs_nginx
def test_size_on_disk_counts_the_documents_as_files(smoke: tuple[str, Any]) -> None:
    table, results = smoke
    assert "| of which the documents as files (for nginx), MB |" in table
    for name in ("ours", "ours-nginx"):
        server = results["servers"][name]
        assert 0 < server["files_bytes"] < server["disk_bytes"], (name, server)
    assert results["files"]["count"] > 0

"""The comparison benchmark (bench/compare.py) runs end to end in its smoke mode."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_smoke_run_prints_the_comparison_table(built_store: Path, tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk, or make bench-tools)")
    out = tmp_path / "results.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/compare.py",
            "--smoke",
            "--store",
            str(built_store),
            "--out",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = result.stdout
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
    assert "| ftkg (ours) | Oxigraph server |" in table
    assert "Skipped virtuoso: not in --smoke runs" in table

    results = json.loads(out.read_text(encoding="utf-8"))
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

"""The SPARQL floor benchmark (bench/sparql_floor.py) runs end to end in its smoke mode: ours,
the floor app and Oxigraph server answer the same lookup mix, every request a success."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

SERVERS = ("ours", "floor", "oxigraph")


@pytest.fixture(scope="module")
def smoke(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Any]:
    """One smoke run: its printed output and its results file."""
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk, or make bench-tools)")
    out = tmp_path_factory.mktemp("floor-smoke") / "results.json"
    result = subprocess.run(
        [
            sys.executable,
            "bench/sparql_floor.py",
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
    return result.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_every_server_answers_every_lookup_of_the_mix(smoke: tuple[str, Any]) -> None:
    _, results = smoke
    for name in SERVERS:
        run = results["servers"][name]["lookup-mix@8"]
        assert run["requests"] > 0, name
        assert run["errors"] == 0, (name, run)
        assert run["rps"] > 0, name


def test_the_table_sets_ours_and_the_floor_beside_oxigraph(smoke: tuple[str, Any]) -> None:
    printed, results = smoke
    row = next(line for line in printed.splitlines() if line.startswith("| lookup-mix @ 8 |"))
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    figures = [results["servers"][name]["lookup-mix@8"]["rps"] for name in SERVERS]
    assert cells[1:4] == [f"{figure:,.0f}" for figure in figures]
    assert cells[4] == f"{figures[0] / figures[2]:.2f}x"
    assert cells[5] == f"{figures[1] / figures[2]:.2f}x"

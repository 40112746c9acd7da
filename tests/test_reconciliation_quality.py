"""Reconciliation quality on 459 spreadsheet strings written apart from the matcher
(tests/reconciliation/benchmark.tsv): the floors the issue sets, and the file itself sound."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ftkg

from server.reconcile.evaluation import BenchmarkError, Report, evaluate, read_cases
from server.reconcile.properties import Context
from server.version.search_index import SearchIndex

BENCHMARK = Path(__file__).parent / "reconciliation" / "benchmark.tsv"


@pytest.fixture(scope="module")
def index(knowledge_store) -> SearchIndex:
    # The index the app uses: built in memory once per session.
    return knowledge_store.search_index()


@pytest.fixture(scope="module")
def report(knowledge_store, index) -> Report:
    return evaluate(read_cases(BENCHMARK), Context(knowledge_store, index, "fr"))


def test_the_benchmark_has_at_least_200_cases_with_an_expected_entity(report):
    assert report.positives >= 200
    assert report.cases - report.positives >= 15  # and cases where nothing should match


def test_the_first_candidate_is_right_for_at_least_95_percent(report):
    assert report.top_precision >= 0.95, "\n".join(
        f"line {case.line}: {case.query!r} expected {case.expected}, got "
        f"{[c.entity.id for c in found[:3]]}"
        for case, found in report.misses
    )


def test_no_automatic_match_is_ever_wrong(report):
    assert [(case.line, case.query, top.entity.id) for case, top in report.wrong_matches] == []


def test_most_right_answers_are_matched_automatically(report):
    assert report.match_rate >= 0.7


def test_every_expected_entity_exists(index):
    missing = [
        c.expected for c in read_cases(BENCHMARK) if c.expected and index.entity(c.expected) is None
    ]
    assert missing == []


def test_a_malformed_benchmark_row_names_its_file_and_line(tmp_path):
    broken = tmp_path / "broken.tsv"
    broken.write_text(
        "query\ttype\tproperties\texpected\tnote\nLille\tcommune\t\tcommune/59350\tok\n"
        "Lille\tcommune\tcolour=red\tcommune/59350\tbad property\n",
        encoding="utf-8",
    )
    with pytest.raises(BenchmarkError, match=r"broken\.tsv:3: 'colour=red' is not a known"):
        read_cases(broken)


def test_the_command_prints_the_figures_from_the_built_store(built_store):
    done = ftkg("evaluate-reconciliation", str(BENCHMARK), "--store", str(built_store))
    assert done.returncode == 0, done.stderr
    assert "top-1 precision" in done.stdout and "wrong automatic matches 0" in done.stdout

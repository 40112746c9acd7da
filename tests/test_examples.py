"""Every example query of queries/ runs and returns exactly the result its header states."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import BASE, PROJECT_ROOT

from server import examples

EXAMPLES = examples.load_all(PROJECT_ROOT / "queries")


def test_there_are_at_least_eight_example_queries():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_has_titles_and_descriptions_in_french_and_english(example):
    assert set(example.titles) >= {"fr", "en"}
    assert set(example.descriptions) >= {"fr", "en"}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_returns_its_expected_result(knowledge_store, example):
    assert example.expected_variables, f"{example.path} states no expected result"
    solutions = knowledge_store.query(example.text)
    assert [v.value for v in solutions.variables] == list(example.expected_variables)
    actual = [
        {name: solution[name] for name in example.expected_variables if solution[name] is not None}
        for solution in solutions
    ]
    expected = example.expected_terms(BASE)
    if example.ordered:
        assert actual == expected
    else:
        assert Counter(map(_key, actual)) == Counter(map(_key, expected))


def _key(solution: dict) -> tuple:
    return tuple(sorted((name, str(term)) for name, term in solution.items()))


def test_an_expected_table_with_a_missing_cell_is_refused(tmp_path):
    broken = tmp_path / "broken.rq"
    broken.write_text(
        "# title@en: t\n# title@fr: t\n# expected:\n# ?a\t?b\n# 1\nSELECT * {}\n", encoding="utf-8"
    )
    with pytest.raises(examples.ExampleError, match=r"broken\.rq:5"):
        examples.parse(broken)

"""Measuring reconciliation on a benchmark of spreadsheet strings with their expected entity.

The benchmark (``tests/reconciliation/benchmark.tsv``) is tab-separated with a header:
``query``, ``type`` (a kind, or empty), ``properties`` (``pid=value`` pairs joined by " ; "),
``expected`` (an entity id, or ``-`` when nothing should be matched automatically), ``note``.
``ftkg evaluate-reconciliation`` prints the figures; the tests hold them to their floors.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from server.reconcile.matching import Candidate, Constraint, MatchQuery, reconcile
from server.reconcile.properties import PROPERTIES, Context

COLUMNS = ("query", "type", "properties", "expected", "note")


class BenchmarkError(ValueError):
    """A benchmark file that cannot be read: the message names the file and line."""


@dataclass(frozen=True)
class Case:
    """One row of the benchmark."""

    line: int
    query: str
    kind: str | None
    properties: tuple[tuple[str, str], ...]
    expected: str | None  # None: nothing should be matched automatically
    note: str

    def as_query(self) -> MatchQuery:
        """The reconciliation query a client would send for this row."""
        return MatchQuery(
            text=self.query,
            kinds=(self.kind,) if self.kind else (),
            constraints=tuple(Constraint(pid, (value,)) for pid, value in self.properties),
        )


@dataclass
class Report:
    """How the service did on the benchmark."""

    cases: int = 0
    positives: int = 0
    top_correct: int = 0
    matched_correct: int = 0
    wrong_matches: list[tuple[Case, Candidate]] = field(default_factory=list)
    misses: list[tuple[Case, list[Candidate]]] = field(default_factory=list)

    @property
    def top_precision(self) -> float:
        """Share of rows with an expected entity whose first candidate is that entity."""
        return self.top_correct / self.positives if self.positives else 0.0

    @property
    def match_rate(self) -> float:
        """Share of rows with an expected entity matched automatically (and rightly)."""
        return self.matched_correct / self.positives if self.positives else 0.0

    def summary(self) -> str:
        """The figures in one paragraph."""
        return (
            f"{self.cases} cases, {self.positives} with an expected entity: top-1 precision "
            f"{self.top_precision:.1%} ({self.top_correct}/{self.positives}), "
            f"automatic matches {self.match_rate:.1%} ({self.matched_correct}/{self.positives}), "
            f"wrong automatic matches {len(self.wrong_matches)}"
        )


def read_cases(path: Path) -> list[Case]:
    """The rows of a benchmark file; a malformed row is a ``BenchmarkError`` with its line."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None or tuple(header[: len(COLUMNS)]) != COLUMNS:
            raise BenchmarkError(f"{path}:1: the header must be {' '.join(COLUMNS)}")
        cases = []
        for row in reader:
            line = reader.line_num
            if not any(row):
                continue
            if len(row) < 4:
                raise BenchmarkError(f"{path}:{line}: expected {len(COLUMNS)} tab-separated fields")
            query, kind, properties, expected, *rest = row
            pairs = []
            for item in filter(None, (p.strip() for p in properties.split(";"))):
                pid, equals, value = item.partition("=")
                if not equals or pid.strip() not in PROPERTIES:
                    raise BenchmarkError(f"{path}:{line}: {item!r} is not a known pid=value")
                pairs.append((pid.strip(), value.strip()))
            cases.append(
                Case(
                    line,
                    query,
                    kind or None,
                    tuple(pairs),
                    None if expected.strip() == "-" else expected.strip(),
                    rest[0] if rest else "",
                )
            )
        return cases


def evaluate(cases: list[Case], context: Context) -> Report:
    """Reconcile every case and count what went right and wrong."""
    report = Report(cases=len(cases))
    for case in cases:
        candidates = reconcile(case.as_query(), context)
        top = candidates[0] if candidates else None
        if case.expected is None:
            if top is not None and top.match:
                report.wrong_matches.append((case, top))
            continue
        report.positives += 1
        if top is not None and top.entity.id == case.expected:
            report.top_correct += 1
            report.matched_correct += top.match
        else:
            report.misses.append((case, candidates))
            if top is not None and top.match:
                report.wrong_matches.append((case, top))
    return report

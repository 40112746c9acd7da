"""How much a join of triple patterns can read at worst, from the data's own largest fan-outs.

Queries run in query worker processes, which a deadline can kill: pyoxigraph cannot be
interrupted, and a query in the web process could hold it for ever. But the round trip to a
worker (a pickled job and result, two process wake-ups) costs more than evaluating the small
joins people and programs ask most: a resource's label and type, a commune's département and
région. A join whose worst case is small needs no deadline, and is answered in the web process.

The worst case is counted from what the build recorded (``server.pipeline.statistics``,
``fanout``): per predicate, the most statements one subject has and the most subjects one
value has, and the most statements any subject has. The patterns are taken in the order an
index nested-loop join would take them, each the one reading least among those it can read
with one index scan (a named subject or one bound by an earlier pattern; else a named
predicate and a value), and every binding coming into a pattern is counted as one seek plus the
most it can match. A pattern reachable by no index scan (``?s ?p ?o`` unanchored) makes the
count infinite. The count bounds that order. Oxigraph's planner makes its own, which also
starts from the patterns with named terms and joins along the variables they bind; so the
budget is kept far under what a client would notice, and the row limit still stops a result
that grows.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.query_text import Node, Pattern
from server.version.statistics import Fanout

# The most index steps a join answered in the web process may take: a few milliseconds at the
# 1 to 4 µs a step costs here. A label with the types of what bears it takes about 60 on the
# full data, a commune's département and région about 30.
IN_THREAD_STEPS = 2_000


# Distinct shapes of join whose count is kept per data version: queries sent by programs
# differ in their named terms, not in their shape.
SHAPES_KEPT = 4_096

# A pattern as the count reads it: the variables in subject and object position (None for a
# named term), and the predicate's IRI or variable.
_Shape = tuple[str | None, str | None, str | None, str | None]


class JoinBounds:
    """The worst cases of joins on one data version, each shape of join counted once."""

    def __init__(self, fanout: Fanout) -> None:
        self.fanout = fanout
        self._counted: dict[tuple[_Shape, ...], int | None] = {}

    def steps(self, patterns: Iterable[Pattern]) -> int | None:
        """``worst_case_steps`` of ``patterns``, remembered by their shape."""
        shape = tuple(_shape(p) for p in patterns)
        if shape not in self._counted:
            if len(self._counted) >= SHAPES_KEPT:
                self._counted.clear()
            self._counted[shape] = _steps(shape, self.fanout)
        return self._counted[shape]


def worst_case_steps(patterns: Iterable[Pattern], fanout: Fanout) -> int | None:
    """The most index steps the patterns' join can take; None when one of them can only be
    read by scanning the whole graph."""
    return _steps(tuple(_shape(p) for p in patterns), fanout)


def _shape(pattern: Pattern) -> _Shape:
    predicate = pattern.predicate
    return (
        _variable(pattern.subject),
        predicate.value if predicate.kind == "iri" else None,
        _variable(predicate),
        _variable(pattern.object),
    )


def _variable(node: Node) -> str | None:
    return node.value if node.kind == "var" else None


def _steps(shape: tuple[_Shape, ...], fanout: Fanout) -> int | None:
    left = list(shape)
    bound: set[str] = set()
    rows = 1
    steps = 0
    while left:
        reachable = [(most, p) for p in left if (most := _most(p, bound, fanout)) is not None]
        if not reachable:
            return None
        most, pattern = min(reachable, key=lambda pair: pair[0])
        steps += rows * (1 + most)
        rows *= most
        left.remove(pattern)
        bound.update(name for name in (pattern[0], pattern[2], pattern[3]) if name is not None)
    return steps


def _most(pattern: _Shape, bound: set[str], fanout: Fanout) -> int | None:
    """The most statements ``pattern`` matches for one binding of what comes before it."""
    subject, predicate, _, value = pattern
    subject_known = subject is None or subject in bound
    object_known = value is None or value in bound
    # ``predicate``: an IRI named in the query; a variable one, even bound, could be any.
    if subject_known:
        if predicate is None:
            return fanout.out_any
        if object_known:
            return 1  # the statement is there or not
        # A predicate the data does not have matches nothing; out_any still bounds it, should
        # the parser read its IRI otherwise than the profile did.
        return fanout.out.get(predicate, fanout.out_any)
    if object_known and predicate is not None:
        # Unrecorded (or read otherwise): no bound known, so not reachable this way.
        return fanout.into.get(predicate)
    return None

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
with one index scan, and every binding coming into a pattern is counted as one seek plus the
most it can match. A pattern is reached by its subject (named, or bound by an earlier
pattern); only the first may instead be reached by a named predicate and value, and only
when no subject is named. Anything else (a part joined to nothing, a second resource found
by its value) makes the count None.

The count bounds that order, and Oxigraph's planner makes its own. Measured, it follows the
subjects outward from named subjects or from one valued pattern (a commune's join, a label's
bearers and their types, in under a millisecond); but given two starting points it can read a
whole class where the count follows one resource (1.2 s for a count of 17), which is why those
are not counted. The budget is kept far under what a client would notice, a query holding
codepoint escapes is never counted (``server.query_text``), and the row limit still stops a
result that grows.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.query_text import MAX_PATTERNS, Node, Pattern
from server.version.statistics import Fanout

# The most index steps a join answered in the web process may take: a few milliseconds at the
# 1 to 4 µs a step costs here. A label with the types of what bears it counts 57 on the full
# data, a commune's département and région 35.
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
    """The most index steps the patterns' join can take, or a count past ``IN_THREAD_STEPS``
    as soon as it passes it; None when a pattern cannot be reached as the count requires."""
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
    if len(shape) > MAX_PATTERNS:
        return None  # the count grows with the square of the patterns (the reader stops there)
    # A value may anchor the first pattern only, and only when no subject is named: measured,
    # Oxigraph's planner then starts elsewhere (a named subject, or a second valued pattern)
    # and reads a whole class where the count follows one resource (1.2 s for "?d a ?t" whose
    # ?t a named subject bound, against a count of 17).
    by_value = all(subject is not None for subject, _, _, _ in shape)
    left = list(shape)
    bound: set[str] = set()
    rows = 1
    steps = 0
    while left:
        reachable = [
            (most, p) for p in left if (most := _most(p, bound, fanout, by_value)) is not None
        ]
        if not reachable:
            return None
        most, pattern = min(reachable, key=lambda pair: pair[0])
        steps += rows * (1 + most)
        if steps > IN_THREAD_STEPS:
            return steps
        rows *= most
        left.remove(pattern)
        bound.update(name for name in (pattern[0], pattern[2], pattern[3]) if name is not None)
        by_value = False
    return steps


def _most(pattern: _Shape, bound: set[str], fanout: Fanout, by_value: bool) -> int | None:
    """The most statements ``pattern`` matches for one binding of what comes before it; None
    when its subject is unknown and it may not be reached by its value (``by_value``)."""
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
    if by_value and object_known and predicate is not None:
        # Unrecorded (or read otherwise): no bound known, so not reachable this way.
        return fanout.into.get(predicate)
    return None

"""Evaluating one query job and serialising its result as a stream of messages.

This runs where the store is: in a query worker process (``workers.py``), or in-process for
an in-memory store. It reports through the messages of ``server.version.messages``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any

import pyoxigraph as ox

from server import negotiation, results
from server.version.messages import Aborted, Chunk, End, Head, Message, Refused, ResultKind

Send = Callable[[Message], None]


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to answer one query; picklable."""

    query: str
    base_iri: str
    results_format: str | None  # media type for SELECT/ASK, None when none is acceptable
    graph_format: str | None  # media type for CONSTRUCT/DESCRIBE, None likewise
    prefixes: dict[str, str] = field(default_factory=dict)
    default_graphs: tuple[str, ...] | None = None  # the protocol's default-graph-uri
    named_graphs: tuple[str, ...] | None = None  # the protocol's named-graph-uri
    row_limit: int = 0  # 0: no limit


def _format(
    media_type: str | None, offered: tuple[negotiation.Format, ...]
) -> negotiation.Format | None:
    if media_type is None:
        return None
    return next((f for f in offered if f.media_type == media_type), None)


def _not_acceptable(offered: tuple[negotiation.Format, ...], kind: str) -> Refused:
    listing = ", ".join(f.media_type for f in offered)
    return Refused(
        406, f"the query returns {kind}, available as: {listing}; none of them is acceptable"
    )


def _dataset(job: Job) -> dict[str, Any]:
    # SPARQL 1.1 Protocol §2.1.4: a dataset given in the request overrides the query's own
    # FROM / FROM NAMED; a request naming only named graphs has an empty default graph.
    if job.default_graphs is None and job.named_graphs is None:
        return {}
    return {
        "default_graph": [ox.NamedNode(iri) for iri in job.default_graphs or ()],
        "named_graphs": [ox.NamedNode(iri) for iri in job.named_graphs or ()],
    }


def execute(store: ox.Store, job: Job, send: Send) -> None:
    """Evaluate ``job`` on ``store``, reporting through ``send``."""
    try:
        result = store.query(job.query, base_iri=job.base_iri, **_dataset(job))
        if isinstance(result, ox.QueryBoolean):
            _boolean(bool(result), job, send)
        elif isinstance(result, ox.QuerySolutions):
            _solutions(result, job, send)
        else:
            _graph(result, job, send)
    except SyntaxError as error:
        send(Refused(400, f"invalid SPARQL query: {error.msg}"))
    except (OSError, RuntimeError, ValueError, TypeError) as error:
        send(Refused(400, f"the query could not be evaluated: {error}"))


def _boolean(value: bool, job: Job, send: Send) -> None:
    fmt = _format(job.results_format, negotiation.RESULT_FORMATS)
    if fmt is None:
        send(_not_acceptable(negotiation.RESULT_FORMATS, "a boolean (ASK)"))
        return
    send(Head(ResultKind.BOOLEAN, fmt.media_type, False, 0))
    send(Chunk(results.boolean(value, fmt)))
    send(End())


def _solutions(solutions: ox.QuerySolutions, job: Job, send: Send) -> None:
    fmt = _format(job.results_format, negotiation.RESULT_FORMATS)
    if fmt is None:
        send(_not_acceptable(negotiation.RESULT_FORMATS, "solutions (SELECT)"))
        return
    variables = [v.value for v in solutions.variables]
    stream, truncated = _limited(iter(solutions), job.row_limit)
    send(Head(ResultKind.SOLUTIONS, fmt.media_type, truncated, job.row_limit))
    try:
        for chunk in results.write_solutions(stream, variables, fmt, truncated):
            send(Chunk(chunk))
    except (OSError, RuntimeError, ValueError, TypeError) as error:
        send(Aborted(f"the query failed while its result was being sent: {error}"))
        return
    send(End())


def _limited(iterator: Iterator[Any], limit: int) -> tuple[Iterator[Any], bool]:
    """The items to write, and whether the result was cut at ``limit``.

    With a limit, read ahead one item past it (memory bounded by the limit) so the headers,
    sent before the first byte, can say "truncated". Without, stream from the first item;
    reading that one first still surfaces early evaluation errors as a clean 400.
    """
    if limit:
        items = list(islice(iterator, limit + 1))
        return iter(items[:limit]), len(items) > limit
    first = list(islice(iterator, 1))
    return chain(first, iterator), False


def _graph(triples: ox.QueryTriples, job: Job, send: Send) -> None:
    fmt = _format(job.graph_format, negotiation.GRAPH_FORMATS)
    if fmt is None:
        send(_not_acceptable(negotiation.GRAPH_FORMATS, "a graph (CONSTRUCT/DESCRIBE)"))
        return
    stream, truncated = _limited(iter(triples), job.row_limit)
    send(Head(ResultKind.GRAPH, fmt.media_type, truncated, job.row_limit))
    try:
        results.write_graph(stream, fmt, job.prefixes, lambda chunk: send(Chunk(chunk)), truncated)
    except (OSError, RuntimeError, ValueError, TypeError) as error:
        send(Aborted(f"the query failed while its result was being sent: {error}"))
        return
    send(End())

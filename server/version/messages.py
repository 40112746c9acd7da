"""The messages a query runner sends back for one job, and the one place that reads them.

A job is evaluated by ``server.version.engine``, in a worker process (``workers.py``) or in
the calling thread, which sends, in order: a ``Head``, then ``Chunk``s, then ``End``; or
``Refused`` instead of the head (a malformed query, or a result no acceptable format can
carry); or ``Aborted`` after the head, when evaluation fails mid-stream, which the web side
must turn into a broken response rather than a silently partial one. Messages cross a process
boundary, pickled, so they are plain frozen dataclasses. ``read_answer`` is their only reader.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from enum import StrEnum


class ResultKind(StrEnum):
    """What a query returns, by its form."""

    SOLUTIONS = "solutions"  # SELECT
    BOOLEAN = "boolean"  # ASK
    GRAPH = "graph"  # CONSTRUCT, DESCRIBE


@dataclass(frozen=True)
class Ready:
    """A worker has opened the store and waits for jobs (sent once, before any job)."""


@dataclass(frozen=True)
class Head:
    """What the web side needs before the first byte: the type, and whether it is truncated."""

    kind: ResultKind
    media_type: str
    truncated: bool
    limit: int


@dataclass(frozen=True)
class Chunk:
    """The next bytes of the serialised result."""

    data: bytes


@dataclass(frozen=True)
class End:
    """The result is complete."""


@dataclass(frozen=True)
class Refused:
    """The job could not start: ``status`` is the HTTP status that says why (400, 406)."""

    status: int
    message: str


@dataclass(frozen=True)
class Aborted:
    """Evaluation failed after the head was sent; the result is incomplete."""

    message: str


Message = Head | Chunk | End | Refused | Aborted
Messages = Generator[Message, None, None]


def is_last(message: Message) -> bool:
    """Whether ``message`` ends its job's stream (a worker is free again after it)."""
    return isinstance(message, End | Refused | Aborted)


class QueryRefused(Exception):
    """The query was refused before any result: ``status`` and ``message`` say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class ResultAborted(Exception):
    """The result broke off after its head: what was sent so far is not the whole result."""


class Answer:
    """A query's result as it arrives: its head at once, then its bytes."""

    def __init__(self, head: Head, rest: Messages) -> None:
        self.head = head
        self._rest = rest

    def chunks(self) -> Iterator[bytes]:
        """The result's bytes; ``ResultAborted`` when evaluation failed mid-stream."""
        for message in self._rest:
            if isinstance(message, Chunk):
                yield message.data
            elif isinstance(message, Aborted):
                raise ResultAborted(message.message)
            elif isinstance(message, End):
                return

    def close(self) -> None:
        """Let the runner go (it frees, or kills and replaces, the worker)."""
        self._rest.close()


def read_answer(messages: Messages) -> Answer:
    """The answer to a job from its stream of messages; ``QueryRefused`` when it was refused.

    The runner's own errors (a deadline passed, no worker free, a worker crashed) are raised
    by the stream and pass through.
    """
    first = next(messages)
    if isinstance(first, Refused):
        messages.close()
        raise QueryRefused(first.status, first.message)
    if not isinstance(first, Head):
        messages.close()
        raise ResultAborted(f"the query runner sent {type(first).__name__} before a head")
    return Answer(first, messages)


def body_of(messages: Messages) -> bytes:
    """The whole result of a job, read at once (tools and tests)."""
    answer = read_answer(messages)
    try:
        return b"".join(answer.chunks())
    finally:
        answer.close()

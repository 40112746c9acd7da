"""Query workers: the processes that evaluate queries, and the deadline that stops them.

pyoxigraph holds the GIL while it evaluates a query and cannot cancel one. A runaway query in
the web process would stop every other request of that process and could never be stopped.
So queries run in separate worker processes, each holding the store open read-only; the web
side sends a job, reads the result back as a stream of chunks, and when the deadline passes
(or the client goes away mid-stream) it kills that worker with SIGKILL and starts a fresh one.
Other requests, served by other workers, never notice.

``InProcessQueries`` runs jobs in the calling thread instead: for in-memory stores (tests,
tools), which no other process can open. It enforces no deadline.
"""

from __future__ import annotations

import contextlib
import logging
import math
import multiprocessing
import queue
import select
import threading
import time
from multiprocessing.connection import Connection
from typing import Protocol

import pyoxigraph as ox

from server.results import CHUNK
from server.version.engine import Job, execute
from server.version.messages import Chunk, Message, Messages, Ready, is_last

log = logging.getLogger(__name__)
_CONTEXT = multiprocessing.get_context("spawn")


class QueryTimeout(Exception):
    """The job did not finish before its deadline; its worker was killed."""


class NoWorkerAvailable(Exception):
    """Every worker stayed busy until the deadline.

    ``free_in``: seconds until one of them is sure to be free, its job finished or stopped at
    its own deadline (0 when none is busy: they are being started).
    """

    def __init__(self, free_in: float = 0.0) -> None:
        super().__init__(f"no query worker free; one will be within {free_in:.1f} s")
        self.free_in = free_in


class WorkerCrashed(Exception):
    """The worker died while answering (killed from outside, or out of memory)."""


class QueryRunner(Protocol):
    """Something that answers jobs as a stream of engine messages."""

    def run(self, job: Job, deadline: float, wait_until: float | None = None) -> Messages:
        """The messages of ``job``; raise if ``deadline`` (time.monotonic) passes first, or
        if no worker is free by ``wait_until``."""
        ...

    def close(self) -> None:
        """Stop every worker."""
        ...


class _Outbox:
    """A job's messages, sent in batches: one pipe write (and one wake-up of the web side)
    per batch instead of per message.

    A batch leaves at the job's last message, or once it holds a full chunk of the result.
    A small result (most lookups) thus crosses the pipe in one write, its head, bytes and end
    together; a large one streams chunk by chunk, its head travelling with the first chunk.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.batch: list[Message] = []
        self.size = 0

    def send(self, message: Message) -> None:
        """Queue ``message``; send the batch if it is now due."""
        self.batch.append(message)
        if isinstance(message, Chunk):
            self.size += len(message.data)
        if is_last(message) or self.size >= CHUNK:
            self.connection.send(self.batch)
            self.batch, self.size = [], 0


def _worker_main(connection: Connection, store_path: str) -> None:
    """The worker process: open the store read-only, then answer jobs until told to stop."""
    store = ox.Store.read_only(store_path)
    connection.send(Ready())
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        execute(store, job, _Outbox(connection).send)


class _Worker:
    def __init__(self, store_path: str) -> None:
        self.connection, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(
            target=_worker_main, args=(child, store_path), name="ftkg-query-worker", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False
        # One poll object for the worker's life: Connection.poll builds a selector per call.
        self._poller = select.poll()
        self._poller.register(self.connection.fileno(), select.POLLIN)

    def readable(self, timeout: float) -> bool:
        """Whether a message (or the end of the pipe) arrives within ``timeout`` seconds."""
        return bool(self._poller.poll(math.ceil(max(timeout, 0.0) * 1000)))

    def wait_ready(self, timeout: float) -> bool:
        try:
            if not self.ready and self.connection.poll(timeout):
                self.ready = isinstance(self.connection.recv(), Ready)
        except (EOFError, OSError):
            return False  # it died while starting (killed, or the store vanished)
        return self.ready

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(timeout=2)
        self.kill()


# How long the rest of a result abandoned by its client may take to arrive before its worker
# is killed instead of reused.
DRAIN_SECONDS = 0.05


def _drained(connection: Connection, seconds: float) -> bool:
    """Read and drop messages until the job's last one; whether it came within ``seconds``."""
    deadline = time.monotonic() + seconds
    try:
        while (remaining := deadline - time.monotonic()) > 0 and connection.poll(remaining):
            batch: list[Message] = connection.recv()
            if any(is_last(message) for message in batch):
                return True
    except (EOFError, OSError):
        return False
    return False


class ProcessQueries:
    """A fixed number of worker processes over one on-disk store."""

    def __init__(self, store_path: str, size: int = 2, start_timeout: float = 30.0) -> None:
        self.store_path = store_path
        self.size = max(1, size)
        self.start_timeout = start_timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self._busy_until: dict[_Worker, float] = {}  # each busy worker's job deadline
        self._closed = False
        for _ in range(self.size):
            self._add()

    @property
    def pids(self) -> list[int]:
        """The process ids of the workers alive now (for health reports and tests); a dead one
        is replaced when next picked, and is not reported meanwhile."""
        with self._lock:
            return [
                w.process.pid
                for w in self._workers
                if w.process.pid is not None and w.process.is_alive()
            ]

    def _add(self) -> None:
        worker = _Worker(self.store_path)
        with self._lock:
            self._workers.add(worker)
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
            closed = self._closed
        if not closed:
            self._add()  # a fresh worker takes its place; it opens the store while idle

    def _free_in(self) -> float:
        """Seconds until a busy worker is sure to be free (0 when none is busy)."""
        with self._lock:
            soonest = min(self._busy_until.values(), default=None)
        return 0.0 if soonest is None else max(0.0, soonest - time.monotonic())

    def _acquire(self, deadline: float) -> _Worker:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NoWorkerAvailable(self._free_in())
            try:
                worker = self._idle.get(timeout=remaining)
            except queue.Empty:
                raise NoWorkerAvailable(self._free_in()) from None
            if not worker.process.is_alive():
                self._discard(worker)
                continue
            if worker.wait_ready(min(self.start_timeout, max(deadline - time.monotonic(), 0.01))):
                return worker
            self._discard(worker)

    def _send(self, job: Job, deadline: float, job_deadline: float) -> _Worker:
        """An idle worker (waited for until ``deadline``) that has been handed ``job``, which
        it may spend until ``job_deadline`` on.

        A worker killed while idle can still look alive for a moment; sending to it fails,
        and since the job never started, it goes to another worker rather than failing.
        """
        while True:
            worker = self._acquire(deadline)
            try:
                worker.connection.send(job)
            except OSError:
                self._discard(worker)
                continue
            with self._lock:
                self._busy_until[worker] = job_deadline
            return worker

    def run(self, job: Job, deadline: float, wait_until: float | None = None) -> Messages:
        """Send ``job`` to an idle worker and yield its messages until the last one.

        Waiting for a free worker stops at ``wait_until``: under overload a quick 503 with
        Retry-After beats holding a web thread (which could be sending cached answers) until
        the query deadline.
        """
        retried = False
        while True:
            worker = self._send(job, min(deadline, wait_until or deadline), deadline)
            finished = started = False
            try:
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or not worker.readable(remaining):
                        raise QueryTimeout()
                    try:
                        batch: list[Message] = worker.connection.recv()
                    except (EOFError, OSError):
                        raise WorkerCrashed() from None
                    finished = any(is_last(message) for message in batch)
                    started = True
                    yield from batch
                    if finished:
                        return
            except WorkerCrashed:
                # A query only reads: when its worker died before answering anything (killed
                # while idle, just as the job was sent, or from outside), it is run once more
                # on another worker. A second death is the query's own doing: reported.
                if started or retried:
                    raise
                retried = True
            except GeneratorExit:
                # The client left. A worker that has already written the rest of a small
                # result into the pipe is drained and kept: killing it would cost a process
                # start.
                if not finished:
                    finished = _drained(worker.connection, DRAIN_SECONDS)
                raise
            finally:
                with self._lock:
                    self._busy_until.pop(worker, None)
                # A worker that did not finish (deadline, crash, or the client went away and
                # the generator was closed) may still be evaluating: it is killed, never
                # reused.
                if finished:
                    self._idle.put(worker)
                else:
                    log.warning(
                        "query worker %s killed before finishing its job", worker.process.pid
                    )
                    self._discard(worker)

    def close(self) -> None:
        """Stop every worker."""
        with self._lock:
            self._closed = True
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()


class InProcessQueries:
    """Jobs answered in the calling thread, on a store only this process can reach."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    @property
    def pids(self) -> list[int]:
        """No worker processes."""
        return []

    def run(self, job: Job, deadline: float, wait_until: float | None = None) -> Messages:
        """The job's messages, computed here (no deadline can interrupt pyoxigraph)."""
        messages: list[Message] = []
        execute(self.store, job, messages.append)
        yield from messages

    def close(self) -> None:
        """Nothing to stop."""

"""Child processes: free loopback ports, process groups, readiness, and tree memory."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

LOOPBACK = "127.0.0.1"


class ToolMissing(RuntimeError):
    """A program the benchmark needs is not installed."""


def require(tool: str, hint: str) -> str:
    """The path of ``tool`` on PATH (or next to this Python), or a clear error saying how to
    install it."""
    found = shutil.which(tool) or shutil.which(tool, path=str(Path(sys.executable).parent))
    if not found:
        raise ToolMissing(f"`{tool}` is missing: {hint}")
    return found


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def run_logged(command: Sequence[str], log: Path, **kwargs: object) -> float:
    """Run ``command`` to completion, output to ``log``; its wall time in seconds.

    Raises with the log's tail when it fails, so a broken loader is never timed as fast.
    """
    start = time.perf_counter()
    with log.open("ab") as out:
        result = subprocess.run(
            command, stdout=out, stderr=subprocess.STDOUT, check=False, **kwargs
        )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{command[0]} failed ({result.returncode}):\n{tail}")
    return elapsed


@contextmanager
def process_group(
    command: Sequence[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``command`` in its own session; on exit kill the whole group, children included
    (web workers, query worker processes), so no run leaks a server."""
    out = log.open("ab")
    process = subprocess.Popen(
        command,
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        stop_group(process)
        out.close()


def stop_group(process: subprocess.Popen[bytes], grace: float = 10) -> None:
    """SIGTERM the process group of ``process``, then SIGKILL it if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    # Children may outlive a leader that exited on SIGTERM: sweep the group regardless.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=grace)


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    """Poll ``url`` until it answers (any HTTP status); fail with the log if the server dies."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"server at {url} did not start:\n{tail}") from None
            time.sleep(0.2)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants alive now."""
    tree, pids, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(tree.get(pid, []))
    return pids


def _kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_memory(root: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes summed over the process tree of ``root``.

    RSS counts pages shared by forked workers once per worker; PSS splits them, so both are
    kept: RSS is the figure asked for, PSS says how much of it is double counting.
    """
    rss = pss = 0
    for pid in tree_pids(root):
        rss += _kib(Path(f"/proc/{pid}/status"), "VmRSS:")
        pss += _kib(Path(f"/proc/{pid}/smaps_rollup"), "Pss:")
    return rss * 1024, pss * 1024


def tree_commands(*roots: int) -> dict[str, int]:
    """How many processes of each command name the process trees of ``roots`` hold now."""
    counts: dict[str, int] = {}
    for pid in (pid for root in roots for pid in tree_pids(root)):
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue  # exited since the tree was read
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


class MemorySampler:
    """Samples the memory of one or more process trees (summed) in a background thread;
    keeps the peaks, and which processes the trees held at the peak of RSS (so a reader can
    check that every process of a server was counted: nginx's workers, the app's)."""

    def __init__(self, *roots: int, interval: float = 0.25) -> None:
        self.roots, self.interval = roots, interval
        self.peak_rss = self.peak_pss = 0
        self.peak_processes: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            trees = [tree_memory(root) for root in self.roots]
            rss, pss = sum(t[0] for t in trees), sum(t[1] for t in trees)
            if rss > self.peak_rss:
                self.peak_processes = tree_commands(*self.roots)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time consumed so far by ``pid`` (with reaped children)."""
    fields = Path(f"/proc/{pid}/stat").read_text()
    values = fields[fields.rindex(")") + 2 :].split()
    ticks = sum(int(v) for v in values[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def disk_bytes(*paths: Path) -> int:
    """Bytes of the files under ``paths`` (allocated blocks, as ``du`` counts: sparse
    database files count for what they hold)."""
    total = 0
    for path in paths:
        for file in [path] if path.is_file() else path.rglob("*"):
            if file.is_file() and not file.is_symlink():
                total += file.stat().st_blocks * 512
    return total


def file_summary(directory: Path) -> dict[str, int]:
    """How many files ``directory`` holds, their bytes, and the blocks allocated to them
    (a small file takes a whole block: many small files take far more than their bytes)."""
    count = size = allocated = 0
    for file in directory.rglob("*"):
        if file.is_file() and not file.is_symlink():
            stat = file.stat()
            count, size, allocated = (
                count + 1,
                size + stat.st_size,
                allocated + stat.st_blocks * 512,
            )
    return {"count": count, "bytes": size, "allocated_bytes": allocated}

"""Virtuoso Open Source (Debian ``virtuoso-opensource``): install, configure, load, serve.

The harness writes its own ``virtuoso.ini`` into a scratch directory, with the ISQL and HTTP
listeners bound to 127.0.0.1 on free ports, so the system's Virtuoso (if any) is untouched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench.harness import procs
from bench.harness.servers import VIRTUOSO, Endpoint

PACKAGE = "virtuoso-opensource"


def ensure_installed() -> str | None:
    """None when Virtuoso is usable (installing it with apt when missing and root), else the
    reason it is skipped."""
    if shutil.which("virtuoso-t") and shutil.which("isql-vt"):
        return None
    if os.geteuid() != 0:
        return f"virtuoso-t missing and not root: apt-get install {PACKAGE} to include it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", PACKAGE]):
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            return f"`{' '.join(command)}` failed: {result.stderr.strip()[-300:]}"
    if not shutil.which("virtuoso-t"):
        return f"{PACKAGE} installed but virtuoso-t is not on PATH"
    return None


def write_config(directory: Path, data_dir: Path, isql_port: int, http_port: int) -> Path:
    """A ``virtuoso.ini`` keeping everything under ``directory``, listening on loopback only.

    Buffers follow Virtuoso's own sizing table for ~2 GB of RAM, far above this data's
    footprint; query time, result size and ORDER BY ... OFFSET depth limits (10,000 rows by
    default: deep paging would fail) are lifted so no answer is truncated or refused.
    """
    db = directory / "db"
    www = directory / "www"
    db.mkdir(parents=True, exist_ok=True)
    www.mkdir(exist_ok=True)
    config = directory / "virtuoso.ini"
    config.write_text(
        f"""[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = {procs.LOOPBACK}:{isql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 100
CheckpointInterval = 0
O_DIRECT = 0
CaseMode = 2
DirsAllowed = ., {data_dir}
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = 170000
MaxDirtyBuffers = 130000
MaxQueryMem = 1G
MaxSortedTopRows = 1000000

[HTTPServer]
ServerPort = {procs.LOOPBACK}:{http_port}
ServerRoot = {www}
MaxClientConnections = 64
ServerThreads = 64
MaxKeepAlives = 64
KeepAliveTimeout = 10
EnabledDavVSP = 0
HTTPProxyEnabled = 0
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
""",
        encoding="utf-8",
    )
    return config


def isql(port: int, sql: str, log: Path) -> str:
    """Run ``sql`` through ``isql-vt``; raise when Virtuoso reports an error (isql's exit
    status does not say)."""
    result = subprocess.run(
        ["isql-vt", f"{procs.LOOPBACK}:{port}", "dba", "dba", f"exec={sql}"],
        capture_output=True,
        text=True,
        check=False,
    )
    with log.open("a") as out:
        out.write(f"-- {sql}\n{result.stdout}{result.stderr}")
    if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
        raise RuntimeError(f"isql failed on {sql!r}:\n{result.stdout[-1500:]}{result.stderr}")
    return result.stdout


@contextmanager
def serve(directory: Path, data_dir: Path, base: str, log: Path) -> Iterator[tuple[Endpoint, int]]:
    """Virtuoso on the database in ``directory`` (created on first start); yields the
    endpoint and the ISQL port."""
    isql_port, http_port = procs.free_port(), procs.free_port()
    config = write_config(directory, data_dir, isql_port, http_port)
    command = ["virtuoso-t", "+foreground", "+configfile", str(config)]
    with procs.process_group(command, log, cwd=directory) as process:
        procs.wait_http(f"http://{procs.LOOPBACK}:{http_port}/sparql?query=ASK%7B%7D", process, log)
        yield Endpoint(VIRTUOSO, http_port, "/sparql", base, process.pid), isql_port


def load(files: list[Path], graph: str, isql_port: int, log: Path) -> float:
    """Bulk load ``files`` (N-Quads keep their own graphs; ``graph`` is only the fallback)
    with one ``rdf_loader_run`` per file in parallel, as Virtuoso's documentation advises
    for several cores, then checkpoint; the wall time in seconds."""
    start = time.perf_counter()
    for path in files:
        isql(isql_port, f"ld_dir('{path.parent}', '{path.name}', '{graph}');", log)
    with ThreadPoolExecutor(len(files)) as pool:
        list(pool.map(lambda _: isql(isql_port, "rdf_loader_run();", log), files))
    isql(isql_port, "checkpoint;", log)
    elapsed = time.perf_counter() - start
    failed = isql(
        isql_port, "SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;", log
    )
    if "\n0\n" not in failed.replace(" ", ""):
        raise RuntimeError(f"Virtuoso reported load errors, see {log}")
    return elapsed

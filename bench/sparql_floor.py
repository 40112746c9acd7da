"""SPARQL lookups: ours, the floor of any Python service on pyoxigraph, and Oxigraph server.

    .venv/bin/python bench/sparql_floor.py [--store var/store] [--seconds 5]   # ~4 min
    .venv/bin/python bench/sparql_floor.py --smoke    # the lookup mix at 8 clients, 1 s each

Issue 18 asks the lookup mix (one entity's statements, an exact label, a three-step join) to
run at 0.5x Oxigraph server's throughput on first requests. This measures, in one run and on
the live version's own Oxigraph directory, three servers on the same requests:

- ``ftkg serve`` with its rate limits off (as in ``bench/compare.py``);
- the floor: ``bench/harness/floor_app.py`` on Granian with as many workers, a WSGI app that
  evaluates the query in pyoxigraph and returns its JSON, and does nothing else;
- ``oxigraph serve-read-only``.

Each run (query kind x client count) starts where the last one's parameters stopped, and ours
runs without its response cache (``KG_RESPONSE_CACHE_MB=0``): the sample's labels and communes
are fewer than the requests of all runs, and a repeat must not be answered from memory, as
neither peer keeps answers. Every request is thus evaluated, as a first one is.

The floor's ratio to Oxigraph is the most a service built on pyoxigraph and a Python web
server can reach here; ours beside it is what our own work costs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script (python bench/sparql_floor.py) or a module: the repository must be importable.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import measure, procs, servers, workload  # noqa: E402
from server.version import layout  # noqa: E402

FLOOR = "floor"
KINDS = (*workload.LOOKUP_MIX, "lookup-mix")
CONNECTIONS = (8, 32)
# Requests per run that wrk cycles through (a smoke run's 1 s needs far fewer).
POOL = 30_000
SMOKE_POOL = 3_000
# What ``ftkg serve`` runs with here besides the benchmark's settings: no response cache.
OURS_SETTINGS = {"KG_RESPONSE_CACHE_MB": "0"}
TIMEOUT = 30.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each wrk run")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--out", type=Path, help="also write every figure to this JSON file")
    parser.add_argument(
        "--smoke", action="store_true", help="one run per server: the lookup mix, 8 clients, 1 s"
    )
    return parser.parse_args(argv)


def plan(
    sample: workload.Sample,
    seed: int,
    kinds: tuple[str, ...] = KINDS,
    connections_run: tuple[int, ...] = CONNECTIONS,
    pool: int = POOL,
) -> dict[tuple[str, int], list[workload.Call]]:
    """The calls of each run, each starting where the last one's parameters stopped."""
    runs: dict[tuple[str, int], list[workload.Call]] = {}
    start = 0
    for kind in kinds:
        for connections in connections_run:
            if kind == "lookup-mix":
                count = pool // len(workload.LOOKUP_MIX)
                runs[kind, connections] = workload.mix(
                    workload.LOOKUP_MIX, sample, start, count, seed
                )
            else:
                count = pool
                runs[kind, connections] = workload.calls(kind, sample, start, count, seed)
            start += count
    return runs


@contextmanager
def floor(location: Path, base: str, workers: int, log: Path) -> Iterator[servers.Endpoint]:
    """The floor app on Granian, as ``ftkg serve`` runs ours: ``workers`` processes."""
    port = procs.free_port()
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--factory",
        "--workers",
        str(workers),
        "--host",
        procs.LOOPBACK,
        "--port",
        str(port),
        "bench.harness.floor_app:application",
    ]
    env = {"FLOOR_STORE": str(location), "PYTHONPATH": str(ROOT)}
    with procs.process_group(command, log, env=env, cwd=ROOT) as process:
        procs.wait_http(f"http://{procs.LOOPBACK}:{port}/sparql?query=ASK%7B%7D", process, log)
        yield servers.Endpoint(FLOOR, port, "/sparql", base, process.pid)


def measure_server(
    endpoint: servers.Endpoint,
    runs: dict[tuple[str, int], list[workload.Call]],
    seconds: float,
    scratch: Path,
) -> dict[str, Any]:
    """Every run of the plan on ``endpoint``: requests per second, latency and errors."""
    figures: dict[str, Any] = {}
    for (kind, connections), calls in runs.items():
        requests = scratch / f"{endpoint.name}-{kind}-{connections}.txt"
        measure.write_requests(endpoint, calls, requests)
        result = measure.wrk(endpoint, requests, connections, seconds, TIMEOUT)
        figures[f"{kind}@{connections}"] = measure.as_dict(result)
        print(
            f"  {endpoint.name:9} {kind:11} @{connections:<3} {result.rps:9,.0f} req/s"
            f"  p50 {result.p50_ms:6.2f} ms  errors {result.errors}",
            flush=True,
        )
    return figures


def table(results: dict[str, dict[str, Any]]) -> str:
    """Markdown: requests per second per server, and ours and the floor as ratios."""
    lines = [
        "| run | ftkg (ours) | floor (pyoxigraph on Granian) | Oxigraph server "
        "| ours / Oxigraph | floor / Oxigraph | ours / floor |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key in results[servers.OXIGRAPH]:
        ours, low, peer = (
            results[name][key]["rps"] for name in (servers.OURS, FLOOR, servers.OXIGRAPH)
        )
        lines.append(
            f"| {key.replace('@', ' @ ')} | {ours:,.0f} | {low:,.0f} | {peer:,.0f} "
            f"| {ours / peer:.2f}x | {low / peer:.2f}x | {ours / low:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Measure the three servers in turn; print the table; 0 on success."""
    args = parse_args(argv)
    procs.require("wrk", "apt-get install wrk (or `make bench-tools`)")
    procs.require("oxigraph", ".venv/bin/pip install oxigraph (in the dev extras)")
    store = args.store.resolve()
    version = layout.live_version(store)
    if version is None:
        print(f"no live version under {store}: run `ftkg build` first", file=sys.stderr)
        return 2
    started = datetime.now(UTC).isoformat(timespec="seconds")
    metadata = version.directory / layout.METADATA
    base = json.loads(metadata.read_text(encoding="utf-8"))["base_uri"]
    sample = workload.draw_sample(version.oxigraph_path, base, args.seed)
    if args.smoke:
        runs = plan(sample, args.seed, ("lookup-mix",), (8,), SMOKE_POOL)
        args.seconds = 1.0
    else:
        runs = plan(sample, args.seed)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ftkg-floor-") as directory:
        scratch = Path(directory)
        launchers = {
            servers.OXIGRAPH: lambda: servers.oxigraph(
                version.oxigraph_path, base, scratch / "oxigraph.log"
            ),
            FLOOR: lambda: floor(version.oxigraph_path, base, args.workers, scratch / "floor.log"),
            servers.OURS: lambda: servers.ours(
                store, base, scratch / "ours.log", args.workers, TIMEOUT, settings=OURS_SETTINGS
            ),
        }
        for name, launch in launchers.items():
            print(f"{name} ...", flush=True)
            with launch() as endpoint:
                results[name] = measure_server(endpoint, runs, args.seconds, scratch)
    print()
    print(table(results))
    if args.out:
        record = {
            "started": started,
            "command": " ".join(sys.argv),
            "version": version.name,
            "servers": results,
        }
        args.out.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

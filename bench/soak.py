"""Memory of our service over a long run under load: does it grow?

    .venv/bin/python bench/soak.py --store var/store [--seconds 300] [--connections 32]

Serves the store with `ftkg serve`, then runs wrk for the whole duration over random entity
documents (Turtle, JSON-LD, HTML pages) and random SPARQL lookups, far more distinct requests
than the response caches hold, so that they keep evicting. Samples the RSS of the whole
process tree (web workers and query workers) every few seconds and prints it over time, with
the growth between the end of the first minute (caches warm) and the end.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from bench.harness import procs, servers  # noqa: E402
from server.version import layout  # noqa: E402
from server.version.manifest import read_manifest  # noqa: E402

ACCEPT_RESULTS = "application/sparql-results+json"


def request_lines(store: Path, count: int, seed: int) -> list[str]:
    """wrk request lines (see bench/wrk/requests.lua) over random entities of the store."""
    version = layout.live_version(store)
    if version is None:
        raise SystemExit(f"no built store in {store}: run `ftkg build --store {store}`")
    base = read_manifest(version.directory).base_uri
    oxigraph = ox.Store.read_only(str(version.oxigraph_path))
    query = (
        "SELECT DISTINCT ?s ?prefix WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR(?prefix))) "
        "FILTER NOT EXISTS { ?s <http://purl.org/dc/terms/isReplacedBy> ?successor } }"
    )
    bound = {ox.Variable("prefix"): ox.Literal(base + "id/")}
    entities = [row["s"].value for row in oxigraph.query(query, substitutions=bound)]
    rng = random.Random(seed)
    lines = []
    for iri in rng.sample(entities, min(count, len(entities))):
        path = iri[len(base) + len("id/") :]
        kind = rng.randrange(4)
        if kind == 0:
            lines.append(f"GET\t/data/{path}.ttl\ttext/turtle\t")
        elif kind == 1:
            lines.append(f"GET\t/data/{path}.jsonld\tapplication/ld+json\t")
        elif kind == 2:
            lines.append(f"GET\t/page/{path}\ttext/html\t")
        else:
            sparql = f"SELECT ?p ?o WHERE {{ {ox.NamedNode(iri)} ?p ?o }}"
            lines.append(
                f"GET\t/sparql?{urllib.parse.urlencode({'query': sparql})}\t{ACCEPT_RESULTS}\t"
            )
    return lines


def main() -> int:
    """Run the soak and print the memory figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--requests", type=int, default=40_000, help="distinct requests")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    procs.require("wrk", "apt-get install wrk (or `make bench-tools`)")
    with tempfile.TemporaryDirectory(prefix="ftkg-soak-") as scratch:
        work = Path(scratch)
        requests = work / "requests.tsv"
        requests.write_text("\n".join(request_lines(args.store, args.requests, args.seed)) + "\n")
        port = procs.free_port()
        command = servers.ftkg_command(
            "serve", "--store", str(args.store), "--host", procs.LOOPBACK, "--port", str(port)
        )
        with procs.process_group(command, work / "server.log", env=servers.UNLIMITED) as server:
            procs.wait_http(
                f"http://{procs.LOOPBACK}:{port}/health/ready", server, work / "server.log"
            )
            wrk = subprocess.Popen(
                [
                    "wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "30s",
                    "-s", str(ROOT / "bench" / "wrk" / "requests.lua"),
                    f"http://{procs.LOOPBACK}:{port}", "--", str(requests),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            samples: list[tuple[float, int]] = []
            start = time.monotonic()
            while wrk.poll() is None:
                samples.append((time.monotonic() - start, procs.tree_memory(server.pid)[0]))
                time.sleep(5)
            output = wrk.communicate()[0]
            after = procs.tree_memory(server.pid)[0]
            workers = len(procs.tree_pids(server.pid)) - 1
    summary = next((line for line in output.splitlines() if line.startswith("WRK_JSON")), "")
    print(f"{'t (s)':>6} {'RSS (MB)':>9}")
    for at, rss in samples[:: max(1, len(samples) // 20)]:
        print(f"{at:6.0f} {rss / 2**20:9.0f}")
    warm = next((rss for at, rss in samples if at >= 60), samples[-1][1])
    peak = max(rss for _, rss in samples)
    print(f"after 60 s: {warm / 2**20:.0f} MB; at the end: {samples[-1][1] / 2**20:.0f} MB; "
          f"peak {peak / 2**20:.0f} MB; growth after warm-up "
          f"{(samples[-1][1] - warm) / 2**20:+.0f} MB; idle after the run {after / 2**20:.0f} MB; "
          f"{workers} child processes")  # fmt: skip
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

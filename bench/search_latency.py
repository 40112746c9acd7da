"""Search and reconciliation latency on the live store, in process (no HTTP).

    .venv/bin/python bench/search_latency.py [--store var/store]

Prints p50/p95/max for autocomplete prefixes (1 to 8 letters of real names) and for
reconciliation queries (the benchmark's rows), plus the index's size and entity count.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from server.reconcile.evaluation import read_cases
from server.reconcile.matching import reconcile
from server.reconcile.properties import Context
from server.search.ranking import search
from server.version import layout
from server.version.search_index import SearchIndex
from server.version.store import KnowledgeStore

NAMES = [
    "lille",
    "eurasante",
    "saint-etienne",
    "paris",
    "marseille",
    "french tech",
    "metropole",
    "bordeaux",
    "communaute",
    "rennes",
    "toulouse",
    "la rochelle",
    "montpellier",
    "nice",
]


def percentiles(samples: list[float]) -> str:
    """p50, p95 and max of ``samples`` (seconds), in milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"p50 {statistics.median(ordered) * 1000:6.2f} ms   p95 {p95 * 1000:6.2f} ms   "
        f"max {ordered[-1] * 1000:6.2f} ms   ({len(ordered)} queries)"
    )


def main() -> None:
    """Time autocomplete and reconciliation on the live store's index."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("var/store"))
    args = parser.parse_args()
    store = KnowledgeStore.open_live(args.store)
    path = store.path.parent / layout.SEARCH_INDEX
    index = SearchIndex.open(path)
    entities = sum(index.kind_counts().values())
    print(f"index: {path.stat().st_size / 1e6:.1f} MB, {entities:,} named entities")
    prefixes = [name[:n] for name in NAMES for n in range(1, min(len(name), 8) + 1)]
    timings = []
    for prefix in prefixes * 3:
        started = time.perf_counter()
        search(index, prefix, [], 10)
        timings.append(time.perf_counter() - started)
    print("autocomplete   ", percentiles(timings))
    context = Context(store, index, "fr")
    cases = read_cases(Path("tests/reconciliation/benchmark.tsv"))
    timings = []
    for case in cases:
        started = time.perf_counter()
        reconcile(case.as_query(), context)
        timings.append(time.perf_counter() - started)
    print("reconciliation ", percentiles(timings))


if __name__ == "__main__":
    main()

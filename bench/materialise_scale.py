"""How making every entity's document at build scales: time, size and memory at 1x and Nx.

    .venv/bin/python bench/materialise_scale.py                 # the live version of var/store
    .venv/bin/python bench/materialise_scale.py --copies 10 --store /tmp/store

The Nx data is the live version's store copied N times, as PERFORMANCE.md's 4.9M-triple set
copies the geography: copy k renames every entity (``{base}id/...`` to ``{base}id/c{k}/...``)
and every claim graph (``{base}graph/...`` to ``{base}graph/c{k}/...``), and shares the
vocabulary. Each size is materialised by ``server.pipeline.documents.materialise``, with the
processes a build uses, into a scratch directory; the figures printed side by side are its
wall time, its time per entity, the file's size and the peak memory of one of its processes.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from server.pipeline import documents
from server.version import layout
from server.version.manifest import read_manifest

ROOT = Path(__file__).resolve().parent.parent
BATCH = 200_000  # quads per bulk_extend


def _renamed(term: ox.NamedNode, prefixes: tuple[str, ...], copy: int) -> ox.NamedNode:
    for prefix in prefixes:
        if term.value.startswith(prefix):
            return ox.NamedNode(f"{prefix}c{copy}/{term.value[len(prefix) :]}")
    return term


def _copy_term(term: ox.Term, prefixes: tuple[str, ...], copy: int) -> ox.Term:
    return _renamed(term, prefixes, copy) if isinstance(term, ox.NamedNode) else term


def copies_of(source: Path, target: Path, base_uri: str, copies: int) -> int:
    """A store at ``target`` holding ``copies`` renamed copies of ``source``; its quads."""
    prefixes = (base_uri + "id/", base_uri + "graph/")
    original = ox.Store.read_only(str(source))
    store = ox.Store(str(target))
    total = 0
    for copy in range(copies):
        batch: list[ox.Quad] = []
        for quad in original:
            if copy == 0:
                batch.append(quad)
            else:
                graph = quad.graph_name
                batch.append(
                    ox.Quad(
                        _copy_term(quad.subject, prefixes, copy),  # type: ignore[arg-type]
                        quad.predicate,
                        _copy_term(quad.object, prefixes, copy),
                        _renamed(graph, prefixes, copy)
                        if isinstance(graph, ox.NamedNode)
                        else graph,
                    )
                )
            if len(batch) >= BATCH:
                store.bulk_extend(batch)
                total += len(batch)
                batch = []
        store.bulk_extend(batch)
        total += len(batch)
    store.optimize()
    store.flush()
    return total


def measure(store: Path, base_uri: str, scratch: Path, processes: int) -> dict[str, float]:
    """Materialise the documents of ``store`` once; what it cost."""
    out = scratch / "out"
    out.mkdir()
    started = time.perf_counter()
    made = documents.materialise(
        store, base_uri, "2026-12-03T00:00:00+00:00", out, processes=processes
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    shutil.rmtree(out)
    return {
        "entities": made.documents + made.aliases,
        "seconds": seconds,
        "ms_per_entity": 1000 * seconds / max(made.documents + made.aliases, 1),
        "file_mb": made.bytes / 1e6,
        "peak_rss_mb": peak / 1e6,
    }


def main() -> None:
    """Measure 1x and Nx, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    live = layout.live_version(args.store)
    if live is None:
        sys.exit(f"no live version in {args.store}: run `make serve` or `ftkg build` first")
    base_uri = read_manifest(live.directory).base_uri
    rows = []
    with tempfile.TemporaryDirectory(prefix="materialise-scale-") as directory:
        scratch = Path(directory)
        for copies in (1, args.copies):
            store = scratch / f"store-{copies}x"
            print(f"{copies}x: copying the store ...", flush=True)
            quads = copies_of(live.oxigraph_path, store, base_uri, copies)
            print(f"{copies}x: {quads:,} quads; materialising ...", flush=True)
            rows.append((copies, quads, measure(store, base_uri, scratch, args.processes)))
            shutil.rmtree(store)
    print()
    print("| data | quads | entities | wall s | ms per entity | file MB | peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for copies, quads, figures in rows:
        print(
            f"| {copies}x | {quads:,} | {figures['entities']:,.0f} | {figures['seconds']:.1f}"
            f" | {figures['ms_per_entity']:.2f} | {figures['file_mb']:,.0f}"
            f" | {figures['peak_rss_mb']:,.0f} |"
        )
    first, last = rows[0][2], rows[-1][2]
    print(
        f"\n{args.copies}x / 1x: time {last['seconds'] / first['seconds']:.1f}x, "
        f"size {last['file_mb'] / first['file_mb']:.1f}x, "
        f"peak memory {last['peak_rss_mb'] / first['peak_rss_mb']:.1f}x"
    )


if __name__ == "__main__":
    main()

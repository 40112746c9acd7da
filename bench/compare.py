"""Compare our server with Oxigraph server and Virtuoso on the same data, in one run.

    .venv/bin/python -m bench.compare            # full run: builds a fresh store, ~25 min
    .venv/bin/python -m bench.compare --smoke --store var/store   # < 3 min, no Virtuoso

Builds our store (timed, its documents written as files too) unless --store is given, loads
its N-Quads dump into Oxigraph (`oxigraph load` + `optimize`) and Virtuoso (bulk loader),
draws random parameters from the data, then serves each in turn on a loopback port (ours
twice: alone, then behind nginx) and measures dereferencing, a query mix, the example
queries, throughput with wrk and peak memory. Prints a markdown table of ratios to Oxigraph
server and writes every figure to bench/results/<time>.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script (python bench/compare.py) or a module: the repository root must be importable.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    agreement,
    procs,
    report,
    servers,
    suite,
    virtuoso,
    workload,
)
from server.pipeline import files  # noqa: E402
from server.version import layout  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a built store root: skip our (timed) build")
    parser.add_argument("--smoke", action="store_true", help="tiny run: Oxigraph and us only")
    parser.add_argument("--no-virtuoso", action="store_true", help="leave Virtuoso out")
    parser.add_argument(
        "--no-nginx", action="store_true", help="leave ours behind nginx (--front nginx) out"
    )
    parser.add_argument("--seconds", type=float, help="length of each wrk run")
    parser.add_argument("--workers", type=int, help="`ftkg serve --workers` (default: its own)")
    parser.add_argument("--seed", type=int, default=20260404)
    parser.add_argument("--out", type=Path, help="results JSON (default bench/results/...)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    return parser.parse_args(argv)


def check_tools() -> None:
    """Fail early, with how to install it, when a required program is missing."""
    procs.require("wrk", "apt-get install wrk (or `make bench-tools`)")
    procs.require("oxigraph", ".venv/bin/pip install oxigraph (in the dev extras)")


def build_ours(scratch: Path, log: Path) -> tuple[Path, dict[str, Any]]:
    """A fresh store built by ``ftkg build`` (validation, dumps, indexes and the documents,
    also written as the files nginx sends: all a data version holds), timed."""
    store = scratch / "ours"
    command = servers.ftkg_command("build", "--store", str(store), "--files")
    seconds = procs.run_logged(command, log, cwd=ROOT)
    return store, {"seconds": seconds}


# The one-file change of the rebuild measure: a new curated file adding a statement about an
# entity every document of the geography links to (the commune of Lille), so that the change
# reaches documents, the validation and every dump, as a day's curation would.
EDITED_FILE = "data/bench-one-file-change.trig"
EDITED_TEXT = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
GRAPH <graph/journaldesfemmes-martine-aubry-2014> {
    <id/commune/59350> skos:altLabel "Lille (Nord)"@fr .
}
"""


def rebuild_ours(store: Path, scratch: Path, log: Path) -> dict[str, Any]:
    """``ftkg build`` again after one curated file changed: the incremental build, timed,
    writing the files of the documents it makes again as the full build did."""
    sources = scratch / "changed-sources"
    for name in ("ontology", "data", "queries"):
        shutil.copytree(ROOT / name, sources / name)
    (sources / EDITED_FILE).write_text(EDITED_TEXT, encoding="utf-8")
    command = servers.ftkg_command(
        "build", "--store", str(store), "--source", str(sources), "--files"
    )
    seconds = procs.run_logged(command, log, cwd=ROOT)
    if "incremental build from" not in log.read_text(encoding="utf-8"):
        raise RuntimeError(f"the rebuild after a one-file change was not incremental: see {log}")
    return {"seconds": seconds, "change": f"{EDITED_FILE} added, one statement", "files": True}


def _split(dump: Path, directory: Path, parts: int) -> tuple[list[Path], int]:
    suffix = dump.name.removesuffix(".gz").rsplit(".", 1)[1]
    files = [directory / f"{suffix}-{i}.{suffix}" for i in range(parts)]
    outputs = [path.open("w", encoding="utf-8") for path in files]
    count = 0
    try:
        with gzip.open(dump, "rt", encoding="utf-8") as source:
            for line in source:
                outputs[count % parts].write(line)
                count += 1
    finally:
        for output in outputs:
            output.close()
    return files, count


def split_dumps(store: Path, directory: Path, parts: int) -> dict[str, Any]:
    """The store's dumps, decompressed (untimed) into ``parts`` files each so that the peers'
    loaders can use every core.

    Our store holds the named graphs (one per source: the N-Quads dump) and, as its default
    graph, their merge (the N-Triples dump): Oxigraph gets both, so it holds exactly our
    quads and answers the same queries without a union default graph. Virtuoso gets the
    named graphs only, since it answers queries without FROM over all its graphs (as a bag,
    not the merge: see bench/README.md).
    """
    live = store / "live"
    found = {}
    for suffix in ("nq", "nt"):
        dumps = [p for p in sorted(live.rglob(f"*.{suffix}.gz")) if "labels" not in p.name]
        if not dumps:
            raise RuntimeError(f"no .{suffix}.gz dump under {live}")
        found[suffix] = dumps[0]
    directory.mkdir(parents=True, exist_ok=True)
    named, quads = _split(found["nq"], directory, parts)
    merged, triples = _split(found["nt"], directory, parts)
    return {
        "named_graph_files": named,
        "default_graph_files": merged,
        "named_graph_quads": quads,
        "default_graph_triples": triples,
        "dumps": [str(path) for path in found.values()],
    }


def with_rate(load: dict[str, Any]) -> dict[str, Any]:
    """``load`` with statements (triples or quads) loaded per second added."""
    return {**load, "triples_per_second": load["statements"] / load["seconds"]}


def serve_and_measure(
    name: str,
    launcher: Any,
    plan: suite.Plan,
    scratch: Path,
    disk: list[Path],
    engine_pid: int | None = None,
    reference: list[Any] | None = None,
    afterwards: Callable[[servers.Endpoint], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Run the whole plan against one server while sampling its process tree's memory
    (and the engine's, for a service whose queries go to one).

    Before any measurement, the answers to a few calls are compared with ``reference``
    (``agreement``) when given; after the measurements, while the server still runs,
    ``afterwards(endpoint)`` adds its figures (answers asked only then leave the first
    requests of the measurements first).
    """
    print(f"\n== {report.TITLES[name]}", flush=True)
    compared = agreement.calls_to_compare(plan.sequential)
    out: dict[str, Any] = {}
    with launcher as launched:
        endpoint = launched[0] if isinstance(launched, tuple) else launched
        if reference is not None:
            found = agreement.collect(endpoint, compared)
            out["agreement"] = agreement.compare(compared, reference, found)
            print(f"  answers compared with ours (embedded): {out['agreement']}", flush=True)
        roots = (endpoint.pid,) if engine_pid is None else (endpoint.pid, engine_pid)
        with procs.MemorySampler(*roots) as memory:
            result = suite.run(endpoint, plan, scratch / name, log=lambda m: print(m, flush=True))
        result["memory"] = {
            "peak_rss": memory.peak_rss,
            "peak_pss": memory.peak_pss,
            "processes_at_peak": memory.peak_processes,
        }
        print(f"  processes counted at the peak of RSS: {memory.peak_processes}", flush=True)
        if afterwards is not None:
            out |= afterwards(endpoint)
    result["disk_bytes"] = procs.disk_bytes(*disk)
    return result | out


def front_files(version: Path, base: str, plan: suite.Plan) -> dict[str, int]:
    """How many entities of the dereferencing workloads have their documents as files in
    ``version``: nginx answers their requests, the app those of the others (documents whose
    incoming links go past page 1, paths needing percent-encoding)."""
    kinds = ("deref-ttl", "deref-jsonld", workload.ID_REDIRECT)
    entities = {
        call.target
        for kind in kinds
        for pool in (plan.sequential[kind], *plan.cold[kind].values())
        for call in pool
    }
    prefix = base + "id/"
    directory = version / layout.FILES_DIR
    found = sum(
        1 for iri in entities if (directory / files.file_name(iri[len(prefix) :], "ttl")).is_file()
    )
    return {"entities": len(entities), "with_files": found}


def measure_ours(
    args: argparse.Namespace,
    store: Path,
    base: str,
    plan: suite.Plan,
    scratch: Path,
    results: dict[str, Any],
    keep_answers: bool,
) -> None:
    """Ours alone, then ours behind nginx (``--front nginx``) on the same data version, each
    with every measurement of the plan; then what nginx's answers agree on with the app's,
    and the version's size on disk.

    With ``keep_answers``, ours alone keeps its answers to a few calls for ours on Virtuoso.
    """
    logs = scratch / "logs"
    # Our data version: the store, its dumps, search index and documents, and the documents
    # as files when written (all that `ftkg build` publishes and `ftkg serve` reads).
    version = (store / "live").resolve()
    front = "--no-nginx" if args.no_nginx else servers.front_unavailable()
    probes = agreement.front_probes(base, agreement.front_entities(plan.sequential, plan.cold))
    alone: list[agreement.Reply] = []

    def answers_of_ours(endpoint: servers.Endpoint) -> dict[str, Any]:
        if not front:
            alone.extend(agreement.collect_replies(endpoint, probes))
        if not keep_answers:
            return {}
        # What ours on Virtuoso must answer alike.
        return {"answers": agreement.collect(endpoint, agreement.calls_to_compare(plan.sequential))}

    results["servers"][servers.OURS] = serve_and_measure(
        servers.OURS,
        servers.ours(store, base, logs / "ours.log", args.workers, plan.timeout),
        plan,
        scratch,
        [version],
        afterwards=answers_of_ours,
    )

    def agreement_with_ours(endpoint: servers.Endpoint) -> dict[str, Any]:
        found = agreement.compare_replies(
            probes, alone, agreement.collect_replies(endpoint, probes)
        )
        print(
            f"  answers compared with ours alone: {found['compared']} compared, "
            f"{found['same']} the same, {found['different']} differ {found['differ'] or ''}",
            flush=True,
        )
        return {"agreement": found}

    if front:
        results["skipped"][servers.OURS_NGINX] = front
        print(f"\n== {report.TITLES[servers.OURS_NGINX]}: skipped ({front})", flush=True)
    else:
        try:
            results["servers"][servers.OURS_NGINX] = serve_and_measure(
                servers.OURS_NGINX,
                servers.ours(
                    store, base, logs / "ours-nginx.log", args.workers, plan.timeout, front=True
                ),
                plan,
                scratch,
                [version],
                afterwards=agreement_with_ours,
            )
            results["front_files"] = front_files(version, base, plan)
        except (RuntimeError, OSError) as error:
            # A failing front must not cost the figures already measured for the others.
            results["skipped"][servers.OURS_NGINX] = f"failed: {str(error)[:500]}"
    # Measured once both ran: the same version for both, whose files ours behind nginx may
    # have written at its start (a store built without --files).
    sizes = {"disk_bytes": procs.disk_bytes(version)}
    if (version / layout.FILES_DIR).is_dir():
        results["files"] = procs.file_summary(version / layout.FILES_DIR)
        sizes["files_bytes"] = results["files"]["allocated_bytes"]
    for name in (servers.OURS, servers.OURS_NGINX):
        if name in results["servers"]:
            results["servers"][name] |= sizes


def measure_virtuoso(
    scratch: Path,
    base: str,
    dump: dict[str, Any],
    plan: suite.Plan,
    loads: dict[str, dict[str, Any]],
    results: dict[str, Any],
    ours_on_virtuoso: Any,
    version: Path,
) -> None:
    """Load Virtuoso (timed) on a first start, then measure it on a fresh second start, so
    its memory and caches reflect serving, not loading; then our service with its queries
    sent to Virtuoso, on a fresh third start so that neither inherits the other's caches.

    ``ours_on_virtuoso(endpoint_url)`` is the launcher of our service on that endpoint.
    """
    directory = scratch / "virtuoso"
    print("\nloading Virtuoso ...", flush=True)
    log = scratch / "logs" / "virtuoso.log"
    with virtuoso.serve(directory, scratch / "data", base, log) as (_, isql_port):
        seconds = virtuoso.load(dump["named_graph_files"], base + "graph/unnamed", isql_port, log)
    loads[servers.VIRTUOSO] = {"seconds": seconds, "statements": dump["named_graph_quads"]}
    db = directory / "db"
    results["servers"][servers.VIRTUOSO] = serve_and_measure(
        servers.VIRTUOSO,
        virtuoso.serve(directory, scratch / "data", base, log),
        plan,
        scratch,
        [db],
    )
    reference = results["servers"][servers.OURS]["answers"]
    with virtuoso.serve(directory, scratch / "data", base, log) as (engine, _):
        results["servers"][servers.OURS_ON_VIRTUOSO] = serve_and_measure(
            servers.OURS_ON_VIRTUOSO,
            ours_on_virtuoso(f"{engine.root}{engine.sparql_path}"),
            plan,
            scratch,
            [version, db],
            engine_pid=engine.pid,
            reference=reference,
        )


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; print the table; 0 on success."""
    args = parse_args(argv)
    check_tools()
    scratch = Path(tempfile.mkdtemp(prefix="ftkg-bench-"))
    logs = scratch / "logs"
    logs.mkdir()
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "servers": {},
        "skipped": {},
    }
    try:
        loads: dict[str, dict[str, Any]] = {}
        if args.store:
            store = args.store.resolve()
        else:
            print("building our store (timed) ...", flush=True)
            store, loads[servers.OURS] = build_ours(scratch, logs / "build.log")
            print("one curated file changed: building again (timed) ...", flush=True)
            results["rebuild"] = rebuild_ours(store, scratch, logs / "rebuild.log")
            results["rebuild"]["full_seconds"] = loads[servers.OURS]["seconds"]
        base = json.loads((store / "live" / "build.json").read_text(encoding="utf-8"))["base_uri"]
        dump = split_dumps(store, scratch / "data", os.cpu_count() or 1)
        statements = dump["named_graph_quads"] + dump["default_graph_triples"]
        results["data"] = {k: v for k, v in dump.items() if not k.endswith("files")}
        if servers.OURS in loads:
            loads[servers.OURS]["statements"] = statements
        print(f"loading {statements} quads into Oxigraph ...", flush=True)
        load, optimize = servers.load_oxigraph(
            dump["named_graph_files"] + dump["default_graph_files"],
            scratch / "oxigraph",
            logs / "oxigraph.log",
        )
        loads[servers.OXIGRAPH] = {
            "seconds": load + optimize,
            "load": load,
            "optimize": optimize,
            "statements": statements,
        }

        sample = workload.draw_sample(scratch / "oxigraph", base, args.seed)
        examples = workload.example_calls(ROOT / "queries", base)
        plan = suite.make_plan(sample, examples, args.seed, args.smoke)
        if args.seconds:
            plan.seconds = args.seconds
        results["plan"] = plan.describe() | {"entity_kinds": sample.kinds}

        reason = (
            "not in --smoke runs"
            if args.smoke
            else "--no-virtuoso"
            if args.no_virtuoso
            else virtuoso.ensure_installed()
        )
        results["servers"][servers.OXIGRAPH] = serve_and_measure(
            servers.OXIGRAPH,
            servers.oxigraph(scratch / "oxigraph", base, logs / "oxigraph.log"),
            plan,
            scratch,
            [scratch / "oxigraph"],
        )
        measure_ours(args, store, base, plan, scratch, results, keep_answers=not reason)
        version = (store / "live").resolve()
        if reason:
            results["skipped"][servers.VIRTUOSO] = reason
        else:
            try:
                measure_virtuoso(
                    scratch,
                    base,
                    dump,
                    plan,
                    loads,
                    results,
                    lambda sparql: servers.ours(
                        store, base, logs / "ours-virtuoso.log", args.workers, plan.timeout, sparql
                    ),
                    version,
                )
            except (RuntimeError, OSError) as error:
                # A failing peer must not cost the figures already measured for the others.
                results["skipped"][servers.VIRTUOSO] = f"failed: {str(error)[:500]}"
        for name, load_figures in loads.items():
            if name in results["servers"]:
                results["servers"][name]["load"] = with_rate(load_figures)
    finally:
        if args.keep:
            print(f"scratch kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    table = report.markdown(results)
    results["table"] = table
    out = (
        args.out
        or RESULTS / f"{time.strftime('%Y%m%dT%H%M%S')}{'-smoke' if args.smoke else ''}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print("\n" + table)
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

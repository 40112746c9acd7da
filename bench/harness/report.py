"""The markdown table: absolute figures per server, with ratios to Oxigraph server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.harness.servers import OURS, OURS_NGINX, OURS_ON_VIRTUOSO, OXIGRAPH, VIRTUOSO
from bench.harness.workload import FULL_MIX, ID_REDIRECT

TITLES = {
    OURS: "ftkg (ours)",
    OURS_NGINX: "ftkg behind nginx",
    OXIGRAPH: "Oxigraph server",
    VIRTUOSO: "Virtuoso",
    OURS_ON_VIRTUOSO: "ftkg on Virtuoso",
}
ORDER = (OURS, OURS_NGINX, OXIGRAPH, VIRTUOSO, OURS_ON_VIRTUOSO)
# The throughput targets of issue 18, on first requests: (label, workload, least ratio to
# Oxigraph server).
TARGETS = (
    ("`/id/` 303 (Turtle)", ID_REDIRECT, 1.0),
    ("`/data/` Turtle", "deref-ttl", 1.0),
    ("`/data/` JSON-LD", "deref-jsonld", 1.0),
    ("lookup mix", "lookup-mix", 0.5),
)
Results = dict[str, Any]
Getter = Callable[[Results], tuple[float, str] | None]


def _get(data: Results, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _latency(kind: str, phase: str) -> Getter:
    def get(server: Results) -> tuple[float, str] | None:
        figure = _get(server, "sequential", kind, phase)
        if not figure or not figure["count"]:
            return None
        return figure["p50"], f"{_number(figure['p50'])} / {_number(figure['p90'])}"

    return get


def _rps(workload: str, run: str) -> Getter:
    def get(server: Results) -> tuple[float, str] | None:
        figure = _get(server, "throughput", workload, run)
        if not figure or not figure["requests"]:
            return None
        return figure["rps"], _number(figure["rps"])

    return get


def _field(*keys: str, scale: float = 1.0) -> Getter:
    def get(server: Results) -> tuple[float, str] | None:
        value = _get(server, *keys)
        if value is None or not server:
            return None
        value = value if scale == 1 else value * scale  # counts stay integers
        return value, _number(value)

    return get


def _examples(key: str) -> Getter:
    def get(server: Results) -> tuple[float, str] | None:
        figures = _get(server, "examples")
        if not figures:
            return None
        done, total = figures["completed"], len(figures["queries"])
        return figures[key], f"{_number(figures[key])} [{done}/{total} in time]"

    return get


def rows(results: Results) -> list[tuple[str, Getter]]:
    """(row label, how to read the figure from one server's results), in table order."""
    plan = results["plan"]
    table: list[tuple[str, Getter]] = [
        ("build / load, s (ours: full `ftkg build`)", _field("load", "seconds")),
        ("build / load, triples/s", _field("load", "triples_per_second")),
    ]
    for kind in plan["sequential_kinds"]:
        for phase in ("cold", "warm"):
            table.append((f"{kind}: p50 / p90 ms, {phase}", _latency(kind, phase)))
    table.append(("examples (queries/*.rq): total ms, cold", _examples("cold_total_ms")))
    table.append(("examples (queries/*.rq): total ms, warm", _examples("warm_total_ms")))
    for workload in plan["throughput_workloads"]:
        for run in plan["runs"]:
            if workload == "examples" and run.endswith("cold"):
                continue
            table.append((f"{workload}: req/s @{run}", _rps(workload, run)))
    table += [
        ("peak memory, process tree RSS MB", _field("memory", "peak_rss", scale=1e-6)),
        ("peak memory, process tree PSS MB", _field("memory", "peak_pss", scale=1e-6)),
        ("size on disk of a data version, MB", _field("disk_bytes", scale=1e-6)),
        ("of which the documents as files (for nginx), MB", _field("files_bytes", scale=1e-6)),
        ("errors (non-200, connection), all phases", _field("errors")),
        ("timeouts (60 s; 3 s in --smoke), all phases", _field("timeouts")),
        ("wrk client CPU, max % of a core", _field("max_wrk_cpu_share", scale=100)),
    ]
    return table


def _table(results: Results, servers: list[str], reference: str, labels: Any = None) -> list[str]:
    """Rows of figures for ``servers``, each with its ratio to ``reference``; only the rows
    whose label ``labels`` accepts, when given."""
    base_figures = results["servers"].get(reference, {})
    lines = [
        "| | " + " | ".join(TITLES[name] for name in servers) + " |",
        "| --- |" + " --- |" * len(servers),
    ]
    for label, get in rows(results):
        if labels is not None and not labels(label):
            continue
        base = get(base_figures)
        cells = []
        for name in servers:
            figure = get(results["servers"][name])
            if figure is None:
                cells.append("–")
            elif base is None or not base[0] or label.startswith(("errors", "timeouts", "wrk")):
                cells.append(figure[1])
            else:
                cells.append(f"{figure[1]} ({figure[0] / base[0]:.2f}x)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _analytics_row(label: str) -> bool:
    # The full mix and its query types, the examples, and what the service costs.
    return label.startswith(
        (*(f"{kind}:" for kind in FULL_MIX), "full-mix", "lookup-mix", "examples", "peak", "size")
    ) or label.startswith(("errors", "timeouts"))


def _targets(results: Results) -> list[str]:
    """The targets of issue 18 on first requests (cold wrk runs): Oxigraph server's req/s,
    and ours alone and ours behind nginx, each with its ratio to it."""
    measured = results["servers"]
    ours = [name for name in (OURS, OURS_NGINX) if name in measured]
    lines = [
        "| first requests, req/s | Oxigraph server | "
        + " | ".join(TITLES[name] for name in ours)
        + " | target |",
        "| --- | --- |" + " --- |" * len(ours) + " --- |",
    ]
    connections = [run for run in results["plan"]["runs"] if run.endswith("cold")]
    for label, workload, least in TARGETS:
        for run in connections:
            get = _rps(workload, run)
            base = get(measured.get(OXIGRAPH, {}))
            cells = [base[1] if base else "–"]
            for name in ours:
                figure = get(measured[name])
                if figure is None:
                    cells.append("–")
                elif base is None or not base[0]:
                    cells.append(figure[1])
                else:
                    cells.append(f"{figure[1]} ({figure[0] / base[0]:.2f}x)")
            clients = run.split()[0]
            lines.append(f"| {label} @{clients} | " + " | ".join(cells) + f" | ≥ {least:.1f}x |")
    return lines


def _longer_runs(results: Results) -> list[str]:
    """Which wrk runs were made again, longer, for completing too few requests per
    connection (``suite.MIN_REQUESTS_PER_CONNECTION``), and for how long."""
    plan = results.get("plan", {})
    planned = plan.get("seconds_per_wrk_run")
    if not planned:
        return []
    longer = [
        f"{TITLES[name]} {workload} @{run}: {figure['seconds']:.0f} s"
        for name, server in results["servers"].items()
        for workload, runs in server.get("throughput", {}).items()
        for run, figure in runs.items()
        if "made_again_from" in figure
    ]
    if not longer:
        return []
    return [
        "",
        f"Made again, longer, on requests not sent before (fewer than "
        f"{plan.get('min_requests_per_connection')} requests per connection in {planned:g} s, "
        f"a rate the run's end would decide): " + "; ".join(longer) + ".",
    ]


def _front_notes(results: Results) -> list[str]:
    """What ours behind nginx agreed on with ours alone, and how much of the dereferencing
    nginx could answer itself."""
    notes = []
    agreed = results["servers"].get(OURS_NGINX, {}).get("agreement")
    if agreed:
        notes += [
            "",
            f"Answers of ours behind nginx compared with ours alone (documents and `/id/` 303s, "
            f"with and without gzip): {agreed['compared']} compared, {agreed['same']} the same, "
            f"{agreed['different']} differ"
            + (f" ({', '.join(agreed['differ'])})." if agreed["differ"] else "."),
        ]
    written = results.get("files")
    if written:
        notes.append(
            f"The documents as files: {written['count']:,} files, "
            f"{written['bytes'] / 1e6:,.0f} MB of content in "
            f"{written['allocated_bytes'] / 1e6:,.0f} MB of allocated blocks (the size on disk "
            "counts blocks, as `du` does)."
        )
    covered = results.get("front_files")
    if covered:
        notes.append(
            f"Entities of the dereferencing workloads with their documents as files (sent by "
            f"nginx; the app answers the others): {covered['with_files']:,} of "
            f"{covered['entities']:,}."
        )
    return notes


def markdown(results: Results) -> str:
    """The comparison table, each cell ``figure (ratio to Oxigraph server)``; when our
    service also ran on Virtuoso, a second table with ratios to Virtuoso alone."""
    servers = [name for name in ORDER if name in results["servers"]]
    lines = [
        "Targets of issue 18 (first requests, ratios to Oxigraph server in this run):",
        "",
        *_targets(results),
        "",
        *_table(results, servers, OXIGRAPH),
    ]
    notes = [
        "",
        "Ratios are server / Oxigraph server: above 1 is better for req/s and triples/s, "
        "below 1 is better for ms, s and MB.",
        *_front_notes(results),
        *_longer_runs(results),
    ]
    if OURS_ON_VIRTUOSO in results["servers"]:
        agreed = results["servers"][OURS_ON_VIRTUOSO].get("agreement", {})
        notes += [
            "",
            "Our service on Virtuoso (KG_SPARQL_ENDPOINT) against Virtuoso alone, ratios to "
            "Virtuoso alone; its memory is ours and Virtuoso's summed, its size on disk our "
            "version directory and Virtuoso's database:",
            "",
            *_table(results, [OURS_ON_VIRTUOSO, VIRTUOSO], VIRTUOSO, _analytics_row),
            "",
            f"Answers of ours on Virtuoso compared with ours on the embedded store: "
            f"{agreed.get('same', 0)} of {agreed.get('compared', 0)} the same"
            + (f"; differ: {', '.join(agreed['differ'])}" if agreed.get("differ") else "."),
        ]
    if "rebuild" in results:
        rebuild = results["rebuild"]
        notes += [
            "",
            f"One-file rebuild ({rebuild['change']}): {rebuild['seconds']:.1f} s, "
            f"{rebuild['seconds'] / rebuild['full_seconds']:.2f}x our full build"
            + (
                " (both write the documents as files too, `--files`)."
                if rebuild.get("files")
                else "."
            ),
        ]
    notes += [f"Skipped {name}: {reason}" for name, reason in results.get("skipped", {}).items()]
    return "\n".join(lines + notes)

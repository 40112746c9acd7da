"""The `ftkg` command: build the store, query it, serve it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
import pyoxigraph as ox

from server import negotiation, settings
from server.namespaces import project_prefixes
from server.pipeline.build import build as run_build
from server.pipeline.errors import BuildError
from server.table import render_table
from server.version import layout
from server.version.engine import Job
from server.version.messages import QueryRefused, ResultAborted, body_of
from server.version.store import KnowledgeStore, StoreUnavailableError
from server.version.workers import InProcessQueries

if TYPE_CHECKING:
    from flask import Flask


def _default(name: str) -> object:
    return settings.from_environment()[name]


def _help(name: str) -> str:
    setting = settings.SETTINGS_BY_NAME[name]
    return f"{setting.help} [env {setting.env_var}; default {setting.default}]"


store_option = click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    default=lambda: _default("STORE"),
    show_default=False,
    help=_help("STORE"),
)


@click.group()
@click.version_option(package_name="ftkg")
def main() -> None:
    """French Tech Knowledge Graph: build, query and serve the graph."""


@main.command()
@store_option
@click.option("--base-uri", default=lambda: _default("BASE_URI"), help=_help("BASE_URI"))
@click.option(
    "--source",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=lambda: _default("SOURCE_DIR"),
    help=_help("SOURCE_DIR"),
)
@click.option(
    "--keep", type=int, default=lambda: _default("KEEP_VERSIONS"), help=_help("KEEP_VERSIONS")
)
@click.option(
    "--if-changed",
    is_flag=True,
    help="Do nothing when the live version was built from exactly the same inputs.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Load and make everything again, even when only curated files changed since the "
    "live version (by default their changes are applied to a copy of it: the same result, "
    "sooner).",
)
@click.option(
    "--files/--no-files",
    "export_files",
    default=None,
    help="Also write the documents as files, which `ftkg serve --front nginx` sends without "
    "Python [default: when the live version has them].",
)
def build(
    store: Path,
    base_uri: str,
    source: Path,
    keep: int,
    if_changed: bool,
    full: bool,
    export_files: bool | None,
) -> None:
    """Parse, validate and load the ontology and data into a new store version, then swap it in.

    The live store is replaced only when the new one is complete and valid; on any error it
    stays as it was and the exit status is 1.
    """

    def progress(message: str) -> None:
        click.echo(f"  {message}", err=True)

    click.echo(f"building {store} from {source} (base {base_uri})", err=True)
    try:
        result = run_build(
            source,
            store,
            base_uri,
            keep_versions=keep,
            progress=progress,
            force=not if_changed,
            full=full,
            export_files=export_files,
        )
    except BuildError as error:
        click.echo(f"build failed: {error}", err=True)
        click.echo("the live store was left untouched", err=True)
        sys.exit(1)
    if result is None:
        return
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in result.timings.items())
    click.echo(
        f"built {result.version.name}: {result.triples} triples, {result.quads} quads in "
        f"{result.graphs} named graphs, in {result.seconds:.1f} s ({steps})",
        err=True,
    )


@main.command("map-shapes")
@click.option(
    "--source",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=lambda: _default("SOURCE_DIR"),
    help=_help("SOURCE_DIR"),
)
def map_shapes(source: Path) -> None:
    """Regenerate the maps' shape files (data/maps/*.json) from the pinned map packages.

    A developer's step after changing a pin in data/maps/map-shapes.json; serving never runs
    it. It needs the development dependencies (shapely): pip install -e '.[dev]'.
    """
    try:
        from server.maps import generate
    except ImportError as error:
        click.echo(f"map-shapes needs shapely ({error}): pip install -e '.[dev]'", err=True)
        sys.exit(1)
    directory = source / "data" / "maps"
    try:
        written = generate.write(generate.generate(directory / "map-shapes.json"), directory)
    except BuildError as error:
        click.echo(f"map-shapes failed: {error}", err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path}", err=True)


QUERY_FORMATS = {
    "json": negotiation.RESULTS_JSON,
    "xml": negotiation.RESULTS_XML,
    "csv": negotiation.RESULTS_CSV,
    "tsv": negotiation.RESULTS_TSV,
    "turtle": negotiation.TURTLE,
    "ntriples": negotiation.N_TRIPLES,
    "rdfxml": negotiation.RDF_XML,
    "jsonld": negotiation.JSON_LD,
}


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["table", *QUERY_FORMATS]),
    default="table",
    show_default=True,
    help="Output format; 'table' prints SELECT results aligned, graphs as Turtle.",
)
@store_option
def query(file: IO[str], format_name: str, store: Path) -> None:
    """Run the SPARQL query in FILE (or standard input, '-') against the live store."""
    try:
        knowledge = KnowledgeStore.open_live(store)
    except StoreUnavailableError as error:
        raise click.ClickException(str(error)) from None
    prefixes = project_prefixes(knowledge.base_uri)
    text = file.read()
    if format_name == "table":
        try:
            result = knowledge.query(text)
        except SyntaxError as error:
            raise click.ClickException(f"invalid SPARQL query: {error.msg}") from None
        if isinstance(result, ox.QueryTriples):
            output = ox.serialize(list(result), format=ox.RdfFormat.TURTLE, prefixes=prefixes)
        else:
            output = render_table(result, prefixes).encode()
        _write(output)
        return
    fmt = QUERY_FORMATS[format_name]
    graph = fmt in negotiation.GRAPH_FORMATS
    job = Job(
        query=text,
        base_iri=knowledge.base_uri,
        results_format=None if graph else fmt.media_type,
        graph_format=fmt.media_type if graph else None,
        prefixes=prefixes,
    )
    try:
        body = body_of(InProcessQueries(knowledge.store).run(job, deadline=float("inf")))
    except (QueryRefused, ResultAborted) as error:
        raise click.ClickException(str(error)) from None
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


@main.command("evaluate-reconciliation")
@click.argument(
    "benchmark",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default="tests/reconciliation/benchmark.tsv",
)
@click.option("--misses", is_flag=True, help="List every row whose first candidate is wrong.")
@store_option
def evaluate_reconciliation(benchmark: Path, misses: bool, store: Path) -> None:
    """Reconcile every row of BENCHMARK against the live store and print the figures."""
    from server.reconcile.evaluation import BenchmarkError, evaluate, read_cases
    from server.reconcile.properties import Context
    from server.version.search_index import SearchIndex

    try:
        knowledge = KnowledgeStore.open_live(store)
        cases = read_cases(benchmark)
    except (StoreUnavailableError, BenchmarkError) as error:
        raise click.ClickException(str(error)) from None
    index = SearchIndex.open(knowledge.path.parent / layout.SEARCH_INDEX)
    report = evaluate(cases, Context(knowledge, index, "fr"))
    click.echo(report.summary())
    for case, top in report.wrong_matches:
        click.echo(f"  wrong match, line {case.line}: {case.query!r} -> {top.entity.id}")
    if misses:
        for case, candidates in report.misses:
            found = ", ".join(f"{c.entity.id} ({c.score})" for c in candidates[:3]) or "nothing"
            click.echo(f"  line {case.line}: {case.query!r} expected {case.expected}, got {found}")


@main.command()
@click.argument("graph_store")
@store_option
def push(graph_store: str, store: Path) -> None:
    """Load the live version into a remote engine's Graph Store Protocol endpoint GRAPH_STORE
    (for Oxigraph server: http://HOST:PORT/store), to serve it with KG_SPARQL_ENDPOINT."""
    from server.remote_load import push as push_version

    version = layout.live_version(store)
    if version is None:
        raise click.ClickException(f"no built store in {store}: run `ftkg build` first")
    try:
        graphs = push_version(version.directory, graph_store, lambda m: click.echo(f"  {m}"))
    except OSError as error:
        raise click.ClickException(f"{graph_store} refused the data: {error}") from None
    click.echo(f"pushed {version.name}: {graphs} graphs to {graph_store}", err=True)


def _write(output: bytes) -> None:
    sys.stdout.buffer.write(output)
    if not output.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")


@main.command()
@store_option
@click.option(
    "--base-uri",
    default=None,
    help="Base URI of the entities, for a bare Oxigraph directory built elsewhere "
    "(a store built by `ftkg build` records its own).",
)
@click.option("--host", default=lambda: _default("HOST"), help=_help("HOST"))
@click.option("--port", type=int, default=lambda: _default("PORT"), help=_help("PORT"))
@click.option("--workers", type=int, default=lambda: _default("WORKERS"), help=_help("WORKERS"))
@click.option("--threads", type=int, default=lambda: _default("THREADS"), help=_help("THREADS"))
@click.option(
    "--front",
    type=click.Choice(["nginx"]),
    default=lambda: _default("FRONT") or None,
    help=_help("FRONT"),
)
@click.option(
    "--dev", is_flag=True, help="Flask's development server (one process, reloads nothing)."
)
def serve(
    store: Path,
    base_uri: str | None,
    host: str,
    port: int,
    workers: int,
    threads: int,
    front: str | None,
    dev: bool,
) -> None:
    """Serve a store over HTTP: the live version under STORE, or any Oxigraph directory.

    Production by default: Granian with WORKERS processes of THREADS threads each; with
    ``--front nginx``, behind nginx, which sends the documents made at build itself.
    """
    from server.app import create_app
    from server.serving import run
    from server.web import live_data

    # The development server is one process: it holds each rate limit whole.
    config: dict[str, object] = {
        "STORE": str(store),
        "WORKERS": 1 if dev else workers,
        "THREADS": threads,
    }
    if base_uri is not None:
        config["BASE_URI"] = base_uri
    try:
        # Opened once here so that a missing or unreadable store fails now, with its message,
        # rather than in every worker.
        app = create_app(config)
    except (StoreUnavailableError, ValueError) as error:
        raise click.ClickException(str(error)) from None
    if dev:
        if front:
            raise click.ClickException("--dev runs Flask's own server: it has no --front")
        app.run(host=host, port=port)
        return
    live_data(app).close()
    if front == "nginx":
        _serve_behind_nginx(app, host, port)
        return
    # The settings as the app resolved them (paths absolute), for the worker processes.
    run(app.config, host, port)


def _serve_behind_nginx(app: Flask, host: str, port: int) -> None:
    """Serve behind nginx, first writing the live version's documents as files if it has none
    (once: later builds keep writing them, see ``ftkg build --files``)."""
    from server.front.run import FrontError, nginx_command
    from server.front.run import run as run_front
    from server.pipeline import files

    version = layout.live_version(Path(app.config["STORE"]))
    if version is None:
        raise click.ClickException(
            "--front nginx sends the documents of a store built by `ftkg build`; "
            f"{app.config['STORE']} is not one"
        )
    try:
        nginx_command()
        if not files.exported(version.directory):
            click.echo(f"writing the documents of {version.name} as files, for nginx", err=True)
            written = files.export(version.directory)
            click.echo(f"  {written:,} files", err=True)
        run_front(app.config, app.url_map, host, port)
    except (FrontError, ValueError) as error:
        raise click.ClickException(str(error)) from None


if __name__ == "__main__":
    main()

"""Loading a built version into a remote engine through the SPARQL 1.1 Graph Store HTTP
Protocol, so that any engine speaking it (Oxigraph server, Fuseki, GraphDB, Virtuoso...)
serves exactly what ``ftkg build`` validated."""

from __future__ import annotations

import gzip
import urllib.parse
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from server.version import layout
from server.version.manifest import read_dumps_table

N_TRIPLES = "application/n-triples"


def _put(url: str, body: bytes, timeout: float) -> None:
    # Graph Store Protocol §5.3: PUT replaces the graph's content with the request's.
    request = urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": N_TRIPLES}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def _graph_url(graph_store: str, graph: ox.NamedNode | None) -> str:
    # §4.1/§4.2: indirect identification, ?default or ?graph=IRI.
    query = "default" if graph is None else urllib.parse.urlencode({"graph": graph.value})
    separator = "&" if "?" in graph_store else "?"
    return f"{graph_store}{separator}{query}"


def push(
    version_dir: Path,
    graph_store: str,
    progress: Callable[[str], None] = lambda _: None,
    timeout: float = 600.0,
) -> int:
    """PUT the version's default graph and each named graph to ``graph_store``; returns the
    number of graphs written. Raises OSError (urllib's errors) when the engine refuses."""
    directory = version_dir / layout.DUMPS_DIR
    dumps = {d.key: d for d in read_dumps_table(directory)}
    with gzip.open(directory / dumps["nt.gz"].file) as triples:
        default = triples.read()
    _put(_graph_url(graph_store, None), default, timeout)
    progress(f"default graph: {len(default):,} bytes")
    graphs: dict[str, list[ox.Triple]] = defaultdict(list)
    with gzip.open(directory / dumps["nq.gz"].file) as quads:
        for quad in ox.parse(quads, format=ox.RdfFormat.N_QUADS):
            if isinstance(quad.graph_name, ox.NamedNode):
                graphs[quad.graph_name.value].append(quad.triple)
    for name, content in graphs.items():
        body = ox.serialize(content, format=ox.RdfFormat.N_TRIPLES)
        _put(_graph_url(graph_store, ox.NamedNode(name)), body, timeout)
    progress(f"{len(graphs)} named graphs")
    return len(graphs) + 1

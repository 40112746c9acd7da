"""Whether two servers give the same answers: ours on the embedded store and ours on a
remote engine must serve the same documents and query results, or their speeds are not
comparable."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rdflib import Graph
from rdflib.compare import to_canonical_graph

from bench.harness.measure import Client
from bench.harness.servers import Endpoint
from bench.harness.workload import DEREF_FORMATS, FULL_MIX, Call

# Per kind, this many of the sequential calls are compared: enough to catch a dataset
# mismatch (missing graphs, a default graph that is not the merge), cheap beside a run.
PER_KIND = 3
# Patient: a slow answer is still an answer to compare.
TIMEOUT = 120.0


def calls_to_compare(sequential: dict[str, list[Call]]) -> list[Call]:
    """Turtle documents and every query type of the full mix."""
    kinds = ["deref-ttl", *FULL_MIX]
    return [call for kind in kinds for call in sequential.get(kind, [])[:PER_KIND]]


def _normalised(endpoint: Endpoint, call: Call, status: int, body: bytes) -> Any:
    if status != 200:
        return ("status", status)
    if call.kind in DEREF_FORMATS:
        # A document names itself under the base IRI now (server.entities.documents), but an
        # older server named it by the address it was asked at, which holds the port.
        text = body.decode("utf-8").replace(endpoint.root, "http://server")
        # Canonical blank node labels: labels and statement order may differ, not content.
        graph = to_canonical_graph(Graph().parse(data=text, format="turtle"))
        return sorted(graph.serialize(format="nt").splitlines())
    bindings = json.loads(body)["results"]["bindings"]
    # Rows as a multiset: engines may order rows that ORDER BY leaves tied differently.
    return Counter(json.dumps(row, sort_keys=True) for row in bindings)


def collect(endpoint: Endpoint, calls: list[Call]) -> list[Any]:
    """Each call's answer from ``endpoint``, normalised for comparison."""
    client = Client(endpoint, TIMEOUT)
    answers = []
    try:
        for call in calls:
            rendered = endpoint.render(call)
            if rendered is None:
                answers.append(None)
                continue
            _, status, body = client.fetch(rendered)
            answers.append(_normalised(endpoint, call, status, body))
    finally:
        client.close()
    return answers


def compare(calls: list[Call], expected: list[Any], found: list[Any]) -> dict[str, Any]:
    """How many answers agree, and which kinds of call differ (with one example each)."""
    differ: dict[str, str] = {}
    for call, one, other in zip(calls, expected, found, strict=True):
        if one != other and call.kind not in differ:
            differ[call.kind] = call.target[-300:]
    same = sum(1 for one, other in zip(expected, found, strict=True) if one == other)
    return {"compared": len(calls), "same": same, "differ": differ}

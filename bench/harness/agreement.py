"""Whether two servers give the same answers: ours on the embedded store and ours on a
remote engine must serve the same documents and query results, and ours behind nginx the
same documents and redirects as ours alone, or their speeds are not comparable."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph
from rdflib.compare import to_canonical_graph

from bench.harness import procs
from bench.harness.measure import Client
from bench.harness.servers import Endpoint
from bench.harness.workload import DEREF_FORMATS, FULL_MIX, ID_REDIRECT, Call

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


# What nginx answers itself, asked of both ours alone and ours behind nginx: every format it
# sends from a file, and the entity IRI with Accept values its 303 map lists (the workload's,
# each RDF format's, a command-line client's, a browser's navigation default).
FRONT_DOCUMENTS = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
}
FRONT_ACCEPTS = {
    "Turtle": "text/turtle",
    "JSON-LD": "application/ld+json",
    "any": "*/*",
    "browser": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
# Each request without compression and with it: nginx sends its gzipped file as it is, or
# inflated for a client that does not take gzip; the app compresses its own answers.
CODINGS = ("identity", "gzip")
# Entities compared, per dereference kind: its sequential pool and twice as many more drawn
# from its first cold pool, over the whole geography.
FRONT_COLD_FACTOR = 2


@dataclass(frozen=True)
class Probe:
    """One request of the front comparison; ``label`` groups the differences reported."""

    label: str
    path: str
    accept: str
    coding: str


@dataclass(frozen=True)
class Reply:
    """What must be the same in both answers to a probe: for a 303 (Cool URIs for the
    Semantic Web, section 4.3), its status and Location (its short HTML body is each server's
    own); for anything else its status, Content-Type and body after gunzip (as a digest)."""

    status: int
    location: str = ""
    content_type: str = ""
    body: str = ""


def front_entities(
    sequential: dict[str, list[Call]], cold: dict[str, dict[int, list[Call]]]
) -> list[str]:
    """The entity IRIs of the front comparison, each once, in the plan's order."""
    entities: list[str] = []
    for kind in ("deref-ttl", "deref-jsonld", ID_REDIRECT):
        pool = sequential.get(kind, [])
        first_cold = next(iter(cold.get(kind, {}).values()), [])
        entities += [call.target for call in pool + first_cold[: FRONT_COLD_FACTOR * len(pool)]]
    return list(dict.fromkeys(entities))


def front_probes(base: str, entities: Iterable[str]) -> list[Probe]:
    """Every document format and every listed Accept of each entity's IRI, in each coding."""
    probes = []
    for iri in entities:
        path = iri[len(base + "id/") :]
        for coding in CODINGS:
            for extension, media_type in FRONT_DOCUMENTS.items():
                probes.append(
                    Probe(
                        f"/data .{extension} ({coding})",
                        f"/data/{path}.{extension}",
                        media_type,
                        coding,
                    )
                )
            for name, accept in FRONT_ACCEPTS.items():
                probes.append(
                    Probe(f"/id/ Accept {name} ({coding})", f"/id/{path}", accept, coding)
                )
    return probes


def _reply(response: http.client.HTTPResponse) -> Reply:
    body = response.read()
    if response.status == 303:
        return Reply(303, location=response.getheader("Location", ""))
    if response.getheader("Content-Encoding", "").lower() == "gzip":
        body = gzip.decompress(body)
    return Reply(
        response.status,
        location=response.getheader("Location", ""),
        content_type=response.getheader("Content-Type", ""),
        body=hashlib.sha256(body).hexdigest(),
    )


def collect_replies(endpoint: Endpoint, probes: list[Probe]) -> list[Reply]:
    """Each probe's reply from ``endpoint``, on one keep-alive connection."""
    connection = http.client.HTTPConnection(procs.LOOPBACK, endpoint.port, timeout=TIMEOUT)
    replies = []
    try:
        for probe in probes:
            # An Accept-Encoding given here replaces the "identity" http.client adds itself.
            headers = {"Accept": probe.accept, "Accept-Encoding": probe.coding}
            for attempt in range(2):
                try:
                    connection.request("GET", probe.path, headers=headers)
                    replies.append(_reply(connection.getresponse()))
                    break
                except (http.client.HTTPException, ConnectionError):
                    # A server may close an idle keep-alive connection: retry once.
                    connection.close()
                    if attempt:
                        raise
    finally:
        connection.close()
    return replies


def compare_replies(
    probes: list[Probe], expected: list[Reply], found: list[Reply]
) -> dict[str, Any]:
    """How many replies are the same, how many differ, and per label one example of how."""
    differ: dict[str, str] = {}
    same = 0
    for probe, one, other in zip(probes, expected, found, strict=True):
        if one == other:
            same += 1
        elif probe.label not in differ:
            differ[probe.label] = f"{probe.path}: {one} != {other}"
    return {
        "compared": len(probes),
        "same": same,
        "different": len(probes) - same,
        "differ": differ,
    }

"""The SPARQL 1.1 Service Description of the endpoint, limits included.

SPARQL 1.1 Service Description §2: a GET on the endpoint with no query returns this
description. Besides what SD defines (endpoint, language, result formats, features, the
default dataset with VoID counts), it states the service's limits in machine-readable form:
query timeout, result limit, request size, rate limit, and the features that are switched off.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from server import negotiation

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"

# W3C's format IRIs (http://www.w3.org/ns/formats/) for what the endpoint writes.
FORMAT_IRIS = {
    negotiation.RESULTS_JSON: "SPARQL_Results_JSON",
    negotiation.RESULTS_XML: "SPARQL_Results_XML",
    negotiation.RESULTS_CSV: "SPARQL_Results_CSV",
    negotiation.RESULTS_TSV: "SPARQL_Results_TSV",
    negotiation.TURTLE: "Turtle",
    negotiation.N_TRIPLES: "N-Triples",
    negotiation.RDF_XML: "RDF_XML",
    negotiation.JSON_LD: "JSON-LD",
}


@dataclass(frozen=True)
class Limits:
    """The limits the endpoint enforces, as configured."""

    timeout_seconds: float
    result_limit: int
    body_limit: int
    rate_limit: str
    service_allowlist: tuple[str, ...]


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _void(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


def _integer(value: int, datatype: str = "integer") -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


def describe(
    endpoint: str,
    base_uri: str,
    limits: Limits,
    default_triples: int,
    graph_triples: dict[str, int],
) -> list[ox.Triple]:
    """The description of the service at ``endpoint`` as triples."""
    ftkg = base_uri + "ontology#"
    service = ox.NamedNode(endpoint)
    dataset = ox.NamedNode(base_uri + "id/dataset/french-tech-kg")
    default_graph = ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("feature"), _sd("EmptyGraphs")),
        ox.Triple(
            service,
            _sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(service, ox.NamedNode(ftkg + "disabledFeature"), _sd("SPARQL11Update")),
        ox.Triple(
            service,
            ox.NamedNode(ftkg + "queryTimeout"),
            ox.Literal(f"PT{limits.timeout_seconds:g}S", datatype=ox.NamedNode(XSD + "duration")),
        ),
        ox.Triple(
            service,
            ox.NamedNode(ftkg + "resultLimit"),
            _integer(limits.result_limit, "nonNegativeInteger"),
        ),
        ox.Triple(
            service,
            ox.NamedNode(ftkg + "requestBodyLimit"),
            _integer(limits.body_limit, "nonNegativeInteger"),
        ),
        ox.Triple(
            service,
            ox.NamedNode(ftkg + "rateLimit"),
            ox.Literal(limits.rate_limit or "none"),
        ),
    ]
    for name in FORMAT_IRIS.values():
        triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMATS + name)))
    if limits.service_allowlist:
        triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
        for allowed in limits.service_allowlist:
            triples.append(
                ox.Triple(
                    service, ox.NamedNode(ftkg + "allowedServiceEndpoint"), ox.NamedNode(allowed)
                )
            )
    else:
        triples.append(
            ox.Triple(service, ox.NamedNode(ftkg + "disabledFeature"), _sd("BasicFederatedQuery"))
        )
    triples += [
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, RDF_TYPE, _void("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(default_graph, _void("triples"), _integer(default_triples)),
        ox.Triple(
            default_graph,
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            ox.Literal("The union (RDF merge) of all named graphs.", language="en"),
        ),
    ]
    for name, count in sorted(graph_triples.items()):
        named = ox.BlankNode(f"g{len(triples)}")
        graph = ox.BlankNode(f"c{len(triples)}")
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(name)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, _void("triples"), _integer(count)),
        ]
    return triples

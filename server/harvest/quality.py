"""How complete each round's list of holders is, read from the store for pages and catalogues.

The build wrote, for every roster (a round and a label kind), the holders announced, present
and missing, and a W3C DQV quality measurement (``server/build/completeness.py``). This module
reads them back once per data version and turns them into what each surface needs: rows for
the completeness page, and DQV statements for the DCAT-AP catalogue and the VoID description
(DQV §6: a dataset ``dqv:hasQualityMeasurement`` measurements of a ``dqv:Metric`` in a
``dqv:Dimension``, here ``ldqd:completeness``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import pyoxigraph as ox

from server.build.completeness import METRIC
from server.store import KnowledgeStore

DQV = "http://www.w3.org/ns/dqv#"
LDQD_COMPLETENESS = "http://www.w3.org/2016/05/ldqd#completeness"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS_DEFINITION = ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition")
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")

_ROSTERS = """
PREFIX ftkg: <ontology#>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?roster ?round ?roundFr ?roundEn ?kind ?kindFr ?kindEn ?present ?announced
       ?missing ?value ?measurement ?figure WHERE {
  ?roster a ftkg:Roster ; ftkg:round ?round ; ftkg:labelKind ?kind ; ftkg:holdersPresent ?present .
  OPTIONAL { ?round rdfs:label ?roundFr FILTER(LANG(?roundFr) = "fr") }
  OPTIONAL { ?round rdfs:label ?roundEn FILTER(LANG(?roundEn) = "en") }
  OPTIONAL { ?kind skos:prefLabel ?kindFr FILTER(LANG(?kindFr) = "fr") }
  OPTIONAL { ?kind skos:prefLabel ?kindEn FILTER(LANG(?kindEn) = "en") }
  OPTIONAL {
    ?roster ftkg:holdersAnnounced ?announced ; ftkg:holdersMissing ?missing ;
            ftkg:announcedTotal ?figure ;
            dqv:hasQualityMeasurement ?measurement .
    ?measurement dqv:value ?value .
  }
}
ORDER BY ?roster
"""

_SOURCES_OF_FIGURE = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?figure ?source ?label ?page WHERE {
  GRAPH ?graph { ?figure rdf:value ?value }
  ?graph prov:wasDerivedFrom ?source .
  ?source rdfs:label ?label FILTER(LANG(?label) = "fr")
  OPTIONAL { ?source foaf:page ?page }
}
"""


@dataclass(frozen=True)
class Source:
    """A document that gives a roster's announced total."""

    iri: str
    label: str
    page: str | None


@dataclass(frozen=True)
class RosterCompleteness:
    """One roster: a round's holders of one label kind, announced against present."""

    roster: str
    round: str
    round_names: dict[str, str]
    kind: str
    kind_names: dict[str, str]
    present: int
    announced: int | None
    missing: int | None
    value: Decimal | None
    measurement: str | None
    sources: list[Source] = field(default_factory=list)

    def round_name(self, lang: str) -> str:
        """The round's name in ``lang`` (French when there is no other)."""
        return self.round_names.get(lang) or self.round_names.get("fr") or self.round

    def kind_name(self, lang: str) -> str:
        """The label kind's name in ``lang``."""
        return self.kind_names.get(lang) or self.kind_names.get("fr") or self.kind


def rosters(store: KnowledgeStore) -> list[RosterCompleteness]:
    """Every roster of the served version, oldest round first (computed once per version)."""
    return store.cached("quality.rosters", lambda: _read(store))


def _read(store: KnowledgeStore) -> list[RosterCompleteness]:
    found = []
    for row in store.select(_ROSTERS):

        def text(name: str, row: dict[str, ox.Term] = row) -> str | None:
            term = row.get(name)
            return term.value if term is not None else None

        sources = []
        if "figure" in row:
            sources = [
                Source(
                    s["source"].value, s["label"].value, s["page"].value if "page" in s else None
                )
                for s in store.select(_SOURCES_OF_FIGURE, figure=row["figure"])
            ]
        found.append(
            RosterCompleteness(
                roster=row["roster"].value,
                round=row["round"].value,
                round_names={k: v for k in ("fr", "en") if (v := text(f"round{k.title()}"))},
                kind=row["kind"].value,
                kind_names={k: v for k in ("fr", "en") if (v := text(f"kind{k.title()}"))},
                present=int(row["present"].value),
                announced=int(row["announced"].value) if "announced" in row else None,
                missing=int(row["missing"].value) if "missing" in row else None,
                value=Decimal(row["value"].value) if "value" in row else None,
                measurement=text("measurement"),
                sources=sources,
            )
        )
    # Rounds named by key sort by date already ("2014-…", "2019-…"); keep that order.
    return sorted(found, key=lambda r: (r.round.rsplit("/", 1)[-1], r.kind))


def overall(found: list[RosterCompleteness]) -> tuple[int, int, Decimal | None]:
    """Holders present and announced over every roster whose total is known, and their ratio."""
    known = [r for r in found if r.announced]
    announced = sum(r.announced or 0 for r in known)
    present = sum(min(r.present, r.announced or 0) for r in known)
    if not announced:
        return present, announced, None
    ratio = (Decimal(present) / Decimal(announced)).quantize(
        Decimal("0.001"), rounding=ROUND_HALF_EVEN
    )
    return present, announced, ratio


def dqv_triples(store: KnowledgeStore, dataset_iri: str) -> list[ox.Triple]:
    """The dataset's completeness as DQV quality measurements: one per roster whose announced
    total is known, and one over all of them, with the metric they measure."""
    found = rosters(store)
    dataset = ox.NamedNode(dataset_iri)
    metric = store.iri(f"id/{METRIC}")
    triples = [
        ox.Triple(metric, RDF_TYPE, ox.NamedNode(DQV + "Metric")),
        ox.Triple(
            metric,
            SKOS_DEFINITION,
            ox.Literal(
                "Share of a round's announced holders (the sourced total the editors retain) "
                "that the graph names, each with at least one source: from 0 to 1.",
                language="en",
            ),
        ),
        ox.Triple(metric, ox.NamedNode(DQV + "expectedDataType"), XSD_DECIMAL),
        ox.Triple(metric, ox.NamedNode(DQV + "inDimension"), ox.NamedNode(LDQD_COMPLETENESS)),
        ox.Triple(ox.NamedNode(LDQD_COMPLETENESS), RDF_TYPE, ox.NamedNode(DQV + "Dimension")),
    ]

    def measurement(node: ox.NamedNode, on: ox.NamedNode, value: Decimal, label: str) -> None:
        triples.extend(
            [
                ox.Triple(dataset, ox.NamedNode(DQV + "hasQualityMeasurement"), node),
                ox.Triple(node, RDF_TYPE, ox.NamedNode(DQV + "QualityMeasurement")),
                ox.Triple(node, ox.NamedNode(DQV + "isMeasurementOf"), metric),
                ox.Triple(node, ox.NamedNode(DQV + "computedOn"), on),
                ox.Triple(
                    node, ox.NamedNode(DQV + "value"), ox.Literal(str(value), datatype=XSD_DECIMAL)
                ),
                ox.Triple(node, RDFS_LABEL, ox.Literal(label, language="en")),
            ]
        )

    for roster in found:
        if roster.measurement is None or roster.value is None:
            continue
        measurement(
            ox.NamedNode(roster.measurement),
            ox.NamedNode(roster.roster),
            roster.value,
            f"{roster.kind_name('en')}, {roster.round_name('en')}: {roster.present} of "
            f"{roster.announced} announced holders present",
        )
    present, announced, ratio = overall(found)
    if ratio is not None:
        measurement(
            ox.NamedNode(f"{dataset_iri}/quality/roster-completeness"),
            dataset,
            ratio,
            f"All rounds whose announced total is known: {present} of {announced} announced "
            "holders present",
        )
    return triples


__all__ = ["RosterCompleteness", "Source", "dqv_triples", "overall", "rosters"]

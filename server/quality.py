"""How complete each round's list of holders is, read from the store for pages and catalogues.

The build wrote, for every roster (a round and a label kind), the holders announced, present
and missing, and a W3C DQV quality measurement (``server/pipeline/completeness.py``). This module
reads them back once per data version and turns them into what each surface needs: rows for
the completeness page, and DQV statements for the DCAT-AP catalogue and the VoID description
(DQV §6: a resource ``dqv:hasQualityMeasurement`` measurements of a ``dqv:Metric`` in a
``dqv:Dimension``, here ``ldqd:completeness``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

import pyoxigraph as ox

from server.datasets import COMPLETENESS_METRIC as METRIC
from server.presentation import best_label, local_name
from server.version.store import KnowledgeStore

DQV = "http://www.w3.org/ns/dqv#"
LDQD_COMPLETENESS = "http://www.w3.org/2016/05/ldqd#completeness"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DCT_IS_PART_OF = ox.NamedNode("http://purl.org/dc/terms/isPartOf")
XSD_DECIMAL = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")

# One row per roster: its round's and label kind's names (any one per language), the round's
# date to order by, and what the build computed.
_ROSTERS = """
PREFIX ftkg: <ontology#>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <http://schema.org/>
SELECT ?roster ?round ?kind ?present ?announced ?missing ?value ?measurement ?figure
       (SAMPLE(?rFr) AS ?roundFr) (SAMPLE(?rEn) AS ?roundEn)
       (SAMPLE(?kFr) AS ?kindFr) (SAMPLE(?kEn) AS ?kindEn)
       (GROUP_CONCAT(DISTINCT STR(?start); separator = " ") AS ?starts) WHERE {
  ?roster a ftkg:Roster ; ftkg:round ?round ; ftkg:labelKind ?kind ; ftkg:holdersPresent ?present .
  OPTIONAL { ?round rdfs:label ?rFr FILTER(LANG(?rFr) = "fr") }
  OPTIONAL { ?round rdfs:label ?rEn FILTER(LANG(?rEn) = "en") }
  OPTIONAL { ?kind skos:prefLabel ?kFr FILTER(LANG(?kFr) = "fr") }
  OPTIONAL { ?kind skos:prefLabel ?kEn FILTER(LANG(?kEn) = "en") }
  OPTIONAL { ?round schema:startDate ?start }
  OPTIONAL {
    ?roster ftkg:holdersAnnounced ?announced ; ftkg:holdersMissing ?missing ;
            ftkg:announcedTotal ?figure ;
            dqv:hasQualityMeasurement ?measurement .
    ?measurement dqv:value ?value .
  }
}
GROUP BY ?roster ?round ?kind ?present ?announced ?missing ?value ?measurement ?figure
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
    date: str = ""  # when the round took place, to order rounds by (see round_date)

    def round_name(self, lang: str) -> str:
        """The round's name in ``lang``, else in the other language, else its key."""
        return best_label(self.round_names, lang, local_name(self.round))[0]

    def kind_name(self, lang: str) -> str:
        """The label kind's name in ``lang``, with the same fallbacks."""
        return best_label(self.kind_names, lang, local_name(self.kind))[0]


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
                date=round_date(local_name(row["round"].value), (text("starts") or "").split()),
            )
        )
    return sorted(found, key=lambda r: (r.date, r.round, r.kind))


def round_date(key: str, starts: list[str]) -> str:
    """When a round took place, to order rounds by: a start date a source gives in the year its
    key names (a source's wrong year, such as "April 2018" for 2019, is left aside), else the
    year and month of the key itself ("2019-07-communautes")."""
    prefix = re.match(r"\d{4}(-\d{2}(?=-|$))?", key)
    year = prefix.group(0)[:4] if prefix else ""
    fitting = sorted(s for s in starts if s.startswith(year))
    return fitting[0] if fitting else (prefix.group(0) if prefix else key)


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
    """The dataset's completeness in W3C DQV: one measurement computed on the dataset (the share
    of announced holders present over every roster whose total is known), and each roster's
    own measurement, computed on the roster, which is part of the dataset.

    ``dqv:hasQualityMeasurement`` is the inverse of ``dqv:computedOn`` (DQV §6.6), so a
    measurement hangs from the very resource it was computed on, never from another.
    """
    found = rosters(store)
    dataset = ox.NamedNode(dataset_iri)
    metric = store.iri(f"id/{METRIC}")
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.store.quads_for_pattern(metric, None, None, ox.DefaultGraph())
    ]
    triples.append(
        ox.Triple(ox.NamedNode(LDQD_COMPLETENESS), RDF_TYPE, ox.NamedNode(DQV + "Dimension"))
    )

    def measurement(
        node: ox.NamedNode | ox.BlankNode, on: ox.NamedNode, value: Decimal, label: str
    ) -> None:
        triples.extend(
            [
                ox.Triple(on, ox.NamedNode(DQV + "hasQualityMeasurement"), node),
                ox.Triple(node, RDF_TYPE, ox.NamedNode(DQV + "QualityMeasurement")),
                ox.Triple(node, ox.NamedNode(DQV + "isMeasurementOf"), metric),
                ox.Triple(node, ox.NamedNode(DQV + "computedOn"), on),
                ox.Triple(
                    node, ox.NamedNode(DQV + "value"), ox.Literal(str(value), datatype=XSD_DECIMAL)
                ),
                ox.Triple(node, RDFS_LABEL, ox.Literal(label, language="en")),
            ]
        )

    present, announced, ratio = overall(found)
    if ratio is not None:
        # A blank node: this measurement exists only in the documents that state it.
        measurement(
            ox.BlankNode(f"completeness-{local_name(dataset_iri)}"),
            dataset,
            ratio,
            f"All rounds whose announced total is known: {present} of {announced} announced "
            "holders present",
        )
    for roster in found:
        if roster.measurement is None or roster.value is None:
            continue
        node = ox.NamedNode(roster.roster)
        triples.append(ox.Triple(node, DCT_IS_PART_OF, dataset))
        measurement(
            ox.NamedNode(roster.measurement),
            node,
            roster.value,
            f"{roster.kind_name('en')}, {roster.round_name('en')}: {roster.present} of "
            f"{roster.announced} announced holders present",
        )
    return triples


__all__ = [
    "RosterCompleteness",
    "Source",
    "dqv_triples",
    "overall",
    "rosters",
    "round_date",
]

"""How complete each round's roster is: announced holders against holders present, as data.

The editors describe each roster (``ftkg:Roster``: a round and a label kind) and say which
sourced figure they retain as its announced total (``ftkg:announcedTotal``). The build counts
the distinct ecosystems the curated data shows holding that label in that round, and writes
into the graph ``graph/completeness``, for every roster:

- ``ftkg:holdersAnnounced``, ``ftkg:holdersPresent`` and ``ftkg:holdersMissing``;
- a W3C DQV quality measurement (``dqv:QualityMeasurement``) of the metric
  ``id/metric/roster-completeness`` (present / announced), computed on the roster
  (``dqv:computedOn``, whose inverse is ``dqv:hasQualityMeasurement``), so that any query that
  reaches a round (``?roster ftkg:round ?round``) can see whether its list of holders is whole.

A roster whose announced total the sources do not give gets counts but no measurement: its
completeness is unknown, and the page says so. Everything here is derived from the curated
files alone, so it is computed before the load, and validated with the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import pyoxigraph as ox

from server.datasets import COMPLETENESS_METRIC as METRIC
from server.pipeline.geography import RDF_TYPE, RDFS_LABEL, NQuadsWriter
from server.terms import solutions

GRAPH = "graph/completeness"
DQV = "http://www.w3.org/ns/dqv#"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"

_ROSTERS = """
PREFIX ftkg: <ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?roster ?announced (COUNT(DISTINCT ?holder) AS ?present) WHERE {
  ?roster a ftkg:Roster ; ftkg:round ?round ; ftkg:labelKind ?kind .
  OPTIONAL { ?roster ftkg:announcedTotal/rdf:value ?announced }
  OPTIONAL { ?award ftkg:inRound ?round ; ftkg:labelKind ?kind ; ftkg:awardee ?holder }
}
GROUP BY ?roster ?announced
ORDER BY ?roster
"""


@dataclass(frozen=True)
class RosterCount:
    """One roster's counts, as the build computed them."""

    roster: str
    announced: int | None
    present: int

    @property
    def missing(self) -> int | None:
        """Announced holders no source names (never negative); None when nothing is announced."""
        return None if self.announced is None else max(self.announced - self.present, 0)

    @property
    def ratio(self) -> Decimal | None:
        """Present over announced, to three decimals, capped at 1."""
        if not self.announced:
            return None
        share = min(Decimal(self.present) / Decimal(self.announced), Decimal(1))
        return share.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)


def count(quads: list[ox.Quad], base_uri: str) -> list[RosterCount]:
    """Every roster of the curated data with its announced and present holders."""
    store = ox.Store()
    store.bulk_extend(quads)
    rows = solutions(store.query(_ROSTERS, base_iri=base_uri, use_default_graph_as_union=True))
    counts = []
    for row in rows:
        announced = row["announced"]
        counts.append(
            RosterCount(
                roster=row["roster"].value,
                announced=int(announced.value) if announced is not None else None,
                present=int(row["present"].value),
            )
        )
    return counts


def generate(quads: list[ox.Quad], base_uri: str) -> tuple[str, list[RosterCount]]:
    """N-Quads of the completeness graph, and the counts they state."""
    counts = count(quads, base_uri)
    w = NQuadsWriter(base_uri, GRAPH)
    ftkg = f"{base_uri}ontology#"
    metric = w.iri(METRIC)
    for item in counts:
        roster = f"<{item.roster}>"
        w.integer(roster, f"{ftkg}holdersPresent", item.present)
        if item.announced is None or item.missing is None or item.ratio is None:
            continue
        w.integer(roster, f"{ftkg}holdersAnnounced", item.announced)
        w.integer(roster, f"{ftkg}holdersMissing", item.missing)
        key = item.roster.rsplit("/", 1)[-1]
        measurement = w.iri(f"measurement/roster-completeness-{key}")
        w.add(measurement, RDF_TYPE, f"<{DQV}QualityMeasurement>")
        w.add(measurement, f"{DQV}isMeasurementOf", metric)
        w.add(measurement, f"{DQV}computedOn", roster)
        w.add(measurement, f"{DQV}value", f'"{item.ratio}"^^<{XSD_DECIMAL}>')
        w.add(
            measurement,
            RDFS_LABEL,
            f'"Complétude : {item.present} lauréats présents sur {item.announced} annoncés"@fr',
        )
        w.add(
            measurement,
            RDFS_LABEL,
            f'"Completeness: {item.present} of {item.announced} announced holders present"@en',
        )
        w.add(roster, f"{DQV}hasQualityMeasurement", measurement)
    return "".join(w.lines), counts


__all__ = ["GRAPH", "METRIC", "RosterCount", "count", "generate"]

"""The formats the service speaks, in one table each, and choosing one for a request.

Media types and extensions come from pyoxigraph's own format objects, so what we announce is
what the serialiser writes. Choosing follows RFC 9110 §12.5.1 (q-values, wildcards) through
Werkzeug's Accept parser; an explicit ``format`` parameter or extension wins over Accept.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept


@dataclass(frozen=True)
class Format:
    """One serialisation: its media type, the names a ``format`` parameter may use for it."""

    media_type: str
    names: tuple[str, ...]
    extension: str
    textual: bool = True
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The Content-Type header value, with the charset for textual formats."""
        return f"{self.media_type}; charset=utf-8" if self.textual else self.media_type


def _results_format(fmt: ox.QueryResultsFormat, names: tuple[str, ...], **kw: object) -> Format:
    return Format(fmt.media_type.split(";")[0], names, fmt.file_extension, **kw)  # type: ignore[arg-type]


def _rdf_format(fmt: ox.RdfFormat, names: tuple[str, ...], **kw: object) -> Format:
    return Format(fmt.media_type, names, fmt.file_extension, **kw)  # type: ignore[arg-type]


# SPARQL 1.1 Query Results formats, for SELECT and ASK. JSON first: the default.
RESULTS_JSON = _results_format(
    ox.QueryResultsFormat.JSON, ("json", "srj"), aliases=("application/json",)
)
RESULTS_XML = _results_format(
    ox.QueryResultsFormat.XML, ("xml", "srx"), aliases=("application/xml", "text/xml")
)
RESULTS_CSV = _results_format(ox.QueryResultsFormat.CSV, ("csv",))
RESULTS_TSV = _results_format(ox.QueryResultsFormat.TSV, ("tsv",))
RESULT_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)

# RDF graph formats, for CONSTRUCT, DESCRIBE and documents. Turtle first: the default.
TURTLE = _rdf_format(ox.RdfFormat.TURTLE, ("turtle", "ttl"), aliases=("application/x-turtle",))
N_TRIPLES = _rdf_format(
    ox.RdfFormat.N_TRIPLES, ("ntriples", "nt", "n-triples"), aliases=("text/plain",)
)
RDF_XML = _rdf_format(
    ox.RdfFormat.RDF_XML, ("rdfxml", "rdf", "xml"), aliases=("application/xml", "text/xml")
)
JSON_LD = _rdf_format(
    ox.RdfFormat.JSON_LD, ("jsonld", "json-ld", "json"), aliases=("application/json",)
)
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD)

OX_RESULTS = {
    RESULTS_JSON: ox.QueryResultsFormat.JSON,
    RESULTS_XML: ox.QueryResultsFormat.XML,
    RESULTS_CSV: ox.QueryResultsFormat.CSV,
    RESULTS_TSV: ox.QueryResultsFormat.TSV,
}
OX_RDF = {
    TURTLE: ox.RdfFormat.TURTLE,
    N_TRIPLES: ox.RdfFormat.N_TRIPLES,
    RDF_XML: ox.RdfFormat.RDF_XML,
    JSON_LD: ox.RdfFormat.JSON_LD,
}


class NoAcceptableFormat(Exception):
    """Nothing offered matches; carries the offered media types for the 406 message."""

    def __init__(self, offered: tuple[Format, ...], asked: str) -> None:
        self.offered = offered
        self.asked = asked
        listing = ", ".join(f.media_type for f in offered)
        super().__init__(
            f"none of the requested types ({asked or 'none'}) can be produced here; "
            f"this resource is available as: {listing} "
            f"(or add format={'|'.join(f.names[0] for f in offered)})"
        )


class UnknownFormatName(ValueError):
    """A ``format`` parameter that names no offered format."""


def by_name(name: str, offered: tuple[Format, ...]) -> Format:
    """The offered format a ``format`` parameter (or a media type) names."""
    wanted = name.strip().lower()
    for fmt in offered:
        if wanted in fmt.names or wanted == fmt.media_type or wanted in fmt.aliases:
            return fmt
    names = ", ".join(f.names[0] for f in offered)
    raise UnknownFormatName(f"unknown format {name!r}; use one of: {names}")


def choose(accept: MIMEAccept, offered: tuple[Format, ...], raw_accept: str = "") -> Format:
    """The offered format the Accept header prefers; the first one when Accept is absent.

    Aliases count (``application/json`` gets SPARQL JSON results), but an exact media type
    always beats an alias of equal quality.
    """
    if not raw_accept.strip():
        return offered[0]
    candidates: list[str] = []
    owner: dict[str, Format] = {}
    # Every format's own media type first, then the aliases: for a wildcard such as text/*,
    # Werkzeug picks the first candidate it matches, which must be a real type (text/csv),
    # not an alias (text/xml for XML results).
    for media_type, fmt in [(f.media_type, f) for f in offered] + [
        (alias, f) for f in offered for alias in f.aliases
    ]:
        if media_type not in owner:
            owner[media_type] = fmt
            candidates.append(media_type)
    best = accept.best_match(candidates)
    if best is None or accept.quality(best) <= 0:
        raise NoAcceptableFormat(offered, raw_accept)
    return owner[best]

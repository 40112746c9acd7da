"""Content negotiation for every surface: one table of formats, one rule for choosing among them.

The table is built from pyoxigraph's own ``RdfFormat`` and ``QueryResultsFormat`` objects (media
type, extension, name), so what we announce is what the serialiser writes; our policy adds only
the names a ``format=`` parameter may use and the other media types clients send for a format.

The rule, the same on every surface (``/sparql``, ``/graph-store``, ``/id``, ``/data``,
``/ontology``, ``/catalog``, VoID):

1. an extension in the path (``/data/x.ttl``), then a ``format=`` parameter, decide outright;
2. no Accept header: the surface's first format (its default);
3. otherwise RFC 9110 §12.5.1 through Werkzeug's Accept parser: the highest q-value wins, a more
   specific range beats a wildcard at equal q, ``q=0`` means "not acceptable", and a tie goes to
   the format listed first. HTML is listed last, so a client gets HTML only when it prefers it
   outright, as browsers do (``text/html,...,*/*;q=0.8``); ``*/*`` gets the default;
4. nothing acceptable: a 406 naming what is offered and how to ask for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import dump_options_header, parse_accept_header, parse_options_header


@dataclass(frozen=True)
class Format:
    """One representation: its media type, and the names, extension and other media types by
    which clients ask for it."""

    media_type: str
    label: str
    names: tuple[str, ...]
    extension: str
    aliases: tuple[str, ...] = ()
    # What pyoxigraph writes it with; None for what we render ourselves (HTML).
    writer: ox.RdfFormat | ox.QueryResultsFormat | None = None
    # Listed in 406 messages and Link headers; a format we only understand (N3) is not.
    advertised: bool = True

    @property
    def content_type(self) -> str:
        """The Content-Type header value: every format we write is UTF-8 text."""
        return f"{self.media_type}; charset=utf-8"

    @property
    def media_types(self) -> tuple[str, ...]:
        """Its own media type, then the aliases clients send for it."""
        return (self.media_type, *self.aliases)


def _members(kind: type) -> dict[str, Any]:
    """Every format pyoxigraph defines of ``kind``, by its name ("Turtle", "N-Triples"…)."""
    attributes = (getattr(kind, name) for name in dir(kind) if not name.startswith("_"))
    members: list[Any] = [member for member in attributes if isinstance(member, kind)]
    return {member.name: member for member in members}


RDF_MEMBERS: dict[str, ox.RdfFormat] = _members(ox.RdfFormat)
RESULTS_MEMBERS: dict[str, ox.QueryResultsFormat] = _members(ox.QueryResultsFormat)

# pyoxigraph's formats we do not offer, and why (tests/test_negotiation.py checks that every
# one of pyoxigraph's formats is either offered or listed here).
LEFT_OUT = {
    # Its media type is JSON-LD with the streaming profile. A request for a JSON-LD profile is
    # answered with our (compacted) JSON-LD: see _SATISFIED_PARAMETERS.
    "Streaming JSON-LD": "JSON-LD with a profile: answered by JSON-LD",
}


def _rdf(
    name: str,
    names: tuple[str, ...],
    aliases: tuple[str, ...] = (),
    written_as: str | None = None,
    advertised: bool = True,
) -> Format:
    fmt = RDF_MEMBERS[name]
    return Format(
        fmt.media_type,
        fmt.name,
        names,
        fmt.file_extension,
        aliases,
        RDF_MEMBERS[written_as or name],
        advertised,
    )


def _results(name: str, names: tuple[str, ...], aliases: tuple[str, ...] = ()) -> Format:
    fmt = RESULTS_MEMBERS[name]
    # pyoxigraph gives CSV and TSV with "; charset=utf-8": the parameter goes to content_type.
    media_type = fmt.media_type.split(";")[0].strip()
    return Format(media_type, fmt.name, names, fmt.file_extension, aliases, fmt)


# The names are those clients send in format= (compared case-insensitively): ours (the
# extension), SPARQLWrapper's return formats (json, xml, turtle, n3, rdf, rdf+xml, csv, tsv,
# json-ld), rdflib's parser names (turtle, nt, xml, json-ld, n3, trig, nquads), Jena's
# language names (TTL, N-TRIPLES, RDF/XML, JSONLD, N-QUADS) and Virtuoso's and Fuseki's
# (srj, srx). The aliases are the media types clients send besides the registered one:
# SPARQLWrapper's application/turtle and application/json, rdflib's application/x-turtle and
# text/plain for N-Triples (its media type before RDF 1.1), and application/xml for XML.

# RDF, for graphs: CONSTRUCT and DESCRIBE results, documents, the service description.
TURTLE = _rdf("Turtle", ("turtle", "ttl"), ("application/x-turtle", "application/turtle"))
N_TRIPLES = _rdf("N-Triples", ("ntriples", "nt", "n-triples", "nt11"), ("text/plain",))
RDF_XML = _rdf(
    "RDF/XML", ("rdfxml", "rdf", "rdf+xml", "rdf/xml", "xml"), ("application/xml", "text/xml")
)
JSON_LD = _rdf(
    "JSON-LD", ("jsonld", "json-ld", "json"), ("application/json", "application/x-json+ld")
)
# pyoxigraph reads N3 but does not write it. Every Turtle document is an N3 document (Notation3,
# W3C Team Submission 2011, §1: N3 is a superset of Turtle), so N3 is answered with Turtle
# labelled text/n3: SPARQLWrapper's N3 return format and rdflib's format="n3" get a document
# they parse, where a 406 would leave them with nothing. Not advertised: it is Turtle.
N3 = _rdf("N3", ("n3", "notation3"), ("text/rdf+n3", "application/n3"), "Turtle", False)
# RDF datasets, for documents that carry their sources' graphs (/data).
TRIG = _rdf("TriG", ("trig",), ("application/x-trig",))
N_QUADS = _rdf("N-Quads", ("nquads", "nq", "n-quads"), ("text/x-nquads",))

# SPARQL 1.1 Query Results, for SELECT and ASK.
RESULTS_JSON = _results("SPARQL Results in JSON", ("json", "srj"), ("application/json",))
RESULTS_XML = _results("SPARQL Results in XML", ("xml", "srx"), ("application/xml", "text/xml"))
RESULTS_CSV = _results("SPARQL Results in CSV", ("csv",))
RESULTS_TSV = _results("SPARQL Results in TSV", ("tsv",))

# The pages people read; application/xhtml+xml is what XHTML-era browsers still send.
HTML = Format("text/html", "HTML", ("html",), "html", ("application/xhtml+xml",))

# Plain JSON, for the APIs that are not RDF (search, the dumps listing).
JSON = Format("application/json", "JSON", ("json",), "json")

# What each kind of surface offers, its default first.
RESULT_FORMATS: tuple[Format, ...] = (RESULTS_JSON, RESULTS_XML, RESULTS_CSV, RESULTS_TSV)
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, N_TRIPLES, RDF_XML, JSON_LD, N3)
DATASET_FORMATS: tuple[Format, ...] = (*GRAPH_FORMATS, TRIG, N_QUADS)
ALL_FORMATS: tuple[Format, ...] = (*RESULT_FORMATS, *DATASET_FORMATS, HTML)


class NoAcceptableFormat(Exception):
    """406: nothing offered matches the Accept header; the message lists what is offered."""

    def __init__(self, offered: Sequence[Format], asked: str) -> None:
        self.offered = tuple(offered)
        self.asked = asked
        super().__init__(
            f"nothing here matches Accept: {asked.strip() or '(empty)'}. "
            f"This resource is available as {listing(offered)}. "
            f"Send one of these media types in Accept, or add ?format={names(offered)}"
        )


class UnknownFormatName(ValueError):
    """400: a ``format`` parameter that names nothing offered here."""

    def __init__(self, name: str, offered: Sequence[Format]) -> None:
        self.name = name
        self.offered = tuple(offered)
        super().__init__(
            f"format={name!r} names no format this resource is served in; "
            f"use format={names(offered)}, or leave it out and send Accept: "
            + ", ".join(f.media_type for f in offered if f.advertised)
        )


def listing(offered: Iterable[Format]) -> str:
    """The offered formats for a message: "text/turtle (Turtle), …"."""
    return ", ".join(f"{f.media_type} ({f.label})" for f in offered if f.advertised)


def names(offered: Iterable[Format]) -> str:
    """The ``format=`` values of the offered formats, one each: "ttl|nt|…"."""
    return "|".join(f.names[0] for f in offered if f.advertised)


@dataclass(frozen=True)
class Choice:
    """The format chosen, and whether the Accept header decided it (Vary: Accept is then due,
    as it is for the default a request without Accept gets)."""

    format: Format
    negotiated: bool


def by_name(name: str, offered: Sequence[Format]) -> Format:
    """The offered format a ``format`` parameter names: by name, media type or alias."""
    wanted = name.strip().lower()
    for fmt in offered:
        if wanted in fmt.names or wanted in fmt.media_types:
            return fmt
    raise UnknownFormatName(name, offered)


def by_extension(extension: str, offered: Sequence[Format]) -> Format | None:
    """The offered format a path's extension names, if any."""
    return next((f for f in offered if f.extension == extension), None)


# Media type parameters a client may send that every representation of ours satisfies:
# RFC 9110 §12.5.1 matches parameters exactly, so these are removed before matching.
# - charset=utf-8: everything we write is UTF-8 (RFC 9110 §8.3.2).
# - JSON-LD's profile: the IANA registration of application/ld+json (JSON-LD 1.1 §C) says a
#   server "MUST ignore the profiles in the list which it does not recognize", and a profile
#   "does not change the semantics" of the document: the client gets our compacted form.
# Any other parameter (charset=iso-8859-1, say) stays, so the range matches nothing of ours.
_SATISFIED_PARAMETERS: dict[str, dict[str, str | None]] = {
    "*": {"charset": "utf-8"},
    "application/ld+json": {"profile": None},  # None: whatever the value
}


def _satisfiable(value: str) -> str:
    if ";" not in value:  # most ranges have no parameter: nothing to take out
        return value
    media_type, options = parse_options_header(value)
    media_type = media_type.lower()
    for scope in ("*", media_type):
        for parameter, satisfied in _SATISFIED_PARAMETERS.get(scope, {}).items():
            if parameter in options and (
                satisfied is None or options[parameter].lower() == satisfied
            ):
                del options[parameter]
    return dump_options_header(media_type, options)


def parse_accept(header: str | None) -> MIMEAccept:
    """The Accept header, parsed by Werkzeug (RFC 9110 §12.5.1: q-values, wildcards, q=0), with
    the parameters we satisfy whatever their value taken out so that the ranges match.

    Werkzeug compares parameters exactly, so ``text/turtle;charset=utf-8`` would match nothing:
    that is the one place we step in before its matcher."""
    return MIMEAccept([(_satisfiable(value), q) for value, q in parse_accept_header(header)])


# Clients send a few Accept values over and over (each browser its own, each library its
# own), and the choice is a pure function of the header and the offer: kept, it costs a
# dictionary look-up instead of Werkzeug's matching of every candidate against every range.
@lru_cache(maxsize=1024)
def _best_for(accept: str, offered: tuple[Format, ...]) -> Format | None:
    return _best(parse_accept(accept), offered)


def _best(accept: MIMEAccept, offered: Sequence[Format]) -> Format | None:
    # Every format's own media type first, then the aliases: a wildcard (text/*) is matched by
    # the first candidate Werkzeug tries, which must be a real type (text/turtle), not an alias
    # (text/plain, text/xml); and an exact type beats an alias of equal quality.
    owner: dict[str, Format] = {}
    for media_type, fmt in [(f.media_type, f) for f in offered] + [
        (alias, f) for f in offered for alias in f.aliases
    ]:
        owner.setdefault(media_type, fmt)
    best = accept.best_match(owner)
    return None if best is None else owner[best]


def negotiate(
    offered: Sequence[Format],
    accept: str | None,
    format_names: Sequence[str] = (),
    extension: str | None = None,
) -> Choice:
    """The format to answer in, by the rule in this module's docstring.

    Raises ``UnknownFormatName`` (a 400) for a ``format=`` naming nothing offered, and
    ``NoAcceptableFormat`` (a 406) when the Accept header allows nothing offered."""
    if extension:
        fmt = by_extension(extension, offered)
        if fmt is not None:
            return Choice(fmt, negotiated=False)
    wanted = [name for name in format_names if name.strip()]
    if wanted:
        # SPARQLWrapper sends two values for some formats (format=tsv&format=text/tab-...):
        # the first one that names an offered format decides.
        for name in wanted:
            try:
                return Choice(by_name(name, offered), negotiated=False)
            except UnknownFormatName:
                continue
        raise UnknownFormatName(wanted[0], offered)
    if accept is None or not accept.strip():
        return Choice(offered[0], negotiated=True)
    best = _best_for(accept, tuple(offered))
    if best is None:
        raise NoAcceptableFormat(offered, accept)
    return Choice(best, negotiated=True)


def prefers_html(accept: str | None, alternatives: Sequence[Format] = GRAPH_FORMATS) -> bool:
    """Whether the client prefers an HTML page to every alternative, by the same rule: only when
    it says so outright (a browser does); no Accept, ``*/*`` or a tie gets the alternatives."""
    if accept is None or not accept.strip():
        return False
    return _best_for(accept, (*alternatives, HTML)) is HTML


def preferred(accept: str | None, media_types: Sequence[str]) -> str:
    """Of plain media types (JSON, HTML, text for messages), the one the client prefers by the
    same rule; the first when nothing matches or there is no Accept header. Never raises."""
    if accept is None or not accept.strip():
        return media_types[0]
    return parse_accept(accept).best_match(media_types) or media_types[0]

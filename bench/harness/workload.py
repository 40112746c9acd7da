"""Random parameters drawn from the data, and the requests made from them.

Every server gets exactly the same parameter sets (one seed), rendered into its own URLs:
our ``/data`` and ``/page`` paths, or ``DESCRIBE`` and SELECT queries on a SPARQL endpoint.
Parameter sets are split into disjoint pools (sequential, wrk cold at 8 clients, wrk cold at
32 clients) so that a "cold" request is really the first of its parameter set on that server.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

IGEO = "http://rdf.insee.fr/def/geo#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

# What a dereference request asks for: (Accept, suffix of our data document or page).
# ``id-303`` asks for the entity's IRI itself: we answer 303 See Other to its data document
# (Cool URIs for the Semantic Web §4.3), not followed; a bare engine's nearest equivalent is
# the DESCRIBE a client would send instead.
ID_REDIRECT = "id-303"
DEREF_FORMATS = {
    "deref-ttl": ("text/turtle", ".ttl"),
    "deref-jsonld": ("application/ld+json", ".jsonld"),
    "page-html": ("text/html", None),
    ID_REDIRECT: ("text/turtle", ""),
}
LOOKUP_MIX = ("lookup", "label", "join")
ANALYTICS = ("aggregate", "paging", "search")
FULL_MIX = LOOKUP_MIX + ANALYTICS
SPARQL_JSON = "application/sparql-results+json"


@dataclass(frozen=True)
class Call:
    """One request before it is rendered for a server.

    ``kind`` is a dereference format (``deref-ttl``...) with ``target`` an entity IRI, or a
    query type (``lookup``...) or ``example:NAME`` with ``target`` the SPARQL text.
    """

    kind: str
    target: str

    @property
    def is_deref(self) -> bool:
        """Whether this call fetches an entity's description rather than running a query."""
        return self.kind in DEREF_FORMATS


@dataclass
class Sample:
    """Values drawn from the data to fill the query templates."""

    base: str
    entities: list[str]
    labels: list[tuple[str, str]]
    communes: list[str]
    substrings: list[str]
    commune_count: int
    kinds: dict[str, int] = field(default_factory=dict)


def _literal(text: str, language: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{language}' if language else f'"{escaped}"'


def draw_sample(oxigraph_dir: Path, base: str, seed: int) -> Sample:
    """Entities of every kind, labels, communes and search terms from a loaded store.

    Entities are ordered by weighted sampling without replacement, each kind's share growing
    as the square root of its size: communes and figures dominate as in real traffic, yet
    the rare kinds (ecosystems, awards, people) are dereferenced too.
    """
    rng = random.Random(seed)
    store = ox.Store.read_only(str(oxigraph_dir))
    prefix = base + "id/"
    # Former identifiers (merged communes) answer 301 to their successor: not sampled, as
    # a peer's DESCRIBE of them has no redirect to follow.
    query = (
        "SELECT DISTINCT ?s ?prefix WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR(?prefix))) "
        "FILTER NOT EXISTS { ?s <http://purl.org/dc/terms/isReplacedBy> ?successor } }"
    )
    bound = {ox.Variable("prefix"): ox.Literal(prefix)}
    entities = [row["s"].value for row in store.query(query, substitutions=bound)]
    by_kind: dict[str, list[str]] = {}
    for iri in entities:
        by_kind.setdefault(iri[len(prefix) :].split("/", 1)[0], []).append(iri)
    keyed = [
        (rng.random() ** (len(members) ** 0.5 / len(members)), iri)
        for members in by_kind.values()
        for iri in members
    ]
    ordered = [iri for _, iri in sorted(keyed, reverse=True)]

    labels = sorted(
        {
            (row["l"].value, row["l"].language or "")
            for row in store.query(
                f'SELECT ?l WHERE {{ ?s <{RDFS_LABEL}> ?l FILTER(STRSTARTS(STR(?s), "{prefix}")) }}'
            )
        }
    )
    rng.shuffle(labels)
    names = {
        row["c"].value: row["n"].value
        for row in store.query(f"SELECT ?c ?n WHERE {{ ?c a <{IGEO}Commune> ; <{IGEO}nom> ?n }}")
    }
    communes = sorted(names)
    rng.shuffle(communes)
    # Search terms: 3 to 6 letters cut from real names, so most searches find something.
    words = sorted(
        {w for name in names.values() for w in re.findall(r"[a-zà-ÿ]{3,}", name.lower())}
    )
    substrings = sorted(
        {
            word[start : start + size]
            for word in rng.sample(words, min(len(words), 20000))
            for size in (rng.randint(3, 6),)
            for start in (rng.randint(0, max(0, len(word) - size)),)
        }
    )
    rng.shuffle(substrings)
    return Sample(
        base=base,
        entities=ordered,
        labels=labels,
        communes=communes,
        substrings=substrings,
        commune_count=len(communes),
        kinds={kind: len(members) for kind, members in by_kind.items()},
    )


def _prefixes(base: str) -> str:
    return (
        f"PREFIX igeo: <{IGEO}>\nPREFIX ftkg: <{base}ontology#>\n"
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    )


def query_text(kind: str, sample: Sample, index: int, rng: random.Random) -> str:
    """The ``index``-th parameter set of query type ``kind`` as SPARQL text."""
    base = sample.base
    head = _prefixes(base)
    if kind == "lookup":
        # Offset by half the pool: the entity dereferenced as the i-th call is not the one
        # looked up as the i-th query, so neither warms the other's pages.
        iri = sample.entities[(index + len(sample.entities) // 2) % len(sample.entities)]
        return f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
    if kind == "label":
        text, language = sample.labels[index % len(sample.labels)]
        return (
            head + f"SELECT ?s ?type WHERE {{ ?s rdfs:label {_literal(text, language)} ; a ?type }}"
        )
    if kind == "join":
        commune = sample.communes[index % len(sample.communes)]
        return head + (
            "SELECT ?name ?departement ?region WHERE {\n"
            f"  <{commune}> igeo:nom ?name ; igeo:subdivisionDe ?d, ?r .\n"
            "  ?d a igeo:Departement ; igeo:nom ?departement .\n"
            "  ?r a igeo:Region ; igeo:nom ?region .\n}"
        )
    if kind == "aggregate":
        # Communes and population per région; the random floor makes each parameter set a
        # distinct full aggregation, which a result cache cannot have seen before.
        floor = rng.randint(0, 20000)
        return head + (
            "SELECT ?region ?name (COUNT(?commune) AS ?communes) "
            "(SUM(?population) AS ?inhabitants) WHERE {\n"
            "  ?commune a igeo:Commune ; igeo:subdivisionDe ?region .\n"
            "  ?region a igeo:Region ; igeo:nom ?name .\n"
            "  ?figure ftkg:figureOf ?commune ;\n"
            f"          ftkg:quantityKind <{base}id/quantity/population-municipale> ;\n"
            "          rdf:value ?population .\n"
            f"  FILTER(?population >= {floor})\n"
            "} GROUP BY ?region ?name ORDER BY DESC(?inhabitants)"
        )
    if kind == "paging":
        offset = rng.randint(0, max(0, sample.commune_count - 20))
        return head + (
            "SELECT ?commune ?name WHERE { ?commune a igeo:Commune ; igeo:nom ?name }\n"
            f"ORDER BY ?name ?commune LIMIT 20 OFFSET {offset}"
        )
    if kind == "search":
        term = sample.substrings[index % len(sample.substrings)]
        return head + (
            "SELECT ?s ?label WHERE { ?s rdfs:label ?label "
            f'FILTER(CONTAINS(LCASE(STR(?label)), "{term}")) }}\nORDER BY ?label ?s LIMIT 50'
        )
    raise ValueError(kind)


def calls(kind: str, sample: Sample, start: int, count: int, seed: int) -> list[Call]:
    """``count`` distinct calls of ``kind`` from parameter set ``start`` on."""
    rng = random.Random(f"{seed}:{kind}:{start}")
    if kind in DEREF_FORMATS:
        pool = sample.entities
        return [Call(kind, pool[i % len(pool)]) for i in range(start, start + count)]
    return [Call(kind, query_text(kind, sample, i, rng)) for i in range(start, start + count)]


def mix(kinds: tuple[str, ...], sample: Sample, start: int, count: int, seed: int) -> list[Call]:
    """Calls of several kinds interleaved round-robin, ``count`` of each."""
    columns = [calls(kind, sample, start, count, seed) for kind in kinds]
    return [call for row in zip(*columns, strict=True) for call in row]


def example_calls(queries_dir: Path, base: str) -> list[Call]:
    """The example queries of ``queries/``; their relative IRIs resolve against ``base``."""
    return [
        Call(f"example:{path.stem}", f"BASE <{base}>\n{path.read_text(encoding='utf-8')}")
        for path in sorted(queries_dir.glob("*.rq"))
    ]

"""A store on another engine, reached over the SPARQL 1.1 Protocol.

For users who outgrow one machine: the app runs unchanged on Oxigraph server, Virtuoso,
QLever, GraphDB or Neptune. ``RemoteStore`` offers the part of ``pyoxigraph.Store`` the app
uses (``query``, ``quads_for_pattern``, ``contains_named_graph``) and answers with real
pyoxigraph terms and results, parsed from the engine's SPARQL Results JSON and Turtle, so
everything downstream (serialisers, pages, the endpoint) is the code the embedded store runs.

Terms are never pasted into query text by hand: they are written by pyoxigraph's own
N-Triples serialisation into a VALUES block (SPARQL 1.1 Query §10.2).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.error import HTTPError, URLError

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, SELECT, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from server import query_text

Term = ox.NamedNode | ox.BlankNode | ox.Literal
# Where a group graph pattern opens: after WHERE, or after the query form when WHERE is
# omitted. Strings, IRIs and comments are skipped so a brace inside them is not taken.
_TOKENS = re.compile(
    r"""'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\s]*>"""
    r"""|\#[^\n]*|(?P<where>\bWHERE\b)|(?P<brace>\{)""",
    re.IGNORECASE | re.DOTALL,
)
BLANK_NODE_MEMORY = 50_000
# Results are read whole before parsing: bounded, so one query cannot exhaust memory.
MAX_RESULT_BYTES = 256 * 2**20


class RemoteQueryError(ValueError):
    """The engine failed a query or could not be reached; the message says what happened."""


class RemoteSyntaxError(SyntaxError):
    """The engine found the query malformed (HTTP 400); ``msg`` is what it said."""


# Oxigraph's parser reports "error at LINE:COLUMN" (from 1, in characters); what was changed
# in the text sent shifts the columns after it on its line, shifted back so the position is
# the user's. No change spans a line break, so line numbers stay the user's.
_POSITION = re.compile(r"error at (\d+):(\d+)")


@dataclass(frozen=True)
class _Change:
    line: int  # from 1
    column: int  # where the change starts, from 0, the same in both texts
    written: int  # characters the user wrote there
    sent: int  # characters sent in their place


@dataclass(frozen=True)
class EngineText:
    """A query as the engine is sent it, and the changes made to the user's text."""

    text: str
    changes: tuple[_Change, ...] = ()

    def users_position(self, line: int, column: int) -> tuple[int, int]:
        """The user's line and column (from 1) of a position the engine reports."""
        offset = column - 1
        for change in (c for c in self.changes if c.line == line):
            if offset < change.column:
                break
            if offset < change.column + change.sent:
                return line, change.column + 1
            offset -= change.sent - change.written
        return line, max(1, offset + 1)


def engine_text(query: str, base_iri: str | None) -> EngineText:
    """``query`` as the engine must be sent it for its relative IRIs to resolve against
    ``base_iri`` exactly as pyoxigraph's ``query(query, base_iri=...)`` resolves them.

    A query without a BASE of its own is given ours. A query with one keeps its own only:
    some engines (Virtuoso 7.2) refuse a second BASE, although the Prologue allows any number
    (SPARQL 1.1 Query §4.1.1, §19.8 rule [4]). What ours would have decided, the IRIs of the
    query's first BASE and of the PREFIXes before it, is then written resolved instead; every
    later declaration and IRI resolves against the query's own BASE, as it would here.
    """
    if not base_iri:
        return EngineText(query)
    declarations = query_text.prologue(query)
    first_base = next((i for i, d in enumerate(declarations) if d.keyword == "BASE"), None)
    if first_base is None:
        # On the first line, not before it, so that line numbers in errors stay the user's.
        prologue = f"BASE {ox.NamedNode(base_iri)} "
        return EngineText(prologue + query, (_Change(1, 0, 0, len(prologue)),))
    pieces: list[str] = []
    changes: list[_Change] = []
    written_up_to = 0
    for declaration in declarations[: first_base + 1]:
        resolved = _resolved(declaration.iri, base_iri)
        if resolved is None or resolved == declaration.iri:
            continue
        token = str(ox.NamedNode(resolved))
        line_start = query.rfind("\n", 0, declaration.start) + 1
        line = query.count("\n", 0, declaration.start) + 1
        column = declaration.start - line_start
        written = declaration.end - declaration.start
        changes.append(_Change(line, column, written, len(token)))
        pieces += [query[written_up_to : declaration.start], token]
        written_up_to = declaration.end
    return EngineText("".join(pieces) + query[written_up_to:], tuple(changes))


def _resolved(iri: str, base_iri: str) -> str | None:
    """``iri`` resolved against ``base_iri`` by Oxigraph's own RFC 3986 resolution, the one
    the embedded store applies; None if Oxigraph finds it no IRI (the engine will say so)."""
    # Reached through its Turtle parser, which resolves as its SPARQL parser does. The IRI is
    # a SPARQL IRIREF token, which excludes every character that could end a Turtle IRI.
    try:
        quads = list(ox.parse(f"<{iri}> <{iri}> <{iri}> .", ox.RdfFormat.TURTLE, base_iri=base_iri))
    except SyntaxError:
        return None
    return str(quads[0].predicate.value)


def with_bindings(query: str, bindings: Mapping[str, Term]) -> str:
    """``query`` with ``bindings`` given as a VALUES block opening its WHERE clause.

    Equivalent to pyoxigraph's substitutions for the queries the app runs: the bound
    variables are in scope of every pattern and FILTER of the top-level group.
    """
    if not bindings:
        return query
    names = " ".join(f"?{name}" for name in bindings)
    row = " ".join(str(term) for term in bindings.values())
    block = f" VALUES ({names}) {{ ({row}) }} "
    position = _group_start(query)
    return query[:position] + block + query[position:]


def with_values(query: str, name: str, terms: Sequence[Term]) -> str:
    """``query`` with ``?name`` bound to each of ``terms`` in turn, as a one-variable VALUES
    block opening its WHERE clause (SPARQL 1.1 Query §10.2.1): many lookups in one request."""
    block = f" VALUES ?{name} {{ {' '.join(str(term) for term in terms)} }} "
    position = _group_start(query)
    return query[:position] + block + query[position:]


def with_rows(query: str, names: Sequence[str], rows: Iterable[Sequence[Term]]) -> str:
    """``query`` with the variables ``names`` bound to each of ``rows`` in turn, as one VALUES
    block opening its WHERE clause (SPARQL 1.1 Query §10.2.1)."""
    position = _group_start(query)
    return query[:position] + f" {values_block(names, rows)} " + query[position:]


def values_block(names: Sequence[str], rows: Iterable[Sequence[Term]]) -> str:
    """A VALUES block binding ``names`` to each of ``rows``, every term in its N-Triples form
    (SPARQL 1.1 Query §10.2.1): terms are serialised, never pasted."""
    header = " ".join(f"?{name}" for name in names)
    body = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in rows)
    return f"VALUES ({header}) {{ {body} }}"


def _group_start(query: str) -> int:
    after_where = False
    first_brace: int | None = None
    for match in _TOKENS.finditer(query):
        if match.group("where"):
            after_where = True
        elif match.group("brace"):
            if after_where:
                return match.end()
            if first_brace is None:
                first_brace = match.end()
    if first_brace is None:
        raise ValueError("the query has no group graph pattern to bind variables in")
    return first_brace


def _engine_message(error: QueryBadFormed, sent: EngineText) -> str:
    said = str(error).split("Response:", 1)[-1].strip()
    if said.startswith(("b'", 'b"')):
        said = said[2:-1]

    def users(match: re.Match[str]) -> str:
        line, column = sent.users_position(int(match.group(1)), int(match.group(2)))
        return f"error at {line}:{column}"

    return _POSITION.sub(users, said)


class RemoteStore:
    """The app's view of a SPARQL endpoint, with pyoxigraph's query interface."""

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        # Blank node labels are scoped to one result (SPARQL 1.1 Query §4.1.4), so a blank
        # node cannot be asked about later: its description comes with the triple leading
        # to it, and is remembered here (bounded) for the caller's next question.
        self._blank_nodes: OrderedDict[str, list[ox.Quad]] = OrderedDict()
        self._lock = threading.Lock()

    def query(
        self,
        query: str,
        base_iri: str | None = None,
        substitutions: Mapping[ox.Variable, Term] | None = None,
        default_graph: Sequence[ox.NamedNode] | None = None,
        named_graphs: Sequence[ox.NamedNode] | None = None,
        **_options: Any,
    ) -> Any:
        """Evaluate ``query`` on the engine: QuerySolutions, QueryBoolean, or triples."""
        # The form is read by our scanner, which knows comments and strings: SPARQLWrapper's
        # guess takes a word of a comment ("ADD", "describe") for the form.
        form = query_text.safe_profile(query, base_iri or "").form
        if form == "UPDATE":
            # Read-only service: an engine taking updates on the same URL would run it.
            raise RemoteSyntaxError("updates are not accepted: this endpoint only answers queries")
        sent = engine_text(
            with_bindings(query, {v.value: t for v, t in (substitutions or {}).items()}), base_iri
        )
        client = SPARQLWrapper(self.endpoint)
        client.setMethod(POST)
        client.setTimeout(max(1, int(self.timeout)))
        client.setQuery(sent.text)
        if form is None and client.isSparqlUpdateRequest():
            # Text our scanner cannot read (an escape it refuses) that SPARQLWrapper takes for
            # an update: refused, as before, rather than sent as a query to an engine that may
            # let this account write.
            raise RemoteSyntaxError("updates are not accepted: this endpoint only answers queries")
        # What decides the request: a query (never an update) operation, SPARQL 1.1 Protocol
        # §2.1, and the Accept header of the form's results. An unreadable text goes as a
        # SELECT, for the engine to say what is wrong with it.
        client.queryType = form or SELECT
        for graph in default_graph or ():
            client.addDefaultGraph(graph.value)
        for graph in named_graphs or ():
            client.addNamedGraph(graph.value)
        graph_query = form in {"CONSTRUCT", "DESCRIBE"}
        client.setReturnFormat(TURTLE if graph_query else JSON)
        try:
            with client.query().response as response:
                data = response.read(MAX_RESULT_BYTES + 1)
        except QueryBadFormed as error:
            raise RemoteSyntaxError(_engine_message(error, sent)) from None
        except (SPARQLWrapperException, HTTPError) as error:
            raise RemoteQueryError(f"{self.endpoint} refused the query: {error}") from None
        except (URLError, TimeoutError, OSError) as error:
            raise RemoteQueryError(f"{self.endpoint} did not answer: {error}") from None
        if len(data) > MAX_RESULT_BYTES:
            raise RemoteQueryError(
                f"the result is larger than {MAX_RESULT_BYTES // 2**20} MB; add a LIMIT"
            )
        if graph_query:
            return [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)]
        return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)

    def quads_for_pattern(
        self,
        subject: Term | None,
        predicate: ox.NamedNode | None,
        obj: Term | None,
        graph_name: ox.NamedNode | ox.DefaultGraph | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching the pattern (None: any), with blank-node objects described."""
        if isinstance(subject, ox.BlankNode):
            yield from self._remembered(subject, predicate, obj, graph_name)
            return
        bindings = {
            name: term
            for name, term in (("s", subject), ("p", predicate), ("o", obj))
            if term is not None
        }
        if isinstance(graph_name, ox.DefaultGraph):
            pattern = "{ ?s ?p ?o }"
        elif graph_name is None:
            pattern = "{ { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        else:
            bindings["g"] = graph_name
            pattern = "{ GRAPH ?g { ?s ?p ?o } }"
        query = (
            "SELECT ?s ?p ?o ?g ?bp ?bo WHERE { "
            f"{pattern} OPTIONAL {{ ?o ?bp ?bo FILTER(isBlank(?o)) }} }}"
        )
        quads: dict[tuple[str, str, str, str], ox.Quad] = {}
        described: dict[str, list[ox.Quad]] = {}
        # Labels are only meaningful within one result, and engines reuse them across
        # results: made unique to this call before they are remembered.
        call = uuid.uuid4().hex[:12]

        def own(term: Any) -> Any:
            return ox.BlankNode(f"{call}{term.value}") if isinstance(term, ox.BlankNode) else term

        variables = {ox.Variable(name): term for name, term in bindings.items()}
        for row in self.query(query, substitutions=variables):
            s, p, o = own(row["s"]), row["p"], own(row["o"])
            s = subject if subject is not None else s
            p = predicate if predicate is not None else p
            o = obj if obj is not None else o
            g = row["g"] if row["g"] is not None else graph_name
            if g is None:
                g = ox.DefaultGraph()
            # A literal given as the subject matches nothing: every s here is an IRI or a
            # blank node.
            quad = ox.Quad(cast(ox.NamedNode | ox.BlankNode, s), p, o, g)
            quads.setdefault((str(s), str(p), str(o), str(g)), quad)
            if isinstance(o, ox.BlankNode) and row["bp"] is not None:
                inner = ox.Quad(o, row["bp"], own(row["bo"]), ox.DefaultGraph())
                described.setdefault(o.value, [])
                if inner not in described[o.value]:
                    described[o.value].append(inner)
        self._remember(described)
        yield from quads.values()

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        """Whether the engine holds a named graph called ``graph``."""
        found = self.query(
            "ASK WHERE { GRAPH ?g { ?s ?p ?o } }", substitutions={ox.Variable("g"): graph}
        )
        return bool(found)

    def _remember(self, described: dict[str, list[ox.Quad]]) -> None:
        with self._lock:
            for label, quads in described.items():
                self._blank_nodes[label] = quads
                self._blank_nodes.move_to_end(label)
            while len(self._blank_nodes) > BLANK_NODE_MEMORY:
                self._blank_nodes.popitem(last=False)

    def _remembered(
        self,
        subject: ox.BlankNode,
        predicate: ox.NamedNode | None,
        obj: Term | None,
        graph_name: ox.NamedNode | ox.DefaultGraph | None,
    ) -> Iterator[ox.Quad]:
        with self._lock:
            quads = list(self._blank_nodes.get(subject.value, ()))
        for quad in quads:
            if predicate is not None and quad.predicate != predicate:
                continue
            if obj is not None and quad.object != obj:
                continue
            if graph_name is not None and not isinstance(graph_name, ox.DefaultGraph):
                continue
            yield quad

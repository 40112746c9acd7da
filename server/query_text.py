"""A look at a query's text before it runs: its form, and the endpoints its SERVICE clauses call.

A leaf module (it imports nothing of the server): the endpoint reads a query with it before
running it, and the remote store before sending it on.

pyoxigraph evaluates ``SERVICE <iri>`` by fetching that IRI over HTTP, so an open endpoint
would let anyone make the server call arbitrary addresses. The query is therefore scanned
first, with a tokenizer that knows SPARQL's comments, strings, IRIs and codepoint escapes
(SPARQL 1.1 Query §19.2: ``\\uXXXX`` escapes are processed before parsing, so
``\\u0053ERVICE`` is ``SERVICE``; pyoxigraph undoes them inside strings only, so a text holding
escapes is read both ways, and what either reading finds counts). When it cannot make sense
of the text and the text mentions "service" anywhere, the check fails closed: the query is
refused.

The scan also recognises a lookup: a SELECT of one triple pattern whose subject is a named
resource, with no other operator. Oxigraph answers it with one range scan of an index, lazily,
so reading it costs at most the resource's own statements, and the row cap stops the reading
sooner: it cannot run away, and is answered without a query worker (``server.sparql.views``).

The scan also measures how deeply the query nests: Oxigraph's parser is recursive, so a few
thousand nested groups, parentheses or prefix operators overflow a worker's stack and kill it,
and nested collections take time that grows as a power of their depth (200 levels: 11 s).
``MAX_NESTING`` is far beyond what people and query builders write.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from urllib.parse import urljoin

FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
MAX_NESTING = 100
# The most triple patterns ``basic_patterns`` reads: far more than people and programs write in
# a join, and few enough that counting its worst case costs nothing (``server.sparql.bounds``).
MAX_PATTERNS = 32
_OPENING = {"{", "(", "["}
_CLOSING = {"}", ")", "]"}
# Prefix operators the parser also descends into, one level each: ! (NOT), ^ (inverse path),
# unary + and -.
_PREFIX_OPERATORS = {"!", "^", "+", "-"}
UPDATE_KEYWORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
}

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
  | (?P<pname>(?:[A-Za-z\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?
             :(?:[\w\-:%.\\\u00B7\u00C0-\uFFFF]*))
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Node:
    """A term of a triple pattern: a variable (by name), an IRI or a literal."""

    kind: str  # "var", "iri" or "literal"
    value: str = ""  # the variable's name or the absolute IRI; empty for a literal or an IRI
    # written relative


@dataclass(frozen=True)
class Pattern:
    """One triple pattern of a basic graph pattern."""

    subject: Node
    predicate: Node
    object: Node


@dataclass
class QueryProfile:
    """What the scanner learned: the query form and every SERVICE target."""

    form: str | None = None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or UPDATE
    services: list[str | None] = field(default_factory=list)  # None: a variable endpoint
    nesting: int = 0  # the deepest nesting of brackets and prefix operators
    lookup: bool = False  # one triple pattern about one named resource (see the module's doc)
    # What ``patterns`` reads, when asked: a lookup or a query run by a worker never needs it.
    _tokens: list[tuple[str, str]] = field(default_factory=list, repr=False, compare=False)
    _prefixes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @functools.cached_property
    def patterns(self) -> tuple[Pattern, ...] | None:
        """A SELECT of triple patterns only, as written (``basic_patterns``); None otherwise."""
        return basic_patterns(self._tokens, self._prefixes) if self._tokens else None


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def resolve(base: str, iri: str) -> str:
    """``iri`` resolved against ``base`` (RFC 3986 §5.2): an absolute IRI as it is, since
    urljoin drops an empty fragment, and a namespace such as ``http://…/geo#`` keeps it."""
    if _SCHEME.match(iri):
        return iri
    return urljoin(base, iri) + ("#" if iri.endswith("#") else "")


def unescape(text: str) -> str:
    """Apply SPARQL's codepoint escapes to the whole text, as the grammar prescribes."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _spans(text: str) -> Iterator[tuple[str, str, int]]:
    # The "other" branch matches any character, so the matches tile the whole text: finditer
    # walks it in C, where a loop of match() calls spent a query's profile in Python.
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind != "space" and kind != "comment":
            yield kind, match.group(), match.start()


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(kind, value) for kind, value, _ in _spans(text)]


@dataclass(frozen=True)
class Declaration:
    """One BASE or PREFIX declaration of a query's prologue, and where its IRI is written."""

    keyword: str  # BASE or PREFIX
    iri: str  # as written, without its angle brackets
    start: int  # where the IRI token (brackets included) starts in the text
    end: int


def prologue(text: str) -> list[Declaration]:
    """The BASE and PREFIX declarations opening ``text``, in order (SPARQL 1.1 Query §19.8,
    rule [4] Prologue: any number of each, interleaved), read as written: a declaration
    spelled with codepoint escapes ends the prologue here, like any other token."""
    declarations: list[Declaration] = []
    spans = _spans(text)
    for kind, value, _ in spans:
        keyword = value.upper() if kind == "word" else None
        if keyword == "BASE":
            expected = ["iri"]
        elif keyword == "PREFIX":
            expected = ["pname", "iri"]
        else:
            break
        following = list(islice(spans, len(expected)))
        if [span[0] for span in following] != expected:
            break
        _, iri, start = following[-1]
        declarations.append(Declaration(keyword, iri[1:-1], start, start + len(iri)))
    return declarations


def profile(text: str, base_iri: str) -> QueryProfile:
    """The form of the query and the IRIs of its SERVICE clauses (resolved like the parser)."""
    result = _profile(_tokens(unescape(text)), base_iri)
    if _ESCAPE.search(text):
        # SPARQL 1.1 Query §19.2 undoes codepoint escapes before parsing; pyoxigraph 0.5 undoes
        # them inside strings only (``?s \u0061 ?o`` is a syntax error there), so an escaped
        # line break ends a comment for one reading and not for the other, and a string opened
        # in the one can hide text the other runs. Both readings are taken: every SERVICE
        # either finds, the deeper nesting, and never a lookup or a join to run without a
        # deadline.
        as_sent = _profile(_tokens(text), base_iri)
        result.services += as_sent.services
        result.nesting = max(result.nesting, as_sent.nesting)
        result.lookup = False
        result._tokens = []
    return result


def _profile(tokens: list[tuple[str, str]], base_iri: str) -> QueryProfile:
    prefixes: dict[str, str] = {}
    namespaces: dict[str, str] = {}
    base = base_iri
    result = QueryProfile(nesting=nesting(tokens), lookup=is_lookup(tokens))
    index = 0
    while index < len(tokens):
        kind, value = tokens[index]
        keyword = value.upper() if kind == "word" else None
        if keyword == "BASE" and index + 1 < len(tokens) and tokens[index + 1][0] == "iri":
            base = resolve(base, tokens[index + 1][1][1:-1])
            index += 2
            continue
        if keyword == "PREFIX" and index + 2 < len(tokens) and tokens[index + 1][0] == "pname":
            name = tokens[index + 1][1].split(":", 1)[0]
            if tokens[index + 2][0] == "iri":
                written = tokens[index + 2][1][1:-1]
                prefixes[name] = resolve(base, written)
                # Patterns read only namespaces written whole (``basic_patterns``).
                if _SCHEME.match(written):
                    namespaces[name] = written
                else:
                    namespaces.pop(name, None)
            index += 3
            continue
        if result.form is None and keyword in FORMS:
            result.form = keyword
        elif result.form is None and keyword in UPDATE_KEYWORDS:
            result.form = "UPDATE"
        if keyword == "SERVICE":
            target_index = index + 1
            if target_index < len(tokens) and tokens[target_index][1].upper() == "SILENT":
                target_index += 1
            result.services.append(_target(tokens, target_index, prefixes, base))
        index += 1
    result._tokens, result._prefixes = tokens, namespaces
    return result


_CONSTANTS = {"iri", "pname"}


def is_lookup(tokens: list[tuple[str, str]]) -> bool:
    """Whether the tokens are exactly ``PREFIX``/``BASE`` declarations, then ``SELECT
    [DISTINCT|REDUCED] (?vars|*) [WHERE] { <subject> predicate object [.] }`` with a named
    subject, a named or variable predicate (or ``a``) and object, then at most ``LIMIT`` and
    ``OFFSET``. Whatever else the text holds (a filter, an optional part, a path, a literal,
    an ORDER BY, FROM) makes it something else. Text that is not valid SPARQL may pass: the
    parser then refuses it, which costs no more than for any query."""
    count = len(tokens)
    index = 0

    def word(at: int, *words: str) -> bool:
        return at < count and tokens[at][0] == "word" and tokens[at][1].upper() in words

    def kind(at: int) -> str | None:
        return tokens[at][0] if at < count else None

    while True:
        if word(index, "PREFIX") and kind(index + 1) == "pname" and kind(index + 2) == "iri":
            index += 3
        elif word(index, "BASE") and kind(index + 1) == "iri":
            index += 2
        else:
            break
    if not word(index, "SELECT"):
        return False
    index += 1
    if word(index, "DISTINCT", "REDUCED"):
        index += 1
    if index < count and tokens[index] == ("other", "*"):
        index += 1
    else:
        start = index
        while kind(index) == "var":
            index += 1
        if index == start:
            return False
    if word(index, "WHERE"):
        index += 1
    if index + 4 >= count or tokens[index] != ("other", "{"):
        return False
    subject, predicate, value = tokens[index + 1 : index + 4]
    if (
        subject[0] not in _CONSTANTS
        or not (predicate[0] in _CONSTANTS | {"var"} or predicate == ("word", "a"))
        or value[0] not in _CONSTANTS | {"var"}
    ):
        return False
    index += 4
    if tokens[index] == ("other", "."):
        index += 1
    if index >= count or tokens[index] != ("other", "}"):
        return False
    index += 1
    # LIMIT and OFFSET only shorten the scan. Their digits scan as single characters.
    while word(index, "LIMIT", "OFFSET"):
        index += 1
        while index < count and tokens[index][0] == "other" and tokens[index][1].isdigit():
            index += 1
    return index == count


def basic_patterns(
    tokens: list[tuple[str, str]], prefixes: dict[str, str]
) -> tuple[Pattern, ...] | None:
    """The triple patterns of a query that is exactly ``PREFIX``/``BASE`` declarations, then
    ``SELECT [DISTINCT|REDUCED] (?vars|*) [WHERE] { triples }`` and at most ``LIMIT`` and
    ``OFFSET``, where the triples are written with ``;``, ``,`` and ``.`` (SPARQL 1.1 Query
    §4.2) and their terms are variables, IRIs, prefixed names, ``a`` and strings (with a
    language tag or a datatype): None for anything else (a filter, an optional part, a path,
    a blank node, a number, FROM, GRAPH...), for more than ``MAX_PATTERNS`` patterns, and for
    a prefixed name whose namespace is not
    in ``prefixes`` (written whole, an absolute IRI). A relative IRI is not resolved here: in
    predicate position it is read as an unknown IRI (``Node("iri")``), which the count takes
    for any predicate, so that no resolution differing from the parser's makes a join look
    smaller than it is (``server.sparql.bounds``)."""
    reader = _PatternReader(tokens, prefixes)
    try:
        return reader.read()
    except _NotBasic:
        return None


class _NotBasic(Exception):
    """The query is not a SELECT of triple patterns only."""


class _PatternReader:
    def __init__(self, tokens: list[tuple[str, str]], prefixes: dict[str, str]) -> None:
        self.tokens = tokens
        self.prefixes = prefixes
        self.at = 0

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        at = self.at + ahead
        return self.tokens[at] if at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end":
            raise _NotBasic
        self.at += 1
        return token

    def word(self, *words: str) -> bool:
        kind, value = self.peek()
        if kind == "word" and value.upper() in words:
            self.at += 1
            return True
        return False

    def other(self, value: str) -> bool:
        if self.peek() == ("other", value):
            self.at += 1
            return True
        return False

    def read(self) -> tuple[Pattern, ...]:
        while True:  # the prologue, read by ``profile`` already
            if self.word("PREFIX"):
                self.take()
                self.take()
            elif self.word("BASE"):
                self.take()
            else:
                break
        if not self.word("SELECT"):
            raise _NotBasic
        self.word("DISTINCT", "REDUCED")
        if not self.other("*"):
            if self.peek()[0] != "var":
                raise _NotBasic
            while self.peek()[0] == "var":
                self.at += 1
        self.word("WHERE")
        if not self.other("{"):
            raise _NotBasic
        patterns: list[Pattern] = []
        while not self.other("}"):
            subject = self.term(subject=True)
            while True:
                predicate = self.verb()
                while True:
                    patterns.append(Pattern(subject, predicate, self.term()))
                    if len(patterns) > MAX_PATTERNS:
                        raise _NotBasic  # more than a join run without a deadline may have
                    if not self.other(","):
                        break
                if not self.other(";"):
                    break
                if self.peek() in {("other", "."), ("other", "}")}:
                    break  # a trailing ";" (SPARQL 1.1 Query §19.8, rule [77])
            if not self.other(".") and self.peek() != ("other", "}"):
                raise _NotBasic
        while self.word("LIMIT", "OFFSET"):  # their digits scan as single characters
            if not self.peek()[1].isdigit():
                raise _NotBasic
            while self.peek()[0] == "other" and self.peek()[1].isdigit():
                self.at += 1
        if self.peek()[0] != "end" or not patterns:
            raise _NotBasic
        return tuple(patterns)

    def verb(self) -> Node:
        if self.peek() == ("word", "a"):
            self.at += 1
            return Node("iri", RDF_TYPE)
        return self.term(subject=True)

    def term(self, subject: bool = False) -> Node:
        kind, value = self.take()
        if kind == "var":
            return Node("var", value[1:])
        if kind == "iri":
            written = value[1:-1]
            return Node("iri", written if _SCHEME.match(written) else "")
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix not in self.prefixes or "\\" in local:
                raise _NotBasic  # unknown to the parser, or escaped characters
            return Node("iri", self.prefixes[prefix] + local)
        if kind == "string" and not subject:
            self.literal_suffix()
            return Node("literal")
        raise _NotBasic

    def literal_suffix(self) -> None:
        if self.other("@"):
            if self.take()[0] != "word":
                raise _NotBasic
            while self.other("-"):  # subtags: letters, or digits (es-419)
                if self.peek()[0] == "word":
                    self.at += 1
                elif self.peek()[1].isdigit():
                    while self.peek()[0] == "other" and self.peek()[1].isdigit():
                        self.at += 1
                else:
                    raise _NotBasic
        elif self.peek() == ("other", "^") and self.peek(1) == ("other", "^"):
            self.at += 2
            if self.term(subject=True).kind != "iri":
                raise _NotBasic


def nesting(tokens: list[tuple[str, str]]) -> int:
    """How deep the brackets and chains of prefix operators go (strings and IRIs aside)."""
    deepest = depth = chain = 0
    for kind, value in tokens:
        if kind != "other":
            chain = 0
            continue
        if value in _OPENING:
            depth += 1
            chain = 0
        elif value in _CLOSING:
            depth = max(0, depth - 1)
            chain = 0
        elif value in _PREFIX_OPERATORS:
            chain += 1
        else:
            chain = 0
        deepest = max(deepest, depth + chain)
    return deepest


def _target(
    tokens: list[tuple[str, str]], index: int, prefixes: dict[str, str], base: str
) -> str | None:
    if index >= len(tokens):
        return None
    kind, value = tokens[index]
    if kind == "iri":
        return resolve(base, value[1:-1])
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None  # a variable or something unresolvable: never on an allow-list


def safe_profile(text: str, base_iri: str) -> QueryProfile:
    """``profile``, failing closed: an unscannable text that mentions SERVICE lists one."""
    try:
        return profile(text, base_iri)
    except ValueError:
        # The escapes themselves may be what failed (\U00110000 is no code point): the
        # nesting is then measured on the text as sent.
        depth = nesting(_tokens(text))
        if "service" in text.lower() or "service" in _unescape_leniently(text).lower():
            return QueryProfile(services=[None], nesting=depth)
        return QueryProfile(nesting=depth)


def _unescape_leniently(text: str) -> str:
    try:
        return unescape(text)
    except ValueError:
        return text

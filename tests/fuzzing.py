"""What the fuzzing suite shares: a raw HTTP client, the checks every answer must pass, the
tally of requests per family, and hypothesis strategies for hostile input.

The client writes the request bytes itself: ``requests`` and ``urllib`` would normalise away
the very hostility under test (invalid UTF-8 in the path, dot segments, control bytes).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from hypothesis import strategies as st

# How many examples each generated test runs: small in the normal suite, large for `make fuzz`.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))

# Granian refuses a longer request target itself, with a bare 414 (no message of ours):
# generated GETs beyond it go as POST instead, and one test covers the refusal.
MAX_TARGET = 60_000

# What must never reach a client: a traceback, or where the code and data live.
LEAK_MARKERS = ("Traceback", 'File "', "site-packages", '.py"')


@dataclass
class Tally:
    """Requests sent and failures seen, per family of generated requests."""

    sent: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)

    def report(self) -> str:
        """One line per family, then the totals."""
        lines = [f"{'family':<14}{'requests':>10}{'failures':>10}"]
        for family in sorted(self.sent):
            lines.append(f"{family:<14}{self.sent[family]:>10}{self.failed[family]:>10}")
        lines.append(f"{'total':<14}{sum(self.sent.values()):>10}{sum(self.failed.values()):>10}")
        return "\n".join(lines)


TALLY = Tally()


@dataclass(frozen=True)
class Reply:
    """An HTTP response as received, headers lower-cased."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def media_type(self) -> str:
        """The Content-Type without its parameters."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def send(
    root: str,
    method: str,
    target: str | bytes,
    headers: list[tuple[str, str | bytes]] | None = None,
    body: bytes | None = None,
    timeout: float = 60,
) -> Reply:
    """Send one HTTP/1.1 request exactly as given (target and header bytes untouched)."""
    parts = urlsplit(root)
    raw_target = target.encode("latin-1") if isinstance(target, str) else target
    lines = [
        method.encode("ascii") + b" " + raw_target + b" HTTP/1.1",
        b"Host: " + parts.netloc.encode(),
    ]
    for name, value in headers or []:
        lines.append(
            name.encode("latin-1")
            + b": "
            + (value if isinstance(value, bytes) else value.encode("utf-8"))
        )
    if body is not None:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    message = b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as connection:
        # The server may answer (413) and close before it has read an oversized body.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(message)
        response = http.client.HTTPResponse(connection, method=method)
        response.begin()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)


def problems(reply: Reply, method: str, sent: bytes, internal_paths: tuple[str, ...]) -> list[str]:
    """What is wrong with ``reply`` by the suite's rules; empty when nothing is.

    No 5xx; no traceback or internal path in the body (unless the request itself carried that
    text, which an error message may quote back); every 4xx with a message a person can read.
    """
    found = []
    if reply.status >= 500:
        found.append(f"server error {reply.status}")
    text = reply.body.decode("utf-8", "replace")
    echoed = sent.decode("utf-8", "replace")
    for marker in (*LEAK_MARKERS, *internal_paths):
        if marker in text and marker not in echoed:
            found.append(f"the body leaks {marker!r}")
    if 400 <= reply.status < 500 and method != "HEAD":
        message = readable_message(reply)
        if not message:
            found.append(f"{reply.status} without a readable message")
    return found


def readable_message(reply: Reply) -> str:
    """The human message of an error response, or '' when it has none."""
    text = reply.body.decode("utf-8", "replace").strip()
    if reply.media_type in {"application/json", "application/problem+json"}:
        try:
            payload = json.loads(text)
        except ValueError:
            return ""
        message = payload.get("message") if isinstance(payload, dict) else None
        return message.strip() if isinstance(message, str) else ""
    # Plain text or HTML: words, not just a number (Granian's own "Not found" for /static/ counts).
    letters = sum(character.isalpha() for character in text)
    return text if letters >= 5 else ""


# --- strategies ------------------------------------------------------------------------------

KEYWORDS = (
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FILTER", "OPTIONAL", "UNION", "MINUS",
    "GRAPH", "SERVICE", "SILENT", "VALUES", "BIND", "AS", "GROUP BY", "HAVING", "ORDER BY",
    "DESC", "LIMIT", "OFFSET", "PREFIX", "BASE", "FROM", "FROM NAMED", "DISTINCT", "REDUCED",
    "EXISTS", "NOT EXISTS", "IN", "a", "true", "false", "UNDEF", "COUNT", "SUM", "GROUP_CONCAT",
    "SEPARATOR", "REGEX", "STR", "LANG", "IRI", "BNODE", "CONCAT", "SUBSTR", "NOW", "UUID",
    "INSERT DATA", "DELETE WHERE", "LOAD", "CLEAR ALL", "DROP GRAPH",
)  # fmt: skip
PUNCTUATION = (
    "{", "}", "(", ")", "[", "]", ".", ";", ",", "*", "/", "|", "^", "!", "?", "+", "-", "=",
    "!=", "<", ">", "<=", "&&", "||", "^^", "@en", "@fr-FR", "_:b", "#", "\\", "'''", '"""',
)  # fmt: skip
IRIS = (
    "<http://kg.test/id/commune/59350>", "<id/ecosystem/lille>", "<>", "<a b>", "<http://x/>",
    "<javascript:alert(1)>", "<file:///etc/passwd>", "<http://127.0.0.1:1/sparql>",
    "rdfs:label", "ftkg:LabelAward", "undeclared:x", "\\u0053ERVICE", "\\U00110000",
)  # fmt: skip
VARIABLES = ("?s", "?p", "?o", "$x", "?é", "?", "?1")

odd_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
# Text a header field may carry (no control characters: the HTTP layer refuses those itself,
# see test_control_bytes_in_a_header_are_refused_without_a_crash).
header_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40
)
literals = st.one_of(
    odd_text.map(lambda s: json.dumps(s, ensure_ascii=False)),
    odd_text.map(lambda s: "'" + s + "'"),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(['"x"^^xsd:integer', '"1e999"^^xsd:double', '"é"@xx-yy', '"\\uD800"']),
)
tokens = st.one_of(
    st.sampled_from(KEYWORDS), st.sampled_from(PUNCTUATION), st.sampled_from(IRIS),
    st.sampled_from(VARIABLES), literals, odd_text,
)  # fmt: skip


@st.composite
def grammar_queries(draw: st.DrawFn) -> str:
    """Queries built from SPARQL's pieces: often valid, always cheap to evaluate (one pattern,
    a LIMIT), with odd terms in odd places."""
    form = draw(
        st.sampled_from(["SELECT *", "SELECT DISTINCT ?s", "ASK", "CONSTRUCT", "DESCRIBE ?s"])
    )
    pattern = draw(
        st.sampled_from(
            [
                "?s ?p ?o",
                "?s a ?o",
                "?s <http://www.w3.org/2000/01/rdf-schema#label> ?o",
                "GRAPH ?g { ?s ?p ?o }",
                "?s rdfs:label|^rdfs:label ?o",
            ]
        )
    )
    extra = " ".join(draw(st.lists(tokens, max_size=6)))
    where = f"{{ {pattern} . {extra} }}" if draw(st.booleans()) else f"{{ {pattern} }} {extra}"
    template = "{ ?s ?p ?o }" if form == "CONSTRUCT" else ""
    return f"{form} {template} WHERE {where} LIMIT {draw(st.integers(0, 20))}"


@st.composite
def nested_queries(draw: st.DrawFn) -> str:
    """Groups, parentheses, collections and prefix operators nested from 1 to 20,000 deep."""
    depth = draw(st.one_of(st.integers(1, 120), st.integers(1, 20_000)))
    opening, closing = draw(
        st.sampled_from(
            [("{", "}"), ("(", ")"), ("[", "]"), ("OPTIONAL {", "}"), ("!", ""), ("^", "")]
        )
    )
    balanced = draw(st.booleans())
    inner = opening * depth + " ?s " + (closing * depth if balanced else closing * (depth // 2))
    return draw(
        st.sampled_from(
            [
                f"SELECT * WHERE {inner}",
                f"ASK {{ FILTER({inner}) }}",
                f"ASK {{ ?s {inner} ?o }}",
                f"ASK {{ ?s <p> {inner} }}",
            ]
        )
    )


sparql_queries = st.one_of(
    grammar_queries(),
    nested_queries(),
    st.lists(tokens, max_size=40).map(" ".join),
    odd_text,
    # Enormous: around the body limit (1 MiB), and well past it.
    st.sampled_from([2**10, 2**17, 2**20 - 64, 2**20 + 1, 3 * 2**20]).map(
        lambda size: ("SELECT * WHERE { ?s ?p ?o } #" + "x" * size)[:size]
    ),
)

# Percent-encoded bytes that are not UTF-8: lone continuation bytes, overlong forms,
# surrogates, bytes that never occur.
INVALID_UTF8 = (
    b"\xff",
    b"\xc0\xae",
    b"\xe0\x80\xaf",
    b"\xed\xa0\x80",
    b"\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xfe\xff",
)
invalid_utf8 = st.lists(
    st.one_of(st.sampled_from(INVALID_UTF8), st.binary(max_size=8)), min_size=1, max_size=6
).map(b"".join)


def percent_encode(data: bytes) -> str:
    """Every byte outside the unreserved set as %XX (RFC 3986 §2.1)."""
    return quote(data, safe="")


# Header values as RFC 9110 §5.5 allows on the wire (VCHAR, obs-text, SP, HTAB), so the HTTP
# layer passes them to the application.
field_value = st.binary(max_size=200).map(
    lambda b: bytes(c for c in b if c in b"\t" or 0x20 <= c <= 0x7E or c >= 0x80).strip()
)
q_values = st.one_of(
    st.sampled_from(
        ["1", "0", "0.5", "1.0001", "-1", "nan", "inf", "1e999", "", "0.", "abc", "0.0000001"]
    ),
    st.floats().map(repr),
)
media_ranges = st.one_of(
    st.sampled_from(
        [
            "*/*", "text/html", "text/turtle", "application/ld+json", "application/json",
            "application/sparql-results+json", "text/*", "*/html", "*", "/", "a/b/c", "text/",
            "application/xhtml+xml", "image/png", "text/html;level=1", ";;;", ",,,",
        ]
    ),
    header_text,
)  # fmt: skip
accepts = st.lists(
    st.tuples(media_ranges, q_values).map(
        lambda pair: f"{pair[0]};q={pair[1]}" if pair[1] else pair[0]
    ),
    max_size=12,
).map(", ".join)
languages = st.lists(
    st.tuples(
        st.one_of(
            st.sampled_from(
                ["fr", "en", "*", "fr-FR", "en-GB", "x-klingon", "i-default", "-", "zz-ZZ-zz"]
            ),
            header_text,
        ),
        q_values,
    ).map(lambda pair: f"{pair[0]};q={pair[1]}"),
    max_size=10,
).map(", ".join)
ranges = st.one_of(
    st.sampled_from(
        [
            "bytes=0-0", "bytes=-1", "bytes=0-", "bytes=5-2", "bytes=-0", "bytes=0-0,0-0,0-0",
            "bytes=99999999999999999999999-", "bytes=--1", "bytes=", "items=0-5", "bytes=0-1,",
        ]
    ),
    st.sampled_from([2, 500, 2000]).map(lambda n: "bytes=" + ",".join(f"{i}-{i}" for i in range(n))),
    st.tuples(st.integers(-(2**70), 2**70), st.integers(-(2**70), 2**70)).map(lambda p: f"bytes={p[0]}-{p[1]}"),
    header_text.map(lambda s: "bytes=" + s),
)  # fmt: skip
etags = st.one_of(
    st.sampled_from(['*', '""', '"x"', 'W/"x"', 'W/', '"', ",,,", '"a", W/"b", *']),
    st.just(5000).map(lambda n: '"' + "a" * n + '"'),
    header_text,
)  # fmt: skip
dates = st.one_of(
    st.sampled_from(
        [
            "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
            "Mon, 99 Xyz 99999 99:99:99 GMT", "Tue, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT",
            "0", "-1", "99999999999999999999", "2026-01-01T00:00:00Z", "", "Thu, 01 Jan 1970 00:00:00 GMT",
        ]
    ),
    st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT")),
    header_text,
)  # fmt: skip
content_types = st.one_of(
    st.sampled_from(
        [
            "application/sparql-query", "application/x-www-form-urlencoded", "application/json",
            "application/sparql-update", "multipart/form-data", "multipart/form-data; boundary=",
            "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=latin-1",
            "application/sparql-query; charset=utf-16", "text/plain", "", ";", "application/json; charset=\"",
            "application/x-www-form-urlencoded; charset=utf-8; charset=ascii",
        ]
    ),
    header_text,
)  # fmt: skip

PATH_PIECES = (
    "..", ".", "%2e%2e", "%2E%2E", ".%2e", "%2F", "%2f", "%252F", "%252e%252e", "%00", "%C0%AE",
    "%C0%AF", "%E0%80%AE", "%FF", "%5C", "\\", "//", "%20", "%0A", "%0D%0A", ";", "?", "#",
    "etc", "passwd", "ftkg.nt.gz", "ftkg.nt.gz.sha256", "commune", "59350", "59350.ttl",
    "lille", "ecosystem", "CURRENT", "versions", "live", "~", "%7E", "%25", "%", "%%32%65",
    "20260101T000000Z-000000000000", "x" * 300, "é", "%C3%A9", "%EF%BF%BD", "\u202e",
)  # fmt: skip
PATH_ROOTS = (
    "/dumps/", "/data/", "/id/", "/page/", "/graph/", "/browse/", "/reconcile/properties/",
    "/sitemaps/", "/static/", "/dumps/20260101T000000Z-000000000000/", "/catalog.", "/",
    "/id/dataset/", "/data/commune/", "/id/commune/",
)  # fmt: skip
path_piece = st.one_of(
    st.sampled_from(PATH_PIECES),
    odd_text.map(lambda s: quote(s.encode("utf-8"), safe="")),
    invalid_utf8.map(percent_encode),
    st.binary(min_size=1, max_size=6).map(lambda b: quote(b, safe="")),
)
paths = st.tuples(
    st.sampled_from(PATH_ROOTS),
    st.lists(path_piece, min_size=1, max_size=8),
    st.sampled_from(
        [
            "/",
            "",
            ".ttl",
            ".jsonld",
            ".nq",
            ".xyz",
            "?page=2",
            "?format=nt",
            "?page=-1",
            "?format=%FF",
        ]
    ),
).map(lambda t: t[0] + "/".join(t[1]) + t[2])

json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
        odd_text, st.sampled_from(["commune", "label", "departement", "commune/59350", "Lille"]),
    ),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.one_of(odd_text, st.sampled_from(["query", "type", "limit", "properties", "pid", "v", "id", "ids", "settings", "conditions", "matchType", "propertyId", "propertyValue"])), children, max_size=4),
    max_leaves=12,
)  # fmt: skip


def _or_any_json(likely: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(likely, json_values)


@st.composite
def almost_queries(draw: st.DrawFn) -> object:
    """A reconciliation batch shaped like the real thing, any field holding any JSON."""
    constraint = st.fixed_dictionaries(
        {
            "pid": _or_any_json(st.sampled_from(["departement", "inseeCode", "population", "zzz"])),
            "v": _or_any_json(st.sampled_from(["59", "Nord", {"id": "departement/59"}, 59])),
        }
    )
    query = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "query": _or_any_json(st.sampled_from(["Lille", "Saint-Denis (93)", "", " "])),
                "type": _or_any_json(
                    st.sampled_from(["commune", "epci", "nope", ["commune", "epci"]])
                ),
                "limit": _or_any_json(st.integers(-5, 50)),
                "properties": _or_any_json(st.lists(constraint, max_size=3)),
            },
        )
    )
    return {draw(st.sampled_from(["q0", "q1", "", "é"])): query}


@st.composite
def almost_extensions(draw: st.DrawFn) -> object:
    """A data extension request shaped like the real thing, any field holding any JSON."""
    ids = draw(
        st.one_of(
            st.lists(st.sampled_from(["commune/59350", "epci/200093201", "x", ""]), max_size=4),
            json_values,
        )
    )
    properties = draw(
        st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"id": st.one_of(st.sampled_from(["population", "inseeCode", "label", "zzz"]), json_values)},
                    optional={"settings": st.one_of(st.fixed_dictionaries({"limit": json_values}), json_values)},
                ),
                max_size=3,
            ),
            json_values,
        )
    )  # fmt: skip
    return {"ids": ids, "properties": properties}


@st.composite
def almost_draft_batches(draw: st.DrawFn) -> object:
    """A 1.0-draft match body shaped like the real thing, any field holding any JSON."""
    condition = st.fixed_dictionaries(
        {"matchType": st.one_of(st.sampled_from(["name", "property", "zzz"]), json_values)},
        optional={
            "propertyValue": st.one_of(st.sampled_from(["Lille", "59"]), json_values),
            "propertyId": st.one_of(st.sampled_from(["departement", "zzz"]), json_values),
            "required": json_values,
            "matchQuantifier": st.one_of(st.sampled_from(["any", "all", "none", "x"]), json_values),
        },
    )
    query = st.fixed_dictionaries(
        {"conditions": st.one_of(st.lists(condition, max_size=3), json_values)},
        optional={"type": st.one_of(st.just("commune"), json_values), "limit": json_values},
    )
    return {"queries": draw(st.one_of(st.lists(query, max_size=3), json_values))}


# Built from a name when drawn, so that hypothesis never prints a megabyte of brackets.
NOT_JSON = {
    "deep arrays": lambda: "[" * 50_000 + "]" * 50_000,
    "deep objects": lambda: '{"a":' * 50_000 + "1" + "}" * 50_000,
    "5000 digits": lambda: "9" * 5000,
    "NaN": lambda: "NaN",
    "Infinity": lambda: "-Infinity",
    "NaN inside": lambda: '{"q0": {"query": "x", "limit": NaN}}',
    "1e999": lambda: '{"q0": {"query": "x", "limit": 1e999}}',
    "single quotes": lambda: "{'q0': 'x'}",
    "trailing comma": lambda: '{"q0": "x",}',
    "BOM": lambda: "\ufeff{}",
    "empty": lambda: "",
    "null": lambda: "null",
    "unclosed": lambda: "{",
    "NUL": lambda: "\x00",
}
not_json = st.one_of(odd_text, st.sampled_from(sorted(NOT_JSON)).map(lambda name: NOT_JSON[name]()))

"""Hostile and broken input, generated, sent over real HTTP to ``ftkg serve`` (Granian).

Every answer must hold to the same rules (``fuzzing.problems``): no 5xx, no traceback or
internal path in the body, every 4xx with a message a person can read; and after the run the
server is still ready, on the same web worker, with nothing unhandled in its log.

One code path, two sizes: the normal suite runs ``FUZZ_EXAMPLES`` (20) examples per generated
test; ``make fuzz`` runs 600 each (over 10,000 requests) and prints the requests per family.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from conftest import PROJECT_ROOT, serving, small_store
from fuzzing import (
    EXAMPLES,
    MAX_TARGET,
    TALLY,
    Reply,
    accepts,
    almost_draft_batches,
    almost_extensions,
    almost_queries,
    content_types,
    dates,
    etags,
    field_value,
    invalid_utf8,
    json_values,
    languages,
    not_json,
    paths,
    percent_encode,
    problems,
    ranges,
    send,
    sparql_queries,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, GenerationMode

from server import openapi

pytestmark = [pytest.mark.live, pytest.mark.fuzz]

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


class FuzzServer:
    """The server under fuzzing: its root URL, its log, and where its files live."""

    def __init__(self, root: str, log: Path, store: Path) -> None:
        self.root = root
        self.log = log
        self.internal_paths = (str(PROJECT_ROOT), str(store), sys.prefix)

    def exchange(
        self,
        family: str,
        method: str,
        target: str | bytes,
        headers: list[tuple[str, str | bytes]] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        """Send one request, count it, and fail (counted too) if the answer breaks a rule."""
        TALLY.sent[family] += 1
        reply = send(self.root, method, target, headers, body)
        raw_target = target if isinstance(target, bytes) else target.encode("latin-1")
        sent = b" ".join([raw_target, *(_bytes(v) for _, v in headers or []), body or b""])
        found = problems(reply, method, sent, self.internal_paths)
        if found:
            TALLY.failed[family] += 1
            shown = raw_target[:300]
            raise AssertionError(
                f"{method} {shown!r} {headers!r} body={(body or b'')[:300]!r}: {'; '.join(found)}\n"
                f"{reply.status} {reply.body[:500]!r}"
            )
        return reply


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


@pytest.fixture(scope="module")
def fuzz_server(
    tmp_path_factory: pytest.TempPathFactory, small_build: tuple[Path, Path]
) -> Iterator[FuzzServer]:
    """A small store (the repository's data, a cut of the geography) served by ``ftkg serve``
    for this module alone: what the fuzzing does cannot disturb the other live tests."""
    work = tmp_path_factory.mktemp("fuzz")
    _, store = small_store(small_build, work)
    logs = work / "logs"
    logs.mkdir()
    settings_ = {"WORKERS": "1", "QUERY_WORKERS": "2", "QUERY_TIMEOUT": "20"}
    # No response cache: every request must reach the application, not a stored answer.
    with serving(store, logs, RESPONSE_CACHE_MB="0", **settings_) as root:
        (log,) = logs.glob("server-*.log")
        server = FuzzServer(root, log, store)
        server.first_ready = json.loads(send(root, "GET", "/health/ready").body)
        yield server


# --- SPARQL ----------------------------------------------------------------------------------

TRANSPORTS = ("GET", "POST form", "POST direct")


def query_request(
    transport: str, query: bytes
) -> tuple[str, str, list[tuple[str, str]], bytes | None]:
    """The Protocol's three ways (SPARQL 1.1 Protocol §2.1.1-§2.1.3) to send ``query``."""
    encoded = "query=" + percent_encode(query)
    if transport == "GET":
        return "GET", "/sparql?" + encoded, [], None
    if transport == "POST form":
        return (
            "POST",
            "/sparql",
            [("Content-Type", "application/x-www-form-urlencoded")],
            encoded.encode(),
        )
    return "POST", "/sparql", [("Content-Type", "application/sparql-query")], query


@FUZZ
@given(
    query=sparql_queries,
    transport=st.sampled_from(TRANSPORTS),
    accept=st.one_of(st.none(), accepts),
)
def test_generated_queries_get_an_answer_or_a_clear_4xx(
    fuzz_server: FuzzServer, query: str, transport: str, accept: str | None
) -> None:
    data = query.encode("utf-8")
    method, target, headers, body = query_request(transport, data)
    if len(target) > MAX_TARGET:
        method, target, headers, body = query_request("POST direct", data)
    if accept is not None:
        headers = [*headers, ("Accept", accept)]
    fuzz_server.exchange("sparql", method, target, headers, body)


@FUZZ
@given(
    prefix=st.text(max_size=20).map(str.encode),
    garbage=invalid_utf8,
    transport=st.sampled_from(TRANSPORTS),
)
def test_a_query_that_is_not_utf8_is_a_400(
    fuzz_server: FuzzServer, prefix: bytes, garbage: bytes, transport: str
) -> None:
    # Protocol §2.1.4: a malformed request is a 400; the query is UTF-8 (§2.1.1-2.1.3).
    if all(_is_utf8(prefix + garbage + suffix) for suffix in (b"", b" ")):
        garbage = b"\xff" + garbage
    method, target, headers, body = query_request(transport, b"ASK { " + prefix + garbage + b" }")
    reply = fuzz_server.exchange("sparql-utf8", method, target, headers, body)
    assert reply.status == 400


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --- headers ---------------------------------------------------------------------------------

SURFACES = (
    "/",
    "/sparql",
    "/sparql?query=ASK%7B%7D",
    "/sparql?query=CONSTRUCT%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%202",
    "/id/commune/59350",
    "/id/commune/59298",
    "/data/commune/59350",
    "/data/ecosystem/lille.jsonld",
    "/page/ecosystem/lille",
    "/graph-store?default",
    "/ontology",
    "/catalog",
    "/.well-known/void",
    "/dumps/",
    "/dumps/ftkg.nt.gz",
    "/search?q=lille",
    "/reconcile",
    "/reconcile/preview?id=commune/59350",
    "/browse/communes",
    "/sitemap.xml",
    "/openapi.json",
    "/no/such/page",
)
HOSTILE_HEADERS = {
    "Accept": accepts,
    "Accept-Language": languages,
    "Range": ranges,
    "If-None-Match": etags,
    "If-Modified-Since": dates,
    "If-Range": st.one_of(etags, dates),
    "Accept-Encoding": st.one_of(accepts, field_value.map(lambda b: b.decode("latin-1"))),
}


@FUZZ
@given(
    path=st.sampled_from(SURFACES),
    values=st.fixed_dictionaries({}, optional=HOSTILE_HEADERS),
    raw=field_value,
    raw_name=st.sampled_from(list(HOSTILE_HEADERS)),
    method=st.sampled_from(["GET", "GET", "HEAD"]),
)
def test_hostile_negotiation_and_conditional_headers_never_break_a_response(
    fuzz_server: FuzzServer,
    path: str,
    values: dict[str, str],
    raw: bytes,
    raw_name: str,
    method: str,
) -> None:
    headers: list[tuple[str, str | bytes]] = list(values.items())
    # One more header with arbitrary bytes a field value may carry (RFC 9110 §5.5), obs-text
    # included, which the application sees as Latin-1.
    headers.append((raw_name, raw))
    fuzz_server.exchange("headers", method, path, headers)


@FUZZ
@given(
    path=st.sampled_from(
        [
            "/sparql",
            "/reconcile",
            "/reconcile/1.0-draft/match",
            "/reconcile/1.0-draft/extend",
            "/graph-store",
        ]
    ),
    content_type=content_types,
    body=st.one_of(
        st.sampled_from(
            [b"query=ASK%7B%7D", b"ASK {}", b'{"queries": []}', b"queries=%7B%7D", b"\xff\xfe", b""]
        ),
        st.binary(max_size=200),
    ),
)
def test_bodies_of_any_declared_type_get_an_answer_or_a_clear_4xx(
    fuzz_server: FuzzServer, path: str, content_type: str, body: bytes
) -> None:
    fuzz_server.exchange("content-type", "POST", path, [("Content-Type", content_type)], body)


@pytest.mark.parametrize("byte", [0x00, 0x01, 0x08, 0x0B, 0x1F, 0x7F])
@pytest.mark.parametrize("name", ["Accept", "If-None-Match", "Content-Type", "Range"])
def test_control_bytes_in_a_header_are_refused_without_a_crash(
    fuzz_server: FuzzServer, name: str, byte: int
) -> None:
    # RFC 9110 §5.5: field values hold no control characters but HTAB. Granian refuses such a
    # message itself, before the application, with a bare 400 (its own, not ours: no message
    # to check); DEL (0x7F) it passes on, and then our rules hold.
    TALLY.sent["raw-http"] += 1
    reply = send(
        fuzz_server.root,
        "GET",
        "/sparql?query=ASK%7B%7D",
        [(name, b"text/" + bytes([byte]) + b"x")],
    )
    if reply.status == 400 and not reply.body:
        return
    found = problems(reply, "GET", b"", fuzz_server.internal_paths)
    if found:
        TALLY.failed["raw-http"] += 1
    assert not found, f"{reply.status} {reply.body[:300]!r}"


def test_an_overlong_request_target_is_refused_by_the_http_layer_without_a_crash(
    fuzz_server: FuzzServer,
) -> None:
    # Granian's own limit (about 64 KiB), answered before the application with a bare 414.
    TALLY.sent["raw-http"] += 1
    reply = send(fuzz_server.root, "GET", "/sparql?query=" + "x" * 70_000)
    assert reply.status == 414
    assert send(fuzz_server.root, "GET", "/health").status == 200


# --- paths -----------------------------------------------------------------------------------


@FUZZ
@given(path=paths, method=st.sampled_from(["GET", "HEAD"]))
def test_traversal_and_encoding_tricks_in_paths_never_reach_a_file_or_break(
    fuzz_server: FuzzServer, path: str, method: str
) -> None:
    target = path.encode("utf-8").replace(b" ", b"%20").replace(b"#", b"%23")
    reply = fuzz_server.exchange("paths", method, target)
    # /etc/passwd, or the store's own files (RocksDB's CURRENT names its MANIFEST).
    assert b"root:x:0:0" not in reply.body, "a file outside the served directories was sent"
    assert not reply.body.startswith(b"MANIFEST-"), "a file of the store itself was sent"


@FUZZ
@given(
    kind=st.sampled_from(["commune", "ecosystem", "award", "epci"]),
    key=st.one_of(
        st.sampled_from(["59350", "lille", "2019-capitale-lille", "200093201"]),
        st.text(max_size=20),
    ),
    trick=st.sampled_from(["plain", "double", "slash", "overlong", "nul", "dot"]),
    prefix=st.sampled_from(["/id/", "/page/", "/data/"]),
)
def test_percent_encoding_tricks_in_entity_uris_never_break(
    fuzz_server: FuzzServer, kind: str, key: str, trick: str, prefix: str
) -> None:
    encoded = quote(key.encode("utf-8"), safe="")
    tricks = {
        "plain": f"{kind}/{encoded}",
        "double": quote(f"{kind}/{encoded}", safe=""),
        "slash": f"{kind}%2F{encoded}",
        "overlong": f"{kind}%C0%AF{encoded}",
        "nul": f"{kind}/{encoded}%00",
        "dot": f"{kind}/%2E%2E/{kind}/{encoded}",
    }
    fuzz_server.exchange("entity-uris", "GET", prefix + tricks[trick])


# --- reconciliation --------------------------------------------------------------------------


@FUZZ
@given(
    parameter=st.sampled_from(["queries", "extend", "query"]),
    payload=st.one_of(
        not_json,
        json_values.map(json.dumps),
        almost_queries().map(json.dumps),
        almost_extensions().map(json.dumps),
    ),
    method=st.sampled_from(["GET", "POST"]),
)
def test_reconciliation_payloads_that_are_not_json_or_not_the_right_json_are_a_clear_4xx(
    fuzz_server: FuzzServer, parameter: str, payload: str, method: str
) -> None:
    form = urlencode({parameter: payload})
    if method == "GET" and len(form) < MAX_TARGET:
        fuzz_server.exchange("reconcile", "GET", "/reconcile?" + form)
    else:
        headers = [("Content-Type", "application/x-www-form-urlencoded")]
        fuzz_server.exchange("reconcile", "POST", "/reconcile", headers, form.encode())


@FUZZ
@given(
    path=st.sampled_from(["/reconcile/1.0-draft/match", "/reconcile/1.0-draft/extend"]),
    body=st.one_of(
        not_json.map(str.encode),
        json_values.map(lambda v: json.dumps(v).encode()),
        almost_draft_batches().map(lambda v: json.dumps(v).encode()),
        almost_extensions().map(lambda v: json.dumps(v).encode()),
        invalid_utf8,
    ),
)
def test_draft_reconciliation_bodies_that_are_not_the_right_json_are_a_clear_4xx(
    fuzz_server: FuzzServer, path: str, body: bytes
) -> None:
    fuzz_server.exchange("reconcile", "POST", path, [("Content-Type", "application/json")], body)


# --- the OpenAPI description, through schemathesis ------------------------------------------


@schemathesis.serializer("application/sparql-query")
def _query_as_body(_context: object, value: object) -> bytes:
    # The Protocol's direct POST (§2.1.3): the query itself is the body, UTF-8.
    return value.encode("utf-8") if isinstance(value, str) else json.dumps(value).encode()


api = schemathesis.openapi.from_dict(openapi.load())
# One test per operation, named for it. Not ``api.parametrize()``: its items share one node id,
# and pytest-xdist (``make test`` runs on both cores) keeps one item per node id, so all but
# one operation would silently go untested there.
OPERATIONS = [result.ok() for result in api.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.label for o in OPERATIONS])
@settings(
    max_examples=max(2, EXAMPLES // 4),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_every_described_operation_answers_generated_requests_cleanly(
    operation: APIOperation, fuzz_server: FuzzServer, data: st.DataObject
) -> None:
    # Requests valid by the description and requests that break it, as schemathesis's own
    # runner generates them.
    case = data.draw(
        st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    TALLY.sent["schemathesis"] += 1
    response = case.call(base_url=fuzz_server.root.rstrip("/"), allow_redirects=False)
    request = response.request
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    sent = (request.url or "").encode() + b" " + body + str(dict(request.headers)).encode()
    reply = Reply(
        response.status_code,
        {k.lower(): ", ".join(v) for k, v in response.headers.items()},
        response.content,
    )
    found = problems(reply, request.method or "GET", sent, fuzz_server.internal_paths)
    if found:
        TALLY.failed["schemathesis"] += 1
    assert not found, (
        f"{request.method} {request.url}: {'; '.join(found)}\n{response.content[:500]!r}"
    )


# --- afterwards ------------------------------------------------------------------------------


def test_the_server_is_still_healthy_after_the_fuzzing(fuzz_server: FuzzServer) -> None:
    reply = send(fuzz_server.root, "GET", "/health/ready")
    assert reply.status == 200
    ready = json.loads(reply.body)
    # Same web worker as before the run: Granian never had to respawn a crashed one.
    assert ready["web_worker"] == fuzz_server.first_ready["web_worker"]
    assert len(ready["query_workers"]) == 2
    log = fuzz_server.log.read_text(encoding="utf-8", errors="replace")
    assert "unhandled error" not in log and "Traceback" not in log, log[-3000:]

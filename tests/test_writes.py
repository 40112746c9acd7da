"""No write path over HTTP: the data changes only through `ftkg build` on the server's disk.

Since nothing can be written over HTTP there is no credential to steal or guess: a bearer
token, in a header or in the query string, opens nothing.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest

from server.app import create_app
from server.version.store import KnowledgeStore

pytestmark = pytest.mark.live

UNSAFE_METHODS = {"POST", "PUT", "DELETE", "PATCH"}
# Every route that accepts an unsafe method, and why it is still read-only.
READ_ONLY_POSTS = {
    "/sparql",  # queries by POST (SPARQL 1.1 Protocol §2.1.2, §2.1.3); updates refused
    "/reconcile",  # batches of reconciliation queries (too long for a URL)
    "/reconcile/1.0-draft/match",
    "/reconcile/1.0-draft/extend",
}
PLANTED = "<http://kg.test/planted> <http://kg.test/by> <http://kg.test/attacker>"
ASK_PLANTED = f"ASK {{ {PLANTED} }}"
TOKENS = [
    ({"Authorization": "Bearer secret"}, ""),
    ({}, "?access_token=secret"),
    ({}, "?token=secret"),
]


def send(
    url: str, method: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body or None, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode("utf-8", "replace")


def planted(url: str) -> bool:
    query = urllib.parse.urlencode({"query": ASK_PLANTED})
    status, body = send(f"{url}sparql?{query}", "GET", headers={"Accept": "application/json"})
    assert status == 200
    return bool(json.loads(body)["boolean"])


def data_version(url: str) -> str:
    return json.loads(send(url + "health", "GET")[1])["data_version"]


def test_only_read_only_routes_accept_unsafe_methods():
    app = create_app(
        {"TESTING": True, "KNOWLEDGE_STORE": KnowledgeStore(ox.Store(), "http://kg.test/", "v")}
    )
    unsafe = {rule.rule for rule in app.url_map.iter_rules() if rule.methods & UNSAFE_METHODS}
    # A new route taking writes must come with credentials (issue 9 §4) and be listed here.
    assert unsafe == READ_ONLY_POSTS


@pytest.mark.parametrize(("headers", "query_string"), TOKENS)
def test_a_sparql_update_is_refused_whatever_the_token(live_server, headers, query_string):
    update = f"INSERT DATA {{ {PLANTED} }}"
    attempts = [
        (urllib.parse.urlencode({"update": update}), "application/x-www-form-urlencoded"),
        (update, "application/sparql-update"),
        (urllib.parse.urlencode({"query": update}), "application/x-www-form-urlencoded"),
    ]
    for body, content_type in attempts:
        status, message = send(
            live_server + "sparql" + query_string,
            "POST",
            body.encode(),
            {**headers, "Content-Type": content_type},
        )
        assert 400 <= status < 500, (content_type, status)
        assert message.strip()
    assert not planted(live_server)


@pytest.mark.parametrize(("headers", "query_string"), TOKENS)
@pytest.mark.parametrize("method", sorted(UNSAFE_METHODS))
def test_a_graph_store_write_is_refused_whatever_the_token(
    live_server, headers, query_string, method
):
    before = data_version(live_server)
    status, message = send(
        f"{live_server}graph-store{query_string or '?'}&default".replace("?&", "?"),
        method,
        f"{PLANTED} .".encode(),
        {**headers, "Content-Type": "application/n-triples"},
    )
    assert status == 405
    assert "read-only" in message
    assert not planted(live_server)
    assert data_version(live_server) == before


@pytest.mark.parametrize("path", ["health/ready", "dumps/", "data/ecosystem/lille", "catalog"])
def test_unsafe_methods_on_read_routes_are_405_with_a_message(live_server, path):
    status, message = send(live_server + path, "DELETE", headers={"Authorization": "Bearer secret"})
    assert status == 405
    assert "not allowed" in message.lower()

"""The home page and the error pages."""

from __future__ import annotations

import html
import http.client
import json
import re
import urllib.parse
from html.parser import HTMLParser

import pytest
from werkzeug.http import parse_options_header

from server.app import create_app


def test_home_page_says_what_the_service_is_and_counts_entities(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "French Tech Knowledge Graph" in page
    assert "label award" in page  # a class count row, labelled from the ontology
    assert "Licence Ouverte" in page


def test_home_page_lists_every_example_query_by_title(client, app):
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for example in app.extensions["ftkg.examples"]:
        assert example.title("en") in html.unescape(page)


def test_an_unknown_path_is_a_404_in_the_clients_format(client):
    response = client.get("/nothing-here", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert json.loads(response.data)["status"] == 404


# --- conditional requests (RFC 9110 §13.1.2, §15.4.5) ---------------------------------------

# What a 304 must carry as its 200 would (RFC 9110 §15.4.5), Date aside.
NOT_MODIFIED_FIELDS = ("ETag", "Cache-Control", "Vary", "Content-Location", "Expires")
# Data served with a max-age of their own, a negotiated document (Content-Location), a page.
REPRESENTATIONS = [
    ("/catalog", {}),
    ("/context.jsonld", {}),
    ("/data/ecosystem/lille", {"Accept": "application/ld+json"}),
    ("/page/ecosystem/lille", {"Accept": "text/html", "Accept-Language": "fr"}),
    ("/sparql?query=ASK%7B%7D", {}),
]


def caching_fields(headers) -> dict[str, object]:
    """The 304-relevant fields, Vary as a set (its order carries no meaning)."""
    fields: dict[str, object] = {name: headers.get(name) for name in NOT_MODIFIED_FIELDS}
    fields["Vary"] = {v.strip().lower() for v in (headers.get("Vary") or "").split(",")}
    return fields


def test_a_weak_etag_sent_back_by_a_compressing_proxy_revalidates_with_304(client):
    etag = client.get("/data/ecosystem/lille.ttl").headers["ETag"]
    assert not etag.startswith("W/")
    # nginx's gzip module turns "x" into W/"x" on the way; If-None-Match compares weakly.
    again = client.get("/data/ecosystem/lille.ttl", headers={"If-None-Match": "W/" + etag})
    assert again.status_code == 304


def test_a_weak_etag_of_a_compressed_body_revalidates_with_304(client):
    gzip = {"Accept-Encoding": "gzip"}
    etag = client.get("/data/ecosystem/lille.ttl", headers=gzip).headers["ETag"]
    again = client.get("/data/ecosystem/lille.ttl", headers={**gzip, "If-None-Match": f"W/{etag}"})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag


@pytest.mark.parametrize(("path", "headers"), REPRESENTATIONS)
def test_a_304_carries_the_caching_fields_its_200_carries(client, path, headers):
    headers = {**headers, "Accept-Encoding": "gzip"}
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    again = client.get(path, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert caching_fields(again.headers) == caching_fields(first.headers)


@pytest.mark.parametrize(("path", "headers"), REPRESENTATIONS)
def test_a_304_from_a_worker_that_never_sent_the_200_carries_the_same_fields(
    knowledge_store, path, headers
):
    # Each web worker keeps its own caches: the revalidation may reach another one.
    headers = {**headers, "Accept-Encoding": "gzip"}
    one = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store}).test_client()
    other = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store}).test_client()
    first = one.get(path, headers=headers)
    again = other.get(path, headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert caching_fields(again.headers) == caching_fields(first.headers)


def test_a_304_keeps_the_body_and_its_description_out(client):
    first = client.get("/catalog")
    again = client.get("/catalog", headers={"If-None-Match": first.headers["ETag"]})
    assert again.data == b""
    assert "Content-Type" not in again.headers and "Link" not in again.headers


def fetch(root: str, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """One GET over real HTTP, on a fresh connection (so that requests spread over the web
    worker processes); status, headers (lower-case names), body."""
    parts = urllib.parse.urlsplit(root)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", "/" + path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@pytest.mark.live
def test_every_304_over_http_keeps_the_max_age_of_its_200(live_server):
    _, first, _ = fetch(live_server, "catalog")
    assert first["cache-control"] == "public, max-age=3600"
    # Several connections, so that both web workers answer, whichever sent the 200.
    answers = [fetch(live_server, "catalog", **{"If-None-Match": first["etag"]}) for _ in range(6)]
    assert {status for status, _, _ in answers} == {304}
    assert {headers["cache-control"] for _, headers, _ in answers} == {"public, max-age=3600"}


@pytest.mark.live
def test_a_request_for_several_byte_ranges_gets_the_whole_file(live_server):
    # Werkzeug serves one range; RFC 9110 §14.2 lets a server ignore Range, never refuse a
    # satisfiable one (§15.5.17): the whole file, 200, is a correct answer.
    status, _, whole = fetch(live_server, "dumps/ftkg.nt.gz.sha256")
    assert status == 200 and len(whole) > 30
    status, headers, body = fetch(live_server, "dumps/ftkg.nt.gz.sha256", Range="bytes=0-9,20-29")
    assert status == 200
    assert body == whole
    assert "content-range" not in headers


@pytest.mark.live
def test_a_range_in_a_unit_the_server_does_not_know_is_ignored(live_server):
    # RFC 9110 §14.2: an origin server MUST ignore a range unit it does not understand.
    _, _, whole = fetch(live_server, "dumps/ftkg.nt.gz.sha256")
    status, _, body = fetch(live_server, "dumps/ftkg.nt.gz.sha256", Range="lines=0-1")
    assert status == 200 and body == whole


@pytest.mark.live
def test_a_single_byte_range_is_still_a_206(live_server):
    _, _, whole = fetch(live_server, "dumps/ftkg.nt.gz.sha256")
    status, headers, body = fetch(live_server, "dumps/ftkg.nt.gz.sha256", Range="bytes=20-29")
    assert status == 206
    assert body == whole[20:30]
    assert headers["content-range"] == f"bytes 20-29/{len(whole)}"


# --- CORS preflights (Fetch standard, "CORS protocol") ---------------------------------------

ORIGIN = "https://example.org"
# Addresses and the methods each serves (HEAD with GET; OPTIONS is the preflight itself).
SERVED_METHODS = [
    ("/sparql", {"GET", "HEAD", "POST", "OPTIONS"}),
    ("/reconcile", {"GET", "HEAD", "POST", "OPTIONS"}),
    ("/graph-store", {"GET", "HEAD", "OPTIONS"}),
    ("/data/ecosystem/lille.ttl", {"GET", "HEAD", "OPTIONS"}),
    ("/search", {"GET", "HEAD", "OPTIONS"}),
]


def preflight(client, path: str, method: str):
    return client.options(
        path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "Content-Type",
        },
    )


def advertised(response) -> set[str]:
    value = response.headers.get("Access-Control-Allow-Methods", "")
    return {method.strip() for method in value.split(",") if method.strip()}


@pytest.mark.parametrize(("path", "methods"), SERVED_METHODS)
def test_a_preflight_advertises_the_methods_its_address_serves(client, path, methods):
    response = preflight(client, path, "GET")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert advertised(response) == methods


@pytest.mark.parametrize(("path", "methods"), SERVED_METHODS)
def test_no_advertised_method_is_refused_with_405(client, path, methods):
    for method in advertised(preflight(client, path, "GET")) - {"OPTIONS"}:
        response = client.open(path, method=method, data=b"", content_type="text/plain")
        assert response.status_code != 405, f"{method} {path}"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_a_preflight_for_a_method_nothing_serves_grants_nothing(client, method):
    response = preflight(client, "/sparql", method)
    assert "Access-Control-Allow-Methods" not in response.headers


def test_a_preflight_for_post_where_only_get_is_served_grants_nothing(client):
    response = preflight(client, "/data/ecosystem/lille.ttl", "POST")
    assert "Access-Control-Allow-Methods" not in response.headers


def test_a_write_to_the_graph_store_is_a_405_that_lists_the_methods_served(client):
    response = client.put("/graph-store", query_string={"default": ""}, data=b"<a> <b> <c> .")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}
    assert "read-only" in response.get_data(as_text=True)


def test_a_405_lists_the_methods_served_in_one_order_whatever_the_process(client):
    # Werkzeug gathers them in a set, whose order changes with each process's string hashing.
    response = client.delete("/data/ecosystem/lille.ttl")
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "which answers GET, HEAD, OPTIONS." in response.get_data(as_text=True)


# --- downloads (RFC 6266) ---------------------------------------------------------------------


def disposition(headers) -> tuple[str, dict[str, str]] | None:
    """The Content-Disposition type and parameters (RFC 6266 §4.1), None when absent."""
    value = headers.get("Content-Disposition") or headers.get("content-disposition")
    return parse_options_header(value) if value else None


def test_a_data_document_asked_for_as_a_download_is_an_attachment(client):
    response = client.get("/data/ecosystem/lille.ttl", query_string={"download": "1"})
    assert disposition(response.headers) == ("attachment", {"filename": "ecosystem-lille.ttl"})


def test_a_negotiated_document_download_is_named_with_the_format_sent(client):
    response = client.get(
        "/data/ecosystem/lille",
        query_string={"download": ""},
        headers={"Accept": "application/ld+json"},
    )
    assert disposition(response.headers) == ("attachment", {"filename": "ecosystem-lille.jsonld"})


def test_a_data_document_a_browser_dereferences_is_shown_inline(client):
    # Linked-data clients and people reading Turtle in a tab expect the document itself.
    assert disposition(client.get("/data/ecosystem/lille.ttl").headers) is None


@pytest.mark.live
@pytest.mark.parametrize("name", ["ftkg.nt.gz", "ftkg.jsonld", "ftkg.nt.gz.sha256"])
def test_every_dump_file_is_an_attachment_under_its_versioned_name(live_server, name):
    status, headers, _ = fetch(live_server, f"dumps/{name}", **{"Accept-Encoding": "identity"})
    assert status == 200
    kind, options = disposition(headers)
    assert kind == "attachment"
    stem, _, extension = name.partition(".")
    assert re.fullmatch(rf"{stem}-[0-9TZa-f-]+\.{re.escape(extension)}", options["filename"])


# --- the 404 page -----------------------------------------------------------------------------


class Page(HTMLParser):
    """What a test reads of a page: its language, heading, links and search box."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.lang = ""
        self.links: list[str] = []
        self.forms: list[dict[str, str]] = []
        self.inputs: list[dict[str, str]] = []
        self.headings: list[str] = []
        self._in_h1 = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "a" and "href" in values:
            self.links.append(values["href"])
        elif tag == "form":
            self.forms.append(values)
        elif tag == "input":
            self.inputs.append(values)
        self._in_h1 = tag == "h1"

    def handle_data(self, data: str) -> None:
        if self._in_h1 and data.strip():
            self.headings.append(data.strip())

    def handle_endtag(self, tag: str) -> None:
        self._in_h1 = False

    def search_box(self) -> str | None:
        """The value of the page's own search box (not the header's)."""
        boxes = [i for i in self.inputs if i.get("name") == "q" and i.get("id") != "site-search-q"]
        return boxes[0].get("value") if boxes else None


def not_found_page(client, path: str, lang: str = "en") -> Page:
    response = client.get(path, headers={"Accept": "text/html", "Accept-Language": lang})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    return Page(response.get_data(as_text=True))


def test_the_404_page_speaks_the_readers_language(client):
    french = not_found_page(client, "/nothing-here", "fr")
    english = not_found_page(client, "/nothing-here", "en")
    assert (french.lang, english.lang) == ("fr", "en")
    assert french.headings != english.headings
    # As everywhere on the site, ?lang= wins over Accept-Language.
    assert not_found_page(client, "/nothing-here?lang=fr", "en").lang == "fr"


def test_the_404_page_offers_a_search_for_what_the_path_names(client):
    page = not_found_page(client, "/communes/roubaix")
    assert any(form.get("action") == "/search" for form in page.forms)
    assert page.search_box() == "roubaix"
    assert "/page/commune/59512" in page.links  # Roubaix, named by the path


def test_an_unknown_entity_address_suggests_the_closest_names_of_that_kind(client):
    page = not_found_page(client, "/id/ecosystem/lile")  # a slip for lille
    assert page.search_box() == "lile"
    assert "/page/ecosystem/lille" in page.links


def test_an_entity_address_with_a_name_for_a_key_suggests_the_entity(client):
    page = not_found_page(client, "/page/commune/roubaix")  # communes are keyed by INSEE code
    assert "/page/commune/59512" in page.links


def test_the_404_page_links_the_addresses_its_message_names(client):
    # The message for an unknown entity points to the endpoint: a link, not bare text.
    page = not_found_page(client, "/id/ecosystem/lile")
    assert "/sparql" in page.links


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [("application/json", "application/json"), ("text/turtle", "text/plain"), ("", "text/plain")],
)
def test_programs_still_get_a_machine_readable_404(client, accept, mimetype):
    response = client.get("/id/ecosystem/lile", headers={"Accept": accept} if accept else {})
    assert response.status_code == 404
    assert response.mimetype == mimetype
    if mimetype == "application/json":
        assert response.get_json()["status"] == 404
    else:
        assert response.get_data(as_text=True).startswith("404 Not Found")

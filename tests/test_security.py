"""Pages and responses that cannot be turned against their readers (issue 9, section 5).

Security headers on every response (Flask's, the fast path's cached answers, 304s, static
files), data shown as text whatever it holds, links out that give the opened page no handle on
ours, and redirects that never leave the site.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import urllib.request
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pyoxigraph as ox
import pytest
from conftest import BASE, PROJECT_ROOT, copy_sources

from server import security
from server.app import create_app
from server.pipeline.build import build_in_memory
from server.pipeline.derive import DERIVATIONS
from server.reconcile.v02 import PREVIEW_STYLE
from server.version.store import KnowledgeStore

CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# A policy from this module would be a tautology: the directives are spelt out here.
STRICT_DIRECTIVES = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    """A Content-Security-Policy header as {directive: source list}."""
    parsed = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition(" ")
        parsed[name] = value.strip()
    return parsed


# --- the hostile graph -------------------------------------------------------------------------

HOSTILE_DATA = """
@prefix ftkg: <ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix schema: <http://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix dctype: <http://purl.org/dc/dcmitype/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
GRAPH <graph/sources> {
  <graph/hostile> a ftkg:ClaimGraph ;
    rdfs:label "Affirmations hostiles"@fr ;
    prov:wasDerivedFrom <id/source/hostile> .
  <id/source/hostile> a ftkg:SourceDocument ;
    rdfs:label "<script>alert('source')</script>"@fr ;
    dcterms:title "<script>alert('source')</script>"@fr ;
    dcterms:type dctype:Text ;
    dcterms:date "2026-01-01"^^xsd:date ;
    dcterms:creator <id/person/hostile> ;
    dcterms:language <http://publications.europa.eu/resource/authority/language/FRA> .
}
GRAPH <graph/hostile> {
  <id/person/hostile> a foaf:Person ;
    rdfs:label "<script>alert('label')</script> Hostile"@fr ,
               "</script><script>alert('jsonld')</script> Hostile"@en ;
    dcterms:description "</script><script>alert('description')</script>"@fr ;
    foaf:name "<img src=x onerror=alert('name')>" ;
    foaf:homepage <javascript:alert('homepage')> ;
    schema:sameAs <data:text/html;base64,PHNjcmlwdD5hbGVydCgnZGF0YScpPC9zY3JpcHQ+> ;
    rdfs:seeAlso <JaVaScRiPt:alert('case')> ;
    schema:url "javascript:alert('literal')" ;
    foaf:knows <https://example.org/friend> .
  <javascript:alert('subject')> a foaf:Person ;
    rdfs:label "Zz javascript subject"@fr ; foaf:name "Zz javascript subject" .
}
"""
# Appended to the ontology: a term whose documentation carries markup and a javascript: range.
HOSTILE_ONTOLOGY = """
ftkg:hostileProperty a owl:DatatypeProperty ;
    rdfs:label "<script>alert('ontology')</script>"@en , "<script>alert('ontology')</script>"@fr ;
    rdfs:comment "<img src=x onerror=alert('comment')>"@en , "<img src=x onerror=alert('comment')>"@fr ;
    rdfs:range <javascript:alert('range')> .
"""
HOSTILE_PAGES = [
    "/page/person/hostile",
    "/page/person/hostile?lang=en",
    "/page/source/hostile",
    "/browse/people",
    "/search?q=Hostile",
    "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
    "/reconcile/preview?id=person/hostile",
    "/ontology",
    "/",
    "/sparql",
    "/query",
    "/page/%3Cscript%3Ealert(1)%3C/script%3E",
    "/nowhere/%3Cimg%20src=x%20onerror=alert(1)%3E",
]


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory):
    """A client of the app serving the graph plus HOSTILE_DATA and HOSTILE_ONTOLOGY."""
    sources = copy_sources(tmp_path_factory.mktemp("hostile"))
    (sources / "data" / "hostile.trig").write_text(HOSTILE_DATA, encoding="utf-8")
    with (sources / "ontology" / "ftkg.ttl").open("a", encoding="utf-8") as out:
        out.write(HOSTILE_ONTOLOGY)
    graph = build_in_memory(sources, BASE)
    # The build's shapes refuse a source page that is not http(s); a store served from a
    # remote engine (KG_SPARQL_ENDPOINT) holds whatever was pushed to it, so pages must cope.
    for where in (ox.NamedNode(BASE + "graph/sources"), ox.DefaultGraph()):
        graph.add(
            ox.Quad(
                ox.NamedNode(BASE + "id/source/hostile"),
                ox.NamedNode("http://xmlns.com/foaf/0.1/page"),
                ox.NamedNode("javascript:alert('page')"),
                where,
            )
        )
    store = KnowledgeStore(graph, BASE, "hostile", derive=DERIVATIONS)
    app = create_app({"TESTING": True, "KNOWLEDGE_STORE": store, "SOURCE_DIR": str(sources)})
    return app.test_client()


class Markup(HTMLParser):
    """What a browser would make of a page: elements, attributes, script blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


def parse(page: str) -> Markup:
    """``page`` parsed as HTML."""
    markup = Markup()
    markup.feed(page)
    markup.close()
    return markup


def hostile_page(client, path: str) -> str:
    response = client.get(path, headers={"Accept": CHROME})
    assert response.status_code in (200, 404), (path, response.status_code)
    assert response.mimetype == "text/html", path
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_no_page_runs_script_from_the_data_or_the_address(hostile_client, path):
    markup = parse(hostile_page(hostile_client, path))
    for attrs, text in markup.scripts:
        # Our scripts are files; inline <script> elements are data blocks only.
        if "src" in attrs:
            assert urlsplit(attrs["src"]).path.startswith("/static/"), attrs
            assert not text.strip()
        else:
            assert attrs.get("type") in ("application/ld+json", "application/json"), attrs
            json.loads(text)  # a data block, whole: nothing closed it early
    for tag, attrs in markup.elements:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert tag not in ("img", "iframe", "object", "embed", "base"), (tag, attrs)


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_no_page_links_to_a_script_or_data_url(hostile_client, path):
    for tag, attrs in parse(hostile_page(hostile_client, path)).elements:
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower().replace("\t", "")
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)


def test_markup_in_a_label_is_shown_as_text(hostile_client):
    page = hostile_page(hostile_client, "/page/person/hostile")
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt; Hostile" in page
    assert "&lt;img src=x onerror=alert(&#39;name&#39;)&gt;" in page


def test_a_javascript_iri_is_shown_as_text_not_as_a_link(hostile_client):
    page = hostile_page(hostile_client, "/page/person/hostile")
    assert "alert(&#39;homepage&#39;)" in page  # still shown: the reader sees what the data says
    links = [a.get("href") for tag, a in parse(page).elements if tag == "a"]
    assert not [href for href in links if href and "alert" in href]


def test_a_javascript_source_page_is_shown_as_text(hostile_client):
    page = hostile_page(hostile_client, "/page/person/hostile")
    assert "javascript:alert(&#39;page&#39;)" in page
    assert 'href="javascript:' not in page


def test_a_javascript_iri_in_a_listing_is_not_a_link(hostile_client):
    page = hostile_page(hostile_client, "/browse/people")
    assert "Zz javascript subject" in page
    assert 'href="javascript:' not in page


def test_the_jsonld_block_of_an_entity_page_cannot_be_closed_early(hostile_client):
    page = hostile_page(hostile_client, "/page/person/hostile?lang=en")
    blocks = [
        text for attrs, text in parse(page).scripts if attrs.get("type") == "application/ld+json"
    ]
    (block,) = blocks
    document = json.loads(block)
    assert document["name"] == "</script><script>alert('jsonld')</script> Hostile"
    assert "</script>" not in block.lower() and "<script" not in block.lower()


def test_the_jsonld_description_of_an_entity_page_cannot_close_its_block(hostile_client):
    page = hostile_page(hostile_client, "/page/person/hostile")
    (block,) = [t for a, t in parse(page).scripts if a.get("type") == "application/ld+json"]
    assert json.loads(block)["description"] == "</script><script>alert('description')</script>"


def test_the_home_page_jsonld_and_editor_data_blocks_are_whole_json(hostile_client):
    for path in ("/", "/query"):
        blocks = [t for a, t in parse(hostile_page(hostile_client, path)).scripts if "src" not in a]
        assert blocks, path
        for block in blocks:
            json.loads(block)


def test_a_search_for_markup_echoes_it_as_text(hostile_client):
    page = hostile_page(
        hostile_client, "/search?q=%3C%2Fscript%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    )
    assert "<script>alert(1)" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_search_page_shows_a_hostile_label_as_text(hostile_client):
    page = hostile_page(hostile_client, "/search?q=Hostile")
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;" in page


def test_the_reconciliation_preview_shows_a_hostile_label_as_text(hostile_client):
    page = hostile_page(hostile_client, "/reconcile/preview?id=person/hostile")
    assert "&lt;script&gt;alert(&#39;label&#39;)&lt;/script&gt;" in page


def test_the_ontology_documentation_shows_a_hostile_term_as_text(hostile_client):
    page = hostile_page(hostile_client, "/ontology?lang=en")
    assert "&lt;script&gt;alert(&#39;ontology&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(&#39;comment&#39;)&gt;" in page


def test_an_error_page_shows_a_hostile_address_as_text(hostile_client):
    page = hostile_page(hostile_client, "/page/%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- links out ---------------------------------------------------------------------------------

# Pages of every template, with links out of every kind: values, identifiers (INSEE,
# Wikidata, the company register), sources and their pages, vocabulary terms, the licence.
LINKING_PAGES = [
    "/",
    "/browse",
    "/browse/people",
    "/page/commune/59350",
    "/page/epci/200093201",
    "/page/ecosystem/lille",
    "/page/person/hostile",
    "/page/source/hostile",
    "/ontology",
    "/search?q=Lille",
    "/query",
    "/dumps/",
    "/reconcile/preview?id=commune/59350",
    "/nowhere",
]


def test_every_link_out_carries_noopener(hostile_client):
    seen = 0
    for path in LINKING_PAGES:
        page = hostile_page(hostile_client, path)
        for tag, attrs in parse(page).elements:
            href = attrs.get("href")
            if tag != "a" or not href or not urlsplit(urljoin(BASE, href)).netloc:
                continue
            if urlsplit(urljoin("http://localhost/", href)).netloc == "localhost":
                continue
            seen += 1
            assert "noopener" in (attrs.get("rel") or "").split(), (path, attrs)
    assert seen > 20  # the pages do link out: the check ran on real links


def test_links_to_addresses_from_the_data_send_no_referrer(hostile_client):
    page = hostile_page(hostile_client, "/page/person/hostile")
    (friend,) = [
        a for t, a in parse(page).elements if a.get("href") == "https://example.org/friend"
    ]
    assert {"noopener", "noreferrer", "nofollow"} <= set(friend["rel"].split())


# --- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/", "/page/commune/59350", "/browse", "/search?q=Lille", "/ontology", "/dumps/", "/nowhere"],
)
def test_html_pages_carry_the_strict_policy(client, path):
    response = client.get(path, headers={"Accept": CHROME})
    assert response.mimetype == "text/html"
    policy = directives(response.headers["Content-Security-Policy"])
    for name, value in STRICT_DIRECTIVES.items():
        assert policy[name] == value, (name, policy)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_the_query_editor_allows_only_the_style_yasgui_inserts(client):
    response = client.get("/query")
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == f"'self' {security.YASGUI_STYLE_HASH}"
    assert policy["frame-ancestors"] == "'none'"


def test_the_yasgui_style_hash_matches_the_vendored_bundle():
    bundle = (PROJECT_ROOT / "server/static/vendor/yasgui/yasgui.min.js").read_text("utf-8")
    (inserted,) = re.findall(r"createStyle\(a,`([^`]*)`\)", bundle)
    assert security.style_hash(inserted) == security.YASGUI_STYLE_HASH


def test_the_reconciliation_preview_may_be_framed_and_allows_only_its_own_style(client):
    response = client.get("/reconcile/preview?id=commune/59350")
    policy = directives(response.headers["Content-Security-Policy"])
    assert "frame-ancestors" not in policy  # OpenRefine shows it in a frame, wherever it runs
    assert "X-Frame-Options" not in response.headers
    digest = hashlib.sha256(PREVIEW_STYLE.encode()).digest()
    assert policy["style-src"] == f"'sha256-{base64.b64encode(digest).decode()}'"
    assert f"<style>{PREVIEW_STYLE}</style>" in response.get_data(as_text=True)
    assert "script-src" not in policy and policy["default-src"] == "'none'"


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/sparql?query=ASK%7B%7D", {}),
        ("/data/commune/59350.ttl", {}),
        ("/data/commune/59350.jsonld", {}),
        ("/search?q=Lille", {"Accept": "application/json"}),
        ("/catalog", {}),
        ("/health", {}),
        ("/nowhere", {"Accept": "application/json"}),
        ("/sparql?query=NOT+SPARQL", {}),
    ],
)
def test_documents_that_are_not_pages_are_sandboxed_and_never_sniffed(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.mimetype != "text/html"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == "'none'" and "sandbox" in policy


def test_a_revalidation_304_keeps_the_page_policy_out(client):
    first = client.get("/page/commune/59350", headers={"Accept": CHROME})
    again = client.get(
        "/page/commune/59350", headers={"Accept": CHROME, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.headers["X-Content-Type-Options"] == "nosniff"
    # A 304's headers replace the stored ones (RFC 9111 §4.3.4): no policy but the page's own.
    assert "Content-Security-Policy" not in again.headers


def test_a_redirect_carries_the_headers(client):
    response = client.get("/id/commune/59350", headers={"Accept": CHROME})
    assert response.status_code == 303
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers


def test_static_files_carry_nosniff_and_validators(client):
    with client.get("/static/search.js") as response:
        response.get_data()
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"]


# --- over real HTTP, through Granian -----------------------------------------------------------


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``; its status, headers (lower-case names) and body, redirects not followed."""

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(Stay)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.mark.live
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("static/vendor/yasgui/yasgui.min.js", {}),
        ("static/style.css", {}),
        ("static/editor.js", {}),
        ("page/commune/59350", {"Accept": CHROME}),
        ("data/commune/59350.nt", {}),
        ("dumps/", {"Accept": CHROME}),
        ("nowhere", {"Accept": CHROME}),
        ("sparql?query=SELECT", {}),
    ],
)
def test_every_response_from_the_server_carries_nosniff(live_server, path, headers):
    status, sent, _ = fetch(live_server + path, headers)
    assert status in (200, 400, 404)
    assert sent["x-content-type-options"] == "nosniff"
    assert sent["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.live
def test_static_files_are_revalidated_with_a_304_that_carries_nosniff(live_server):
    _, first, _ = fetch(live_server + "static/editor.js")
    status, sent, body = fetch(live_server + "static/editor.js", {"If-None-Match": first["etag"]})
    assert status == 304 and body == b""
    assert sent["x-content-type-options"] == "nosniff"


@pytest.mark.live
def test_a_cached_answer_replays_the_page_policy(live_server):
    url = live_server + "page/ecosystem/lille?lang=en"
    answers = [fetch(url, {"Accept": CHROME}) for _ in range(3)]
    hits = [sent for _, sent, _ in answers if sent.get("x-cache") == "hit"]
    assert hits  # the fast path answered: the headers below are the replayed ones
    for sent in hits:
        assert directives(sent["content-security-policy"])["script-src"] == "'self'"
        assert sent["x-content-type-options"] == "nosniff"
        assert sent["x-frame-options"] == "DENY"
        assert sent["content-security-policy"].count("default-src") == 1


@pytest.mark.live
def test_a_cached_editor_page_keeps_its_own_policy(live_server):
    answers = [fetch(live_server + "query") for _ in range(3)]
    hits = [sent for _, sent, _ in answers if sent.get("x-cache") == "hit"]
    assert hits
    for sent in hits:
        policy = sent["content-security-policy"]
        assert security.YASGUI_STYLE_HASH in policy and policy.count("style-src") == 1


# --- redirects ---------------------------------------------------------------------------------


def raw_get(root: str, target: str) -> tuple[int, str | None]:
    """Send ``GET target`` exactly as written (no client normalises it); status and Location."""
    parts = urlsplit(root)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: {CHROME}\r\n"
            "Connection: close\r\n\r\n".encode("latin-1")
        )
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split(" ")[1])
    location = next(
        (
            line.split(":", 1)[1].strip()
            for line in head[1:]
            if line.lower().startswith("location:")
        ),
        None,
    )
    return status, location


def lands_on(root: str, target: str, location: str) -> str:
    """The host a browser goes to when following ``location`` from ``target``: tabs and
    newlines dropped and backslashes read as slashes, as the WHATWG URL parser does for http."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    return urlsplit(urljoin(urljoin(root, target), cleaned)).netloc


EVIL = [
    "//evil.example",
    "/\\evil.example",
    "/%2F%2Fevil.example",
    "/%5Cevil.example",
    "https:evil.example",
    "https://evil.example",
    "%2F%2Fevil.example",
    "/%09/evil.example",
    "//evil.example/%2e%2e",
    "http://evil.example",
]
# Every path that redirects, each with hostile text in every place a parameter or path segment
# could reach the Location header.
REDIRECTING = [
    "/id/commune/59350?page={evil}",
    "/id/commune/59350?next={evil}&url={evil}&redirect={evil}&return_to={evil}",
    "/id/commune/59350?lang={evil}&format={evil}",
    "/id/dataset/french-tech-kg?next={evil}",
    "/graph/sources?next={evil}",
    "/reconcile/properties/inseeCode?next={evil}",
    "/dumps?next={evil}",
    "/id/{evil}",
    "/id/commune/{evil}",
    "/page/{evil}",
    "/data/{evil}",
    "/{evil}",
    "/{evil}/",
    "/dumps/{evil}",
    "/static/{evil}",
    "/search?q={evil}&type={evil}",
    "/sparql?query={evil}",
    "/query?query={evil}",
    "/browse/{evil}?in={evil}",
    "/ontology?lang={evil}",
]


@pytest.mark.live
@pytest.mark.parametrize("evil", EVIL)
@pytest.mark.parametrize("template", REDIRECTING)
def test_no_parameter_or_path_redirects_to_another_host(live_server, template, evil):
    for form in {evil, quote(evil, safe=""), quote(evil, safe="/:")}:
        target = template.format(evil=form)
        if not target.startswith("/") or " " in target:
            continue
        status, location = raw_get(live_server, target)
        if location is None:
            continue
        assert 300 <= status < 400
        # Ours, or a fixed address (a reconciliation property's vocabulary term): never the
        # host the request named.
        assert "evil" not in lands_on(live_server, target, location), (target, location)


@pytest.mark.live
@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/id/commune/59350?next=//evil.example", 303),
        ("/id/dataset/french-tech-kg?next=//evil.example", 303),
        ("/dumps?next=//evil.example", 308),
        ("/id//evil.example", 308),
    ],
)
def test_redirects_with_hostile_input_stay_on_this_host(live_server, target, status):
    sent, location = raw_get(live_server, target)
    assert sent == status
    assert lands_on(live_server, target, location) == urlsplit(live_server).netloc


def test_a_former_identifier_redirects_within_the_site_whatever_its_query(client):
    """The 301 of a replaced identifier copies the query string: it stays a query."""
    alias = _an_alias(client)
    response = client.get(f"/page/{alias}?x=//evil.example&y=/\\evil.example")
    assert response.status_code == 301
    location = response.headers["Location"]
    assert location.startswith("/page/") and "?x=//evil.example" in location


# A former identifier, as the entity routes define one: all the graph says of it is that an
# entity of this site replaces it. Found by that rule, not by name, so a change of data cannot
# make the test look for one that is gone.
FORMER_IDENTIFIER = """
SELECT ?old ?site WHERE {
  ?old <http://purl.org/dc/terms/isReplacedBy> ?new .
  FILTER(isIRI(?new) && STRSTARTS(STR(?new), ?site) && STRSTARTS(STR(?old), ?site))
  FILTER NOT EXISTS { ?old ?p ?o FILTER(?p != <http://purl.org/dc/terms/isReplacedBy>) }
} LIMIT 1
"""


def _an_alias(client) -> str:
    store = client.application.extensions["ftkg.live"].current.store
    site = ox.Literal(BASE + "id/")
    rows = store.select(FORMER_IDENTIFIER, site=site)
    assert rows, "the graph holds no former identifier: the geography build makes them"
    return rows[0]["old"].value[len(site.value) :]

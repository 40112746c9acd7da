"""One content negotiation for every surface, over real HTTP.

The rule (``server.negotiation``): an extension or ``format=`` decides outright; no Accept and
``*/*`` get the surface's default (Turtle for RDF, SPARQL JSON for results); otherwise the
client's highest q-value wins, ``q=0`` excluding, with parameters we always satisfy
(``charset=utf-8``, a JSON-LD ``profile``) ignored; HTML only when preferred outright; else 406.
Every (surface × Accept × ``format=``) combination below is held to that same table.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse

import pyoxigraph as ox
import pytest
import rdflib
from conftest import BASE
from werkzeug.http import parse_options_header

from server import negotiation, openapi

CONSTRUCT = (
    "CONSTRUCT { ?a <ontology#awardee> <id/ecosystem/lille> } "
    "WHERE { ?a <ontology#awardee> <id/ecosystem/lille> }"
)
SELECT = "SELECT ?a WHERE { ?a <ontology#awardee> <id/ecosystem/lille> } ORDER BY ?a"
ARTICLE = BASE + "graph/france3-lille-capitale-french-tech-2019"
CHROME = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)

TURTLE = "text/turtle"
NT = "application/n-triples"
RDFXML = "application/rdf+xml"
JSONLD = "application/ld+json"
N3 = "text/n3"
SRJ = "application/sparql-results+json"
SRX = "application/sparql-results+xml"
CSV = "text/csv"
HTML = "text/html"
NOT_ACCEPTABLE = 406
BAD_FORMAT = 400


def query(text: str) -> str:
    return "?" + urllib.parse.urlencode({"query": text})


# The surfaces: (name, path, kind, has a page for people). A "graph" surface serves RDF, a
# "results" surface SPARQL results; /id answers 303 to the chosen document (or to the page).
SURFACES = [
    ("construct", "sparql" + query(CONSTRUCT), "graph", False),
    ("select", "sparql" + query(SELECT), "results", False),
    ("service description", "sparql", "graph", True),
    ("graph store", "graph-store?" + urllib.parse.urlencode({"graph": ARTICLE}), "graph", False),
    ("entity", "id/ecosystem/lille", "graph", True),
    ("data document", "data/ecosystem/lille", "graph", False),
    ("catalogue", "catalog", "graph", False),
    ("void", ".well-known/void", "graph", False),
    ("ontology", "ontology", "graph", True),
]

# Accept → what a graph surface, a results surface and a surface with a page answer. The
# real-client cases of issue 17 are among them: rdflib's "text/plain, */*;q=0.1" for
# N-Triples and "text/n3, */*;q=0.1" for N3, charset and profile parameters.
ACCEPT_CASES = [
    # Accept, graph, results, surface with a page
    (None, TURTLE, SRJ, TURTLE),
    ("*/*", TURTLE, SRJ, TURTLE),
    ("text/turtle", TURTLE, NOT_ACCEPTABLE, TURTLE),
    ("text/turtle;charset=utf-8", TURTLE, NOT_ACCEPTABLE, TURTLE),
    ("application/n-triples;charset=utf-8", NT, NOT_ACCEPTABLE, NT),
    (f'{JSONLD};profile="http://www.w3.org/ns/json-ld#compacted"', JSONLD, NOT_ACCEPTABLE, JSONLD),
    ("text/plain, */*;q=0.1", NT, SRJ, NT),
    ("application/json", JSONLD, SRJ, JSONLD),
    ("text/n3, */*;q=0.1", N3, SRJ, N3),
    ("application/rdf+xml", RDFXML, NOT_ACCEPTABLE, RDFXML),
    (f"{SRJ};charset=utf-8", NOT_ACCEPTABLE, SRJ, NOT_ACCEPTABLE),
    ("text/csv", NOT_ACCEPTABLE, CSV, NOT_ACCEPTABLE),
    ("text/turtle;q=0, */*", NT, SRJ, NT),
    ("text/turtle;charset=iso-8859-1", NOT_ACCEPTABLE, NOT_ACCEPTABLE, NOT_ACCEPTABLE),
    ("text/html;q=0.1, text/turtle", TURTLE, NOT_ACCEPTABLE, TURTLE),
    ("text/html, */*", TURTLE, SRJ, HTML),
    # A browser: its application/xml;q=0.9 names RDF/XML and XML results.
    (CHROME, RDFXML, SRX, HTML),
    ("image/png", NOT_ACCEPTABLE, NOT_ACCEPTABLE, NOT_ACCEPTABLE),
]

# format= (sent with an Accept it overrides) → graph, results. The names are those
# SPARQLWrapper, rdflib, Jena and curl users send.
FORMAT_CASES = [
    ("ttl", TURTLE, BAD_FORMAT),
    ("turtle", TURTLE, BAD_FORMAT),
    ("nt", NT, BAD_FORMAT),
    ("N-TRIPLES", NT, BAD_FORMAT),
    ("rdf+xml", RDFXML, BAD_FORMAT),
    ("xml", RDFXML, SRX),
    ("n3", N3, BAD_FORMAT),
    ("json-ld", JSONLD, BAD_FORMAT),
    ("json", JSONLD, SRJ),
    ("application/rdf+xml", RDFXML, BAD_FORMAT),
    ("csv", BAD_FORMAT, CSV),
    ("tsv", BAD_FORMAT, "text/tab-separated-values"),
    ("pdf", BAD_FORMAT, BAD_FORMAT),
]

RDFLIB_PARSERS = {TURTLE: "turtle", NT: "nt", RDFXML: "xml", JSONLD: "json-ld"}
RESULT_PARSERS = {
    SRJ: ox.QueryResultsFormat.JSON,
    SRX: ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
EXTENSIONS = {"ttl": TURTLE, "nt": NT, "rdf": RDFXML, "jsonld": JSONLD, "n3": N3}


def get(root: str, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """One GET over real HTTP, redirects not followed: status, headers (lower-case), body."""
    parts = urllib.parse.urlsplit(root)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", "/" + path, headers={"Accept": accept} if accept else {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def answered_as(
    root: str, path: str, accept: str | None
) -> tuple[int | str, dict[str, str], bytes]:
    """What a client gets: the media type (the document an /id 303 points to, by its
    extension, or HTML for the page), or the error status."""
    status, headers, body = get(root, path, accept)
    if status == 303:
        location = urllib.parse.urlsplit(headers["location"]).path
        if location.startswith("/page/"):
            return HTML, headers, body
        extension = location.rsplit(".", 1)[-1]
        return EXTENSIONS.get(extension, extension), headers, body
    if status != 200:
        return status, headers, body
    media_type, options = parse_options_header(headers["content-type"])
    assert options.get("charset", "utf-8") == "utf-8"
    return media_type, headers, body


def assert_is(media_type: str, body: bytes) -> None:
    """The body parses as what its type says, and is not empty."""
    if media_type == N3:  # rdflib's N3 parser warns of its own deprecations: pyoxigraph's
        assert list(ox.parse(body, format=ox.RdfFormat.N3))
    elif media_type in RDFLIB_PARSERS:
        assert len(rdflib.Graph().parse(data=body, format=RDFLIB_PARSERS[media_type])) > 0
    elif media_type == CSV:  # lossy by design: pyoxigraph does not read it back
        assert body.decode().splitlines()[0] == "a" and len(body.splitlines()) > 1
    elif media_type in RESULT_PARSERS:
        assert list(ox.parse_query_results(body, RESULT_PARSERS[media_type]))
    else:
        assert media_type == HTML and b"<html" in body.lower()


def expected_for(kind: str, has_page: bool, graph: object, results: object, page: object):
    if kind == "results":
        return results
    return page if has_page else graph


@pytest.mark.live
@pytest.mark.parametrize(("surface", "path", "kind", "has_page"), SURFACES)
@pytest.mark.parametrize(("accept", "graph", "results", "page"), ACCEPT_CASES)
def test_every_surface_negotiates_accept_by_the_same_rule(
    live_server, surface, path, kind, has_page, accept, graph, results, page
):
    expected = expected_for(kind, has_page, graph, results, page)
    answer, headers, body = answered_as(live_server, path, accept)
    assert answer == expected, body[:300]
    if answer == NOT_ACCEPTABLE:
        # The 406 says what is offered and how to ask for it.
        message = body.decode()
        offered = [TURTLE, JSONLD] if kind == "graph" else [SRJ, CSV]
        assert all(media_type in message for media_type in offered)
        assert "format=" in message
    elif not path.startswith("id/"):
        assert_is(answer, body)
    assert "Accept" in headers.get("vary", ""), f"{surface} does not say it varies on Accept"


@pytest.mark.live
@pytest.mark.parametrize(("surface", "path", "kind", "has_page"), SURFACES)
@pytest.mark.parametrize(("name", "graph", "results"), FORMAT_CASES)
def test_every_surface_reads_the_same_format_names(
    live_server, surface, path, kind, has_page, name, graph, results
):
    separator = "&" if "?" in path else "?"
    with_format = f"{path}{separator}{urllib.parse.urlencode({'format': name})}"
    # format= wins over Accept, whatever Accept says.
    answer, _, body = answered_as(live_server, with_format, "image/png")
    expected = results if kind == "results" else graph
    assert answer == expected, body[:300]
    if answer == BAD_FORMAT:
        assert "format=" in body.decode()
    elif not path.startswith("id/"):
        assert_is(answer, body)


# --- the real-client cases of issue 17, one each ------------------------------------------------


@pytest.mark.live
@pytest.mark.parametrize(
    ("accept", "document"),
    [
        ("text/turtle;charset=utf-8", "/data/ecosystem/lille.ttl"),
        ("application/n-triples;charset=utf-8", "/data/ecosystem/lille.nt"),
        (
            f'{JSONLD};profile="http://www.w3.org/ns/json-ld#expanded"',
            "/data/ecosystem/lille.jsonld",
        ),
        ("text/plain", "/data/ecosystem/lille.nt"),
        ("application/json", "/data/ecosystem/lille.jsonld"),
    ],
)
def test_an_entity_answers_what_real_clients_send(live_server, accept, document):
    status, headers, _ = get(live_server, "id/ecosystem/lille", accept)
    assert (status, headers["location"]) == (303, document)


@pytest.mark.live
def test_sparql_results_json_with_a_charset_is_served(live_server):
    answer, _, body = answered_as(live_server, "sparql" + query(SELECT), f"{SRJ};charset=utf-8")
    assert answer == SRJ
    assert json.loads(body)["results"]["bindings"]


@pytest.mark.live
def test_the_ontology_answers_any_type_with_turtle_as_an_entity_does(live_server):
    ontology, _, body = answered_as(live_server, "ontology", "*/*")
    entity, _, _ = answered_as(live_server, "id/ecosystem/lille", "*/*")
    assert ontology == entity == TURTLE
    assert_is(TURTLE, body)


@pytest.mark.live
@pytest.mark.parametrize(("name", "media_type"), [("rdf+xml", RDFXML), ("n3", N3)])
def test_sparqlwrapper_format_names_are_understood_on_a_construct(live_server, name, media_type):
    # SPARQLWrapper sends its return format as format=, output= and results=, and for RDF/XML
    # the media type as a second format= value.
    path = "sparql?" + urllib.parse.urlencode(
        [("query", CONSTRUCT), ("format", name), ("output", name), ("results", name)]
        + ([("format", RDFXML)] if name == "rdf+xml" else [])
    )
    answer, _, body = answered_as(live_server, path, "*/*")
    assert answer == media_type
    assert_is(media_type, body)


@pytest.mark.live
def test_n3_on_a_construct_is_turtle_labelled_n3(live_server):
    answer, _, body = answered_as(live_server, "sparql" + query(CONSTRUCT), "text/n3")
    assert answer == N3
    # Turtle is N3: the same triples, whichever parser reads it.
    as_n3 = set(ox.parse(body, format=ox.RdfFormat.N3))
    assert as_n3 and as_n3 == set(ox.parse(body, format=ox.RdfFormat.TURTLE))


# --- the table itself ------------------------------------------------------------------------


def test_every_pyoxigraph_format_is_offered_or_left_out_for_a_reason():
    offered = {f.label for f in negotiation.ALL_FORMATS}
    for kind in (ox.RdfFormat, ox.QueryResultsFormat):
        for attribute in dir(kind):
            fmt = getattr(kind, attribute)
            if isinstance(fmt, kind):
                assert fmt.name in offered or fmt.name in negotiation.LEFT_OUT, fmt.name


def test_offered_media_types_and_extensions_are_pyoxigraphs_own():
    for fmt in (*negotiation.RESULT_FORMATS, *negotiation.DATASET_FORMATS):
        if fmt is negotiation.N3:
            continue  # written as Turtle, labelled as N3
        assert fmt.writer.media_type.split(";")[0] == fmt.media_type
        assert fmt.writer.file_extension == fmt.extension


@pytest.mark.parametrize(
    ("parameter", "formats"),
    [
        (
            "sparqlFormat",
            (*negotiation.RESULT_FORMATS, *negotiation.GRAPH_FORMATS, negotiation.HTML),
        ),
        ("rdfFormat", negotiation.GRAPH_FORMATS),
        ("pageFormat", (*negotiation.GRAPH_FORMATS, negotiation.HTML)),
        ("dataFormat", negotiation.DATASET_FORMATS),
        ("entityFormat", (*negotiation.DATASET_FORMATS, negotiation.HTML)),
    ],
)
def test_the_openapi_description_lists_every_format_name_served(parameter, formats):
    described = openapi.load()["components"]["parameters"][parameter]["schema"]["enum"]
    assert set(described) == {name for fmt in formats for name in fmt.names}

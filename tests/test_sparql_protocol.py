"""The SPARQL 1.1 Protocol at /sparql: operations, datasets, formats, errors, description.

These run against the in-memory store through Flask's test client; what is about real HTTP
(clients, deadlines, streaming, broken connections) is in test_sparql_live.py.
"""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
import rdflib
from conftest import BASE, backend_store
from werkzeug.http import parse_options_header

FTKG = BASE + "ontology#"
LILLE_AWARDS = "SELECT ?a WHERE { ?a <ontology#awardee> <id/ecosystem/lille> } ORDER BY ?a"
ASK_CAPITALE = "ASK { ?a <ontology#labelKind> <id/label-kind/capitale-french-tech> }"
CONSTRUCT_AWARD = (
    "CONSTRUCT { <id/award/2019-capitale-lille> ?p ?o } "
    "WHERE { <id/award/2019-capitale-lille> ?p ?o }"
)
PRESS_RELEASE = BASE + "graph/mel-press-release-2019-04-03"
ARTICLE = BASE + "graph/france3-lille-capitale-french-tech-2019"
DAY = "SELECT ?day WHERE { <id/award/2019-capitale-lille> <ontology#dayOfWeek> ?day }"


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.data)["results"]["bindings"]


# --- the three ways to send a query (Protocol §2.1.1–2.1.3) ----------------------------------


@pytest.fixture(params=["embedded", "remote"])
def app(request):
    """The app on the embedded store, then on the same graph in Oxigraph server over the
    SPARQL 1.1 Protocol: every test of this module holds for both backends."""
    from server.app import create_app

    store = backend_store(request.param, request)
    return create_app({"TESTING": True, "KNOWLEDGE_STORE": store})


def test_get_query_answers_sparql_results_json_by_default(client):
    response = client.get("/sparql", query_string={"query": LILLE_AWARDS})
    assert response.content_type == "application/sparql-results+json; charset=utf-8"
    assert [b["a"]["value"] for b in bindings(response)] == [
        BASE + "id/award/2014-metropole-lille",
        BASE + "id/award/2016-metropole-lille",
        BASE + "id/award/2019-capitale-lille",
        BASE + "id/award/2019-communaute-lille",
    ]


def test_form_post_gives_the_same_answer(client):
    response = client.post("/sparql", data={"query": LILLE_AWARDS})
    assert len(bindings(response)) == 4


def test_direct_post_gives_the_same_answer(client):
    response = client.post(
        "/sparql", data=LILLE_AWARDS.encode(), content_type="application/sparql-query"
    )
    assert len(bindings(response)) == 4


@pytest.mark.parametrize(
    ("query", "expected_kind"),
    [
        (LILLE_AWARDS, "results"),
        (ASK_CAPITALE, "boolean"),
    ],
)
def test_select_and_ask_answer_results_json(client, query, expected_kind):
    document = json.loads(client.get("/sparql", query_string={"query": query}).data)
    assert expected_kind in document


def test_construct_answers_turtle_by_default(client):
    response = client.get("/sparql", query_string={"query": CONSTRUCT_AWARD})
    assert response.content_type == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    assert (
        rdflib.URIRef(BASE + "id/award/2019-capitale-lille"),
        rdflib.URIRef(FTKG + "labelKind"),
        rdflib.URIRef(BASE + "id/label-kind/capitale-french-tech"),
    ) in graph


def test_describe_answers_a_graph(client):
    response = client.get("/sparql", query_string={"query": "DESCRIBE <id/ecosystem/lille>"})
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    assert len(graph) > 5


# --- the dataset: union default graph, FROM, and the protocol's graph parameters ----------------


def test_the_default_graph_is_the_union_of_the_sources(client):
    days = {b["day"]["value"] for b in bindings(client.get("/sparql", query_string={"query": DAY}))}
    assert days == {"http://www.w3.org/2006/time#Wednesday", "http://www.w3.org/2006/time#Tuesday"}


def test_default_graph_uri_restricts_the_default_graph(client):
    response = client.get("/sparql", query_string={"query": DAY, "default-graph-uri": ARTICLE})
    assert [b["day"]["value"] for b in bindings(response)] == [
        "http://www.w3.org/2006/time#Tuesday"
    ]


def test_default_graph_uri_repeats_and_merges(client):
    response = client.post(
        "/sparql", data={"query": DAY, "default-graph-uri": [ARTICLE, PRESS_RELEASE]}
    )
    assert len(bindings(response)) == 2


def test_the_protocol_dataset_overrides_the_querys_from(client):
    query = DAY.replace("WHERE", f"FROM <{PRESS_RELEASE}> WHERE")
    response = client.get("/sparql", query_string={"query": query, "default-graph-uri": ARTICLE})
    assert [b["day"]["value"] for b in bindings(response)] == [
        "http://www.w3.org/2006/time#Tuesday"
    ]


def test_from_in_the_query_selects_one_source(client):
    query = DAY.replace("WHERE", f"FROM <{PRESS_RELEASE}> WHERE")
    response = client.get("/sparql", query_string={"query": query})
    assert [b["day"]["value"] for b in bindings(response)] == [
        "http://www.w3.org/2006/time#Wednesday"
    ]


def test_named_graph_uri_limits_the_graphs_graph_sees(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": ARTICLE})
    assert [b["g"]["value"] for b in bindings(response)] == [ARTICLE]


def test_a_relative_graph_uri_parameter_is_a_400(client):
    response = client.get("/sparql", query_string={"query": DAY, "default-graph-uri": "graph/x"})
    assert response.status_code == 400
    assert "absolute IRI" in response.get_data(as_text=True)


# --- formats and negotiation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/html, text/*;q=0.8", "text/csv"),
        ("application/*", "application/sparql-results+json"),
    ],
)
def test_select_negotiates_its_format_from_accept(client, accept, content_type):
    response = client.get(
        "/sparql", query_string={"query": LILLE_AWARDS}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert response.content_type.endswith("charset=utf-8")
    assert "Accept" in response.vary


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("*/*", "text/turtle", "turtle"),
    ],
)
def test_construct_negotiates_each_rdf_format_and_each_parses(
    client, accept, content_type, rdflib_format
):
    response = client.get(
        "/sparql", query_string={"query": CONSTRUCT_AWARD}, headers={"Accept": accept}
    )
    assert response.mimetype == content_type
    graph = rdflib.Graph().parse(data=response.data, format=rdflib_format)
    assert (
        None,
        rdflib.URIRef(FTKG + "awardee"),
        rdflib.URIRef(BASE + "id/ecosystem/lille"),
    ) in graph


def test_jsonld_is_compacted_with_our_prefixes_inline(client):
    response = client.get(
        "/sparql",
        query_string={"query": CONSTRUCT_AWARD},
        headers={"Accept": "application/ld+json"},
    )
    document = json.loads(response.data)
    assert document["@context"]["ftkg"] == FTKG
    assert "ftkg:labelKind" in json.dumps(document)


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
        ("xml", "application/sparql-results+xml"),
        ("json", "application/sparql-results+json"),
    ],
)
def test_the_format_parameter_overrides_accept(client, name, content_type):
    response = client.get(
        "/sparql",
        query_string={"query": LILLE_AWARDS, "format": name},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.mimetype == content_type


def test_csv_is_the_sparql_csv_format(client):
    response = client.get("/sparql", query_string={"query": LILLE_AWARDS, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["a"]
    assert rows[1] == [BASE + "id/award/2014-metropole-lille"]


def test_tsv_writes_terms_in_turtle_syntax(client):
    query = 'SELECT ?label WHERE { <id/ecosystem/lille> <http://www.w3.org/2000/01/rdf-schema#label> ?label FILTER(LANG(?label) = "fr") }'
    response = client.get("/sparql", query_string={"query": query, "format": "tsv"})
    assert response.get_data(as_text=True) == '?label\n"French Tech Lille"@fr\n'


def test_xml_results_parse_with_a_standard_reader(client):
    response = client.get("/sparql", query_string={"query": LILLE_AWARDS, "format": "xml"})
    parsed = ox.parse_query_results(response.data, ox.QueryResultsFormat.XML)
    assert len(list(parsed)) == 4


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])  # CSV is lossy by design: see above
def test_each_results_format_round_trips_through_pyoxigraph(client, fmt):
    response = client.get("/sparql", query_string={"query": LILLE_AWARDS, "format": fmt})
    parsed = ox.parse_query_results(
        response.data,
        {
            "json": ox.QueryResultsFormat.JSON,
            "xml": ox.QueryResultsFormat.XML,
            "csv": ox.QueryResultsFormat.CSV,
            "tsv": ox.QueryResultsFormat.TSV,
        }[fmt],
    )
    assert [s["a"].value for s in parsed] == [
        b["a"]["value"]
        for b in bindings(client.get("/sparql", query_string={"query": LILLE_AWARDS}))
    ]


def test_nothing_acceptable_is_a_406_listing_what_is_offered(client):
    response = client.get(
        "/sparql", query_string={"query": LILLE_AWARDS}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    body = response.get_data(as_text=True)
    for offered in ("application/sparql-results+json", "text/csv", "text/tab-separated-values"):
        assert offered in body


def test_a_graph_format_for_a_select_is_a_406(client):
    response = client.get(
        "/sparql", query_string={"query": LILLE_AWARDS}, headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.get_data(as_text=True)


def test_an_unknown_format_name_is_a_400(client):
    response = client.get("/sparql", query_string={"query": LILLE_AWARDS, "format": "pdf"})
    assert response.status_code == 400
    assert "unknown format" in response.get_data(
        as_text=True
    ) or "does not fit" in response.get_data(as_text=True)


# --- errors -----------------------------------------------------------------------------------


def test_a_malformed_query_is_a_400_with_the_parser_message_and_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "invalid SPARQL query" in body
    assert "1:" in body


def test_no_query_parameter_on_post_is_a_400(client):
    response = client.post("/sparql", data={"other": "x"})
    assert response.status_code == 400
    assert "no query" in response.get_data(as_text=True)


def test_two_queries_in_one_request_are_a_400(client):
    response = client.get("/sparql", query_string=[("query", "ASK {}"), ("query", "ASK {}")])
    assert response.status_code == 400
    assert "exactly one query" in response.get_data(as_text=True)


def test_a_query_in_both_body_and_url_is_a_400(client):
    response = client.post(
        "/sparql?query=ASK%20%7B%7D", data=b"ASK {}", content_type="application/sparql-query"
    )
    assert response.status_code == 400


def test_an_unsupported_body_type_is_a_415(client):
    response = client.post("/sparql", data=b"ASK {}", content_type="text/plain")
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_data(as_text=True)


def test_a_body_without_content_type_is_a_415(client):
    response = client.post("/sparql", data=b"ASK {}", content_type="")
    assert response.status_code == 415


def test_a_body_that_is_not_utf8_is_a_400(client):
    response = client.post(
        "/sparql", data=b'ASK { ?s ?p "\xff" }', content_type="application/sparql-query"
    )
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


def test_a_query_string_with_invalid_utf8_is_a_400(client):
    response = client.get("/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%FF%22%20%7D")
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_a_405_with_allow(client, method):
    response = getattr(client, method)("/sparql")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"update": "INSERT DATA { <a> <b> <c> }"}},
        {"data": b"INSERT DATA { <a> <b> <c> }", "content_type": "application/sparql-update"},
    ],
)
def test_updates_are_refused_as_forbidden(client, kwargs):
    response = client.post("/sparql", **kwargs)
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)


def test_an_update_sent_as_a_query_is_a_400(client):
    response = client.get("/sparql", query_string={"query": "INSERT DATA { <a> <b> <c> }"})
    assert response.status_code == 400


UPDATES = [
    "INSERT DATA { <a> <b> <c> }",
    "PREFIX e: <http://example.org/> DELETE DATA { e:a e:b e:c }",
    "DELETE WHERE { ?s ?p ?o }",
    "WITH <http://kg.test/graph/x> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL",
    "DROP GRAPH <http://kg.test/graph/x>",
]


@pytest.mark.parametrize("update", UPDATES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_an_update_sent_as_a_query_says_updates_are_refused(client, update, method):
    # Protocol §2.1.7: not a legal query (the query grammar has no updates), so a 400; the
    # message says why, not where the query parser stopped.
    if method == "get":
        response = client.get("/sparql", query_string={"query": update})
    else:
        response = client.post("/sparql", data={"query": update})
    assert response.status_code == 400
    assert "updates are refused: this endpoint is read-only" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"update": "INSERT DATA { <a> <b> <c> }"}},
        {"data": b"INSERT DATA { <a> <b> <c> }", "content_type": "application/sparql-update"},
    ],
)
def test_the_update_operation_gets_the_same_message(client, kwargs):
    response = client.post("/sparql", **kwargs)
    assert response.status_code == 403
    assert "updates are refused: this endpoint is read-only" in response.get_data(as_text=True)


def test_an_update_parameter_by_get_is_refused_like_one_by_post(client):
    # Protocol §2.2: the update operation is POST only; by GET it is no more accepted.
    response = client.get("/sparql", query_string={"update": "INSERT DATA { <a> <b> <c> }"})
    assert response.status_code == 403
    assert "updates are refused: this endpoint is read-only" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }",
        "PREFIX e: <http://example.org/> SELECT * WHERE { SERVICE e:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(<http://example.org/sparql> AS ?e) SERVICE ?e { ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
    ],
)
def test_service_is_refused_by_default(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.get_data(as_text=True)


def test_the_word_service_in_a_string_or_iri_is_not_a_service_clause(client):
    query = 'SELECT ?x WHERE { BIND("SERVICE <http://x>" AS ?x) FILTER(?x != <http://service.example/>) }'
    assert client.get("/sparql", query_string={"query": query}).status_code == 200


def test_a_request_body_over_the_limit_is_a_413(app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = app.test_client().post(
        "/sparql", data=b"ASK {}" + b" " * 2000, content_type="application/sparql-query"
    )
    assert response.status_code == 413


def test_a_413_states_the_limit_and_how_to_stay_within_it(knowledge_store):
    from server.app import create_app

    app = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store, "MAX_BODY_BYTES": 1500})
    response = app.test_client().post(
        "/sparql",
        data=b"ASK {}" + b" " * 2000,
        content_type="application/sparql-query",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    message = response.get_json()["message"]
    assert "2,006 bytes" in message and "1,500 bytes (1.46 KiB)" in message
    assert "/dumps/" in message  # the way to work on the whole graph


# --- limits: truncation is announced ----------------------------------------------------------


def test_a_result_over_the_limit_is_truncated_and_says_so(knowledge_store):
    from server.app import create_app

    app = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store, "RESULT_LIMIT": 3})
    response = app.test_client().get("/sparql", query_string={"query": LILLE_AWARDS})
    assert response.headers["X-Result-Truncated"] == "true"
    assert response.headers["X-Result-Limit"] == "3"
    document = json.loads(response.data)
    assert document["truncated"] is True
    assert len(document["results"]["bindings"]) == 3


@pytest.mark.parametrize(
    ("name", "fmt", "notice"),
    [
        ("ttl", ox.RdfFormat.TURTLE, b"# truncated"),
        ("nt", ox.RdfFormat.N_TRIPLES, b"# truncated"),
        ("jsonld", ox.RdfFormat.JSON_LD, b'"truncated": true'),
        ("rdf", ox.RdfFormat.RDF_XML, b"<!-- truncated"),
    ],
)
def test_a_truncated_graph_says_so_in_its_body_in_every_format(knowledge_store, name, fmt, notice):
    from server.app import create_app

    app = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store, "RESULT_LIMIT": 3})
    response = app.test_client().get(
        "/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": name}
    )
    assert response.headers["X-Result-Truncated"] == "true"
    assert notice in response.data
    # The notice leaves the document what it was: the same triples, read by a standard parser.
    assert len(list(ox.parse(response.data, fmt))) == 3


def test_the_rdf_xml_notice_comes_after_the_xml_declaration(knowledge_store):
    from server.app import create_app

    app = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store, "RESULT_LIMIT": 3})
    body = (
        app.test_client()
        .get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "rdf"})
        .data
    )
    # XML 1.0 §2.8: nothing, not even a comment, may precede the declaration.
    assert body.startswith(b'<?xml version="1.0"')
    assert body.index(b"?>") < body.index(b"<!-- truncated") < body.index(b"<rdf:RDF")


def test_a_result_within_the_limit_is_not_marked_truncated(client):
    response = client.get("/sparql", query_string={"query": LILLE_AWARDS})
    assert "X-Result-Truncated" not in response.headers
    assert "truncated" not in json.loads(response.data)


# --- caching and CORS ---------------------------------------------------------------------


def test_an_unchanged_result_revalidates_with_304(client):
    first = client.get("/sparql", query_string={"query": LILLE_AWARDS})
    etag = first.headers["ETag"]
    again = client.get(
        "/sparql", query_string={"query": LILLE_AWARDS}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.data == b""


def test_the_etag_differs_per_format(client):
    json_etag = client.get("/sparql", query_string={"query": LILLE_AWARDS}).headers["ETag"]
    csv_etag = client.get("/sparql", query_string={"query": LILLE_AWARDS, "format": "csv"}).headers[
        "ETag"
    ]
    assert json_etag != csv_etag


def test_reads_allow_any_origin(client):
    response = client.get(
        "/sparql", query_string={"query": ASK_CAPITALE}, headers={"Origin": "https://example.org"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_cors_preflight_is_answered(client):
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    ("query", "name", "filename"),
    [
        (LILLE_AWARDS, "csv", "query-results.csv"),
        (LILLE_AWARDS, "tsv", "query-results.tsv"),
        (LILLE_AWARDS, "json", "query-results.srj"),
        (LILLE_AWARDS, "xml", "query-results.srx"),
        (CONSTRUCT_AWARD, "ttl", "query-results.ttl"),
        (CONSTRUCT_AWARD, "nt", "query-results.nt"),
        (CONSTRUCT_AWARD, "rdf", "query-results.rdf"),
        (CONSTRUCT_AWARD, "jsonld", "query-results.jsonld"),
    ],
)
def test_a_result_asked_for_as_a_download_is_an_attachment_named_for_its_format(
    client, query, name, filename
):
    # RFC 6266; the extension registered for each media type (.srj, .srx for SPARQL results).
    response = client.get("/sparql", query_string={"query": query, "format": name, "download": ""})
    assert response.status_code == 200
    assert parse_options_header(response.headers["Content-Disposition"]) == (
        "attachment",
        {"filename": filename},
    )


def test_a_result_not_asked_for_as_a_download_has_no_disposition(client):
    response = client.get("/sparql", query_string={"query": LILLE_AWARDS, "format": "csv"})
    assert "Content-Disposition" not in response.headers


def test_results_are_compressed_when_accepted(client):
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2000"},
        headers={"Accept-Encoding": "gzip"},
    )
    assert response.headers["Content-Encoding"] == "gzip"


def test_head_is_answered_like_get_without_a_body(client):
    response = client.head("/sparql", query_string={"query": ASK_CAPITALE})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.data == b""


# --- service description ----------------------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def description(client, accept="text/turtle") -> rdflib.Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.data, format="turtle")


def test_get_without_a_query_returns_the_service_description(client):
    graph = description(client)
    (service,) = graph.subjects(rdflib.RDF.type, SD.Service)
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph


def test_the_description_lists_every_result_format(client):
    graph = description(client)
    formats = {str(o) for o in graph.objects(None, SD.resultFormat)}
    assert formats == {
        f"http://www.w3.org/ns/formats/{name}"
        for name in (
            "SPARQL_Results_JSON",
            "SPARQL_Results_XML",
            "SPARQL_Results_CSV",
            "SPARQL_Results_TSV",
            "Turtle",
            "N-Triples",
            "RDF_XML",
            "JSON-LD",
        )
    }


def test_the_description_publishes_the_limits_and_what_is_disabled(client):
    graph = description(client)
    ftkg = rdflib.Namespace(FTKG)
    (service,) = graph.subjects(rdflib.RDF.type, SD.Service)
    assert str(graph.value(service, ftkg.queryTimeout)) == "PT30S"
    assert int(graph.value(service, ftkg.resultLimit)) == 10000
    assert int(graph.value(service, ftkg.requestBodyLimit)) == 1048576
    assert set(graph.objects(service, ftkg.disabledFeature)) == {
        SD.SPARQL11Update,
        SD.BasicFederatedQuery,
    }


def test_the_description_counts_the_default_dataset_with_void(client, knowledge_store):
    graph = description(client)
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    default = next(graph.objects(None, SD.defaultGraph))
    assert int(graph.value(default, void.triples)) == knowledge_store.statistics().triples
    names = {str(o) for o in graph.objects(None, SD.name)}
    assert PRESS_RELEASE in names and BASE + "graph/official-geography" in names


def test_a_browser_gets_the_query_editor(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "yasgui.min.js" in page
    assert "Label history of an ecosystem" in page


def test_the_editor_has_its_own_address(client):
    assert client.get("/query").mimetype == "text/html"


# --- graph store protocol (reads) -------------------------------------------------------------


def test_the_graph_store_returns_one_sources_statements(client):
    response = client.get("/graph-store", query_string={"graph": ARTICLE})
    assert response.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    days = set(
        graph.objects(
            rdflib.URIRef(BASE + "id/award/2019-capitale-lille"), rdflib.URIRef(FTKG + "dayOfWeek")
        )
    )
    assert days == {rdflib.URIRef("http://www.w3.org/2006/time#Tuesday")}


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
    ],
)
def test_the_graph_store_negotiates_rdf_formats(client, accept, fmt):
    response = client.get(
        "/graph-store", query_string={"graph": ARTICLE}, headers={"Accept": accept}
    )
    assert response.mimetype == accept
    assert len(rdflib.Graph().parse(data=response.data, format=fmt)) > 10


def test_the_graph_store_head_gives_the_type(client):
    response = client.head("/graph-store", query_string={"graph": ARTICLE})
    assert response.status_code == 200 and response.mimetype == "text/turtle"


def test_an_unknown_graph_is_a_404(client):
    response = client.get("/graph-store", query_string={"graph": BASE + "graph/nothing"})
    assert response.status_code == 404


def test_a_relative_graph_iri_is_a_400(client):
    response = client.get("/graph-store", query_string={"graph": "graph/nothing"})
    assert response.status_code == 400


def test_an_unsupported_graph_type_is_a_406(client):
    response = client.get(
        "/graph-store", query_string={"graph": ARTICLE}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406


@pytest.mark.parametrize("method", ["put", "post", "delete"])
def test_graph_store_writes_are_refused(client, method):
    response = getattr(client, method)(
        "/graph-store", query_string={"graph": ARTICLE}, data=b"<a> <b> <c> ."
    )
    assert response.status_code == 405
    assert "read-only" in response.get_data(as_text=True)


def test_the_rate_limit_answers_429_with_retry_after(knowledge_store):
    from server.app import create_app

    app = create_app(
        {
            "TESTING": True,
            "KNOWLEDGE_STORE": knowledge_store,
            "RATE_LIMIT": "3 per minute",
            "WORKERS": 1,
        }
    )
    client = app.test_client()
    statuses = [
        client.get("/sparql", query_string={"query": ASK_CAPITALE}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/sparql", query_string={"query": ASK_CAPITALE})
    assert int(refused.headers["Retry-After"]) > 0
    assert "3 per 1 minute" in refused.get_data(as_text=True)


def test_the_endpoint_is_rate_limited_by_default(knowledge_store):
    from server.app import create_app

    app = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store, "WORKERS": 1})
    response = app.test_client().get("/sparql", query_string={"query": ASK_CAPITALE})
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "600"


# --- found by the fuzzing suite (tests/test_fuzz.py) -----------------------------------------


@pytest.mark.parametrize(
    "nested",
    [
        "SELECT * WHERE " + "{" * 5000 + "}" * 5000,
        "ASK { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }",
        "ASK { FILTER(" + "!" * 20000 + "true) }",
        "ASK { ?s <p> " + "(" * 400 + ")" * 400 + " }",
    ],
    ids=["groups", "parentheses", "negations", "collections"],
)
def test_a_query_nested_beyond_the_limit_is_a_400_before_it_reaches_a_worker(client, nested):
    # Deeper, Oxigraph's recursive parser overflowed a query worker's stack (a 503 and a
    # respawn) or spent minutes on nested collections.
    response = client.post("/sparql", data=nested, content_type="application/sparql-query")
    assert response.status_code == 400
    assert "levels deep; at most 100 are accepted" in response.get_data(as_text=True)


def test_a_query_nested_to_the_limit_is_answered(client):
    query = "SELECT * WHERE " + "{" * 100 + "}" * 100
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert response.status_code == 200


def test_brackets_inside_strings_and_iris_do_not_count_as_nesting(client):
    query = 'ASK { BIND("' + "{(" * 200 + '" AS ?x) }'
    response = client.post("/sparql", data=query, content_type="application/sparql-query")
    assert response.status_code == 200


def test_an_escape_beyond_unicode_is_answered_not_a_server_error(client):
    # \U00110000 is no code point: the SERVICE scan's unescaping raised, unhandled (a 500).
    response = client.get("/sparql", query_string={"query": "ASK {} # \\U00110000"})
    assert response.status_code < 500


def test_an_escape_beyond_unicode_still_cannot_hide_a_service_clause(client):
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } } # \\U00110000"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403

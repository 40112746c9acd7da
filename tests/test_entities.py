"""Dereferencing entity IRIs: 303s by Accept, data documents, pages, listings, the ontology."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
import pytest
import rdflib
from conftest import BASE, backend_store, copy_sources
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS

from server.app import create_app
from server.entities.describe import labels_of, source_of
from server.pipeline.build import build_in_memory
from server.pipeline.derive import DERIVATIONS
from server.version.store import KnowledgeStore

FTKG = rdflib.Namespace(BASE + "ontology#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
LILLE = rdflib.URIRef(BASE + "id/ecosystem/lille")
CHROME = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(params=["embedded", "remote"])
def app(request):
    """The app on the embedded store, then on the same graph in Oxigraph server over the
    SPARQL 1.1 Protocol: every test of this module holds for both backends."""
    from server.app import create_app

    store = backend_store(request.param, request)
    return create_app({"TESTING": True, "KNOWLEDGE_STORE": store})


@pytest.mark.parametrize(
    ("accept", "location"),
    [
        (CHROME, "/page/ecosystem/lille"),
        (FIREFOX, "/page/ecosystem/lille"),
        (SAFARI, "/page/ecosystem/lille"),
        (None, "/data/ecosystem/lille.ttl"),
        ("*/*", "/data/ecosystem/lille.ttl"),
        ("text/turtle", "/data/ecosystem/lille.ttl"),
        ("application/ld+json", "/data/ecosystem/lille.jsonld"),
        ("application/n-triples", "/data/ecosystem/lille.nt"),
        ("application/rdf+xml", "/data/ecosystem/lille.rdf"),
        ("application/trig", "/data/ecosystem/lille.trig"),
        ("text/turtle;q=0.5, application/ld+json", "/data/ecosystem/lille.jsonld"),
        ("text/html;q=0.1, text/turtle", "/data/ecosystem/lille.ttl"),
    ],
)
def test_an_entity_iri_answers_303_by_accept(client, accept, location):
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/id/ecosystem/lille", headers=headers)
    assert response.status_code == 303
    assert response.headers["Location"] == location  # relative: right behind any proxy
    assert "Accept" in response.vary
    assert 'rel="alternate"; type="text/turtle"' in response.headers["Link"]


def test_an_unsupported_type_is_a_406_listing_what_is_offered(client):
    response = client.get("/id/ecosystem/lille", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


def test_redirects_never_point_at_localhost_behind_a_proxy(knowledge_store):
    app = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store, "PROXIES": 1})
    client = app.test_client()
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "data.example.org",
        "Accept": "text/turtle",
    }
    response = client.get("/id/ecosystem/lille", headers=headers)
    assert response.headers["Location"] == "/data/ecosystem/lille.ttl"


@pytest.mark.parametrize("page", [1, 2])
def test_a_data_document_names_itself_under_the_base_whatever_host_it_is_reached_at(
    knowledge_store, page
):
    # Made once at build for every host: its canonical address, not the request's.
    client = create_app({"TESTING": True, "KNOWLEDGE_STORE": knowledge_store}).test_client()
    document = client.get(
        f"/data/region/32.ttl?page={page}", base_url="https://elsewhere.example:8443/"
    )
    graph = rdflib.Graph().parse(data=document.data, format="turtle")
    (doc,) = graph.subjects(FOAF.primaryTopic, rdflib.URIRef(BASE + "id/region/32"))
    suffix = "?page=2" if page == 2 else ""
    assert str(doc) == BASE + "data/region/32.ttl" + suffix
    (following,) = graph.objects(doc, rdflib.URIRef("http://www.w3.org/ns/hydra/core#next"))
    assert str(following) == BASE + f"data/region/32.ttl?page={page + 1}"


def test_an_unknown_entity_is_a_404_in_html_for_browsers(client):
    response = client.get("/id/ecosystem/atlantis", headers={"Accept": CHROME})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "atlantis" in response.get_data(as_text=True)


def test_an_unknown_entity_is_a_404_in_plain_text_otherwise(client):
    response = client.get("/id/ecosystem/atlantis")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


@pytest.mark.parametrize(
    "path", ["/id/commune/20004", "/page/commune/20004", "/data/commune/20004.ttl"]
)
def test_a_renumbered_commune_answers_301_to_its_successor(client, path):
    # Ajaccio was 20004 before Corsica's two départements (2A, 2B): the same commune.
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == path.replace("20004", "2A004")


def test_a_former_commune_is_an_entity_with_its_name_and_successor(client):
    assert client.get("/id/commune/59298", headers={"Accept": "text/html"}).status_code == 303
    page = client.get("/page/commune/59298?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Hellemmes-Lille" in html and "former commune" in html
    assert 'href="/page/commune/59350"' in html


# --- data documents ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extension", "rdflib_format"),
    [("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"), ("rdf", "xml")],
)
def test_each_data_format_parses_and_holds_the_facts_and_their_sources(
    client, extension, rdflib_format
):
    response = client.get(f"/data/ecosystem/lille.{extension}")
    assert response.status_code == 200
    graph = rdflib.Graph().parse(data=response.data, format=rdflib_format)
    assert (
        LILLE,
        FTKG.federatedBy,
        rdflib.URIRef(BASE + "id/organisation/french-tech-lille"),
    ) in graph
    # each statement's sources, as reified statements
    statements = [
        s
        for s in graph.subjects(RDF.subject, LILLE)
        if (s, RDF.predicate, FTKG.federatedBy) in graph
    ]
    sources = {str(o) for s in statements for o in graph.objects(s, PROV.wasDerivedFrom)}
    assert BASE + "id/source/mel-press-release-2019-04-03" in sources
    title = graph.value(
        rdflib.URIRef(BASE + "id/source/mel-press-release-2019-04-03"), DCTERMS.title
    )
    assert title is not None


@pytest.mark.parametrize(
    ("extension", "fmt"), [("trig", ox.RdfFormat.TRIG), ("nq", ox.RdfFormat.N_QUADS)]
)
def test_dataset_formats_put_each_statement_in_its_sources_graph(client, extension, fmt):
    quads = list(ox.parse(client.get(f"/data/ecosystem/lille.{extension}").data, fmt))
    statement = ox.Quad(
        ox.NamedNode(str(LILLE)),
        ox.NamedNode(str(FTKG.federatedBy)),
        ox.NamedNode(BASE + "id/organisation/french-tech-lille"),
        ox.NamedNode(BASE + "graph/mel-press-release-2019-04-03"),
    )
    assert statement in quads


def test_the_data_document_describes_itself(client):
    graph = rdflib.Graph().parse(data=client.get("/data/ecosystem/lille.ttl").data, format="turtle")
    (doc,) = graph.subjects(FOAF.primaryTopic, LILLE)
    assert (
        doc,
        DCTERMS.license,
        rdflib.URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence"),
    ) in graph
    assert (doc, VOID.inDataset, rdflib.URIRef(BASE + "id/dataset/french-tech-kg")) in graph


def test_the_data_document_labels_every_linked_resource(client):
    graph = rdflib.Graph().parse(data=client.get("/data/ecosystem/lille.ttl").data, format="turtle")
    linked = {o for o in graph.objects(LILLE, None) if isinstance(o, rdflib.URIRef)}
    unlabelled = [o for o in linked if graph.value(o, RDFS.label) is None]
    assert unlabelled == []


def test_the_data_document_holds_incoming_links(client):
    graph = rdflib.Graph().parse(data=client.get("/data/ecosystem/lille.ttl").data, format="turtle")
    assert (rdflib.URIRef(BASE + "id/award/2019-capitale-lille"), FTKG.awardee, LILLE) in graph


def test_incoming_links_are_paged_with_a_next_link(client):
    first = client.get("/data/region/32.ttl")
    assert 'rel="next"' in first.headers["Link"]
    graph = rdflib.Graph().parse(data=first.data, format="turtle")
    region = rdflib.URIRef(BASE + "id/region/32")
    incoming_first = set(graph.subjects(None, region))
    hydra_next = next(
        graph.objects(None, rdflib.URIRef("http://www.w3.org/ns/hydra/core#next")), None
    )
    assert hydra_next is not None and str(hydra_next).endswith("?page=2")
    second = rdflib.Graph().parse(
        data=client.get("/data/region/32.ttl?page=2").data, format="turtle"
    )
    incoming_second = set(second.subjects(None, region))
    assert len(incoming_first) >= 50 and incoming_second and not incoming_first & incoming_second


@pytest.mark.parametrize(
    ("query", "mimetype"),
    [("format=jsonld", "application/ld+json"), ("format=nt", "application/n-triples")],
)
def test_data_documents_also_answer_format_parameters(client, query, mimetype):
    assert client.get(f"/data/ecosystem/lille?{query}").mimetype == mimetype


def test_a_data_document_without_extension_negotiates_and_says_where_it_is(client):
    response = client.get("/data/ecosystem/lille", headers={"Accept": "application/n-triples"})
    assert response.mimetype == "application/n-triples"
    assert response.headers["Content-Location"] == "/data/ecosystem/lille.nt"


def test_the_jsonld_context_is_published_and_linked(client):
    response = client.get("/data/ecosystem/lille.jsonld")
    assert "json-ld#context" in response.headers["Link"]
    context = json.loads(client.get("/context.jsonld").data)["@context"]
    assert context["ftkg"] == BASE + "ontology#"
    assert json.loads(response.data)["@context"]["ftkg"] == context["ftkg"]


def test_data_documents_revalidate_with_304(client):
    etag = client.get("/data/ecosystem/lille.ttl").headers["ETag"]
    assert (
        client.get("/data/ecosystem/lille.ttl", headers={"If-None-Match": etag}).status_code == 304
    )


# --- pages -------------------------------------------------------------------------------------


def test_the_page_is_titled_in_the_readers_language(client):
    english = client.get(
        "/page/epci/200093201", headers={"Accept-Language": "en-GB,en;q=0.9"}
    ).get_data(as_text=True)
    french = client.get("/page/epci/200093201", headers={"Accept-Language": "fr-FR"}).get_data(
        as_text=True
    )
    assert "<h1>European Metropolis of Lille</h1>" in english
    assert "<h1>Métropole Européenne de Lille</h1>" in french


def test_the_language_switch_overrides_accept_language(client):
    page = client.get("/page/epci/200093201?lang=fr", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert '<html lang="fr">' in page
    assert "<h1>Métropole Européenne de Lille</h1>" in page


def test_a_missing_translation_falls_back_rather_than_hiding(client):
    page = client.get("/page/person/damien-castelain?lang=en").get_data(as_text=True)
    assert "Damien Castelain" in page


def test_the_page_shows_sources_figures_identifiers_and_links(client):
    page = client.get("/page/epci/200093201?lang=en").get_data(as_text=True)
    assert "Communiqué de la MEL, 3 avril 2019" in page  # a source
    assert "1,194,040" in page  # COG population, grouped as an English reader writes it
    assert "annuaire-entreprises.data.gouv.fr/entreprise/200093201" in page
    assert "haswbstatement%3AP1616%3D200093201" in page
    assert "/data/epci/200093201.ttl" in page
    assert "/query#query=" in page


def test_numbers_on_a_page_are_written_as_its_readers_language_writes_them(client):
    french = client.get("/page/epci/200093201?lang=fr").get_data(as_text=True)
    english = client.get("/page/epci/200093201?lang=en").get_data(as_text=True)
    assert "1\u202f194\u202f040" in french
    assert "1,194,040" not in french
    assert "1,194,040" in english
    assert "1\u202f194\u202f040" not in english


def test_a_quotation_page_shows_text_speaker_and_date(client):
    page = client.get("/page/quotation/castelain-mel-press-release-2019-04-03").get_data(
        as_text=True
    )
    assert "<blockquote>" in page
    assert "La MEL s&#39;engage" in page
    assert 'href="/page/person/damien-castelain"' in page


def test_the_page_embeds_schema_org_jsonld(client):
    page = client.get("/page/person/cedric-o").get_data(as_text=True)
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    document = json.loads(block)
    assert document["@type"] == "Person" and document["name"] == "Cédric O"


def test_incoming_links_on_the_page_are_counted_and_paged(client):
    page = client.get("/page/region/32").get_data(as_text=True)
    assert 'rel="next"' in page
    assert client.get("/page/region/32?page=2").status_code == 200


def test_a_bad_page_number_is_a_400(client):
    assert client.get("/page/region/32?page=zero").status_code == 400


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """The graph plus a label written to break out of HTML and of the JSON-LD block."""
    sources = copy_sources(tmp_path_factory.mktemp("hostile"))
    (sources / "data" / "hostile.trig").write_text(
        """@prefix ftkg: <ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix foaf: <http://xmlns.com/foaf/0.1/> .
        GRAPH <graph/sources> {
          <id/person/hostile> a foaf:Person ;
            rdfs:label "</script><script>alert(1)</script> <b>bold</b>"@fr ;
            foaf:name "javascript:alert(1)" ;
            foaf:homepage <javascript:alert(1)> .
        }""",
        encoding="utf-8",
    )
    store = KnowledgeStore(build_in_memory(sources, BASE), BASE, "hostile", derive=DERIVATIONS)
    return create_app({"TESTING": True, "KNOWLEDGE_STORE": store, "SOURCE_DIR": str(sources)})


def test_literals_are_shown_as_text_never_as_markup(hostile_app):
    page = hostile_app.test_client().get("/page/person/hostile").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert json.loads(block)["name"].startswith("</script>")  # escaped inside, intact once parsed


# --- listings, home, ontology ----------------------------------------------------------------


def test_the_home_page_links_to_browsing_querying_and_the_ontology(client):
    page = client.get("/").get_data(as_text=True)
    for href in ('href="/browse"', 'href="/query"', 'href="/ontology"'):
        assert href in page


def test_a_listing_is_paged_and_sortable(client):
    page = client.get("/browse/awards?sort=date").get_data(as_text=True)
    dates = re.findall(r"<time>(\d{4}[^<]*)</time>", page)
    assert dates == sorted(dates) and len(dates) == 50
    assert 'rel="next"' in page


def test_the_capitales_listing_holds_the_thirteen_of_2019(client):
    page = client.get("/browse/awards?kind=capitale-french-tech&sort=date").get_data(as_text=True)
    assert page.count("2019-04-03") == 13


def test_the_communes_of_a_territory_are_listed_over_pages(client):
    pages = [
        client.get(f"/browse/communes?in=epci/200093201&page={n}").get_data(as_text=True)
        for n in (1, 2)
    ]
    communes = [re.findall(r'href="/page/commune/(\d+)"', page) for page in pages]
    assert len(communes[0]) == 50 and len(communes[0]) + len(communes[1]) == 95
    assert "59350" in communes[1]
    assert 'rel="next"' in pages[0] and 'rel="next"' not in pages[1]


@pytest.mark.parametrize("query", ["sort=height", "page=0", "kind=nothing", "in=../etc"])
def test_bad_listing_parameters_are_a_400(client, query):
    assert client.get(f"/browse/awards?{query}").status_code == 400


def test_the_ontology_is_html_for_browsers_and_rdf_otherwise(client):
    html = client.get("/ontology", headers={"Accept": CHROME})
    assert html.mimetype == "text/html"
    turtle = client.get("/ontology")
    assert turtle.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    assert (FTKG.LabelAward, RDF.type, rdflib.OWL.Class) in graph
    for accept, fmt in (("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")):
        response = client.get("/ontology", headers={"Accept": accept})
        assert (FTKG.Ecosystem, RDF.type, rdflib.OWL.Class) in rdflib.Graph().parse(
            data=response.data, format=fmt
        )


def test_every_term_of_ours_has_its_documentation_anchor(client):
    page = client.get("/ontology", headers={"Accept": CHROME}).get_data(as_text=True)
    graph = rdflib.Graph().parse(data=client.get("/ontology").data, format="turtle")
    terms = {
        str(s)[len(BASE + "ontology#") :]
        for s in graph.subjects(RDF.type, None)
        if str(s).startswith(BASE + "ontology#")
        and set(graph.objects(s, RDF.type))
        & {rdflib.OWL.Class, rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty}
    }
    missing = [t for t in terms if f'id="{t}"' not in page]
    assert terms and missing == []
    assert 'href="/browse/awards"' in page  # classes link to their listings


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def test_following_links_from_home_reaches_every_listed_entity_page_without_error(client):
    """Crawl like a visitor: home, the listings (every page, the huge territorial ones' first),
    and every entity page they list."""
    seen: set[str] = set()
    failures: list[tuple[str, int]] = []
    queue = ["/"]
    entity_pages = 0
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200:
            failures.append((path, response.status_code))
            continue
        if response.mimetype != "text/html":
            continue
        is_entity = path.startswith("/page/")
        entity_pages += is_entity
        if is_entity:
            continue  # entity pages are leaves of this crawl
        for href in links_of(response.get_data(as_text=True)):
            target = urljoin(path, href)
            parts = urlsplit(target)
            if parts.netloc or (parts.fragment and not parts.path):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            huge = (
                parts.path in ("/browse/communes", "/browse/epci", "/browse/departements")
                and "page=" in parts.query
            )
            if parts.path.startswith(("/page/", "/browse")) and not huge:
                queue.append(local)
    assert failures == []
    assert entity_pages > 500


@pytest.mark.parametrize(
    "path", ["ecosystem/lille", "round/2019-capitales-communautes", "commune/59350"]
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_an_entity_page_is_rendered_without_a_request_for_any_published_address(
    app, client, path, lang
):
    # What a build calls: a data version, an address and a language; no request to read.
    from server import site
    from server.entities.pages import render_entity

    published = "https://data.example.org/kg/"
    store = app.config["KNOWLEDGE_STORE"]
    address = site.at(app, published)
    with site.rendering(app, address):
        page = render_entity(
            store, address, lang, app.extensions["ftkg.examples"], BASE + "id/" + path, path, 1
        )
    assert f'href="/kg/data/{path}.ttl"' in page
    assert f'"url": "{published}page/{path}"' in page
    served = client.get(f"/page/{path}?lang={lang}", base_url=published)
    assert served.status_code == 200
    assert page == served.get_data(as_text=True)


# --- what a data version reads once -----------------------------------------------------------

NAMED = ox.NamedNode(BASE + "id/departement/59")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def version_of(store: ox.Store, name: str) -> KnowledgeStore:
    return KnowledgeStore(store, BASE, name)


def test_labels_are_read_once_per_data_version():
    store = ox.Store()
    store.add(ox.Quad(NAMED, LABEL, ox.Literal("Nord", language="fr")))
    first = version_of(store, "first")
    assert labels_of(first, NAMED.value) == {"fr": "Nord"}
    # A version's data never changes; only a store written under it (never done) shows the memo.
    store.add(ox.Quad(NAMED, LABEL, ox.Literal("North", language="en")))
    assert labels_of(first, NAMED.value) == {"fr": "Nord"}
    assert labels_of(version_of(store, "second"), NAMED.value) == {"fr": "Nord", "en": "North"}


def test_each_caller_gets_its_own_copy_of_the_labels_read_once():
    store = ox.Store()
    store.add(ox.Quad(NAMED, LABEL, ox.Literal("Nord", language="fr")))
    version = version_of(store, "only")
    labels_of(version, NAMED.value)["fr"] = "changed by a caller"
    assert labels_of(version, NAMED.value) == {"fr": "Nord"}


def test_a_source_is_read_once_per_data_version():
    graph = ox.NamedNode(BASE + "graph/a-source")
    document = ox.NamedNode(BASE + "id/source/a-source")
    derived = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
    store = ox.Store()
    store.add(ox.Quad(graph, derived, document))
    store.add(ox.Quad(document, LABEL, ox.Literal("Un article", language="fr")))
    first = version_of(store, "first")
    assert source_of(first, graph.value).title == "Un article"
    store.remove(ox.Quad(document, LABEL, ox.Literal("Un article", language="fr")))
    assert source_of(first, graph.value).title == "Un article"
    assert source_of(version_of(store, "second"), graph.value).title is None


def test_labels_past_the_versions_bound_are_still_read_but_not_kept(monkeypatch):
    monkeypatch.setattr("server.entities.describe.LABELS_REMEMBERED", 1)
    other = ox.NamedNode(BASE + "id/departement/62")
    store = ox.Store()
    store.add(ox.Quad(NAMED, LABEL, ox.Literal("Nord", language="fr")))
    store.add(ox.Quad(other, LABEL, ox.Literal("Pas-de-Calais", language="fr")))
    version = version_of(store, "only")
    labels_of(version, NAMED.value)
    assert labels_of(version, other.value) == {"fr": "Pas-de-Calais"}
    store.add(ox.Quad(other, LABEL, ox.Literal("Pas-de-Calais", language="en")))
    assert labels_of(version, other.value) == {"fr": "Pas-de-Calais", "en": "Pas-de-Calais"}

"""Harvesting: the DCAT-AP catalogue, VoID, dumps, crawlers, and HTTP caching."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from dataclasses import replace
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from conftest import BASE, ftkg, serving, small_store
from flask.testing import FlaskClient
from protego import Protego

from server import site
from server.app import create_app
from server.harvest import catalog
from server.harvest import void as void_description
from server.web import live_data

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
WDT = rdflib.Namespace("http://www.wikidata.org/prop/direct/")
IGEO = rdflib.Namespace("http://rdf.insee.fr/def/geo#")
FILE_TYPE = rdflib.Namespace("http://publications.europa.eu/resource/authority/file-type/")
IANA = "https://www.iana.org/assignments/media-types/"
SHAPES = Path(__file__).parent / "standards" / "dcat-ap-3.0.1"
LICENCE = rdflib.URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence")


@pytest.fixture(scope="module")
def harvest_app(built_store):
    app = create_app({"TESTING": True, "STORE": str(built_store), "QUERY_WORKERS": 1})
    yield app
    live_data(app).close()


class BufferedClient(FlaskClient):
    """A test client that reads each body at once, closing the dump files it streams."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="module")
def web(harvest_app):
    harvest_app.test_client_class = BufferedClient
    return harvest_app.test_client()


@pytest.fixture(scope="module")
def catalogue(web) -> rdflib.Graph:
    return rdflib.Graph().parse(data=web.get("/catalog").data, format="turtle")


def shacl_results(data: rdflib.Graph, shapes_file: str) -> list[tuple[str, str, str, str]]:
    shapes = rdflib.Graph().parse(SHAPES / shapes_file)
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=False
    )
    details = set(report.objects(None, SH.detail))
    return sorted(
        (
            str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[1],
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.resultPath)),
            str(report.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[1],
        )
        for r in report.subjects(rdflib.RDF.type, SH.ValidationResult)
        if r not in details
    )


# --- the catalogue -------------------------------------------------------------------------------


def test_the_catalogue_and_void_are_built_without_a_request_for_any_published_address(
    harvest_app, web
):
    # What the build will call: a data version and an address, no request to read them from.
    published = "https://data.example.org/kg/"
    store = live_data(harvest_app).current.store
    with harvest_app.app_context():
        address = site.at(harvest_app, published)
        catalogue = catalog.catalog_triples(store, address, 1, 10)
        described = void_description.void_triples(store, address)
    subjects = {t.subject for t in catalogue} | {t.subject for t in described}
    assert ox.NamedNode(published + "catalog") in subjects
    assert ox.NamedNode(published + ".well-known/void") in subjects
    # The same triples a request at that address is answered with, but for the dates.
    served = ox.Dataset(
        ox.parse(
            web.get(
                "/catalog", base_url=published, headers={"Accept": "application/n-triples"}
            ).data,
            ox.RdfFormat.N_TRIPLES,
        )
    )
    modified = ox.NamedNode("http://purl.org/dc/terms/modified")
    assert {q.triple for q in served if q.predicate != modified} == {
        t for t in catalogue if t.predicate != modified
    }


def test_the_catalogue_conforms_to_the_dcat_ap_3_base_shapes(catalogue):
    assert shacl_results(catalogue, "shapes.ttl") == []


def test_the_catalogue_conforms_to_the_dcat_ap_3_range_shapes(catalogue):
    assert shacl_results(catalogue, "range.ttl") == []


def test_the_catalogue_uses_the_controlled_vocabularies(catalogue):
    results = shacl_results(catalogue, "mdr-vocabularies.shape.ttl")
    # Upstream defect (tests/standards/dcat-ap-3.0.1/README.md): the shape wants https:// for
    # the SPDX namespace, which is http://spdx.org/rdf/terms# in DCAT itself. And we are not
    # an EU institution, so our publisher is not in the EU corporate-body list (a warning).
    unexpected = [
        r
        for r in results
        if r[2] != str(SPDX.algorithm) and not (r[0] == "Warning" and r[2] == str(DCT.publisher))
    ]
    assert unexpected == []
    # What the SPDX results are about: the right algorithm, in DCAT's own namespace.
    assert set(catalogue.objects(None, SPDX.algorithm)) == {SPDX.checksumAlgorithm_sha256}


def test_the_catalogue_leaves_no_recommended_property_we_could_give(catalogue):
    results = shacl_results(catalogue, "shapes_recommended.ttl")
    # What we cannot give: an end to the temporal coverage (the data is ongoing), and a
    # bounding box or centroid of the EU country code for France (a geometry of the country).
    cannot = {str(DCAT.endDate), str(DCAT.bbox), str(DCAT.centroid)}
    assert [r for r in results if r[2] not in cannot] == []


def test_the_catalogue_is_200_whatever_the_accept_and_says_its_charset(web):
    for accept in (None, "*/*", "text/html", "application/ld+json", "image/png"):
        headers = {"Accept": accept} if accept else {}
        response = web.get("/catalog", headers=headers)
        assert response.status_code in {200, 406} and response.status_code != 303
    assert web.get("/catalog").status_code == 200
    assert web.get("/catalog").headers["Content-Type"] == "text/turtle; charset=utf-8"


@pytest.mark.parametrize(
    ("path", "content_type", "fmt"),
    [
        ("/catalog.ttl", "text/turtle", "turtle"),
        ("/catalog.rdf", "application/rdf+xml", "xml"),
        ("/catalog.jsonld", "application/ld+json", "json-ld"),
    ],
)
def test_the_catalogue_has_a_variant_per_format(web, path, content_type, fmt):
    response = web.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{content_type}; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.data, format=fmt)
    assert len(list(graph.subjects(rdflib.RDF.type, DCAT.Dataset))) == 2
    head = web.head(path)
    assert head.status_code == 200 and head.headers["Content-Type"].startswith(content_type)


def test_the_jsonld_catalogue_carries_its_context_inline(web):
    document = json.loads(web.get("/catalog.jsonld").data)
    assert isinstance(document["@context"], dict)


def test_every_dataset_and_service_has_a_stable_identifier_and_the_licence(catalogue):
    for kind in (DCAT.Dataset, DCAT.DataService):
        for node in catalogue.subjects(rdflib.RDF.type, kind):
            assert catalogue.value(node, DCT.identifier) is not None
    for node in catalogue.subjects(rdflib.RDF.type, DCAT.Distribution):
        assert catalogue.value(node, DCT.license) == LICENCE
    assert catalogue.value(LICENCE, rdflib.RDFS.label) is None  # udata would match the label


def test_each_distribution_describes_its_dump_exactly(web, catalogue, built_store):
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    distributions = list(catalogue.subjects(rdflib.RDF.type, DCAT.Distribution))
    assert len(distributions) == 7
    for node in distributions:
        url = str(catalogue.value(node, DCAT.downloadURL))
        data = web.get(urlsplit(url).path).data
        assert int(catalogue.value(node, DCAT.byteSize)) == len(data)
        checksum = catalogue.value(node, spdx.checksum)
        assert (
            str(catalogue.value(checksum, spdx.checksumValue)) == hashlib.sha256(data).hexdigest()
        )
        assert str(catalogue.value(node, DCAT.mediaType)).startswith(
            "https://www.iana.org/assignments/media-types/"
        )
        assert str(catalogue.value(node, DCT["format"])).startswith(
            "http://publications.europa.eu/resource/authority/file-type/"
        )


def test_the_temporal_coverage_is_a_blank_node_and_modified_is_never_in_the_future(catalogue):
    for dataset in catalogue.subjects(rdflib.RDF.type, DCAT.Dataset):
        assert isinstance(catalogue.value(dataset, DCT.temporal), rdflib.BNode)
        modified = catalogue.value(dataset, DCT.modified).toPython()
        from datetime import UTC, datetime

        assert modified <= datetime.now(UTC)


def test_the_sparql_endpoint_is_a_data_service(catalogue):
    (service,) = catalogue.subjects(rdflib.RDF.type, DCAT.DataService)
    assert str(catalogue.value(service, DCAT.endpointURL)).endswith("/sparql")
    assert catalogue.value(service, DCT.conformsTo) == rdflib.URIRef(
        "https://www.w3.org/TR/sparql11-protocol/"
    )
    assert len(list(catalogue.objects(service, DCAT.servesDataset))) == 2


def test_the_catalogue_and_its_resources_have_titles_and_descriptions_in_french_and_english(
    catalogue,
):
    for kind in (DCAT.Catalog, DCAT.Dataset, DCAT.DataService, DCAT.Distribution):
        nodes = list(catalogue.subjects(rdflib.RDF.type, kind))
        assert nodes, kind
        for node in nodes:
            for text in (DCT.title, DCT.description):
                languages = sorted(o.language for o in catalogue.objects(node, text))
                assert languages == ["en", "fr"], (node, text)


# The EU file-type authority table's code and English skos:prefLabel for each format of our
# dumps (http://publications.europa.eu/resource/authority/file-type), by its IANA media type.
EU_FILE_TYPES = {
    "application/n-triples": ("RDF_N_TRIPLES", "RDF N-Triples"),
    "text/turtle": ("RDF_TURTLE", "RDF Turtle"),
    "application/ld+json": ("JSON_LD", "JSON-LD"),
    "application/n-quads": ("RDF_N_QUADS", "RDF N-Quads"),
}


def test_each_distribution_names_its_format_as_the_eu_file_types_and_iana_do(web, catalogue):
    distributions = list(catalogue.subjects(rdflib.RDF.type, DCAT.Distribution))
    assert distributions
    for node in distributions:
        media_type = str(catalogue.value(node, DCAT.mediaType)).removeprefix(IANA)
        code, label = EU_FILE_TYPES[media_type]
        file_type = catalogue.value(node, DCT["format"])
        assert file_type == FILE_TYPE[code]
        assert list(catalogue.objects(file_type, rdflib.SKOS.prefLabel)) == [
            rdflib.Literal(label, lang="en")
        ]
        # DCAT 3 §6.8: the media type is the data's; a gzipped file adds its compression
        # format, and is no package of several files.
        download = web.head(urlsplit(str(catalogue.value(node, DCAT.downloadURL))).path)
        gzipped = download.headers["Content-Type"] == "application/gzip"
        compression = rdflib.URIRef(IANA + "application/gzip") if gzipped else None
        assert catalogue.value(node, DCAT.compressFormat) == compression
        assert catalogue.value(node, DCAT.packageFormat) is None


def test_each_distribution_downloads_the_versioned_file_its_checksum_describes(web, catalogue):
    """A catalogue cached for its hour must not hand out a checksum of a file the stable
    address no longer serves after a build: it names the immutable versioned file."""
    (version,) = json.loads(web.get("/dumps/?format=json").data)["versions"]
    listed = {f["url"]: f for f in version["files"]}
    for node in catalogue.subjects(rdflib.RDF.type, DCAT.Distribution):
        download = str(catalogue.value(node, DCAT.downloadURL))
        assert download in listed
        assert str(catalogue.value(node, DCAT.accessURL)) == listed[download]["stable_url"]
        response = web.get(urlsplit(download).path)
        assert "immutable" in response.headers["Cache-Control"]


def catalogue_dates(knowledge_store, built_at: str) -> tuple[set, set]:
    """The dct:issued and dct:modified statements of the catalogue and the VoID description of
    the graph, as a build at ``built_at`` serves them."""
    version = replace(knowledge_store, built_at=built_at, _memo={})
    client = create_app({"TESTING": True, "KNOWLEDGE_STORE": version}).test_client()
    graph = rdflib.Graph()
    graph.parse(data=client.get("/catalog").data, format="turtle")
    graph.parse(data=client.get("/.well-known/void").data, format="turtle")
    return set(graph.subject_objects(DCT.issued)), set(graph.subject_objects(DCT.modified))


def test_issued_stays_the_date_of_first_publication_from_one_build_to_the_next(knowledge_store):
    first_issued, first_modified = catalogue_dates(knowledge_store, "2026-11-28T09:00:00+00:00")
    second_issued, second_modified = catalogue_dates(knowledge_store, "2026-11-29T09:00:00+00:00")
    described = {s for s, _ in first_modified}
    assert {s for s, _ in first_issued} == described
    assert first_issued == second_issued
    assert {str(o) for _, o in first_modified} == {"2026-11-28T09:00:00+00:00"}
    assert {str(o) for _, o in second_modified} == {"2026-11-29T09:00:00+00:00"}


# --- a harvester like data.gouv.fr's, over real HTTP -------------------------------------------


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # data.gouv.fr refuses any 3xx
        return None


def harvest_get(url: str) -> tuple[int, str, str]:
    """GET like udata: no Accept, no redirect followed, text decoded by the declared charset."""
    opener = urllib.request.build_opener(NoRedirects)
    request = urllib.request.Request(url, headers={"User-Agent": "uData/0.1 dcat"})
    with opener.open(request, timeout=30) as response:
        content_type = response.headers["Content-Type"]
        charset = response.headers.get_content_charset("iso-8859-1")
        return response.status, content_type, response.read().decode(charset)


@pytest.fixture(scope="module")
def paged_server(built_store, tmp_path_factory):
    with serving(
        built_store, tmp_path_factory.mktemp("paged"), CATALOG_PAGE_SIZE="1", QUERY_WORKERS="1"
    ) as url:
        yield url


def test_a_harvester_reads_every_dataset_following_hydra_pages(paged_server):
    url = paged_server + "catalog.ttl"
    datasets: dict[str, dict[str, object]] = {}
    pages = 0
    while url:
        status, content_type, text = harvest_get(url)
        assert status == 200 and content_type == "text/turtle; charset=utf-8"
        graph = rdflib.Graph().parse(data=text, format="turtle")
        pages += 1
        for node in graph.subjects(rdflib.RDF.type, DCAT.Dataset):
            titles = {t.language: str(t) for t in graph.objects(node, DCT.title)}
            distributions = list(graph.objects(node, DCAT.distribution))
            datasets[str(graph.value(node, DCT.identifier))] = {
                "title": titles["fr"],
                "licences": {graph.value(d, DCT.license) for d in distributions},
                "distributions": len(distributions),
                "publisher": graph.value(graph.value(node, DCT.publisher), rdflib.FOAF.name),
            }
        (collection,) = graph.subjects(HYDRA.view, None)
        assert int(graph.value(collection, HYDRA.totalItems)) == 2
        next_page = next(graph.objects(None, HYDRA.next), None)
        url = str(next_page) if next_page else None
    assert pages == 2
    assert datasets["french-tech-kg"]["title"] == "Graphe de connaissances French Tech"
    assert datasets["french-tech-kg-labels"]["distributions"] == 2
    assert all(d["licences"] == {LICENCE} for d in datasets.values())
    assert (
        "é" in datasets["french-tech-kg-labels"]["title"]
        or "French Tech" in datasets["french-tech-kg-labels"]["title"]
    )


def catalogue_pages(root: str) -> list[rdflib.Graph]:
    """Every page of the catalogue, following hydra:next as a harvester does."""
    pages: list[rdflib.Graph] = []
    url: str | None = root + "catalog.ttl"
    while url:
        _, _, text = harvest_get(url)
        pages.append(rdflib.Graph().parse(data=text, format="turtle"))
        following = next(pages[-1].objects(None, HYDRA.next), None)
        url = str(following) if following else None
    return pages


def test_each_resource_is_described_on_exactly_one_catalogue_page(paged_server):
    pages = catalogue_pages(paged_server)
    assert len(pages) == 2
    described = {s for page in pages for s in page.subjects(DCT.title, None)}
    kinds = {k for page in pages for s in described for k in page.objects(s, rdflib.RDF.type)}
    assert {DCAT.Catalog, DCAT.Dataset, DCAT.DataService, DCAT.Distribution} <= kinds
    for subject in described:
        holding = [
            number
            for number, page in enumerate(pages, 1)
            if (subject, rdflib.RDF.type, None) in page or (subject, DCT.title, None) in page
        ]
        assert len(holding) == 1, (subject, holding)


def test_later_catalogue_pages_refer_to_the_data_service_by_its_iri(paged_server):
    first, *later = catalogue_pages(paged_server)
    (service,) = first.subjects(rdflib.RDF.type, DCAT.DataService)
    assert later
    for page in later:
        assert (None, DCAT.service, service) in page
        assert (service, None, None) not in page


def test_every_catalogue_page_has_what_dcat_ap_makes_mandatory_on_its_own(paged_server):
    for page in catalogue_pages(paged_server):
        assert shacl_results(page, "shapes.ttl") == []


def test_the_catalogue_pages_together_conform_to_the_dcat_ap_range_shapes(paged_server):
    # Not page by page: the data service names datasets that later pages describe.
    merged = rdflib.Graph()
    for page in catalogue_pages(paged_server):
        merged += page
    assert shacl_results(merged, "range.ttl") == []


def test_a_harvester_detects_the_format_with_head(paged_server):
    request = urllib.request.Request(paged_server + "catalog", method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"


# --- VoID -------------------------------------------------------------------------------------


def test_the_void_counts_equal_sparql_counts_on_the_store(web, harvest_app):
    graph = rdflib.Graph().parse(data=web.get("/.well-known/void").data, format="turtle")
    dataset = rdflib.URIRef(BASE + "id/dataset/french-tech-kg")
    store = live_data(harvest_app).current.store

    def count(query: str) -> int:
        return int(next(iter(store.query(query)))["n"].value)

    assert int(graph.value(dataset, VOID.triples)) == count("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    assert int(graph.value(dataset, VOID.distinctSubjects)) == count(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }"
    )
    assert int(graph.value(dataset, VOID.distinctObjects)) == count(
        "SELECT (COUNT(DISTINCT ?o) AS ?n) { ?s ?p ?o }"
    )
    assert int(graph.value(dataset, VOID.classes)) == count(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?s a ?c }"
    )
    assert int(graph.value(dataset, VOID.properties)) == count(
        "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?s ?p ?o }"
    )
    communes = next(
        p
        for p in graph.objects(dataset, VOID.classPartition)
        if graph.value(p, VOID["class"]) == rdflib.URIRef("http://rdf.insee.fr/def/geo#Commune")
    )
    assert int(graph.value(communes, VOID.entities)) == 34969
    assert graph.value(dataset, VOID.sparqlEndpoint) is not None
    assert len(list(graph.objects(dataset, VOID.dataDump))) == 5


def test_the_void_is_linked_from_the_catalogue_the_description_and_home(web, catalogue):
    assert any(
        str(o).endswith("/.well-known/void") for o in catalogue.objects(None, rdflib.RDFS.seeAlso)
    )
    for path in ("/", "/sparql"):
        assert '/.well-known/void>; rel="describedby"' in web.get(path).headers["Link"]
    assert 'rel="describedby"' in web.get("/").get_data(as_text=True)


@pytest.fixture(scope="module")
def void(web) -> rdflib.Graph:
    return rdflib.Graph().parse(data=web.get("/.well-known/void").data, format="turtle")


def test_each_linkset_links_iris_of_a_target_described_as_a_dataset(void, harvest_app):
    store = live_data(harvest_app).current.store.store
    linksets = list(void.subjects(rdflib.RDF.type, VOID.Linkset))
    assert linksets
    for linkset in linksets:
        assert void.value(linkset, VOID.subjectsTarget) == rdflib.URIRef(
            BASE + "id/dataset/french-tech-kg"
        )
        target = void.value(linkset, VOID.objectsTarget)
        assert (target, rdflib.RDF.type, VOID.Dataset) in void
        assert void.value(target, DCT.title) is not None
        space = str(void.value(target, VOID.uriSpace))
        predicate = ox.NamedNode(str(void.value(linkset, VOID.linkPredicate)))
        objects = [
            q.object for q in store.quads_for_pattern(None, predicate, None, ox.DefaultGraph())
        ]
        assert objects
        assert all(isinstance(o, ox.NamedNode) and o.value.startswith(space) for o in objects)
        assert int(void.value(linkset, VOID.triples)) == len(objects)


def test_identifier_codes_are_property_partitions_not_linksets(void, harvest_app):
    store = live_data(harvest_app).current.store.store
    dataset = rdflib.URIRef(BASE + "id/dataset/french-tech-kg")
    partitions = {
        void.value(p, VOID.property): int(void.value(p, VOID.triples))
        for p in void.objects(dataset, VOID.propertyPartition)
    }
    link_predicates = set(void.objects(None, VOID.linkPredicate))
    for code in (WDT.P374, WDT.P2586, WDT.P2585, WDT.P1616, IGEO.codeINSEE):
        assert code not in link_predicates
        statements = list(
            store.quads_for_pattern(None, ox.NamedNode(str(code)), None, ox.DefaultGraph())
        )
        assert all(isinstance(q.object, ox.Literal) for q in statements)
        assert partitions[code] == len(statements) > 0


def test_the_void_names_the_publisher_and_the_home_page(web, void):
    whole = rdflib.URIRef(BASE + "id/dataset/french-tech-kg")
    labels = rdflib.URIRef(BASE + "id/dataset/french-tech-kg-labels")
    publisher = rdflib.URIRef(BASE + "id/organisation/ftkg")
    assert void.value(whole, DCT.publisher) == publisher
    assert void.value(labels, DCT.publisher) == publisher
    assert void.value(publisher, rdflib.FOAF.name) is not None
    home = urlsplit(str(void.value(whole, rdflib.FOAF.homepage))).path
    assert home == "/" and web.get(home).status_code == 200


def test_the_labels_subset_has_the_statistics_of_its_dump(web, void):
    listing = json.loads(web.get("/dumps/?format=json").data)["versions"][0]
    (entry,) = [f for f in listing["files"] if f["key"] == "labels.nt.gz"]
    body = gzip.decompress(web.get(urlsplit(entry["url"]).path).data)
    triples = list(ox.parse(body, ox.RdfFormat.N_TRIPLES))
    rdf_type = ox.NamedNode(str(rdflib.RDF.type))
    expected = {
        VOID.triples: len(triples),
        VOID.entities: len(
            {
                t.subject
                for t in triples
                if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(BASE + "id/")
            }
        ),
        VOID.distinctSubjects: len({t.subject for t in triples}),
        VOID.distinctObjects: len({t.object for t in triples}),
        VOID.classes: len({t.object for t in triples if t.predicate == rdf_type}),
        VOID.properties: len({t.predicate for t in triples}),
    }
    labels = rdflib.URIRef(BASE + "id/dataset/french-tech-kg-labels")
    stated = {p: void.value(labels, p) for p in expected}
    assert {p: int(v) if v is not None else None for p, v in stated.items()} == expected


def test_every_entity_document_says_which_dataset_it_belongs_to(web):
    graph = rdflib.Graph().parse(data=web.get("/data/commune/59350.ttl").data, format="turtle")
    assert (None, VOID.inDataset, rdflib.URIRef(BASE + "id/dataset/french-tech-kg")) in graph


# --- dumps --------------------------------------------------------------------------------------

FORMATS = {
    "nt.gz": (ox.RdfFormat.N_TRIPLES, True),
    "ttl.gz": (ox.RdfFormat.TURTLE, True),
    "jsonld": (ox.RdfFormat.JSON_LD, False),
    "jsonld.gz": (ox.RdfFormat.JSON_LD, True),
    "nq.gz": (ox.RdfFormat.N_QUADS, True),
}


@pytest.mark.parametrize("key", FORMATS)
def test_each_dump_parses_to_the_stores_count_and_matches_its_checksum(web, harvest_app, key):
    listing = json.loads(web.get("/dumps/?format=json").data)["versions"][0]
    (entry,) = [f for f in listing["files"] if f["key"] == key]
    response = web.get(urlsplit(entry["url"]).path)
    assert response.status_code == 200
    body = response.data
    assert hashlib.sha256(body).hexdigest() == entry["sha256"]
    sidecar = web.get(urlsplit(entry["sha256_url"]).path).get_data(as_text=True)
    assert sidecar == f"{entry['sha256']}  {entry['file']}\n"
    fmt, compressed = FORMATS[key]
    statements = sum(1 for _ in ox.parse(gzip.decompress(body) if compressed else body, fmt))
    statistics = live_data(harvest_app).current.store.statistics()
    expected = sum(statistics.graph_triples.values()) if key == "nq.gz" else statistics.triples
    assert statements == expected == entry["statements"]


@pytest.mark.parametrize("key", ["nt.gz", "ttl.gz", "jsonld"])
def test_each_whole_graph_dump_holds_exactly_the_stores_default_graph(web, harvest_app, key):
    # The three share one read of the store (Turtle and JSON-LD written from a copy in
    # memory): each must still say every triple of the union and nothing else.
    listing = json.loads(web.get("/dumps/?format=json").data)["versions"][0]
    (entry,) = [f for f in listing["files"] if f["key"] == key]
    body = web.get(urlsplit(entry["url"]).path).data
    fmt, compressed = FORMATS[key]
    dumped = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in ox.parse(gzip.decompress(body) if compressed else body, fmt)
    }
    store = live_data(harvest_app).current.store.store
    stored = {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    }
    assert dumped == stored


def assert_every_versioned_download_matches(
    listing: dict, fetch: Callable[[str], tuple[int, bytes]]
) -> None:
    """Every versioned dump and ``.sha256`` that ``listing`` (/dumps/ JSON) gives answers 200,
    the dump with the checksum listed, the sidecar stating it in ``sha256sum``'s format."""
    entries = [entry for version in listing["versions"] for entry in version["files"]]
    assert entries
    for entry in entries:
        status, body = fetch(entry["url"])
        assert status == 200, entry["url"]
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], entry["url"]
        status, body = fetch(entry["sha256_url"])
        assert status == 200, entry["sha256_url"]
        assert body.decode() == f"{entry['sha256']}  {entry['file']}\n"


@pytest.fixture
def default_store_directory(built_store, tmp_path, monkeypatch) -> Path:
    """A working directory whose ``var/store`` (the default ``KG_STORE``) is the built store."""
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "store").symlink_to(built_store, target_is_directory=True)
    monkeypatch.delenv("KG_STORE", raising=False)
    return tmp_path


def test_every_versioned_dump_is_served_with_the_default_relative_store(
    default_store_directory, monkeypatch
):
    monkeypatch.chdir(default_store_directory)
    app = create_app({"TESTING": True, "QUERY_WORKERS": 1})
    app.test_client_class = BufferedClient
    try:
        client = app.test_client()

        def fetch(url: str) -> tuple[int, bytes]:
            response = client.get(urlsplit(url).path)
            return response.status_code, response.data

        assert_every_versioned_download_matches(
            json.loads(client.get("/dumps/?format=json").data), fetch
        )
    finally:
        live_data(app).close()


@pytest.mark.live
def test_a_server_started_in_another_directory_serves_every_versioned_dump(
    default_store_directory, tmp_path_factory
):
    # Started where var/store is, from a shell in another directory than the tests'.
    with serving(
        None, tmp_path_factory.mktemp("elsewhere"), cwd=default_store_directory, WORKERS="1"
    ) as url:
        status, listing = http_get(url + "dumps/?format=json")
        assert status == 200
        assert_every_versioned_download_matches(json.loads(listing), http_get)


def http_exchange(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, Message]:
    """Status, body and headers of a GET over real HTTP, errors and 304 included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def http_get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET over real HTTP, errors included."""
    status, body, _ = http_exchange(url)
    return status, body


def cache_directives(response) -> dict[str, str | None]:
    """The response's Cache-Control directives, name to value (None for a bare directive)."""
    directives = {}
    for part in response.headers["Cache-Control"].split(","):
        name, _, value = part.strip().partition("=")
        directives[name.lower()] = value or None
    return directives


def test_versioned_dumps_and_their_checksums_are_cached_as_immutable(web):
    (version,) = json.loads(web.get("/dumps/?format=json").data)["versions"]
    for entry in version["files"]:
        for url in (entry["url"], entry["sha256_url"]):
            response = web.get(urlsplit(url).path)
            assert cache_directives(response) == {
                "public": None,
                "max-age": "31536000",
                "immutable": None,
            }, url


def test_stable_dumps_stay_fresh_no_longer_than_the_catalogue_and_are_never_immutable(web):
    catalogue_max_age = int(cache_directives(web.get("/catalog"))["max-age"])
    (version,) = json.loads(web.get("/dumps/?format=json").data)["versions"]
    for entry in version["files"]:
        for path in (
            urlsplit(entry["stable_url"]).path,
            urlsplit(entry["stable_url"]).path + ".sha256",
        ):
            directives = cache_directives(web.get(path))
            assert "immutable" not in directives, path
            assert 0 < int(directives["max-age"]) <= catalogue_max_age, path


@pytest.fixture(scope="module")
def rebuilt_store(tmp_path_factory, small_build):
    """A store built twice from sources that differ in one label: (store, the sources)."""
    sources, store = small_store(small_build, tmp_path_factory.mktemp("rebuilt"))
    return store, sources


@pytest.mark.live
def test_after_a_rebuild_revalidating_a_stable_dump_fetches_the_new_file(rebuilt_store, tmp_path):
    store, sources = rebuilt_store
    with serving(store, tmp_path, WORKERS="1") as url:
        status, before, headers = http_exchange(url + "dumps/ftkg-labels.nt.gz")
        assert status == 200
        for file in (sources / "data").rglob("*.trig"):
            text = file.read_text(encoding="utf-8")
            file.write_text(text.replace('"French Tech Lille"@fr', '"FT Lille (v2)"@fr'))
        result = ftkg("build", "--store", str(store), "--base-uri", BASE, "--source", str(sources))
        assert result.returncode == 0, result.stderr
        listing = json.loads(http_get(url + "dumps/?format=json")[1])
        (live,) = [v for v in listing["versions"] if v["live"]]
        (entry,) = [f for f in live["files"] if f["key"] == "labels.nt.gz"]
        assert entry["sha256"] != hashlib.sha256(before).hexdigest()
        for validator in (
            {"If-None-Match": headers["ETag"]},
            {"If-Modified-Since": headers["Last-Modified"]},
        ):
            status, after, _ = http_exchange(url + "dumps/ftkg-labels.nt.gz", validator)
            assert status == 200, validator
            assert hashlib.sha256(after).hexdigest() == entry["sha256"], validator


def test_gzip_dumps_are_files_not_encoded_responses(web):
    response = web.get("/dumps/ftkg.nt.gz", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response.headers
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_dumps_answer_ranges_conditional_gets_and_head(web):
    full = web.get("/dumps/ftkg.ttl.gz")
    partial = web.get("/dumps/ftkg.ttl.gz", headers={"Range": "bytes=10-19"})
    assert partial.status_code == 206 and partial.data == full.data[10:20]
    assert partial.headers["Content-Range"].startswith("bytes 10-19/")
    again = web.get("/dumps/ftkg.ttl.gz", headers={"If-None-Match": full.headers["ETag"]})
    assert again.status_code == 304
    since = web.get(
        "/dumps/ftkg.ttl.gz", headers={"If-Modified-Since": full.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    head = web.head("/dumps/ftkg.ttl.gz")
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(full.data)


def test_the_listing_gives_sizes_checksums_counts_and_stable_addresses(web):
    (version,) = json.loads(web.get("/dumps/?format=json").data)["versions"]
    assert version["live"] is True
    assert {f["key"] for f in version["files"]} == {
        "nt.gz",
        "ttl.gz",
        "jsonld",
        "jsonld.gz",
        "nq.gz",
        "labels.nt.gz",
        "labels.nq.gz",
    }
    for entry in version["files"]:
        assert version["version"] in entry["file"]  # versioned names
        stable = web.get(urlsplit(entry["stable_url"]).path)
        assert stable.status_code == 200 and len(stable.data) == entry["bytes"]
    assert "sha256sum -c" in web.get("/dumps/").get_data(as_text=True)


def test_the_jsonld_dump_is_also_offered_gzipped_wherever_the_dumps_are_listed(web, catalogue):
    (version,) = json.loads(web.get("/dumps/?format=json").data)["versions"]
    (plain,) = [f for f in version["files"] if f["key"] == "jsonld"]
    (gzipped,) = [f for f in version["files"] if f["key"] == "jsonld.gz"]
    assert gzipped["format"] == "application/ld+json"
    assert gzipped["media_type"] == "application/gzip" and gzipped["compressed"]
    body = web.get(urlsplit(gzipped["stable_url"]).path).data
    assert gzip.decompress(body) == web.get(urlsplit(plain["stable_url"]).path).data
    listing = web.get("/dumps/").get_data(as_text=True)
    assert gzipped["file"] in listing and gzipped["stable_url"] in listing
    download = rdflib.URIRef(gzipped["stable_url"])
    (distribution,) = catalogue.subjects(DCAT.accessURL, download)
    iana = "https://www.iana.org/assignments/media-types/"
    assert catalogue.value(distribution, DCAT.mediaType) == rdflib.URIRef(
        iana + "application/ld+json"
    )
    assert catalogue.value(distribution, DCAT.compressFormat) == rdflib.URIRef(
        iana + "application/gzip"
    )
    void = rdflib.Graph().parse(data=web.get("/.well-known/void").data, format="turtle")
    whole = rdflib.URIRef(BASE + "id/dataset/french-tech-kg")
    assert (whole, VOID.dataDump, download) in void


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../build.json",
        "/dumps/%2e%2e/%2e%2e/etc/passwd",
        "/dumps/20990101T000000Z-000000000000/ftkg.nt.gz",
        "/dumps/x/../../live",
    ],
)
def test_no_path_leaves_the_dumps(web, path):
    assert web.get(path).status_code == 404


# --- crawlers and caching -------------------------------------------------------------------------


def test_unchanged_data_revalidates_with_304_everywhere_data_is_served(web):
    for path in (
        "/",
        "/page/ecosystem/lille",
        "/data/ecosystem/lille.ttl",
        "/catalog",
        "/.well-known/void",
        "/sparql?query=ASK%7B%7D",
        "/browse/awards",
        "/ontology",
        "/sitemap.xml",
    ):
        first = web.get(path)
        assert first.status_code == 200, path
        assert first.headers.get("Last-Modified"), path
        assert "max-age" in first.headers["Cache-Control"], path
        again = web.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
        assert again.data == b""


# What a crawler may fetch: the documents the catalogue, the VoID and the pages advertise,
# the SPARQL service description and query editor included...
CRAWLABLE = [
    "/",
    "/sparql",
    "/query",
    "/catalog",
    "/catalog.ttl?page=2",
    "/.well-known/void",
    "/dumps/ftkg.nt.gz",
    "/page/ecosystem/lille",
    "/id/ecosystem/lille",
    "/data/ecosystem/lille.ttl",
    "/ontology",
    "/sitemap.xml",
]
# ...and what it may not: queries, whole graphs, searches and reconciliation lookups.
NOT_CRAWLABLE = [
    "/sparql?query=ASK%7B%7D",
    "/graph-store?default",
    "/search?q=lille",
    "/reconcile?queries=%7B%7D",
    "/reconcile/suggest/entity?prefix=lil",
]
# A query whose first parameter is none of the protocol's: only a parser with RFC 9309
# wildcards (§2.2.3) can tell it from the service description by prefixes alone.
NOT_CRAWLABLE_BY_RFC_9309 = ["/sparql?format=json&query=ASK%7B%7D"]


def test_robots_txt_lets_a_prefix_matching_crawler_read_the_endpoint_but_not_query_it(web):
    # urllib.robotparser matches plain prefixes, first rule first (RFC 9309 §2.2.2 without
    # wildcards), and drops a "?" that ends a rule.
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(web.get("/robots.txt").get_data(as_text=True).splitlines())
    assert [p for p in CRAWLABLE if not robots.can_fetch("crawler", "http://localhost" + p)] == []
    assert [p for p in NOT_CRAWLABLE if robots.can_fetch("crawler", "http://localhost" + p)] == []


def test_robots_txt_keeps_an_rfc_9309_crawler_from_every_query_string_of_the_endpoint(web):
    robots = Protego.parse(web.get("/robots.txt").get_data(as_text=True))
    refused = NOT_CRAWLABLE + NOT_CRAWLABLE_BY_RFC_9309
    assert [p for p in CRAWLABLE if not robots.can_fetch("http://localhost" + p, "crawler")] == []
    assert [p for p in refused if robots.can_fetch("http://localhost" + p, "crawler")] == []
    assert list(robots.sitemaps) == ["http://localhost/sitemap.xml"]


def test_the_home_page_describes_the_dataset_for_search_engines(web):
    page = web.get("/").get_data(as_text=True)
    (block,) = [
        b for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    ]
    document = json.loads(block)
    assert document["@type"] == "Dataset"
    assert document["license"] == str(LICENCE)
    assert len(document["distribution"]) == 5


def test_the_home_page_gives_search_engines_the_same_first_publication_as_the_catalogue(web):
    page = web.get("/").get_data(as_text=True)
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    catalogue = ox.Store()
    catalogue.load(web.get("/catalog", headers={"Accept": "text/turtle"}).data, ox.RdfFormat.TURTLE)
    issued = {
        q.object.value for q in catalogue.quads_for_pattern(None, ox.NamedNode(DCT.issued), None)
    }
    assert {json.loads(block)["datePublished"]} == issued

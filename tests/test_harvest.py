"""Harvesting: the DCAT-AP catalogue, VoID, dumps, crawlers, and HTTP caching."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from conftest import BASE, copy_sources, ftkg, serving
from flask.testing import FlaskClient

from server.app import create_app

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SHAPES = Path(__file__).parent / "standards" / "dcat-ap-3.0.1"
LICENCE = rdflib.URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence")


@pytest.fixture(scope="module")
def harvest_app(built_store):
    app = create_app({"TESTING": True, "STORE": str(built_store), "QUERY_WORKERS": 1})
    yield app
    app.extensions["ftkg.live"].close()


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
        (collection,) = graph.subjects(rdflib.RDF.type, HYDRA.Collection)
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


def test_a_harvester_detects_the_format_with_head(paged_server):
    request = urllib.request.Request(paged_server + "catalog", method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"


# --- VoID -------------------------------------------------------------------------------------


def test_the_void_counts_equal_sparql_counts_on_the_store(web, harvest_app):
    graph = rdflib.Graph().parse(data=web.get("/.well-known/void").data, format="turtle")
    dataset = rdflib.URIRef(BASE + "id/dataset/french-tech-kg")
    store = harvest_app.extensions["ftkg.live"].current.store

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
    linksets = list(graph.subjects(rdflib.RDF.type, VOID.Linkset))
    targets = {str(graph.value(ls, VOID.objectsTarget)) for ls in linksets}
    assert targets == {"https://www.wikidata.org/", "http://id.insee.fr/"}
    assert all(int(graph.value(ls, VOID.triples)) > 0 for ls in linksets)
    assert graph.value(dataset, VOID.sparqlEndpoint) is not None
    assert len(list(graph.objects(dataset, VOID.dataDump))) == 5


def test_the_void_is_linked_from_the_catalogue_the_description_and_home(web, catalogue):
    assert any(
        str(o).endswith("/.well-known/void") for o in catalogue.objects(None, rdflib.RDFS.seeAlso)
    )
    for path in ("/", "/sparql"):
        assert '/.well-known/void>; rel="describedby"' in web.get(path).headers["Link"]
    assert 'rel="describedby"' in web.get("/").get_data(as_text=True)


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
    statistics = harvest_app.extensions["ftkg.live"].current.store.statistics()
    expected = sum(statistics.graph_triples.values()) if key == "nq.gz" else statistics.triples
    assert statements == expected == entry["statements"]


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
        app.extensions["ftkg.live"].close()


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
def rebuilt_store(tmp_path_factory):
    """A store built twice from sources that differ in one label: (store, the sources)."""
    root = tmp_path_factory.mktemp("rebuilt")
    sources = copy_sources(root / "src")
    store = root / "store"
    result = ftkg("build", "--store", str(store), "--base-uri", BASE, "--source", str(sources))
    assert result.returncode == 0, result.stderr
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
    (distribution,) = catalogue.subjects(DCAT.downloadURL, download)
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


def test_the_home_page_describes_the_dataset_for_search_engines(web):
    page = web.get("/").get_data(as_text=True)
    (block,) = [
        b for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    ]
    document = json.loads(block)
    assert document["@type"] == "Dataset"
    assert document["license"] == str(LICENCE)
    assert len(document["distribution"]) == 5

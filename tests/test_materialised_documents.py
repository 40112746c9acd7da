"""Entity documents made at build: the same graphs a request would render, served from the file.

The build (``server.pipeline.documents``) gathers every entity's description in bulk passes;
a request gathers one with ``describe``. These tests hold the two to the same result for every
entity of a store built by ``ftkg build`` (with the small geography), and check that the
``/data/`` view serves what the build made, and renders per request without it.
"""

from __future__ import annotations

import gzip
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import BASE, small_store, wait_until
from rdflib.compare import isomorphic

from server import negotiation
from server.app import create_app
from server.entities import describe as describing
from server.entities import documents, views
from server.namespaces import project_prefixes
from server.pipeline.derive import DERIVATIONS
from server.version import layout
from server.version.documents import Documents
from server.version.store import KnowledgeStore

HYDRA_NEXT = rdflib.URIRef("http://www.w3.org/ns/hydra/core#next")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, small_build: tuple[Path, Path]) -> Path:
    """A store built by ``ftkg build`` from the repository's files (small geography)."""
    _, root = small_store(small_build, tmp_path_factory.mktemp("materialised"))
    return root


@pytest.fixture(scope="module")
def store(built: Path) -> Iterator[KnowledgeStore]:
    opened = KnowledgeStore.open_live(built, DERIVATIONS)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def made(store: KnowledgeStore) -> Documents:
    found = store.documents()
    assert found is not None
    return found


def entities(store: KnowledgeStore) -> list[str]:
    """Every IRI under id/ that the default graph says something about."""
    assert isinstance(store.store, ox.Store)
    prefix = BASE + "id/"
    return sorted(
        {
            q.subject.value
            for q in store.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(prefix)
        }
    )


def rendered_now(store: KnowledgeStore, iri: str, extension: str) -> bytes:
    """Page 1 of the entity's document as a request renders it."""
    path = iri[len(BASE + "id/") :]
    description = describing.describe(store, iri, 1, documents.INCOMING_PAGE_SIZE)
    more = description.has_next_incoming_page
    quads = documents.document_quads(
        description,
        documents.document_iri(BASE, path, extension),
        BASE + documents.DATASET_KEY,
        store.built_at,
        documents.document_iri(BASE, path, extension, 2) if more else None,
        reify=True,
    )
    fmt = negotiation.by_extension(extension, negotiation.DATASET_FORMATS)
    assert fmt is not None
    return documents.serialise(quads, fmt, project_prefixes(BASE))


def graph(body: bytes, rdflib_format: str = "turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=rdflib_format)


def test_every_entity_s_document_is_the_graph_a_request_renders(store, made):
    iris = entities(store)
    assert len(iris) > 1000
    differing = []
    for iri in iris:
        path = iri[len(BASE + "id/") :]
        entry = made.entry(path)
        assert entry is not None, path
        if entry.successor is not None:
            continue  # an alias: answered 301, no document
        body = made.body(path, "ttl", gzip=False)
        assert body is not None, path
        if not isomorphic(graph(body), graph(rendered_now(store, iri, "ttl"))):
            differing.append(path)
    assert differing == []


@pytest.mark.parametrize(("extension", "rdflib_format"), [("jsonld", "json-ld"), ("nt", "nt")])
def test_the_other_formats_hold_the_same_graph(store, made, extension, rdflib_format):
    iri = BASE + "id/ecosystem/lille"
    body = made.body("ecosystem/lille", extension, gzip=False)
    assert body is not None
    expected = graph(rendered_now(store, iri, extension), rdflib_format)
    assert len(expected) > 100
    assert isomorphic(graph(body, rdflib_format), expected)


@pytest.mark.parametrize("extension", ["ttl", "jsonld", "nt"])
def test_each_gzipped_body_is_the_plain_body_compressed(made, extension):
    plain = made.body("ecosystem/lille", extension, gzip=False)
    packed = made.body("ecosystem/lille", extension, gzip=True)
    assert plain and packed and len(packed) < len(plain)
    assert gzip.decompress(packed) == plain


def test_an_entity_with_more_than_a_page_of_incoming_links_names_its_next_page(store, made):
    # The région with the most statements pointing to it in the test data.
    counts = {
        iri: sum(1 for _ in store.store.quads_for_pattern(None, None, ox.NamedNode(iri), None))
        for iri in entities(store)
    }
    iri = max(counts, key=lambda i: counts[i])
    path = iri[len(BASE + "id/") :]
    entry = made.entry(path)
    assert entry is not None and entry.next_page
    body = made.body(path, "ttl", gzip=False)
    assert body is not None
    (following,) = graph(body).objects(None, HYDRA_NEXT)
    assert str(following) == f"{BASE}data/{path}.ttl?page=2"


def test_existence_agrees_with_the_store_for_every_entity_and_nothing_else(store, made):
    iris = entities(store)
    assert all(made.exists(iri[len(BASE + "id/") :]) for iri in iris)
    # IRIs under id/ the graph only points to: no statement about them, no entity.
    prefix = BASE + "id/"
    pointed_to = {
        q.object.value
        for q in store.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(prefix)
    } - set(iris)
    assert pointed_to
    for iri in [*iris, *pointed_to]:
        assert made.exists(iri[len(prefix) :]) == views._exists(store, iri), iri
    assert not made.exists("ecosystem/atlantis")


def test_an_alias_records_its_successor_instead_of_documents(built_store):
    # What /id/ answers 301 for (a former commune code): the successor, no document. The
    # small geography names no former code; the full one does.
    full = KnowledgeStore.open_live(built_store, DERIVATIONS)
    try:
        found = full.documents()
        assert found is not None
        prefix = BASE + "id/"
        aliases = {}
        for iri in entities(full):
            successor = describing.replacement(full, iri)
            if successor and successor.startswith(prefix) and describing.is_alias(full, iri):
                aliases[iri[len(prefix) :]] = successor[len(prefix) :]
        assert len(aliases) > 100
        for path, successor in aliases.items():
            entry = found.entry(path)
            assert entry is not None and entry.successor == successor
            assert found.body(path, "ttl", gzip=False) is None
    finally:
        full.close()


def test_the_data_view_serves_the_body_the_build_made(store, made):
    client = create_app({"TESTING": True, "KNOWLEDGE_STORE": store}).test_client()
    for extension in ("ttl", "jsonld", "nt"):
        response = client.get(f"/data/ecosystem/lille.{extension}")
        assert response.status_code == 200
        assert response.data == made.body("ecosystem/lille", extension, gzip=False)


def test_a_version_without_documents_still_serves_them(built, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(built, copy, symlinks=True)
    version = layout.live_version(copy)
    assert version is not None
    version.documents_path.unlink()
    opened = KnowledgeStore.open_live(copy, DERIVATIONS)
    try:
        assert opened.documents() is None
        client = create_app({"TESTING": True, "KNOWLEDGE_STORE": opened}).test_client()
        response = client.get("/data/ecosystem/lille.ttl")
        assert response.status_code == 200
        assert (
            rdflib.URIRef(BASE + "id/ecosystem/lille"),
            rdflib.URIRef(BASE + "ontology#federatedBy"),
            rdflib.URIRef(BASE + "id/organisation/french-tech-lille"),
        ) in graph(response.data)
    finally:
        opened.close()


def open_descriptors_of(path: Path) -> int:
    """How many of this process's file descriptors are open on ``path``."""
    target = str(path.resolve())
    count = 0
    for descriptor in Path("/proc/self/fd").iterdir():
        try:
            count += str(descriptor.readlink()) == target
        except OSError:
            continue  # closed while listed
    return count


def test_closing_a_version_closes_every_connection_to_its_documents(built):
    version = layout.live_version(built)
    assert version is not None
    others = open_descriptors_of(version.documents_path)  # this module's other readers
    opened = KnowledgeStore.open_live(built, DERIVATIONS)
    made = opened.documents()
    assert made is not None
    # Read from two threads, as the web workers' threads do: one connection each.
    reader = threading.Thread(target=made.body, args=("ecosystem/lille", "ttl", False))
    reader.start()
    reader.join()
    assert made.body("ecosystem/lille", "ttl", gzip=False)
    assert open_descriptors_of(version.documents_path) >= others + 2
    opened.close()
    # The read-ahead thread stops at its next chunk; the connections close at once.
    wait_until(
        lambda: open_descriptors_of(version.documents_path) == others,
        timeout=10,
        what="every descriptor on documents.sqlite closing",
    )

"""Entity IRIs dereferenced by real clients over HTTP: rdflib, and a browser."""

from __future__ import annotations

import pytest
import rdflib
from browser import chromium, chromium_available
from conftest import copy_sources, free_port, ftkg, serving

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def self_hosted(tmp_path_factory):
    """A store whose base URI is the very address it is served at, so its IRIs dereference."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    work = tmp_path_factory.mktemp("self-hosted")
    sources = copy_sources(work / "src")
    result = ftkg(
        "build", "--store", str(work / "store"), "--base-uri", base, "--source", str(sources)
    )
    assert result.returncode == 0, result.stderr
    with serving(work / "store", work, port=port, SOURCE_DIR=str(sources)) as url:
        assert url == base
        yield base


def test_rdflib_parses_an_entity_iri_end_to_end(self_hosted):
    entity = rdflib.URIRef(self_hosted + "id/ecosystem/lille")
    graph = rdflib.Graph().parse(entity)  # GET with RDF Accept, 303, then the document
    label = graph.value(entity, rdflib.RDFS.label)
    assert str(label) == "French Tech Lille"
    assert (entity, rdflib.URIRef(self_hosted + "ontology#federatedBy"), None) in graph


def test_rdflib_reads_a_former_commune_with_its_successor(self_hosted):
    former = rdflib.URIRef(self_hosted + "id/commune/59298")
    graph = rdflib.Graph().parse(former)
    successor = rdflib.URIRef(self_hosted + "id/commune/59350")
    assert (former, rdflib.RDFS.label, rdflib.Literal("Hellemmes-Lille", lang="fr")) in graph
    assert (former, rdflib.DCTERMS.isReplacedBy, successor) in graph
    assert (successor, rdflib.RDFS.label, rdflib.Literal("Lille", lang="fr")) in graph


def test_an_ontology_term_dereferences_to_the_ontology(self_hosted):
    graph = rdflib.Graph().parse(self_hosted + "ontology#LabelAward")
    assert (
        rdflib.URIRef(self_hosted + "ontology#LabelAward"),
        rdflib.RDF.type,
        rdflib.OWL.Class,
    ) in graph


@pytest.mark.browser
@pytest.mark.skipif(not chromium_available(), reason="Debian's chromium is not installed")
def test_pages_render_in_a_browser_and_the_language_switch_works(self_hosted):
    with chromium() as browser:
        page = browser.new_page(locale="en-GB")
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        response = page.goto(self_hosted + "id/epci/200093201")  # 303 to the page
        assert response is not None and response.ok
        assert page.url == self_hosted + "page/epci/200093201"
        assert page.locator("h1").inner_text() == "European Metropolis of Lille"
        page.click("text=français")
        assert page.locator("h1").inner_text() == "Métropole Européenne de Lille"
        assert page.locator("html").get_attribute("lang") == "fr"
        page.get_by_role(
            "link", name="Damien Castelain, président de la Métropole Européenne de Lille"
        ).first.click()
        assert page.locator("h1").inner_text().startswith("Damien Castelain")
        page.get_by_role("link", name="Damien Castelain", exact=True).first.click()
        assert page.locator("h1").inner_text() == "Damien Castelain"
        assert page.url == self_hosted + "page/person/damien-castelain"
        assert errors == []

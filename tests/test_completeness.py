"""How complete each round is, as people and harvesters see it: the page, the catalogue, VoID."""

from __future__ import annotations

import rdflib

DQV = rdflib.Namespace("http://www.w3.org/ns/dqv#")


def test_the_page_shows_each_round_announced_against_present(client):
    response = client.get("/completeness?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = html[html.index("French Tech Capitals and Communities, 2019") :]
    row = row[
        row.index("French Tech Community") : row.index("</tr>", row.index("French Tech Community"))
    ]
    assert ">38<" in row and ">29<" in row and ">9<" in row and "76%" in row


def test_a_round_whose_total_no_source_gives_says_its_completeness_is_unknown(client):
    html = client.get("/completeness?lang=fr").get_data(as_text=True)
    assert "inconnue" in html
    assert "Complétude des vagues" in html


def test_rounds_are_listed_in_the_order_they_took_place(client):
    html = client.get("/completeness?lang=en").get_data(as_text=True)
    order = [
        "French Tech Metropolises, first wave (2014)",
        "French Tech Capitals and Communities, 2019",
        "French Tech Communities, July 2019",
        "French Tech Capitals and Communities, 2023-2025",
        "French Tech Capitals, December 2023",
    ]
    positions = [html.index(name) for name in order]
    assert positions == sorted(positions)


def test_the_page_names_the_source_of_each_announced_total(client):
    html = client.get("/completeness?lang=en").get_data(as_text=True)
    assert "La Gazette des communes, avril 2019" in html


def _graph(client, path: str) -> rdflib.Graph:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")


def test_the_catalogue_states_each_datasets_completeness_computed_on_it(client):
    graph = _graph(client, "/catalog")
    datasets = set(
        graph.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset"))
    )
    assert datasets
    for dataset in datasets:
        measured = [m for m in graph.objects(dataset, DQV.hasQualityMeasurement)]
        assert len(measured) == 1
        assert (measured[0], DQV.computedOn, dataset) in graph
        assert 0 < float(graph.value(measured[0], DQV.value)) < 1


def test_every_measurement_hangs_from_what_it_is_computed_on(client):
    # dqv:hasQualityMeasurement is the inverse of dqv:computedOn (W3C DQV §6).
    for path in ("/catalog", "/.well-known/void"):
        graph = _graph(client, path)
        pairs = list(graph.subject_objects(DQV.hasQualityMeasurement))
        assert len(pairs) > 10
        for resource, measurement in pairs:
            assert list(graph.objects(measurement, DQV.computedOn)) == [resource]
            assert (measurement, DQV.isMeasurementOf, None) in graph

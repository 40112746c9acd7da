"""The built store served by `ftkg serve`, queried over real HTTP by a real client."""

from __future__ import annotations

import urllib.request

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

pytestmark = pytest.mark.live


def test_sparqlwrapper_reads_the_awards_from_a_live_server(live_server):
    client = SPARQLWrapper(live_server + "sparql")
    client.setQuery(
        "PREFIX ftkg: <http://kg.test/ontology#> "
        "SELECT ?award WHERE { ?award ftkg:awardee <http://kg.test/id/ecosystem/lille> } ORDER BY ?award"
    )
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]
    assert [b["award"]["value"].rsplit("/", 1)[-1] for b in bindings] == [
        "2014-metropole-lille",
        "2016-metropole-lille",
        "2019-capitale-lille",
        "2019-communaute-lille",
    ]


def test_sparqlwrapper_by_post_gets_the_same_answer(live_server):
    client = SPARQLWrapper(live_server + "sparql")
    client.setMethod("POST")
    client.setQuery("ASK { <http://kg.test/id/ecosystem/lille> ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True


def test_home_page_over_http(live_server):
    with urllib.request.urlopen(live_server) as response:
        assert response.status == 200
        assert "French Tech Knowledge Graph" in response.read().decode("utf-8")

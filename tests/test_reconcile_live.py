"""A reconciliation round trip over real HTTP, as OpenRefine makes it: the manifest, a batch
posted as a form, suggest, a preview, and a data extension."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.live


def fetch(url: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read().decode("utf-8")


def test_openrefine_round_trip(live_server):
    _, _, body = fetch(live_server + "reconcile")
    manifest = json.loads(body)
    assert manifest["versions"] == ["0.1", "0.2"]
    queries = {
        "q0": {"query": "Lille", "type": "commune", "type_strict": "should"},
        "q1": {
            "query": "Saint-Denis",
            "type": "commune",
            "type_strict": "should",
            "properties": [{"pid": "departement", "v": "93"}],
        },
        "q2": {"query": "Eurasante"},
    }
    status, content_type, body = fetch(live_server + "reconcile", {"queries": json.dumps(queries)})
    assert status == 200 and content_type.startswith("application/json")
    answer = json.loads(body)
    assert [answer[k]["result"][0]["id"] for k in ("q0", "q1", "q2")] == [
        "commune/59350",
        "commune/93066",
        "organisation/eurasante",
    ]
    assert answer["q0"]["result"][0]["match"] is True

    suggest = manifest["suggest"]["entity"]
    _, _, body = fetch(suggest["service_url"] + suggest["service_path"] + "?prefix=euratec")
    assert json.loads(body)["result"][0]["id"] == "organisation/euratechnologies"

    preview = manifest["preview"]["url"].replace(
        "{{id}}", urllib.parse.quote("commune/59350", safe="")
    )
    status, content_type, body = fetch(preview)
    assert status == 200 and content_type.startswith("text/html") and "Lille" in body

    propose = manifest["extend"]["propose_properties"]
    _, _, body = fetch(propose["service_url"] + propose["service_path"] + "?type=commune")
    assert "population" in {p["id"] for p in json.loads(body)["properties"]}
    extend = {
        "ids": ["commune/59350", "commune/93066"],
        "properties": [{"id": "population"}, {"id": "epci"}],
    }
    _, _, body = fetch(live_server + "reconcile", {"extend": json.dumps(extend)})
    rows = json.loads(body)["rows"]
    assert rows["commune/59350"]["epci"] == [
        {"id": "epci/200093201", "name": "Métropole Européenne de Lille"}
    ]
    assert rows["commune/93066"]["population"][0]["int"] > 100000

    view = manifest["view"]["url"].replace("{{id}}", "commune/59350")
    status, _, body = fetch(view)
    assert status == 200 and "Lille" in body


def test_one_bad_query_of_a_batch_leaves_the_others_answered(live_server):
    # OpenRefine sends ten rows a batch: a type unknown to the service costs one row, not ten.
    queries = {
        "q0": {"query": "Roubaix", "type": "commune", "type_strict": "should"},
        "q1": {"query": "Lille", "type": "castle", "type_strict": "should"},
    }
    status, content_type, body = fetch(live_server + "reconcile", {"queries": json.dumps(queries)})
    assert status == 200 and content_type.startswith("application/json")
    answer = json.loads(body)
    assert answer["q0"]["result"][0]["id"] == "commune/59512"
    assert answer["q1"]["result"] == []
    assert answer["q1"]["error"]["status"] == 400
    assert "unknown type 'castle'" in answer["q1"]["error"]["message"]

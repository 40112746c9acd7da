"""The benchmark's check that our service answers alike on two engines (bench/harness)."""

from __future__ import annotations

import json
import sys

from conftest import PROJECT_ROOT

# bench/ is scripts, not an installed package: importable from the repository root, as
# bench/compare.py makes it for itself.
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from bench.harness.agreement import _normalised, compare
from bench.harness.servers import Endpoint
from bench.harness.workload import Call

BASE = "http://localhost:8000/"
ENTITY = BASE + "id/commune/59350"


def _endpoint(port: int) -> Endpoint:
    return Endpoint("ours", port, "/sparql", BASE, pid=0, native_pages=True)


def _document(port: int, blank: str) -> bytes:
    # A document names itself by the address it was asked at, and labels blank nodes freely.
    return (
        f"<http://127.0.0.1:{port}/data/commune/59350.ttl> "
        f"<http://xmlns.com/foaf/0.1/primaryTopic> <{ENTITY}> .\n"
        f"_:{blank} <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{ENTITY}> .\n"
    ).encode()


def _results(*names: str) -> bytes:
    rows = [{"name": {"type": "literal", "value": name}} for name in names]
    return json.dumps({"head": {"vars": ["name"]}, "results": {"bindings": rows}}).encode()


def test_documents_differing_only_in_port_and_blank_node_labels_agree() -> None:
    call = Call("deref-ttl", ENTITY)
    one = _normalised(_endpoint(8001), call, 200, _document(8001, "a1"))
    other = _normalised(_endpoint(9002), call, 200, _document(9002, "x9"))

    assert compare([call], [one], [other]) == {"compared": 1, "same": 1, "differ": {}}


def test_results_with_a_row_repeated_differ_from_the_same_rows_once() -> None:
    call = Call("join", "SELECT ?name WHERE { ?c <http://rdf.insee.fr/def/geo#nom> ?name }")
    merge = _normalised(_endpoint(8001), call, 200, _results("Lille", "Roubaix"))
    bag = _normalised(_endpoint(9002), call, 200, _results("Lille", "Lille", "Roubaix"))

    found = compare([call], [merge], [bag])

    assert found["same"] == 0
    assert list(found["differ"]) == ["join"]


def test_results_in_another_order_agree() -> None:
    call = Call("search", "SELECT ?name WHERE { ?c <http://rdf.insee.fr/def/geo#nom> ?name }")
    one = _normalised(_endpoint(8001), call, 200, _results("Lille", "Roubaix"))
    other = _normalised(_endpoint(9002), call, 200, _results("Roubaix", "Lille"))

    assert compare([call], [one], [other])["same"] == 1

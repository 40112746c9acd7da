"""The two validation engines agree: pyshacl (the reference) and the shapes compiled to SPARQL.

tests/shapes/ holds small datasets: valid/ ones conform, each invalid/ one breaks exactly one
rule. Its first line says why; its second which constraint component must fire on which focus
node. Both engines must report that, and report the same thing.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import BASE, PROJECT_ROOT

from server.pipeline import shacl_sparql, validation
from server.pipeline.inputs import ParsedInputs

EXAMPLES = Path(__file__).parent / "shapes"
PREFIXES = (EXAMPLES / "prefixes.ttl").read_text(encoding="utf-8")
SHAPES = validation.load_shapes(PROJECT_ROOT / "ontology" / "shapes.ttl", BASE)
ONTOLOGY = [
    ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(BASE + "ontology"))
    for name in ("ftkg.ttl", "reused-terms.ttl")
    for q in ox.parse(path=PROJECT_ROOT / "ontology" / name, base_iri=BASE)
]


def findings(path: Path) -> tuple[set, set]:
    """(focus, component) pairs reported by pyshacl and by the SPARQL engine on ``path``."""
    quads = ONTOLOGY + list(
        ox.parse(PREFIXES + path.read_text(encoding="utf-8"), ox.RdfFormat.TRIG, base_iri=BASE)
    )
    store = ox.Store()
    store.extend(quads)
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    compiled = {
        (f.focus.value, f.check.component)
        for f in shacl_sparql.run_checks(shacl_sparql.compile_checks(SHAPES, store), store)
    }
    parsed = ParsedInputs(files=[], root=PROJECT_ROOT)
    reference = {
        (r.focus_node.strip("<>"), r.constraint)
        for r in validation.run_pyshacl(validation.to_rdflib(quads), SHAPES, parsed)
        if r.severity == "Violation"
    }
    return reference, compiled


def expectation(path: Path) -> tuple[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# why: ") and lines[1].startswith("# expect: "), path
    component, focus = lines[1].removeprefix("# expect: ").split()
    return BASE + focus.strip("<>"), component


@pytest.mark.parametrize("path", sorted((EXAMPLES / "valid").glob("*.trig")), ids=lambda p: p.stem)
def test_a_valid_example_conforms_for_both_engines(path):
    assert findings(path) == (set(), set())


@pytest.mark.parametrize(
    "path", sorted((EXAMPLES / "invalid").glob("*.trig")), ids=lambda p: p.stem
)
def test_an_invalid_example_fires_its_constraint_in_both_engines(path):
    reference, compiled = findings(path)
    assert expectation(path) in reference
    assert compiled == reference


def test_a_shape_using_an_unsupported_component_is_refused_not_skipped():
    shapes = validation.load_shapes(PROJECT_ROOT / "ontology" / "shapes.ttl", BASE)
    shapes.parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
                <urn:x:s> a sh:NodeShape ; sh:targetClass <urn:x:C> ;
                  sh:property [ sh:path <urn:x:p> ; sh:lessThan <urn:x:q> ] .""",
        format="turtle",
    )
    with pytest.raises(Exception, match="lessThan"):
        shacl_sparql.compile_checks(shapes, ox.Store())

"""The two validation engines agree: pyshacl (the reference) and the shapes compiled to SPARQL.

tests/shapes/ holds small datasets: valid/ ones conform, each invalid/ one breaks exactly one
rule. Its first line says why; the next, ``# expect: component focus shape path``, the
violation it must cause: the constraint component, on which focus node, of which node shape,
at which path (``-`` for a constraint on the node itself). Both engines must report exactly
that and nothing else; the node shape is the compiled engine's to name. An example breaking a
rule that cannot fail alone lists each violation it causes, one ``# expect:`` line each.
Every node shape that targets a class has at least one invalid example.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import BASE, PROJECT_ROOT
from rdflib.namespace import SH

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
VALID = sorted((EXAMPLES / "valid").glob("*.trig"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.trig"))
# The prefixes the examples' headers may use: the examples' own, and the shapes'.
NAMESPACES = {
    name: BASE + iri if "://" not in iri else iri
    for name, iri in re.findall(r"@prefix\s+(\w*):\s+<([^>]*)>", PREFIXES)
} | {"fsh": BASE + "ontology/shapes#"}

# (focus, component, path): one violation as both engines report it.
Violation = tuple[str, str, str | None]


def example(path: Path) -> tuple[list[ox.Quad], ox.Store]:
    """The example's quads with the ontology, and a store holding them as a build loads them."""
    quads = ONTOLOGY + list(
        ox.parse(PREFIXES + path.read_text(encoding="utf-8"), ox.RdfFormat.TRIG, base_iri=BASE)
    )
    store = ox.Store()
    store.extend(quads)
    store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    return quads, store


def findings(path: Path) -> tuple[set[Violation], set[tuple[str, Violation]]]:
    """The violations pyshacl reports on ``path``, and those of the SPARQL engine, each with
    the node shape whose check found it."""
    quads, store = example(path)
    compiled = {
        (f.check.shape, (f.focus.value, f.check.component, f.check.path))
        for f in shacl_sparql.run_checks(shacl_sparql.compile_checks(SHAPES, store), store)
    }
    parsed = ParsedInputs(files=[], root=PROJECT_ROOT)
    reference = {
        (r.focus_node.strip("<>"), r.constraint, r.path)
        for r in validation.run_pyshacl(validation.to_rdflib(quads), SHAPES, parsed)
        if r.severity == "Violation"
    }
    return reference, compiled


def _iri(name: str) -> str:
    if name.startswith("<"):
        return BASE + name.strip("<>")
    prefix, _, local = name.partition(":")
    return NAMESPACES[prefix] + local


def expectations(path: Path) -> set[tuple[str, Violation]]:
    """What the example's header says must fire: (node shape, violation) pairs."""
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = [line.removeprefix("# expect: ") for line in lines if line.startswith("# expect: ")]
    assert lines[0].startswith("# why: ") and lines[1].startswith("# expect: "), path
    result = set()
    for line in expected:
        component, focus, shape, shape_path = line.split()
        at = None if shape_path == "-" else f"<{_iri(shape_path)}>"
        result.add((_iri(shape), (_iri(focus), component, at)))
    return result


def targeted_node_shapes() -> set[str]:
    return {str(s) for s in SHAPES.subjects(SH.targetClass, None) if isinstance(s, rdflib.URIRef)}


def test_the_example_folders_are_not_empty():
    # Parametrising over an empty folder would pass without checking anything.
    assert VALID and INVALID


def test_every_node_shape_has_an_invalid_example():
    covered = {shape for path in INVALID for shape, _ in expectations(path)}
    assert sorted(targeted_node_shapes() - covered) == []


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_a_valid_example_conforms_for_both_engines(path):
    assert findings(path) == (set(), set())


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_an_invalid_example_fires_exactly_its_constraint_in_both_engines(path):
    reference, compiled = findings(path)
    expected = expectations(path)
    assert compiled == expected
    assert reference == {violation for _, violation in expected}


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_checks_of_only_some_focus_nodes_find_what_checks_of_all_find_on_them(path):
    # An incremental build checks only the resources its change reaches.
    _, store = example(path)
    checks = shacl_sparql.compile_checks(SHAPES, store)

    def found(focus: list[ox.NamedNode | ox.BlankNode] | None) -> set[tuple[str, str, str]]:
        return {
            (str(f.focus), f.check.component, str(f.value))
            for f in shacl_sparql.run_checks(checks, store, focus)
        }

    everything = found(None)
    at_fault = sorted({f.focus for f in shacl_sparql.run_checks(checks, store)}, key=str)
    assert everything and found(at_fault) == everything  # type: ignore[arg-type]
    assert found([ox.NamedNode(BASE + "id/award/not-in-the-example")]) == set()


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

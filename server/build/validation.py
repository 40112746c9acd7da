"""Validating the data against the published SHACL shapes before anything is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import SH

from server.build.errors import BuildError
from server.build.inputs import ParsedInputs


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL validation result, ready to be printed for the person who wrote the data."""

    severity: str  # "Violation", "Warning" or "Info"
    focus_node: str
    path: str | None
    constraint: str
    message: str
    value: str | None
    files: tuple[str, ...]

    def describe(self) -> str:
        """One paragraph: where, what and why."""
        where = ", ".join(self.files) or "(no input file describes it)"
        parts = [f"{where}: {self.severity.lower()} on {self.focus_node}"]
        if self.path:
            parts.append(f"path {self.path}")
        parts.append(f"constraint {self.constraint}")
        if self.value is not None:
            parts.append(f"value {self.value}")
        return "; ".join(parts) + f": {self.message}"


class ShapeViolationError(BuildError):
    """The data does not conform to the shapes; the message lists every violation."""

    def __init__(self, results: list[ShapeResult]) -> None:
        violations = [r for r in results if r.severity == "Violation"]
        lines = [f"{len(violations)} shape violation(s):"]
        lines += [f"  - {r.describe()}" for r in violations]
        super().__init__("\n".join(lines))
        self.results = results


def load_shapes(shapes_path: Path, base_uri: str) -> rdflib.Graph:
    """The shapes graph, its relative IRIs resolved against ``base_uri``."""
    try:
        return rdflib.Graph().parse(shapes_path, format="turtle", publicID=base_uri)
    except Exception as error:  # rdflib raises parser-specific classes with line numbers
        raise BuildError(f"{shapes_path}: cannot parse the shapes: {error}") from None


def to_rdflib(quads: list[ox.Quad]) -> rdflib.Graph:
    """The union of the quads' triples as an rdflib graph (what pyshacl reads)."""
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    graph = rdflib.Graph()
    if triples:
        graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def validate(parsed: ParsedInputs, shapes: rdflib.Graph) -> list[ShapeResult]:
    """Validate every triple against ``shapes``; raise on violations, return the warnings.

    The ontology is part of the data graph, so ``sh:targetClass`` reaches instances of
    subclasses through the ontology's ``rdfs:subClassOf`` (SHACL §2.1.3.3).
    """
    conforms, report, _ = pyshacl.validate(
        to_rdflib(parsed.quads),
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
    )
    results = _results(report, parsed)
    if not conforms or any(r.severity == "Violation" for r in results):
        raise ShapeViolationError(results)
    return results


def _results(report: rdflib.Graph, parsed: ParsedInputs) -> list[ShapeResult]:
    results = []
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        severity = report.value(node, SH.resultSeverity)
        component = report.value(node, SH.sourceConstraintComponent)
        message = report.value(node, SH.resultMessage)
        files = _files_for(parsed, focus, path, value)
        results.append(
            ShapeResult(
                severity=_local_name(severity),
                focus_node=focus.n3() if focus is not None else "?",
                path=_render(path, report),
                constraint=_local_name(component),
                message=str(message) if message is not None else "",
                value=value.n3() if value is not None else None,
                files=files,
            )
        )
    return sorted(results, key=lambda r: (r.files, r.focus_node, r.path or "", r.constraint))


def _files_for(
    parsed: ParsedInputs,
    focus: rdflib.term.Node | None,
    path: rdflib.term.Node | None,
    value: rdflib.term.Node | None,
) -> tuple[str, ...]:
    """The files holding the offending triple, else those describing the focus node."""
    root = parsed.root
    if (
        isinstance(path, rdflib.URIRef)
        and value is not None
        and not isinstance(value, rdflib.BNode)
    ):
        exact = parsed.files_stating(str(focus), str(path), str(value))
        if exact:
            return tuple(_relative(p, root) for p in exact)
    return tuple(_relative(p, root) for p in parsed.files_stating(str(focus)))


def _render(path: rdflib.term.Node | None, report: rdflib.Graph) -> str | None:
    if path is None:
        return None
    if isinstance(path, rdflib.BNode):  # a complex path: show it as Turtle would
        inverse = report.value(path, SH.inversePath)
        if inverse is not None:
            return f"^<{inverse}>"
        return "(complex path)"
    return f"<{path}>"


def _local_name(iri: rdflib.term.Node | None) -> str:
    text = str(iri or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)

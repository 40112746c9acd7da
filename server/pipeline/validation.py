"""Validating the data against the published SHACL shapes before anything is loaded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib.namespace import SH

from server.pipeline.errors import BuildError
from server.pipeline.inputs import ParsedInputs


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

    SHOWN = 25

    def __init__(self, results: list[ShapeResult]) -> None:
        violations = [r for r in results if r.severity == "Violation"]
        lines = [f"{len(violations)} shape violation(s):"]
        lines += [f"  - {r.describe()}" for r in violations[: self.SHOWN]]
        if len(violations) > self.SHOWN:
            lines.append(f"  … and {len(violations) - self.SHOWN} more of the same kinds")
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
    return to_rdflib_triples({ox.Triple(q.subject, q.predicate, q.object) for q in quads})


def to_rdflib_triples(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """An rdflib graph holding ``triples`` (pyoxigraph triples)."""
    graph = rdflib.Graph()
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if data:
        graph.parse(data=data, format="nt")
    return graph


def run_pyshacl(
    graph: rdflib.Graph, shapes: rdflib.Graph, parsed: ParsedInputs
) -> list[ShapeResult]:
    """Every result of validating ``graph`` against ``shapes`` with pyshacl.

    The ontology is part of the data graph, so ``sh:targetClass`` reaches instances of
    subclasses through the ontology's ``rdfs:subClassOf`` (SHACL §2.1.3.3). ``graph`` is
    validated in place: pass one made for this call.
    """
    _, report, _ = pyshacl.validate(
        graph,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        # The graph is made for this validation and dropped after it: advanced mode would
        # otherwise copy it first, in case SHACL rules add to it.
        inplace=True,
    )
    return _results(report, parsed)


def _results(report: rdflib.Graph, parsed: ParsedInputs) -> list[ShapeResult]:
    results = []
    # Nested results (sh:detail) explain a top-level one; the top-level one is reported.
    details = set(report.objects(None, SH.detail))
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        if node in details:
            continue
        focus = report.value(node, SH.focusNode)
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        severity = report.value(node, SH.resultSeverity)
        component = report.value(node, SH.sourceConstraintComponent)
        message = report.value(node, SH.resultMessage)
        simple_path = str(path) if isinstance(path, rdflib.URIRef) else None
        if path is None:
            value = None  # a node-level result's value is the focus node itself
        plain_value = (
            str(value) if value is not None and not isinstance(value, rdflib.BNode) else None
        )
        results.append(
            ShapeResult(
                severity=_local_name(severity),
                focus_node=focus.n3() if focus is not None else "?",
                path=_render(path, report),
                constraint=_local_name(component),
                message=str(message) if message is not None else "",
                value=value.n3() if value is not None else None,
                files=files_for(parsed, str(focus), simple_path, plain_value),
            )
        )
    return results


def files_for(
    parsed: ParsedInputs, focus: str, path: str | None, value: str | None
) -> tuple[str, ...]:
    """The files holding the offending triple, else those describing the focus node."""
    if path is not None and value is not None:
        exact = parsed.files_stating(focus, path, value)
        if exact:
            return tuple(_relative(p, parsed.root) for p in exact)
    return tuple(_relative(p, parsed.root) for p in parsed.files_stating(focus))


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

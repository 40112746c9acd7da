"""SHACL shapes compiled to SPARQL and evaluated by Oxigraph: validation of the whole store.

pyshacl walks every focus node in Python and takes minutes on the 760,000 statements of the
official geography. The same shapes, turned into one SPARQL query per constraint, run in
Oxigraph's Rust engine in a couple of seconds over everything — nothing is sampled. The
translation follows SHACL Core's definitions (https://www.w3.org/TR/shacl/, §4) for the
constraint components our shapes use; a shape using any other component is refused at compile
time rather than silently skipped. Tests hold this engine to pyshacl's verdicts on the curated
data and on a corpus of invalid examples (tests/shapes/).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, SH

from server.pipeline.errors import BuildError
from server.remote import values_block
from server.terms import solutions

# Constraint parameters this compiler understands, on property shapes and node shapes.
PROPERTY_PARAMETERS = {
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH.datatype,
    SH["class"],
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH.languageIn,
    SH.uniqueLang,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.minInclusive,
    SH.maxInclusive,
    SH.node,
    SH["or"],
    SH["in"],
    SH.message,
    SH.name,
    SH.description,
    RDF.type,
}
NODE_PARAMETERS = {
    SH.targetClass,
    SH.property,
    SH.nodeKind,
    SH["or"],
    SH.message,
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.datatype,
}
MAX_RESULTS_PER_CONSTRAINT = 50
_RDF_TYPE = ox.NamedNode(str(RDF.type))


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, as a SPARQL query returning the offending focus nodes."""

    shape: str
    component: str
    path: str | None
    message: str
    query: str
    # The target classes, and the query's text that selects the focus nodes by them: checking
    # a few focus nodes replaces that text by those nodes (``run_checks``).
    classes: tuple[str, ...] = ()
    target: str = ""


@dataclass(frozen=True)
class Finding:
    """A focus node (and value) that violates a check."""

    check: Check
    focus: ox.NamedNode | ox.BlankNode | ox.Literal
    value: ox.NamedNode | ox.BlankNode | ox.Literal | None


class _Compiler:
    def __init__(self, shapes: rdflib.Graph) -> None:
        self.g = shapes

    # --- values -------------------------------------------------------------------------

    def value_conforms(self, var: str, shape: rdflib.term.Node) -> str | None:
        """A SPARQL boolean expression: the value in ``var`` conforms to ``shape``'s value
        constraints (datatype, nodeKind, pattern, languageIn, class, range, in, node, or)."""
        parts = []
        g = self.g
        datatype = g.value(shape, SH.datatype)
        if datatype is not None:
            if datatype == RDF.langString:
                parts.append(f'(isLiteral({var}) && LANG({var}) != "")')
            else:
                parts.append(f"(isLiteral({var}) && DATATYPE({var}) = {datatype.n3()})")
        kind = g.value(shape, SH.nodeKind)
        if kind is not None:
            kinds: dict[rdflib.term.Node, str] = {
                SH.IRI: f"isIRI({var})",
                SH.Literal: f"isLiteral({var})",
                SH.BlankNode: f"isBlank({var})",
                SH.BlankNodeOrIRI: f"(isIRI({var}) || isBlank({var}))",
                SH.IRIOrLiteral: f"(isIRI({var}) || isLiteral({var}))",
                SH.BlankNodeOrLiteral: f"(isBlank({var}) || isLiteral({var}))",
            }
            parts.append(kinds[kind])
        pattern = g.value(shape, SH.pattern)
        if pattern is not None:
            flags = g.value(shape, SH.flags)
            flag_arg = f", {rdflib.Literal(str(flags)).n3()}" if flags is not None else ""
            regex = rdflib.Literal(str(pattern)).n3()
            parts.append(f"(!isBlank({var}) && REGEX(STR({var}), {regex}{flag_arg}))")
        languages = g.value(shape, SH.languageIn)
        if languages is not None:
            tags = [rdflib.Literal(str(t)).n3() for t in rdflib.collection.Collection(g, languages)]
            matches = " || ".join(f"LANGMATCHES(LANG({var}), {tag})" for tag in tags) or "false"
            parts.append(f"(isLiteral({var}) && ({matches}))")
        cls = g.value(shape, SH["class"])
        if cls is not None:
            parts.append(f"EXISTS {{ {var} a/<{RDFS.subClassOf}>* {cls.n3()} }}")
        for parameter, operator in ((SH.minInclusive, ">="), (SH.maxInclusive, "<=")):
            bound = g.value(shape, parameter)
            if bound is not None:
                parts.append(f"({var} {operator} {bound.n3()})")
        members = g.value(shape, SH["in"])
        if members is not None:
            listed = ", ".join(m.n3() for m in rdflib.collection.Collection(g, members))
            parts.append(f"({var} IN ({listed}))")
        for node in g.objects(shape, SH.node):
            self.check_parameters(node, NODE_PARAMETERS | PROPERTY_PARAMETERS)
            inner = self.value_conforms(var, node)
            if inner:
                parts.append(inner)
        alternatives = g.value(shape, SH["or"])
        if alternatives is not None and g.value(shape, SH.path) is None:
            options = []
            for option in rdflib.collection.Collection(g, alternatives):
                if g.value(option, SH.path) is not None:
                    continue  # property alternatives are handled at node level
                options.append(self.value_conforms(var, option) or "true")
            if options:
                parts.append("(" + " || ".join(options) + ")")
        return " && ".join(parts) if parts else None

    def check_parameters(self, shape: rdflib.term.Node, allowed: set[rdflib.URIRef]) -> None:
        for predicate in set(self.g.predicates(shape, None)):
            if str(predicate).startswith(str(SH)) and predicate not in allowed:
                raise BuildError(
                    f"shape {self.name(shape)} uses {predicate}, which the SPARQL validator "
                    "does not implement; implement it in server/pipeline/shacl_sparql.py"
                )

    def name(self, shape: rdflib.term.Node) -> str:
        return shape.n3() if isinstance(shape, rdflib.URIRef) else "a blank-node shape"

    # --- paths --------------------------------------------------------------------------

    def path(self, shape: rdflib.term.Node) -> tuple[str, str]:
        """The SPARQL path expression of a property shape, and how to print it."""
        path = self.g.value(shape, SH.path)
        if isinstance(path, rdflib.URIRef):
            return path.n3(), f"<{path}>"
        inverse = self.g.value(path, SH.inversePath) if path is not None else None
        if isinstance(inverse, rdflib.URIRef):
            return f"^{inverse.n3()}", f"^<{inverse}>"
        raise BuildError(f"shape {self.name(shape)}: only IRI and inverse paths are supported")

    # --- shapes -------------------------------------------------------------------------

    def message(self, *shapes: rdflib.term.Node) -> str:
        for shape in shapes:
            message = self.g.value(shape, SH.message)
            if message is not None:
                return str(message)
        return ""

    def checks(self, subclasses: dict[str, list[str]]) -> Iterator[Check]:
        for node_shape in sorted(set(self.g.subjects(SH.targetClass, None)), key=str):
            self.check_parameters(node_shape, NODE_PARAMETERS)
            classes = sorted(
                {
                    c
                    for target in self.g.objects(node_shape, SH.targetClass)
                    for c in subclasses[str(target)]
                }
            )
            values = " ".join(f"<{c}>" for c in classes)
            target = f"VALUES ?class {{ {values} }} ?focus a ?class ."
            shape_name = str(node_shape)
            found = list(self.node_checks(node_shape, shape_name, target))
            for property_shape in self.g.objects(node_shape, SH.property):
                found += self.property_checks(node_shape, property_shape, shape_name, target)
            for check in found:
                yield replace(check, classes=tuple(classes), target=target)

    def node_checks(
        self, node_shape: rdflib.term.Node, shape_name: str, target: str
    ) -> Iterator[Check]:
        kind = self.g.value(node_shape, SH.nodeKind)
        if kind is not None:
            condition = self.value_conforms("?focus", node_shape)
            yield Check(
                shape_name,
                "NodeKindConstraintComponent",
                None,
                self.message(node_shape),
                f"SELECT DISTINCT ?focus WHERE {{ {target} FILTER(!({condition})) }}",
            )
        alternatives = self.g.value(node_shape, SH["or"])
        if alternatives is not None:
            options = []
            for option in rdflib.collection.Collection(self.g, alternatives):
                self.check_parameters(option, PROPERTY_PARAMETERS)
                sparql_path, _ = self.path(option)
                condition = self.value_conforms("?v", option)
                minimum = _integer(self.g.value(option, SH.minCount) or 0)
                if minimum > 1:
                    raise BuildError(f"{shape_name}: sh:or alternatives support sh:minCount 1 only")
                filter_ = f" FILTER({condition})" if condition else ""
                options.append(f"EXISTS {{ ?focus {sparql_path} ?v{filter_} }}")
            yield Check(
                shape_name,
                "OrConstraintComponent",
                None,
                self.message(node_shape),
                f"SELECT DISTINCT ?focus WHERE {{ {target} FILTER(!({' || '.join(options)})) }}",
            )

    def property_checks(
        self, node_shape: rdflib.term.Node, shape: rdflib.term.Node, shape_name: str, target: str
    ) -> Iterator[Check]:
        self.check_parameters(shape, PROPERTY_PARAMETERS)
        g = self.g
        path, shown = self.path(shape)
        message = self.message(shape, node_shape)

        def check(component: str, query: str) -> Check:
            return Check(shape_name, component, shown, message, query)

        minimum = g.value(shape, SH.minCount)
        if minimum is not None and _integer(minimum) > 0:
            yield check(
                "MinCountConstraintComponent",
                f"SELECT ?focus WHERE {{ {target} OPTIONAL {{ ?focus {path} ?v }} }} "
                f"GROUP BY ?focus HAVING(COUNT(DISTINCT ?v) < {_integer(minimum)})",
            )
        maximum = g.value(shape, SH.maxCount)
        if maximum is not None:
            yield check(
                "MaxCountConstraintComponent",
                f"SELECT ?focus WHERE {{ {target} ?focus {path} ?v }} "
                f"GROUP BY ?focus HAVING(COUNT(DISTINCT ?v) > {_integer(maximum)})",
            )
        if g.value(shape, SH.uniqueLang) == rdflib.Literal(True):
            yield check(
                "UniqueLangConstraintComponent",
                f"SELECT DISTINCT ?focus WHERE {{ {target} ?focus {path} ?v, ?w "
                f'FILTER(?v != ?w && LANG(?v) != "" && LCASE(LANG(?v)) = LCASE(LANG(?w))) }}',
            )
        qualified = g.value(shape, SH.qualifiedValueShape)
        if qualified is not None:
            self.check_parameters(qualified, PROPERTY_PARAMETERS)
            condition = self.value_conforms("?v", qualified) or "true"
            least = g.value(shape, SH.qualifiedMinCount)
            if least is not None:
                yield check(
                    "QualifiedMinCountConstraintComponent",
                    f"SELECT ?focus WHERE {{ {target} "
                    f"OPTIONAL {{ ?focus {path} ?v FILTER({condition}) }} }} "
                    f"GROUP BY ?focus HAVING(COUNT(DISTINCT ?v) < {_integer(least)})",
                )
        # Every value constraint of the property shape itself, one check per component, so a
        # result names the component that fails (as SHACL reports do).
        for parameter, component in (
            (SH.datatype, "DatatypeConstraintComponent"),
            (SH.nodeKind, "NodeKindConstraintComponent"),
            (SH.pattern, "PatternConstraintComponent"),
            (SH.languageIn, "LanguageInConstraintComponent"),
            (SH["class"], "ClassConstraintComponent"),
            (SH.minInclusive, "MinInclusiveConstraintComponent"),
            (SH.maxInclusive, "MaxInclusiveConstraintComponent"),
            (SH["in"], "InConstraintComponent"),
            (SH.node, "NodeConstraintComponent"),
            (SH["or"], "OrConstraintComponent"),
        ):
            stated = g.value(shape, parameter)
            if stated is None:
                continue
            single = rdflib.Graph()
            single.add((rdflib.BNode("v"), parameter, stated))
            flags = g.value(shape, SH.flags)
            if parameter == SH.pattern and flags is not None:
                single.add((rdflib.BNode("v"), SH.flags, flags))
            # Read through both graphs: `g + single` would copy the shapes graph for each
            # constraint, most of the build's SPARQL validation time (1.2 s of 1.7 s).
            both = rdflib.graph.ReadOnlyGraphAggregate([g, single])
            constraint = _Compiler(both).value_conforms("?v", rdflib.BNode("v"))
            if constraint is None:
                continue
            yield check(
                component,
                f"SELECT DISTINCT ?focus ?v WHERE {{ {target} "
                f"?focus {path} ?v FILTER(!({constraint})) }}",
            )


def _integer(node: rdflib.term.Node | int) -> int:
    """The integer a shape's parameter states (``sh:minCount 1``): its literal's lexical form."""
    return node if isinstance(node, int) else int(str(node))


def compile_checks(shapes: rdflib.Graph, store: ox.Store) -> list[Check]:
    """Every check of ``shapes``; targets include subclasses declared in ``store``."""
    subclasses: dict[str, list[str]] = {}
    for target in set(shapes.objects(None, SH.targetClass)):
        rows = solutions(
            store.query(
                f"SELECT DISTINCT ?c ?t WHERE {{ ?c <{RDFS.subClassOf}>* ?t }}",
                substitutions={ox.Variable("t"): ox.NamedNode(str(target))},
            )
        )
        subclasses[str(target)] = sorted({row["c"].value for row in rows} | {str(target)})
    return list(_Compiler(shapes).checks(subclasses))


def run_checks(
    checks: list[Check],
    store: ox.Store,
    focus: Sequence[ox.NamedNode | ox.BlankNode] | None = None,
) -> list[Finding]:
    """Evaluate every check against the store's default graph; at most 50 findings each.

    With ``focus``, only those focus nodes are checked (an incremental build: the rest of the
    store passed the same checks in the version it copies, and nothing of theirs changed).
    """
    types = _types(store, focus) if focus is not None else {}
    findings = []
    for check in checks:
        query = check.query
        if focus is not None:
            # Each focus node with the target classes it has, as one VALUES block where the
            # target was: Oxigraph then starts from those few nodes. A VALUES block for ?focus
            # beside the target is joined after the target's scan (a whole class, measured:
            # 5 s against 0.2 s for the checks of 15 nodes on the full geography).
            rows = [
                (node, ox.NamedNode(c)) for node in focus for c in check.classes if c in types[node]
            ]
            if not rows:
                continue
            focused = values_block(("focus", "class"), rows) + " ?focus a ?class ."
            query = query.replace(check.target, focused, 1)
        found = solutions(store.query(f"{query} LIMIT {MAX_RESULTS_PER_CONSTRAINT}"))
        names = {v.value for v in found.variables}
        for solution in found:
            findings.append(
                Finding(check, solution["focus"], solution["v"] if "v" in names else None)
            )
    return findings


def _types(
    store: ox.Store, nodes: Sequence[ox.NamedNode | ox.BlankNode]
) -> dict[ox.NamedNode | ox.BlankNode, set[str]]:
    """The classes each of ``nodes`` is stated to be an instance of."""
    return {
        node: {
            quad.object.value
            for quad in store.quads_for_pattern(node, _RDF_TYPE, None, ox.DefaultGraph())
            if isinstance(quad.object, ox.NamedNode)
        }
        for node in nodes
    }

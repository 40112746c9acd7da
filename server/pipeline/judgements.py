"""The rules of "who says so" that SHACL Core cannot state, checked on the curated files.

SHACL sees the union of all graphs, so it cannot tell which graph a statement is in, nor relate
two values of one node. These checks can, and stop the build with the file and line at fault:

- a source's graph holds only that source's words: no editors' judgement (an editorial note, a
  confidence level, a rationale, a claim, a disagreement, a roster) in a graph that is not the
  editors' own (a claim graph ``prov:wasDerivedFrom`` the editors' source);
- a claim (``ftkg:Claim``) points at a triple that really is in the graph it names;
- a claim given a confidence level says why (``ftkg:rationale``), and one statement has one
  claim node, so that its confidence is never two;
- a disagreement prefers one of its own competing claims, exactly when its verdict is that one
  claim is right;
- a renaming keeps one resource and gives the former and new names; a merger has two
  predecessors or more, a split two successors or more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NoReturn

import pyoxigraph as ox

from server.pipeline.errors import BuildError
from server.pipeline.inputs import ParsedInputs, locate_line
from server.terms import Term, term_value

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS_NOTE = "http://www.w3.org/2004/02/skos/core#editorialNote"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
EDITORS_SOURCE = "id/source/ftkg-editors"


@dataclass(frozen=True)
class _Terms:
    base: str

    def ftkg(self, name: str) -> str:
        return f"{self.base}ontology#{name}"

    def id(self, key: str) -> str:
        return f"{self.base}id/{key}"


def check(parsed: ParsedInputs, base_uri: str) -> None:
    """Raise ``BuildError`` naming the file and line of the first statement breaking a rule."""
    t = _Terms(base_uri)
    quads = parsed.quads
    editors = {
        term_value(q.subject)
        for q in quads
        if q.predicate.value == PROV_DERIVED and term_value(q.object) == base_uri + EDITORS_SOURCE
    }
    _editorial_only_in_editors_graphs(parsed, t, editors)
    by_subject: dict[str, dict[str, list[ox.Quad]]] = defaultdict(lambda: defaultdict(list))
    present: set[tuple[str, str, Term, str]] = set()
    for q in quads:
        by_subject[term_value(q.subject)][q.predicate.value].append(q)
        present.add((term_value(q.subject), q.predicate.value, q.object, term_value(q.graph_name)))
    judged: dict[tuple[str, ...], str] = {}
    for subject, properties in by_subject.items():
        types = {term_value(q.object) for q in properties.get(RDF + "type", [])}
        if t.ftkg("Claim") in types:
            _check_claim(parsed, base_uri, subject, properties, present, t)
            _check_judged_once(parsed, base_uri, subject, properties, judged, t)
        if t.ftkg("Disagreement") in types:
            _check_disagreement(parsed, base_uri, subject, properties, t)
        if t.ftkg("LineageEvent") in types:
            _check_lineage(parsed, base_uri, subject, properties, t)


def _check_judged_once(
    parsed: ParsedInputs,
    base: str,
    claim: str,
    properties: dict[str, list[ox.Quad]],
    judged: dict[tuple[str, ...], str],
    t: _Terms,
) -> None:
    parts = [
        _one(properties, p)
        for p in (t.ftkg("statedIn"), RDF + "subject", RDF + "predicate", RDF + "object")
    ]
    if any(part is None for part in parts):
        return  # the shapes report the missing or repeated part, with its own message
    key = tuple(str(part) for part in parts)
    if key in judged:
        _fail(
            parsed,
            base,
            claim,
            RDF + "type",
            f"the claim is about the same statement as <{judged[key]}>: judge each statement "
            "once, in one claim node",
        )
    judged[key] = claim


def _fail(parsed: ParsedInputs, base_uri: str, subject: str, predicate: str, why: str) -> NoReturn:
    files = parsed.files_stating(subject, predicate) or parsed.files_stating(subject)
    where = "?"
    if files:
        line = locate_line(files[0], subject, base_uri)
        try:
            shown = files[0].relative_to(parsed.root)
        except ValueError:
            shown = files[0]
        where = f"{shown}:{line}"
    raise BuildError(f"{where}: <{subject}>: {why}")


def _editorial_only_in_editors_graphs(parsed: ParsedInputs, t: _Terms, editors: set[str]) -> None:
    judging_predicates = {SKOS_NOTE, t.ftkg("confidence"), t.ftkg("rationale")}
    judging_types = {t.ftkg(n) for n in ("Claim", "Disagreement", "Roster")}
    for q in parsed.quads:
        graph = term_value(q.graph_name)
        if graph in editors or graph == t.base + "ontology":
            continue
        judging = q.predicate.value in judging_predicates or (
            q.predicate.value == RDF + "type" and term_value(q.object) in judging_types
        )
        if judging:
            _fail(
                parsed,
                t.base,
                term_value(q.subject),
                q.predicate.value,
                f"<{q.predicate.value}> is an editors' judgement, but it is in the graph "
                f"<{graph}>, which holds only what its source states; move it to the editors' "
                "graph <graph/editorial> (data/editors/), as data about the claim it judges",
            )


def _one(properties: dict[str, list[ox.Quad]], predicate: str) -> Term | None:
    values = properties.get(predicate, [])
    return values[0].object if len(values) == 1 else None


def _check_claim(
    parsed: ParsedInputs,
    base: str,
    claim: str,
    properties: dict[str, list[ox.Quad]],
    present: set[tuple[str, str, Term, str]],
    t: _Terms,
) -> None:
    graph = _one(properties, t.ftkg("statedIn"))
    subject = _one(properties, RDF + "subject")
    predicate = _one(properties, RDF + "predicate")
    obj = _one(properties, RDF + "object")
    if graph is None or subject is None or predicate is None or obj is None:
        return  # the shapes report a missing or repeated part with its own message
    if (term_value(subject), term_value(predicate), obj, term_value(graph)) not in present:
        _fail(
            parsed,
            base,
            claim,
            RDF + "object",
            f"the claim's triple <{term_value(subject)}> <{term_value(predicate)}> {obj} is not "
            f"in the graph <{term_value(graph)}> it names (ftkg:statedIn); point the claim at a "
            "statement the source really makes",
        )
    if t.ftkg("confidence") in properties and t.ftkg("rationale") not in properties:
        _fail(
            parsed,
            base,
            claim,
            t.ftkg("confidence"),
            "a claim given a confidence level says why (ftkg:rationale, in French and English)",
        )


def _check_disagreement(
    parsed: ParsedInputs, base: str, node: str, properties: dict[str, list[ox.Quad]], t: _Terms
) -> None:
    competing = {term_value(q.object) for q in properties.get(t.ftkg("competingClaim"), [])}
    preferred = [term_value(q.object) for q in properties.get(t.ftkg("preferredClaim"), [])]
    verdict = _one(properties, t.ftkg("verdict"))
    for claim in preferred:
        if claim not in competing:
            _fail(
                parsed,
                base,
                node,
                t.ftkg("preferredClaim"),
                f"the preferred claim <{claim}> is not one of the disagreement's competing claims",
            )
    decided = verdict is not None and term_value(verdict) == t.id("verdict/one-is-right")
    if decided and not preferred:
        _fail(
            parsed,
            base,
            node,
            t.ftkg("verdict"),
            "the verdict says one claim is right: name it with ftkg:preferredClaim",
        )
    if preferred and not decided:
        _fail(
            parsed,
            base,
            node,
            t.ftkg("preferredClaim"),
            "a preferred claim goes with the verdict <id/verdict/one-is-right> only",
        )


def _check_lineage(
    parsed: ParsedInputs, base: str, node: str, properties: dict[str, list[ox.Quad]], t: _Terms
) -> None:
    kind = _one(properties, t.ftkg("lineageKind"))
    before = {term_value(q.object) for q in properties.get(t.ftkg("predecessor"), [])}
    after = {term_value(q.object) for q in properties.get(t.ftkg("successor"), [])}
    if kind is None:
        return
    if term_value(kind) == t.id("lineage/renaming"):
        if not before & after:
            _fail(
                parsed,
                base,
                node,
                t.ftkg("successor"),
                "a renaming keeps one resource: the same ecosystem is predecessor and successor",
            )
        if t.ftkg("formerName") not in properties or t.ftkg("newName") not in properties:
            _fail(
                parsed,
                base,
                node,
                t.ftkg("lineageKind"),
                "a renaming gives the former name (ftkg:formerName) and the new one (ftkg:newName)",
            )
    elif term_value(kind) == t.id("lineage/merger") and len(before) < 2:
        _fail(parsed, base, node, t.ftkg("predecessor"), "a merger has two predecessors or more")
    elif term_value(kind) == t.id("lineage/split") and len(after) < 2:
        _fail(parsed, base, node, t.ftkg("successor"), "a split has two successors or more")


__all__ = ["check"]

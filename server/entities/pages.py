"""The HTML page of an entity: what a person reads when they follow one of our IRIs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pyoxigraph as ox
from flask import render_template, url_for

from server.entities import describe as describing
from server.entities import history as histories
from server.entities import timelines
from server.examples import ExampleQuery
from server.pictures import label_charts
from server.presentation import (
    LANGUAGES,
    WORDS,
    best_label,
    identifier_links,
    link_for,
    literal_display,
    local_name,
    web_url,
)
from server.site import Site
from server.version.store import KnowledgeStore

SCHEMA = "http://schema.org/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
NAME_PROPERTIES = {
    RDFS + "label",
    SKOS + "prefLabel",
    SKOS + "altLabel",
    "http://xmlns.com/foaf/0.1/name",
}
DESCRIPTION_PROPERTIES = {DCT + "description", SKOS + "definition", RDFS + "comment"}
IDENTIFIER_PROPERTIES = {
    "http://rdf.insee.fr/def/geo#codeINSEE",
    "http://www.wikidata.org/prop/direct/P374",
    "http://www.wikidata.org/prop/direct/P2586",
    "http://www.wikidata.org/prop/direct/P2585",
    "http://www.wikidata.org/prop/direct/P1616",
}
QUOTED = {SCHEMA + "Quotation", SCHEMA + "SocialMediaPosting"}
SCHEMA_TYPES = [  # our classes (suffix match) to the schema.org type search engines read
    ("Person", "Person"),
    ("LabelAward", "Event"),
    ("LabelRound", "Event"),
    ("Ecosystem", "Organization"),
    ("Organization", "Organization"),
    ("FormalOrganization", "Organization"),
    ("Commune", "AdministrativeArea"),
    ("Intercommunalite", "AdministrativeArea"),
    ("Departement", "AdministrativeArea"),
    ("Region", "AdministrativeArea"),
    ("Quotation", "Quotation"),
    ("NewsArticle", "NewsArticle"),
    ("SocialMediaPosting", "SocialMediaPosting"),
    ("SourceDocument", "CreativeWork"),
]

FIGURES = """
PREFIX ftkg: <ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?entity ?kind ?value ?date ?g ?labelKind ?scope ?approximate WHERE {
  GRAPH ?g {
    ?figure ftkg:figureOf ?entity ; ftkg:quantityKind ?kind ; rdf:value ?value ;
            ftkg:referenceDate ?date .
    OPTIONAL { ?figure ftkg:labelKind ?labelKind }
    OPTIONAL { ?figure ftkg:geographicScope ?scope }
    OPTIONAL { ?figure ftkg:isApproximate ?approximate }
  }
}
ORDER BY ?kind ?date
"""


@dataclass
class ValueView:
    """One value as shown: text, language, link, and the sources stating it."""

    text: str
    lang: str | None = None
    href: str | None = None
    external: bool = False
    sources: list[int] = field(default_factory=list)
    note: str | None = None
    # The editors' confidence in what each cited source states: number -> (level, why).
    confidence: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def shared_confidence(self) -> tuple[str, str] | None:
        """The level every cited source's claim shares, shown once rather than per source."""
        levels = {level for level, _ in self.confidence.values()}
        if len(self.sources) < 2 or len(levels) != 1 or len(self.confidence) != len(self.sources):
            return None
        return next(iter(self.confidence.values()))


@dataclass
class ClaimView:
    """One competing claim of a disagreement: who says what, and what the editors think."""

    source: int | None
    value: ValueView
    confidence: str | None
    held_right: bool


@dataclass
class DisagreementView:
    """A disagreement between sources, and the editors' conclusion."""

    about: str
    claims: list[ClaimView]
    verdict: str | None
    rationale: str


@dataclass
class PropertyView:
    """One property and its values."""

    label: str
    href: str | None
    values: list[ValueView]


@dataclass
class SourceView:
    """A numbered source."""

    number: int
    title: str
    date: str | None
    href: str | None
    page: str | None
    page_href: str | None = None


def render_entity(
    store: KnowledgeStore,
    site: Site,
    lang: str,
    examples: Sequence[ExampleQuery],
    iri: str,
    path: str,
    page: int,
) -> str:
    """The page of ``iri`` (``page`` of its incoming links) in ``lang``, as ``site`` publishes
    it: a function of the data version, the address and the language, never of a request, so
    that a build can make it too (within ``server.site.rendering``, where ``url_for`` builds
    the site's addresses)."""
    description = describing.describe(store, iri, page)
    labels = description.labels
    figure_rows = store.select(FIGURES, entity=ox.NamedNode(iri))
    for row in figure_rows:  # figures' sources are sources of this page too
        graph = row["g"].value
        if graph not in description.sources:
            description.sources[graph] = describing.source_of(store, graph)
        for key in ("kind", "labelKind", "scope"):
            if key in row and row[key].value not in labels:
                labels[row[key].value] = describing.labels_of(store, row[key].value)

    # The timeline the page opens with: its dates' sources are sources of this page too.
    plan = timelines.plan_for(store, iri, description.types())
    if plan is not None:
        for graph, source in histories.sources(store, plan.graphs()).items():
            description.sources.setdefault(graph, source)

    def label_of(target: str) -> tuple[str, str | None]:
        return best_label(labels.get(target, {}), lang, local_name(target))

    sources = sorted(description.sources.values(), key=lambda s: (s.date or "", s.title or s.graph))
    numbers = {source.graph: i for i, source in enumerate(sources, start=1)}
    source_views = [
        SourceView(
            number=numbers[s.graph],
            title=s.title or local_name(s.graph),
            date=s.date,
            href=link_for(s.document, store.base_uri).href if s.document else None,
            page=s.page,
            page_href=s.page if s.page and web_url(s.page) else None,
        )
        for s in sources
    ]

    timeline = timelines.view(store, plan, lang, numbers.get) if plan is not None else None
    judgements = description.judgements()

    def in_lang(texts: dict[str, str]) -> str:
        return best_label(texts, lang, "")[0]

    def term_view(value: ox.NamedNode | ox.BlankNode | ox.Literal, cited: list[int]) -> ValueView:
        if isinstance(value, ox.NamedNode):
            text, text_lang = label_of(value.value)
            target = link_for(value.value, store.base_uri)
            return ValueView(text, text_lang, target.href, target.external, cited)
        if isinstance(value, ox.Literal):
            return ValueView(literal_display(value, lang), value.language, sources=cited)
        nested = [q for q in description.blank_nodes if q.subject == value]
        summary = "; ".join(f"{label_of(q.predicate.value)[0]}: {q.object.value}" for q in nested)
        return ValueView(summary or "…", sources=cited)

    def value_view(statement: describing.Statement) -> ValueView:
        cited = sorted(numbers[g] for g in statement.graphs if g in numbers)
        view = term_view(statement.value, cited)
        for graph in statement.graphs:
            judged = judgements.get((graph, statement.predicate.value, str(statement.value)))
            if judged is not None and judged.confidence and graph in numbers:
                level = label_of(judged.confidence)[0]
                view.confidence[numbers[graph]] = (level, in_lang(judged.rationale))
        return view

    disagreements = [
        DisagreementView(
            about=in_lang(d.about),
            claims=[
                ClaimView(
                    source=numbers.get(c.graph),
                    value=term_view(c.value, []),  # type: ignore[arg-type]
                    confidence=label_of(c.confidence)[0] if c.confidence else None,
                    held_right=c.claim == d.preferred,
                )
                for c in d.claims
            ],
            verdict=label_of(d.verdict)[0] if d.verdict else None,
            rationale=in_lang(d.rationale),
        )
        for d in description.disagreements()
    ]

    grouped: dict[str, list[describing.Statement]] = defaultdict(list)
    for statement in description.statements:
        grouped[statement.predicate.value].append(statement)

    title, title_lang = label_of(iri)
    type_views = [
        value_view(s) for s in grouped.pop("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", [])
    ]
    names = [
        value_view(s)
        for predicate in NAME_PROPERTIES
        for s in grouped.pop(predicate, [])
        if not (isinstance(s.value, ox.Literal) and s.value.value == title)
    ]
    descriptions = [
        value_view(s) for predicate in DESCRIPTION_PROPERTIES for s in grouped.pop(predicate, [])
    ]
    preferred = [d for d in descriptions if d.lang == lang] or descriptions
    kind = path.split("/", 1)[0]
    identifiers = []
    for predicate in sorted(IDENTIFIER_PROPERTIES | {store.base_uri + "ontology#siren"}):
        for statement in grouped.pop(predicate, []):
            identifiers.append(
                (
                    label_of(predicate)[0],
                    statement.value.value,
                    identifier_links(predicate, statement.value.value, kind),
                )
            )
    quotation = None
    if QUOTED & set(description.types()):
        text = grouped.get(SCHEMA + "text")
        speaker = grouped.get(SCHEMA + "spokenByCharacter") or grouped.get(SCHEMA + "author")
        date = grouped.get(SCHEMA + "dateCreated") or grouped.get(SCHEMA + "datePublished")
        if text:
            quotation = {
                "text": value_view(text[0]),
                "speaker": value_view(speaker[0]) if speaker else None,
                "date": date[0].value.value if date else None,
            }
    properties = sorted(
        (
            PropertyView(
                label=label_of(predicate)[0],
                href=link_for(predicate, store.base_uri).href,
                values=[value_view(s) for s in in_reader_language(statements, lang)],
            )
            for predicate, statements in grouped.items()
        ),
        key=lambda p: p.label.lower(),
    )

    figures = _figures(figure_rows, numbers, label_of, lang)
    incoming: dict[str, list[ValueView]] = defaultdict(list)
    for subject, predicate in description.incoming:
        if isinstance(subject, ox.NamedNode):
            text, text_lang = label_of(subject.value)
            target = link_for(subject.value, store.base_uri)
            incoming[predicate.value].append(
                ValueView(text, text_lang, target.href, target.external)
            )

    def inverse_label_of(predicate: str) -> str:
        # Named from this page's side: Lille is "member of" the network that "has member" it.
        inverse = describing.inverse_labels_of(store, predicate)
        return best_label(inverse, lang, "")[0] if inverse else label_of(predicate)[0]

    incoming_groups = [
        (inverse_label_of(predicate), count, incoming.get(predicate, []))
        for predicate, count in description.incoming_counts
    ]
    page_url = url_for("entities.page", path=path)
    pictures = []
    if store.base_uri + "ontology#LabelRound" in description.types():
        pictures = label_charts.round_figures(store, iri, lang, examples)
    editor_query = (
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
        f"SELECT ?property ?value ?source WHERE {{\n  GRAPH ?g {{ <{iri}> ?property ?value }}\n"
        "  ?g prov:wasDerivedFrom ?source .\n}"
    )
    return render_template(
        "entity.html",
        lang=lang,
        words=WORDS[lang],
        iri=iri,
        path=path,
        title=title,
        title_lang=title_lang,
        types=type_views,
        names=names,
        descriptions=preferred,
        identifiers=identifiers,
        quotation=quotation,
        properties=properties,
        figures=figures,
        timeline=timeline,
        timeline_words=timelines.WORDS[lang],
        pictures=pictures,
        disagreements=disagreements,
        editors_link=link_for(store.base_uri + "id/source/ftkg-editors", store.base_uri).href,
        incoming=incoming_groups,
        incoming_total=description.incoming_total,
        page=page,
        has_next=description.has_next_incoming_page,
        sources=source_views,
        page_url=page_url,
        data_links=[
            (ext, url_for("entities.data", path=f"{path}.{ext}"))
            for ext in ("ttl", "jsonld", "nt", "rdf", "trig", "nq")
        ],
        editor_link=url_for("sparql.editor") + "#query=" + quote(editor_query),
        data_version=store.data_version[:12],
        jsonld=_schema_org(
            iri, title, preferred, description.types(), site.url("entities.page", path=path)
        ),
    )


def in_reader_language(
    statements: list[describing.Statement], lang: str
) -> list[describing.Statement]:
    """A text the sources give in both languages (an editorial note and its translation) in
    the reader's only; one given only in the other language stays, and the page marks its
    language (``lang``), as it does for descriptions."""
    if not any(isinstance(s.value, ox.Literal) and s.value.language == lang for s in statements):
        return statements
    return [
        s
        for s in statements
        if not (
            isinstance(s.value, ox.Literal)
            and s.value.language in LANGUAGES
            and s.value.language != lang
        )
    ]


def _figures(
    rows: list[dict[str, Any]], numbers: dict[str, int], label_of: Any, lang: str
) -> list[dict[str, Any]]:
    figures = []
    for row in rows:
        qualifiers = [label_of(row[k].value)[0] for k in ("labelKind", "scope") if k in row]
        figures.append(
            {
                "quantity": label_of(row["kind"].value)[0],
                "qualifiers": ", ".join(qualifiers),
                "value": literal_display(row["value"], lang),
                "approximate": "approximate" in row and row["approximate"].value == "true",
                "date": row["date"].value,
                "source": numbers.get(row["g"].value),
            }
        )
    return figures


def _schema_org(
    iri: str, title: str, descriptions: list[ValueView], types: list[str], url: str
) -> dict[str, Any]:
    """schema.org JSON-LD for search engines (rendered with Jinja's tojson, HTML-safe)."""
    schema_type = "Thing"
    for suffix, mapped in SCHEMA_TYPES:
        if any(t.endswith(suffix) for t in types):
            schema_type = mapped
            break
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": schema_type,
        "@id": iri,
        "name": title,
        "url": url,
    }
    if descriptions:
        document["description"] = descriptions[0].text
    return document

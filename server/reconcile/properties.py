"""The properties reconciliation offers: to narrow a match, and to fetch values for a column.

Each has a short id (the reconciliation schema space is ``{base}reconcile/properties/``, so
``inseeCode`` stands for ``{base}reconcile/properties/inseeCode``, which redirects to the RDF
property it reads), names in French and English, the kinds it applies to, and how to read its
values for an entity: from the search index where it already holds them, else from the store
by triple pattern (no query text is ever assembled from input).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from server.kinds import KINDS
from server.version.search_index import Entity, SearchIndex
from server.version.store import KnowledgeStore

GEO = "http://rdf.insee.fr/def/geo#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "http://schema.org/"
PROV_DERIVED_FROM = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
# The kinds the search index marks as territories, in its order (largest first).
TERRITORIES = tuple(kind.key for kind in KINDS.values() if kind.territory)
# Every territory lies in a région, but an overseas collectivity (no région).
IN_A_REGION = tuple(kind for kind in TERRITORIES if kind != "collectivite-outre-mer")
COMMUNES = ("commune", "commune-deleguee", "commune-associee", "arrondissement-municipal")
LABELLED = ("ecosystem", *TERRITORIES)


@dataclass(frozen=True)
class Value:
    """One value of a property: a string, a number, a date, or another entity."""

    text: str | None = None
    number: int | float | None = None
    date: str | None = None
    entity: str | None = None  # an entity id like departement/59
    name: str | None = None  # the entity's name

    def as_json(self) -> dict[str, Any]:
        """The value as the Data Extension API writes it."""
        if self.entity is not None:
            return {"id": self.entity, "name": self.name or self.entity}
        if self.number is not None:
            return {"int": self.number} if isinstance(self.number, int) else {"float": self.number}
        if self.date is not None:
            return {"date": self.date}
        return {"str": self.text or ""}


@dataclass(frozen=True)
class Context:
    """What reading a value may need."""

    store: KnowledgeStore
    index: SearchIndex
    lang: str

    def node(self, entity: Entity) -> ox.NamedNode:
        """The IRI of ``entity``."""
        return self.store.iri("id/" + entity.id)

    def predicate(self, iri: str) -> ox.NamedNode:
        """A property IRI, ``ontology#…`` ones resolved under the base."""
        return ox.NamedNode(absolute(iri, self.store.base_uri))

    def objects(self, entity: Entity, predicate: str) -> list[ox.NamedNode | ox.Literal]:
        """The objects of (entity, predicate) in the default graph, in a stable order."""
        quads = self.store.store.quads_for_pattern(
            self.node(entity), self.predicate(predicate), None, ox.DefaultGraph()
        )
        return sorted((q.object for q in quads), key=str)  # type: ignore[arg-type]

    def subjects(self, predicate: str, entity: Entity) -> list[ox.NamedNode]:
        """The subjects of (?, predicate, entity) in the default graph, in a stable order."""
        quads = self.store.store.quads_for_pattern(
            None, self.predicate(predicate), self.node(entity), ox.DefaultGraph()
        )
        return sorted((q.subject for q in quads), key=str)  # type: ignore[arg-type]

    def ref(self, iri: str) -> Value | None:
        """A value naming the entity ``iri`` (None if it is not one of ours)."""
        prefix = self.store.base_uri + "id/"
        if not iri.startswith(prefix):
            return None
        found = self.index.entity(iri[len(prefix) :])
        if found is None:
            return Value(entity=iri[len(prefix) :])
        return Value(entity=found.id, name=found.label(self.lang))


def _literal_value(term: ox.NamedNode | ox.Literal) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value(text=term.value)
    datatype = term.datatype.value.rsplit("#", 1)[-1]
    if datatype in {"integer", "int", "long", "nonNegativeInteger", "positiveInteger"}:
        return Value(number=int(term.value))
    if datatype in {"decimal", "double", "float"}:
        return Value(number=float(term.value))
    if datatype in {"date", "dateTime", "gYear", "gYearMonth"}:
        return Value(date=term.value)
    return Value(text=term.value)


def _literals(predicate: str) -> Callable[[Context, Entity], list[Value]]:
    def read(context: Context, entity: Entity) -> list[Value]:
        return [_literal_value(term) for term in context.objects(entity, predicate)]

    return read


def _links(predicate: str, kinds: tuple[str, ...] = ()) -> Callable[[Context, Entity], list[Value]]:
    def read(context: Context, entity: Entity) -> list[Value]:
        values = [context.ref(term.value) for term in context.objects(entity, predicate)]
        return [v for v in values if v and (not kinds or v.entity.split("/")[0] in kinds)]

    return read


def _incoming(predicate: str) -> Callable[[Context, Entity], list[Value]]:
    def read(context: Context, entity: Entity) -> list[Value]:
        values = [context.ref(term.value) for term in context.subjects(predicate, entity)]
        return [v for v in values if v]

    return read


def _containers(kind: str) -> Callable[[Context, Entity], list[Value]]:
    def read(context: Context, entity: Entity) -> list[Value]:
        codes = entity.departements if kind == "departement" else entity.regions
        values = [context.ref(f"{context.store.base_uri}id/{kind}/{code}") for code in codes]
        return [v for v in values if v]

    return read


def _label(context: Context, entity: Entity) -> list[Value]:
    return [Value(text=entity.label(context.lang))]


def _alternative_names(context: Context, entity: Entity) -> list[Value]:
    label = entity.label(context.lang)
    return [Value(text=name.text) for name in context.index.names(entity) if name.text != label]


def _insee_code(_: Context, entity: Entity) -> list[Value]:
    return [Value(text=entity.insee_code)] if entity.insee_code else []


def _postal_codes(_: Context, entity: Entity) -> list[Value]:
    return [Value(text=code) for code in entity.postal_codes]


def _population(_: Context, entity: Entity) -> list[Value]:
    return [Value(number=entity.population)] if entity.population is not None else []


def _first_objects(context: Context, node: ox.NamedNode, predicate: str) -> list[str]:
    quads = context.store.store.quads_for_pattern(
        node, context.predicate(predicate), None, ox.DefaultGraph()
    )
    return sorted(quad.object.value for quad in quads)


PERIOD = {
    "fr": ("{start}–{end}", "depuis {start}", "jusqu'en {end}"),
    "en": ("{start}–{end}", "since {start}", "until {end}"),
}


def _period(starts: list[str], ends: list[str], lang: str) -> str:
    """The years of a role: "2008–2014", "depuis 2014" (sources may disagree on the day)."""
    start, end = (starts[0][:4] if starts else None), (ends[-1][:4] if ends else None)
    both, from_, until = PERIOD.get(lang, PERIOD["fr"])
    if start and end:
        return both.format(start=start, end=end)
    if start or end:
        return (from_ if start else until).format(start=start, end=end)
    return ""


def _roles(context: Context, entity: Entity) -> list[Value]:
    """Each membership (ORG ``org:Membership``) of the entity: its role, where, and when.

    Named "président ou présidente, Métropole Européenne de Lille (depuis 2014)", latest
    first: what a reader of a person needs to tell them from a namesake.
    """
    found: list[tuple[str, Value]] = []
    for membership in context.subjects(ORG + "member", entity):
        parts = []
        for predicate in (ORG + "role", ORG + "organization"):
            for iri in _first_objects(context, membership, predicate)[:1]:
                ref = context.ref(iri)
                parts.append(ref.name or ref.entity if ref else iri)
        starts = _first_objects(context, membership, SCHEMA + "startDate")
        period = _period(
            starts, _first_objects(context, membership, SCHEMA + "endDate"), context.lang
        )
        name = ", ".join(p for p in parts if p) + (f" ({period})" if period else "")
        ref = context.ref(membership.value)
        value = Value(entity=ref.entity if ref else membership.value, name=name)
        found.append((starts[0] if starts else "", value))
    found.sort(key=lambda item: item[0], reverse=True)
    return [value for _, value in found]


def _organisations(context: Context, entity: Entity) -> list[Value]:
    """The organisations the entity is a member of, through its memberships."""
    seen: dict[str, Value] = {}
    for membership in context.subjects(ORG + "member", entity):
        for iri in _first_objects(context, membership, ORG + "organization"):
            ref = context.ref(iri)
            if ref is not None and ref.entity not in seen:
                seen[ref.entity] = ref
    return sorted(seen.values(), key=lambda value: (value.name or value.entity or "").casefold())


def _sources(context: Context, entity: Entity) -> list[Value]:
    """The source documents whose graphs state something about the entity.

    Each source's statements live in a named graph that ``prov:wasDerivedFrom`` the document.
    """
    graphs = {
        quad.graph_name
        for quad in context.store.store.quads_for_pattern(context.node(entity), None, None)
        if isinstance(quad.graph_name, ox.NamedNode)
    }
    documents = {
        quad.object.value
        for graph in graphs
        for quad in context.store.store.quads_for_pattern(
            graph, PROV_DERIVED_FROM, None, ox.DefaultGraph()
        )
    }
    values = [ref for ref in map(context.ref, sorted(documents)) if ref is not None]
    return sorted(values, key=lambda value: (value.name or value.entity or "").casefold())


@dataclass(frozen=True)
class Property:
    """A property reconciliation can match on and fetch."""

    id: str
    fr: str
    en: str
    description_fr: str
    description_en: str
    kinds: tuple[str, ...]  # empty: every kind
    iri: str  # the RDF property it reads ("ontology#…" is relative to the base)
    read: Callable[[Context, Entity], list[Value]]

    def name(self, lang: str) -> str:
        """The property's name in ``lang``."""
        return self.en if lang == "en" else self.fr

    def description(self, lang: str) -> str:
        """What the property holds, in ``lang``."""
        return self.description_en if lang == "en" else self.description_fr

    def applies_to(self, kind: str) -> bool:
        """Whether entities of ``kind`` may have this property."""
        return not self.kinds or kind in self.kinds


PROPERTIES = {
    p.id: p
    for p in (
        Property(
            "label",
            "Nom",
            "Name",
            "Le nom officiel.",
            "The official name.",
            (),
            "http://www.w3.org/2000/01/rdf-schema#label",
            _label,
        ),
        Property(
            "altLabel",
            "Autres noms",
            "Other names",
            "Noms alternatifs, sigles et anciens noms.",
            "Alternative names, acronyms and former names.",
            (),
            "http://www.w3.org/2004/02/skos/core#altLabel",
            _alternative_names,
        ),
        Property(
            "inseeCode",
            "Code INSEE",
            "INSEE code",
            "Le code officiel géographique de l'INSEE.",
            "INSEE's official geographic code.",
            TERRITORIES,
            GEO + "codeINSEE",
            _insee_code,
        ),
        Property(
            "postalCode",
            "Code postal",
            "Postal code",
            "Les codes postaux de la commune.",
            "The commune's postal codes.",
            COMMUNES,
            "http://schema.org/postalCode",
            _postal_codes,
        ),
        Property(
            "departement",
            "Département",
            "Département",
            "Le ou les départements où se trouve le territoire.",
            "The département(s) the territory lies in.",
            (
                "commune",
                "commune-deleguee",
                "commune-associee",
                "arrondissement-municipal",
                "arrondissement",
                "epci",
                "departement",
            ),
            GEO + "subdivisionDe",
            _containers("departement"),
        ),
        Property(
            "region",
            "Région",
            "Region",
            "La ou les régions où se trouve le territoire.",
            "The region(s) the territory lies in.",
            IN_A_REGION,
            GEO + "subdivisionDe",
            _containers("region"),
        ),
        Property(
            "epci",
            "Intercommunalité",
            "Intercommunal body",
            "L'EPCI dont la commune est membre.",
            "The EPCI the commune belongs to.",
            COMMUNES,
            GEO + "subdivisionDirecteDe",
            _links(GEO + "subdivisionDirecteDe", ("epci",)),
        ),
        Property(
            "population",
            "Population municipale",
            "Municipal population",
            "La dernière population municipale publiée par l'INSEE.",
            "The latest municipal population published by INSEE.",
            ("commune", "arrondissement-municipal", "epci"),
            "ontology#figureOf",
            _population,
        ),
        Property(
            "siren",
            "SIREN",
            "SIREN",
            "Le numéro SIREN de l'organisme.",
            "The body's SIREN number.",
            ("commune", "epci", "organisation", "region"),
            "ontology#siren",
            _literals("ontology#siren"),
        ),
        Property(
            "homepage",
            "Site web",
            "Website",
            "Le site officiel.",
            "The official website.",
            (),
            "http://xmlns.com/foaf/0.1/homepage",
            _literals("http://xmlns.com/foaf/0.1/homepage"),
        ),
        Property(
            "labelAwards",
            "Labels reçus",
            "Label awards",
            "Les attributions de labels French Tech qui le concernent.",
            "The French Tech label awards that concern it.",
            LABELLED,
            "ontology#awardee",
            _incoming("ontology#awardee"),
        ),
        Property(
            "awardTerritoryOf",
            "Labels du territoire",
            "Awards on this territory",
            "Les attributions de labels dont il est le territoire.",
            "The label awards whose territory it is.",
            TERRITORIES,
            "ontology#awardTerritory",
            _incoming("ontology#awardTerritory"),
        ),
        Property(
            "labelKind",
            "Label",
            "Label kind",
            "Le label attribué.",
            "The label awarded.",
            ("award",),
            "ontology#labelKind",
            _links("ontology#labelKind"),
        ),
        Property(
            "awardee",
            "Lauréat",
            "Awardee",
            "L'écosystème labellisé.",
            "The ecosystem awarded.",
            ("award",),
            "ontology#awardee",
            _links("ontology#awardee"),
        ),
        Property(
            "awardDate",
            "Date d'attribution",
            "Award date",
            "Quand le label fut attribué.",
            "When the label was awarded.",
            ("award",),
            "ontology#awardDate",
            _literals("ontology#awardDate"),
        ),
        Property(
            "created",
            "Création",
            "Created",
            "Date de création.",
            "Date of creation.",
            (),
            "http://purl.org/dc/terms/created",
            _literals("http://purl.org/dc/terms/created"),
        ),
        Property(
            "roles",
            "Fonctions",
            "Roles",
            "Ses fonctions (appartenances) : rôle, organisation, années.",
            "Their roles (memberships): role, organisation, years.",
            ("person",),
            ORG + "hasMembership",  # ORG's inverse of org:member
            _roles,
        ),
        Property(
            "memberOf",
            "Organisations",
            "Organisations",
            "Les organisations dont la personne est membre.",
            "The organisations the person is a member of.",
            ("person",),
            ORG + "memberOf",  # ORG's shortcut for org:member / org:organization
            _organisations,
        ),
        Property(
            "sources",
            "Sources",
            "Sources",
            "Les documents sources qui en disent quelque chose.",
            "The source documents that state something about it.",
            (),
            "http://purl.org/dc/terms/source",
            _sources,
        ),
    )
}


def absolute(iri: str, base_uri: str) -> str:
    """``iri`` made absolute: ``ontology#…`` terms live under the base."""
    return base_uri + iri if iri.startswith("ontology#") else iri


def read_values(prop: Property, context: Context, entity: Entity) -> list[Value]:
    """The values of ``prop`` for ``entity``; none when the property does not apply."""
    return prop.read(context, entity) if prop.applies_to(entity.kind) else []

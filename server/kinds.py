"""The kinds of entity search knows: the first segment of an entity's path, named for people.

A kind is what search filters on (``type=commune``) and what reconciliation calls a type; its
``importance`` is where an entity of that kind starts in the ranking before its own weight
(population, labels held) is added.
"""

from __future__ import annotations

from dataclasses import dataclass

GEO = "http://rdf.insee.fr/def/geo#"


@dataclass(frozen=True)
class Kind:
    """One kind of entity."""

    key: str
    cls: str  # relative to the base when it starts with "ontology#"
    fr: str
    en: str
    importance: float
    territory: bool = False
    body: bool = False  # an organisation, an ecosystem, a place (territories are bodies too)

    @property
    def may_end(self) -> bool:
        """Whether an entity of this kind can cease to exist and be replaced (a dissolved
        authority, an ecosystem merged into another). A label kind or a membership that was
        replaced still is what its name says: its name means it, not what came after."""
        return self.body or self.territory

    def name(self, lang: str) -> str:
        """The kind's name in ``lang`` (French unless English is asked)."""
        return self.en if lang == "en" else self.fr


KINDS = {
    kind.key: kind
    for kind in (
        Kind(
            "ecosystem",
            "ontology#Ecosystem",
            "Écosystème French Tech",
            "French Tech ecosystem",
            0.8,
            body=True,
        ),
        Kind("label-kind", "ontology#LabelKind", "Label", "Label kind", 0.8),
        Kind("award", "ontology#LabelAward", "Attribution de label", "Label award", 0.65),
        Kind("round", "ontology#LabelRound", "Vague de labellisation", "Label round", 0.6),
        Kind("programme", "ontology#LabelProgramme", "Programme", "Programme", 0.6),
        Kind(
            "organisation",
            "http://xmlns.com/foaf/0.1/Organization",
            "Organisation",
            "Organisation",
            0.6,
            body=True,
        ),
        Kind("person", "http://xmlns.com/foaf/0.1/Person", "Personne", "Person", 0.6),
        Kind("place", "http://schema.org/Place", "Lieu", "Place", 0.55, body=True),
        Kind("event", "http://schema.org/Event", "Événement", "Event", 0.5),
        Kind("region", GEO + "Region", "Région", "Region", 0.8, territory=True),
        Kind("departement", GEO + "Departement", "Département", "Département", 0.7, territory=True),
        Kind(
            "collectivite-outre-mer",
            "ontology#OverseasCollectivity",
            "Collectivité d'outre-mer",
            "Overseas collectivity",
            0.6,
            territory=True,
        ),
        Kind(
            "epci",
            GEO + "Intercommunalite",
            "Intercommunalité",
            "Intercommunal body",
            0.4,
            territory=True,
        ),
        Kind(
            "arrondissement",
            GEO + "Arrondissement",
            "Arrondissement",
            "Arrondissement",
            0.3,
            territory=True,
        ),
        Kind("commune", GEO + "Commune", "Commune", "Commune", 0.2, territory=True),
        Kind(
            "arrondissement-municipal",
            GEO + "ArrondissementMunicipal",
            "Arrondissement municipal",
            "Municipal arrondissement",
            0.2,
            territory=True,
        ),
        Kind(
            "commune-deleguee",
            GEO + "CommuneDeleguee",
            "Commune déléguée",
            "Delegated commune",
            0.1,
            territory=True,
        ),
        Kind(
            "commune-associee",
            GEO + "CommuneAssociee",
            "Commune associée",
            "Associated commune",
            0.1,
            territory=True,
        ),
        Kind("source", "ontology#SourceDocument", "Source", "Source", 0.35),
        Kind("quotation", "http://schema.org/Quotation", "Citation", "Quotation", 0.3),
        Kind(
            "membership", "http://www.w3.org/ns/org#Membership", "Appartenance", "Membership", 0.25
        ),
    )
}
# Kinds not listed (roles, competences, code lists…) are searchable too, ranked below these.
OTHER_IMPORTANCE = 0.3


def kind_of(entity_id: str) -> str:
    """The kind of an entity id like ``commune/59350``."""
    return entity_id.split("/", 1)[0]


def kind_name(key: str, lang: str) -> str:
    """The name of kind ``key`` in ``lang``; an unlisted kind is named by its key."""
    kind = KINDS.get(key)
    return kind.name(lang) if kind else key.replace("-", " ").capitalize()

"""The datasets the service publishes, and what every harvesting surface says of them.

Two datasets: the whole graph, and the French Tech part alone (labels, ecosystems, people,
sources, without the 680,000 statements of the official geography). The catalogue (DCAT-AP),
the VoID description and the dumps listing are all written from these definitions and from
the files and statistics the build recorded, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    """A published dataset: its key, titles, descriptions and keywords."""

    key: str
    title_fr: str
    title_en: str
    description_fr: str
    description_en: str

    def iri(self, base_uri: str) -> str:
        """The dataset's IRI (it dereferences to its VoID description)."""
        return f"{base_uri}id/dataset/{self.key}"


WHOLE = Dataset(
    "french-tech-kg",
    "Graphe de connaissances French Tech",
    "French Tech Knowledge Graph",
    "Les labels French Tech (Métropoles 2014-2015, Capitales et Communautés depuis 2019), les "
    "écosystèmes et territoires qui les portent, les organisations et personnes qui les "
    "entourent, chaque fait rangé dans le graphe nommé de la source qui l'affirme, avec toute la "
    "géographie administrative de la France (COG 2026 de l'Insee).",
    "The French Tech labels (Métropoles 2014-2015, Capitales and Communautés since 2019), the "
    "ecosystems and territories that hold them, the organisations and people around them, each "
    "fact in the named graph of the source that states it, with all of France's administrative "
    "geography (INSEE's 2026 COG).",
)
LABELS = Dataset(
    "french-tech-kg-labels",
    "Labels French Tech et leurs sources",
    "French Tech labels and their sources",
    "La partie French Tech du graphe, sans la géographie administrative : labels, vagues, "
    "écosystèmes, organisations, personnes, citations et documents sources, chaque fait dans le "
    "graphe nommé de sa source.",
    "The French Tech part of the graph without the administrative geography: labels, rounds, "
    "ecosystems, organisations, people, quotations and source documents, each fact in the named "
    "graph of its source.",
)
DATASETS = (WHOLE, LABELS)
KEYWORDS = {
    "fr": [
        "French Tech",
        "label",
        "start-up",
        "écosystème",
        "territoire",
        "commune",
        "Insee",
        "provenance",
    ],
    "en": [
        "French Tech",
        "label",
        "start-up",
        "ecosystem",
        "territory",
        "commune",
        "INSEE",
        "provenance",
    ],
}
TEMPORAL = ("2013-11-27", None)  # from the launch of French Tech on
# When the catalogue and both datasets were first released, their dct:issued ("date of formal
# issuance", DCAT 3 §6.4): the day the project first published them with their dumps, VoID
# and catalogue (the ontology's dcterms:created is the same day). A fixed date, not the build
# time, so that every build states the same one; dct:modified is the build time.
FIRST_PUBLISHED = "2026-11-22"
# The quality metric the build measures every roster by (DQV §6), relative to the base.
COMPLETENESS_METRIC = "metric/roster-completeness"


@dataclass(frozen=True)
class LinkTarget:
    """Another dataset the graph links to by IRI: its names, and the predicate that links."""

    title_fr: str
    title_en: str
    uri_space: str  # every IRI of the target dataset starts with it (void:uriSpace)
    predicate: str


# The links to other datasets the graph holds (VoID §5: a linkset's triples have their
# subjects in our dataset and their objects in the other): IRIs, never codes. Codes kept as
# literals (Wikidata's P374 and P1616, INSEE's codeINSEE...) link nothing by themselves; the
# property partitions describe them.
LINKS = {
    "insee-epci-types": LinkTarget(
        "Types d'EPCI (liste de codes de l'Insee)",
        "EPCI types (INSEE code list)",
        "http://id.insee.fr/codes/geo/typeDEPCI/",
        "http://rdf.insee.fr/def/geo#typeDEPCI",
    ),
    "eu-languages": LinkTarget(
        "Langues (table d'autorité de l'Office des publications de l'Union européenne)",
        "Languages (authority table of the Publications Office of the European Union)",
        "http://publications.europa.eu/resource/authority/language/",
        "http://purl.org/dc/terms/language",
    ),
}

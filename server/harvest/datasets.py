"""The datasets the service publishes, and what every harvesting surface says of them.

Two datasets: the whole graph, and the French Tech part alone (labels, ecosystems, people,
sources, without the 680,000 statements of the official geography). The catalogue (DCAT-AP),
the VoID description and the dumps listing are all written from these definitions and from
the files and statistics the build recorded, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.build import dumps as dump_files
from server.build import layout
from server.build import statistics as dataset_statistics
from server.store import KnowledgeStore


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


def dumps_of(store: KnowledgeStore) -> list[dump_files.DumpFile]:
    """The dumps of the served version (none for an in-memory store)."""
    directory = store.version_dir
    if directory is None:
        return []
    return dump_files.read_manifest(directory / layout.DUMPS_DIR)


def statistics_of(store: KnowledgeStore) -> dict[str, Any] | None:
    """The VoID statistics the build recorded (computed now for an in-memory store)."""

    def recorded_or_computed() -> dict[str, Any]:
        directory = store.version_dir
        recorded = dataset_statistics.read(directory) if directory is not None else None
        return recorded or dataset_statistics.compute(store.store, store.base_uri)

    return store.cached("void.statistics", recorded_or_computed)


def versions(store_root: Path) -> list[layout.Version]:
    """Every complete version on disk, newest first (the live one and those kept)."""
    directory = store_root / layout.VERSIONS
    if not directory.is_dir():
        return []
    found = [
        layout.Version(p)
        for p in directory.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / layout.METADATA).is_file()
    ]
    return sorted(found, key=lambda v: v.name, reverse=True)

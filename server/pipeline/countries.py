"""The countries of the world, from a pinned copy of the ISO 3166-1 code list, as N-Quads.

International French Tech communities are placed in a country; the country is an entity of
the graph, keyed by its ISO 3166-1 alpha-2 code (``id/country/JP``), with its French and
English names, its alpha-3 code and a link out by Wikidata's identifier property (P297, the
alpha-2 code), never by a guessed item id. The list comes from the npm package
``i18n-iso-countries`` pinned in ``data/countries/`` (tarball and integrity hash), like the
official geography: nothing is read from a tarball that does not match its manifest.
"""

from __future__ import annotations

import io
import json
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.pipeline.errors import BuildError
from server.pipeline.geography import (
    RDF_TYPE,
    RDFS_LABEL,
    WDT,
    NQuadsWriter,
    literal,
    read_manifest_json,
    verified_tarball,
)

SCHEMA_COUNTRY = "http://schema.org/Country"
DCT_LOCATION = "http://purl.org/dc/terms/Location"
SKOS_ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
LANGUAGES = ("fr", "en")
ABBREVIATION = re.compile(r"[A-Z.]+")


@dataclass(frozen=True)
class Manifest:
    """What ``data/countries/iso-3166-countries.json`` pins."""

    path: Path
    tarball: Path
    integrity: str
    graph: str

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """Read and check the manifest; a missing field names itself."""
        data = read_manifest_json(path)
        try:
            return cls(
                path=path,
                tarball=path.parent / data["tarball"],
                integrity=data["integrity"],
                graph=data["graph"],
            )
        except KeyError as missing:
            raise BuildError(f"{path}: the manifest lacks the field {missing}") from None


def read_package(manifest: Manifest) -> tuple[list[list[str]], dict[str, dict[str, Any]]]:
    """The code table and the country names per language, from the verified tarball."""
    payload = verified_tarball(manifest.path, manifest.tarball, manifest.integrity)
    names: dict[str, dict[str, Any]] = {}
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:

        def member(name: str) -> Any:
            handle = archive.extractfile(f"package/{name}")
            if handle is None:
                raise BuildError(f"{manifest.tarball}: package/{name} is missing")
            return json.load(handle)

        codes = member("codes.json")
        for language in LANGUAGES:
            names[language] = member(f"langs/{language}.json")["countries"]
    return codes, names


def generate(manifest: Manifest, base_uri: str) -> tuple[str, dict[str, int]]:
    """N-Quads for every country, and how many were generated."""
    codes, names = read_package(manifest)
    shared = _names_of_several_countries(names)
    w = NQuadsWriter(base_uri, manifest.graph)
    ftkg = f"{base_uri}ontology#"
    for alpha2, alpha3, _numeric, *_ in codes:
        subject = w.iri(f"country/{alpha2}")
        w.add(subject, RDF_TYPE, f"<{SCHEMA_COUNTRY}>")
        w.add(subject, RDF_TYPE, f"<{DCT_LOCATION}>")
        for language in LANGUAGES:
            # The package gives one name, or several with the usual one first.
            given = names[language].get(alpha2)
            if not given:
                continue
            first, *others = given if isinstance(given, list) else [given]
            w.add(subject, RDFS_LABEL, f"{literal(first)}@{language}")
            for other in others:
                # "USA", "U.S." are abbreviations, not names; "Congo" names two countries, and
                # an alternative name that matches two would make name matching ambiguous.
                if not ABBREVIATION.fullmatch(other) and (language, other) not in shared:
                    w.add(subject, SKOS_ALT_LABEL, f"{literal(other)}@{language}")
        w.text(subject, f"{ftkg}iso3166Alpha2", alpha2)
        w.text(subject, f"{ftkg}iso3166Alpha3", alpha3)
        w.text(subject, f"{WDT}P297", alpha2)
    return "".join(w.lines), {"countries": len(codes)}


def _names_of_several_countries(names: dict[str, dict[str, Any]]) -> set[tuple[str, str]]:
    """(language, name) pairs the package gives to more than one country."""
    seen: dict[tuple[str, str], int] = {}
    for language, countries in names.items():
        for given in countries.values():
            for name in given if isinstance(given, list) else [given]:
                seen[(language, name)] = seen.get((language, name), 0) + 1
    return {key for key, count in seen.items() if count > 1}


__all__ = ["Manifest", "generate"]

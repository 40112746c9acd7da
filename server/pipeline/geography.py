"""The official geography: every territory of Etalab's decoupage-administratif, as N-Quads.

The package (INSEE's COG, the DGCL's EPCI, INSEE's legal populations, La Poste's postal codes)
is pinned in ``data/geography/``: a manifest names the tarball and its npm integrity hash, and
nothing is read from a tarball that does not match it.

Territories use INSEE's geo ontology (``igeo:``), keyed by official code:
``id/commune/{INSEE}``, ``id/commune-deleguee/{INSEE}``, ``id/commune-associee/{INSEE}``,
``id/arrondissement-municipal/{INSEE}``, ``id/arrondissement/{code}``,
``id/departement/{code}``, ``id/region/{code}``, ``id/collectivite-outre-mer/{code}`` and
``id/epci/{SIREN}``. A merged commune's former code stays resolvable:
``id/commune/{old}`` is ``dcterms:isReplacedBy`` the current commune, which carries the old
code as ``ftkg:formerInseeCode``. Codes also link out by Wikidata's identifier properties
(P374 commune code, P2586 département, P2585 région, P1616 SIREN), never by guessed item ids.

The output is N-Quads text, built line by line: for 700,000 statements this is several times
faster than building pyoxigraph term objects in Python, and Oxigraph parses it in Rust.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.pipeline.errors import BuildError

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_VALUE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
DCT_REPLACED_BY = "http://purl.org/dc/terms/isReplacedBy"
IGEO = "http://rdf.insee.fr/def/geo#"
SCHEMA_POSTAL_CODE = "http://schema.org/postalCode"
WDT = "http://www.wikidata.org/prop/direct/"
XSD = "http://www.w3.org/2001/XMLSchema#"
INSEE_EPCI_TYPES = "http://id.insee.fr/codes/geo/typeDEPCI/"
# The package's EPCI types, mapped to INSEE's own code list (igeo:typeDEPCI).
EPCI_TYPES = {"CC": "CC", "CA": "CA", "CU": "CU", "METRO": "Metro"}
COMMUNE_KINDS = {
    "commune-actuelle": ("commune", "Commune"),
    "commune-deleguee": ("commune-deleguee", "CommuneDeleguee"),
    "commune-associee": ("commune-associee", "CommuneAssociee"),
    "arrondissement-municipal": ("arrondissement-municipal", "ArrondissementMunicipal"),
}
PACKAGE_FILES = ("communes", "epci", "departements", "regions", "arrondissements")


def read_manifest_json(path: Path) -> dict[str, Any]:
    """A generator manifest's JSON; invalid JSON names the file, line and column."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise BuildError(
            f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}"
        ) from None
    if not isinstance(data, dict):
        raise BuildError(f"{path}: a manifest is a JSON object")
    return data


@dataclass(frozen=True)
class Manifest:
    """What ``data/geography/decoupage-administratif.json`` pins."""

    path: Path
    version: str
    tarball: Path
    integrity: str
    cog_date: str
    population_date: str
    graph: str
    source: str
    history: History | None = None

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """Read and check the manifest; a missing field names itself."""
        data = read_manifest_json(path)
        try:
            return cls(
                path=path,
                version=data["version"],
                tarball=path.parent / data["tarball"],
                integrity=data["integrity"],
                cog_date=data["cog_date"],
                population_date=data["population_reference_date"],
                graph=data["graph"],
                source=data["source"],
                history=History.read(path, data["history"]) if "history" in data else None,
            )
        except KeyError as missing:
            raise BuildError(f"{path}: the manifest lacks the field {missing}") from None


@dataclass(frozen=True)
class History:
    """An earlier version of the same package, pinned for the names of former communes.

    The current package lists a merged commune's old code (``anciensCodes``) but not its name;
    an earlier version, from before most mergers, still lists it with its name (as a commune,
    or as the commune déléguée or associée that kept it).
    Neither carries the date a commune ceased to exist (INSEE's record of changes is not on a
    package registry), so former communes have a name and a successor but no end date.
    """

    version: str
    tarball: Path
    integrity: str
    graph: str
    source: str

    @classmethod
    def read(cls, manifest: Path, data: dict[str, str]) -> History:
        """The ``history`` part of the manifest."""
        try:
            return cls(
                version=data["version"],
                tarball=manifest.parent / data["tarball"],
                integrity=data["integrity"],
                graph=data["graph"],
                source=data["source"],
            )
        except KeyError as missing:
            raise BuildError(f"{manifest}: history lacks the field {missing}") from None


def verified_tarball(manifest_path: Path, tarball: Path, integrity: str) -> bytes:
    """The bytes of a pinned npm tarball, after checking them against its npm integrity hash."""
    try:
        payload = tarball.read_bytes()
    except OSError as error:
        raise BuildError(f"{tarball}: cannot read: {error.strerror or error}") from None
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise BuildError(f"{manifest_path}: integrity must be an npm sha512-… hash")
    actual = base64.b64encode(hashlib.sha512(payload).digest()).decode()
    if actual != expected:
        raise BuildError(
            f"{tarball}: integrity mismatch (sha512-{actual}, expected "
            f"{integrity}); the file is not the pinned package"
        )
    return payload


def read_package(manifest: Manifest) -> dict[str, list[dict[str, Any]]]:
    """The package's JSON files, after checking the tarball against the pinned integrity."""
    payload = verified_tarball(manifest.path, manifest.tarball, manifest.integrity)
    package: dict[str, list[dict[str, Any]]] = {}
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
        for name in PACKAGE_FILES:
            member = archive.extractfile(f"package/data/{name}.json")
            if member is None:
                raise BuildError(f"{manifest.tarball}: package/data/{name}.json is missing")
            package[name] = json.load(member)
    return package


def literal(value: str) -> str:
    """An N-Triples string literal."""
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


class NQuadsWriter:
    """Accumulates N-Quads lines: each statement in one generated graph and the default graph."""

    def __init__(self, base: str, graph: str) -> None:
        self.base = base
        self.graph = f" <{base}{graph}> .\n"
        self.lines: list[str] = []

    def iri(self, key: str) -> str:
        """The IRI of the entity ``{kind}/{key}`` under ``{base}id/``."""
        return f"<{self.base}id/{key}>"

    def add(self, subject: str, predicate: str, obj: str) -> None:
        """One statement, in the generator's graph and in the default graph."""
        statement = f"{subject} <{predicate}> {obj}"
        self.lines.append(statement + self.graph)
        self.lines.append(statement + " .\n")

    def text(self, subject: str, predicate: str, value: str) -> None:
        """A plain string value."""
        self.add(subject, predicate, literal(value))

    def label(self, subject: str, value: str) -> None:
        """A French rdfs:label."""
        self.add(subject, RDFS_LABEL, literal(value) + "@fr")

    def integer(self, subject: str, predicate: str, value: int) -> None:
        """An xsd:integer value."""
        self.add(subject, predicate, f'"{int(value)}"^^<{XSD}integer>')

    def date(self, subject: str, predicate: str, value: str) -> None:
        """An xsd:date value."""
        self.add(subject, predicate, f'"{value}"^^<{XSD}date>')


def generate(manifest: Manifest, base_uri: str) -> tuple[str, dict[str, int]]:
    """N-Quads for every territory, and how many entries of each file were imported."""
    package = read_package(manifest)
    w = NQuadsWriter(base_uri, manifest.graph)
    ftkg = f"{base_uri}ontology#"
    regions = {r["code"]: r for r in package["regions"]}
    overseas = {code for code, r in regions.items() if r.get("zone") == "com"}

    def region_iri(code: str) -> str:
        kind = "collectivite-outre-mer" if code in overseas else "region"
        return w.iri(f"{kind}/{code}")

    def departement_iri(code: str) -> str:
        return region_iri(code) if code in overseas else w.iri(f"departement/{code}")

    def zone(subject: str, value: str | None) -> None:
        if value:
            w.add(subject, f"{ftkg}zone", w.iri(f"zone/{value}"))

    # Figures carry no label of their own: pages name them from what they measure and of
    # what; 40,000 generated labels would only repeat that.
    def population(subject: str, key: str, kind: str, value: int) -> None:
        figure = w.iri(f"figure/{kind}-{key}")
        w.add(figure, RDF_TYPE, f"<{ftkg}Figure>")
        w.add(figure, f"{ftkg}figureOf", subject)
        w.add(figure, f"{ftkg}quantityKind", w.iri(f"quantity/{kind}"))
        w.integer(figure, RDF_VALUE, value)
        w.date(figure, f"{ftkg}referenceDate", manifest.population_date)

    def territory(subject: str, igeo_class: str, name: str, code: str | None) -> None:
        w.add(subject, RDF_TYPE, f"<{igeo_class}>")
        w.label(subject, name)
        w.text(subject, f"{IGEO}nom", name)
        if code is not None:
            w.text(subject, f"{IGEO}codeINSEE", code)

    for code, region in regions.items():
        subject = region_iri(code)
        if code in overseas:
            territory(subject, f"{ftkg}OverseasCollectivity", region["nom"], code)
        else:
            territory(subject, f"{IGEO}Region", region["nom"], code)
            w.text(subject, f"{WDT}P2585", code)
        if region.get("chefLieu"):
            w.add(subject, f"{IGEO}chefLieu", w.iri(f"commune/{region['chefLieu']}"))
        zone(subject, region.get("zone"))

    for departement in package["departements"]:
        code = departement["code"]
        if code in overseas:
            continue  # the same collectivity as its "région" entry
        subject = departement_iri(code)
        territory(subject, f"{IGEO}Departement", departement["nom"], code)
        w.text(subject, f"{WDT}P2586", code)
        w.add(subject, f"{IGEO}subdivisionDirecteDe", region_iri(departement["region"]))
        w.add(subject, f"{IGEO}chefLieu", w.iri(f"commune/{departement['chefLieu']}"))
        zone(subject, departement.get("zone"))

    for arrondissement in package["arrondissements"]:
        subject = w.iri(f"arrondissement/{arrondissement['code']}")
        territory(subject, f"{IGEO}Arrondissement", arrondissement["nom"], arrondissement["code"])
        w.add(
            subject, f"{IGEO}subdivisionDirecteDe", departement_iri(arrondissement["departement"])
        )
        w.add(subject, f"{IGEO}chefLieu", w.iri(f"commune/{arrondissement['chefLieu']}"))

    for commune in package["communes"]:
        kind, igeo_class = COMMUNE_KINDS[commune["type"]]
        code = commune["code"]
        subject = w.iri(f"{kind}/{code}")
        territory(subject, f"{IGEO}{igeo_class}", commune["nom"], code)
        zone(subject, commune.get("zone"))
        for postal_code in commune.get("codesPostaux", ()):
            w.text(subject, SCHEMA_POSTAL_CODE, postal_code)
        if "population" in commune:
            population(subject, f"{kind}-{code}", "population-municipale", commune["population"])
        if kind == "commune":
            w.text(subject, f"{WDT}P374", code)
            if commune.get("siren"):
                w.text(subject, f"{ftkg}siren", commune["siren"])
                w.text(subject, f"{WDT}P1616", commune["siren"])
            parent = commune.get("arrondissement")
            parent_iri = (
                w.iri(f"arrondissement/{parent}")
                if parent
                else departement_iri(commune["departement"])
            )
            w.add(subject, f"{IGEO}subdivisionDirecteDe", parent_iri)
            # Materialised so that "communes of a département or région" needs no path query;
            # igeo:subdivisionDe is INSEE's transitive parent property.
            w.add(subject, f"{IGEO}subdivisionDe", departement_iri(commune["departement"]))
            if commune["region"] != commune["departement"]:
                w.add(subject, f"{IGEO}subdivisionDe", region_iri(commune["region"]))
            for former in commune.get("anciensCodes", ()):
                w.text(subject, f"{ftkg}formerInseeCode", former)
                w.add(w.iri(f"commune/{former}"), DCT_REPLACED_BY, subject)
        elif kind == "arrondissement-municipal":
            w.add(subject, f"{IGEO}subdivisionDirecteDe", w.iri(f"commune/{commune['commune']}"))
        else:  # commune déléguée or associée: part of the commune its chefLieu names
            w.add(subject, f"{IGEO}subdivisionDirecteDe", w.iri(f"commune/{commune['chefLieu']}"))

    for epci in package["epci"]:
        siren = epci["code"]
        subject = w.iri(f"epci/{siren}")
        territory(subject, f"{IGEO}Intercommunalite", epci["nom"], None)
        w.text(subject, f"{ftkg}siren", siren)
        w.text(subject, f"{WDT}P1616", siren)
        if epci["type"] in EPCI_TYPES:
            w.add(subject, f"{IGEO}typeDEPCI", f"<{INSEE_EPCI_TYPES}{EPCI_TYPES[epci['type']]}>")
        for member in epci["membres"]:
            w.add(w.iri(f"commune/{member['code']}"), f"{IGEO}subdivisionDirecteDe", subject)
        if "populationMunicipale" in epci:
            population(
                subject, f"epci-{siren}", "population-municipale", epci["populationMunicipale"]
            )
        if "populationTotale" in epci:
            population(subject, f"epci-{siren}", "population-totale", epci["populationTotale"])
        figure = w.iri(f"figure/member-communes-epci-{siren}")
        w.add(figure, RDF_TYPE, f"<{ftkg}Figure>")
        w.add(figure, f"{ftkg}figureOf", subject)
        w.add(figure, f"{ftkg}quantityKind", w.iri("quantity/member-communes"))
        w.integer(figure, RDF_VALUE, len(epci["membres"]))
        w.date(figure, f"{ftkg}referenceDate", manifest.cog_date)

    counts = {name: len(package[name]) for name in PACKAGE_FILES}
    if manifest.history is not None:
        former = {
            old: commune["nom"]
            for commune in package["communes"]
            for old in commune.get("anciensCodes", ())
        }
        lines, named = _former_communes(manifest, base_uri, former)
        w.lines.extend(lines)
        counts["former communes named"] = named
    return "".join(w.lines), counts


def _former_communes(
    manifest: Manifest, base_uri: str, successors: dict[str, str]
) -> tuple[list[str], int]:
    """Former communes (old code -> its successor's name) with the name an earlier version of
    the package gives them, but for renumbered communes, which are their successor."""
    history = manifest.history
    assert history is not None
    payload = verified_tarball(manifest.path, history.tarball, history.integrity)
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as archive:
        member = archive.extractfile("package/data/communes.json")
        if member is None:
            raise BuildError(f"{history.tarball}: package/data/communes.json is missing")
        earlier = json.load(member)
    # A code may be listed as a commune then, or already as the commune déléguée or associée
    # that kept the former commune's name; either way the name is the former commune's.
    names: dict[str, str] = {}
    for record in sorted(earlier, key=lambda c: c.get("type") != "commune-actuelle"):
        code = record["code"]
        # A code whose earlier name is the name of the commune that now bears it was only
        # renumbered (Corsica's 20xxx became 2Axxx and 2Bxxx): the same commune, an alias.
        if code in successors and record["nom"] != successors[code]:
            names.setdefault(code, record["nom"])
    w = NQuadsWriter(base_uri, history.graph)
    for code, name in sorted(names.items()):
        subject = w.iri(f"commune/{code}")
        w.add(subject, RDF_TYPE, f"<{base_uri}ontology#FormerCommune>")
        w.label(subject, name)
        w.text(subject, f"{IGEO}nom", name)
        w.text(subject, f"{IGEO}codeINSEE", code)
    return w.lines, len(names)


def origin_of(iri: str, base_uri: str) -> str | None:
    """Which package record a generated IRI comes from, for error messages."""
    if not iri.startswith(base_uri + "id/"):
        return None
    kind, _, key = iri[len(base_uri) + 3 :].partition("/")
    source = {
        "commune": "communes.json",
        "commune-deleguee": "communes.json",
        "commune-associee": "communes.json",
        "arrondissement-municipal": "communes.json",
        "arrondissement": "arrondissements.json",
        "departement": "departements.json",
        "region": "regions.json",
        "collectivite-outre-mer": "regions.json",
        "epci": "epci.json",
        "figure": "communes.json / epci.json",
    }.get(kind)
    return f"{source}, code {key}" if source else None

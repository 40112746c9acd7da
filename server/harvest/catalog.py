"""The DCAT-AP 3.0.1 catalogue at /catalog (and /catalog.ttl, .rdf, .jsonld).

Written for the harvesters that read it (shared/standards/HARVESTING.md): it answers 200
directly whatever the Accept (data.gouv.fr refuses any redirect), carries charset=utf-8,
answers HEAD, pages with Hydra (hydra:PartialCollectionView, hydra:next, hydra:totalItems)
where each page holds the whole description of its datasets and describes each resource once
(the catalogue, its concept schemes and its data service on the first page, named by IRI on
the others), keeps dct:temporal as a blank node, dates dct:issued by the first publication and
dct:modified by the build, never in the future, states the licence on every distribution and
service by the exact IRI data.gouv.fr matches (with no rdfs:label, which its harvester would
try to match instead), and gives SHA-256 checksums (DCAT-AP 3.0.1 accepts any SPDX algorithm;
the .sha256 files beside the dumps serve `sha256sum -c`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from server import quality
from server.datasets import (
    DATASETS,
    FIRST_PUBLISHED,
    KEYWORDS,
    TEMPORAL,
    Dataset,
)
from server.errors import BadRequest
from server.harvest.dumps_view import download_url, stable_name
from server.harvest.rdf_response import rdf_response
from server.site import Site, of_request
from server.terms import Term
from server.version.manifest import DumpFile
from server.version.store import KnowledgeStore
from server.web import knowledge_store

bp = Blueprint("catalog", __name__)

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
DCATAP = "http://data.europa.eu/r5r/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SPDX = "http://spdx.org/rdf/terms#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LICENCE = ox.NamedNode("https://www.etalab.gouv.fr/licence-ouverte-open-licence")
Add = Callable[[ox.NamedNode | ox.BlankNode, str, Term], None]
PREFIXES = {
    "dcat": DCAT,
    "dcatap": DCATAP,
    "spdx": SPDX,
    "hydra": HYDRA,
    "vcard": VCARD,
    "adms": "http://www.w3.org/ns/adms#",
    "eu": EU,
}
# EU data themes, with the labels udata turns into tags.
THEMES = {
    "ECON": ("Économie et finances", "Economy and finance"),
    "REGI": ("Régions et villes", "Regions and cities"),
    "GOVE": ("Gouvernement et secteur public", "Government and public sector"),
}


@dataclass(frozen=True)
class FileType:
    """A concept of the EU file-type authority table: its code and its English prefLabel."""

    code: str
    label: str


# The formats of the dumps by the IANA media type of their data (dcat:mediaType), with the
# dct:format DCAT-AP 3 takes from the EU file-type table
# (http://publications.europa.eu/resource/authority/file-type), as that table names them.
FILE_TYPES = {
    "application/n-triples": FileType("RDF_N_TRIPLES", "RDF N-Triples"),
    "text/turtle": FileType("RDF_TURTLE", "RDF Turtle"),
    "application/ld+json": FileType("JSON_LD", "JSON-LD"),
    "application/n-quads": FileType("RDF_N_QUADS", "RDF N-Quads"),
}
GZIP = "application/gzip"


# The controlled-vocabulary terms the catalogue uses, with their scheme and labels, so the
# catalogue is self-contained: a harvester (and the DCAT-AP code-list shapes) need not fetch
# the EU vocabularies to know what they are.
CONCEPTS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    EU + "language/FRA": (
        EU + "language",
        "French",
        ("http://purl.org/dc/terms/LinguisticSystem",),
    ),
    EU + "language/ENG": (
        EU + "language",
        "English",
        ("http://purl.org/dc/terms/LinguisticSystem",),
    ),
    EU + "country/FRA": (EU + "country", "France", ("http://purl.org/dc/terms/Location",)),
    EU + "access-right/PUBLIC": (
        EU + "access-right",
        "public",
        ("http://purl.org/dc/terms/RightsStatement",),
    ),
    EU + "frequency/IRREG": (
        EU + "frequency",
        "irregular",
        ("http://purl.org/dc/terms/Frequency",),
    ),
    EU + "planned-availability/STABLE": (EU + "planned-availability", "stable", ()),
    "http://purl.org/adms/publishertype/NonProfitOrganisation": (
        "http://purl.org/adms/publishertype/1.0",
        "Non-Profit Organisation",
        (),
    ),
    "http://purl.org/adms/licencetype/Attribution": (
        "http://purl.org/adms/licencetype/1.0",
        "Attribution",
        (),
    ),
    **{
        EU + "file-type/" + file_type.code: (
            EU + "file-type",
            file_type.label,
            ("http://purl.org/dc/terms/MediaTypeOrExtent",),
        )
        for file_type in FILE_TYPES.values()
    },
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _text(value: str, lang: str) -> ox.Literal:
    return ox.Literal(value, language=lang)


def _typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=_n(XSD + datatype))


def catalog_triples(
    store: KnowledgeStore,
    site: Site,
    page: int,
    page_size: int,
    page_url: Callable[[int], str] | None = None,
) -> list[ox.Triple]:
    """One page of the catalogue of ``store``'s data version published on ``site``:
    ``page_size`` datasets with all they refer to. The first page also describes the
    catalogue, its concept schemes and its data service; the others name the catalogue and the
    service by IRI, so that a harvester meets each description once. Pages are named by
    ``page_url`` (by default the catalogue's address with ``?page=``)."""
    config = site.config
    if page_url is None:
        page_url = partial(_page_of, site)
    base = store.base_uri
    triples: list[ox.Triple] = []

    def add(s: ox.NamedNode | ox.BlankNode, p: str, o: Term) -> None:
        triples.append(ox.Triple(s, _n(p), o))

    catalog = _n(site.url("catalog.catalog"))
    publisher = _n(base + "id/organisation/ftkg")
    contact = ox.BlankNode("contact")
    modified = _not_in_future(store.built_at)

    # --- what the page's datasets refer to, on every page: a harvester reads each page alone
    #     (HARVESTING.md §0, item 9); agents and concepts are no catalogue records.
    add(publisher, TYPE, _n(FOAF + "Agent"))
    add(publisher, TYPE, _n(FOAF + "Organization"))
    add(publisher, FOAF + "name", _text(config["PUBLISHER_NAME"], "fr"))
    add(publisher, DCT + "type", _n("http://purl.org/adms/publishertype/NonProfitOrganisation"))
    add(contact, TYPE, _n(VCARD + "Organization"))
    add(contact, TYPE, _n(VCARD + "Kind"))
    add(contact, VCARD + "fn", ox.Literal(config["PUBLISHER_NAME"]))
    add(contact, VCARD + "hasEmail", _n("mailto:" + config["CONTACT_EMAIL"]))
    add(LICENCE, TYPE, _n(DCT + "LicenseDocument"))
    add(LICENCE, DCT + "type", _n("http://purl.org/adms/licencetype/Attribution"))
    for iri, (scheme, label, types) in CONCEPTS.items():
        add(_n(iri), TYPE, _n(SKOS + "Concept"))
        add(_n(iri), SKOS + "inScheme", _n(scheme))
        add(_n(iri), SKOS + "prefLabel", _text(label, "en"))
        for extra in types:
            add(_n(iri), TYPE, _n(extra))
    for media_type in {*FILE_TYPES, GZIP}:
        add(_n(IANA + media_type), TYPE, _n(DCT + "MediaType"))
    add(_n(SPDX + "checksumAlgorithm_sha256"), TYPE, _n(SPDX + "ChecksumAlgorithm"))
    add(_n(site.url("home.index")), TYPE, _n(FOAF + "Document"))

    service = _n(site.url("sparql.endpoint") + "#service")
    if page == 1:
        _catalogue(add, site, catalog, publisher, modified)
        _data_service(add, site, service, base, contact, publisher)
    # Described on the first page, named by IRI on every one: a harvester takes each typed
    # dcat:DataService for a record, and udata fails the second with the same dct:identifier
    # (HARVESTING.md §4.1). Hydra pages split a collection's members, not their descriptions.
    add(catalog, DCAT + "service", service)
    add(catalog, HYDRA + "totalItems", _typed(str(len(DATASETS)), "integer"))

    start = (page - 1) * page_size
    for dataset in DATASETS[start : start + page_size]:
        node = _dataset(add, store, site, dataset, base, contact, publisher, modified)
        add(catalog, DCAT + "dataset", node)

    # --- Hydra paging (a harvester follows hydra:next until there is none) ------------------
    view = _n(page_url(page))
    add(catalog, HYDRA + "view", view)
    add(view, TYPE, _n(HYDRA + "PartialCollectionView"))
    add(view, HYDRA + "first", _n(page_url(1)))
    last = max(1, -(-len(DATASETS) // page_size))
    add(view, HYDRA + "last", _n(page_url(last)))
    if page < last:
        add(view, HYDRA + "next", _n(page_url(page + 1)))
    if page > 1:
        add(view, HYDRA + "previous", _n(page_url(page - 1)))
    # Both datasets state the same metric; each statement once.
    return list(dict.fromkeys(triples))


def _catalogue(
    add: Add, site: Site, catalog: ox.NamedNode, publisher: ox.NamedNode, modified: str | None
) -> None:
    """The catalogue itself and the concept schemes it names (first page only)."""
    add(catalog, TYPE, _n(DCAT + "Catalog"))
    add(catalog, TYPE, _n(HYDRA + "Collection"))
    add(catalog, DCT + "title", _text("Catalogue du graphe de connaissances French Tech", "fr"))
    add(catalog, DCT + "title", _text("French Tech Knowledge Graph catalogue", "en"))
    add(
        catalog,
        DCT + "description",
        _text(
            "Les jeux de données et le point d'accès SPARQL "
            "du graphe de connaissances French Tech.",
            "fr",
        ),
    )
    add(
        catalog,
        DCT + "description",
        _text("The datasets and the SPARQL endpoint of the French Tech Knowledge Graph.", "en"),
    )
    add(catalog, DCT + "publisher", publisher)
    add(catalog, FOAF + "homepage", _n(site.url("home.index")))
    add(catalog, DCT + "language", _n(EU + "language/FRA"))
    add(catalog, DCT + "language", _n(EU + "language/ENG"))
    add(catalog, DCT + "license", LICENCE)
    add(catalog, DCT + "spatial", _n(EU + "country/FRA"))
    add(catalog, DCAT + "themeTaxonomy", _n(EU + "data-theme"))
    add(_n(EU + "data-theme"), TYPE, _n(SKOS + "ConceptScheme"))
    add(_n(EU + "data-theme"), DCT + "title", _text("Data theme", "en"))
    for scheme in sorted({scheme for scheme, _, _ in CONCEPTS.values()}):
        add(_n(scheme), TYPE, _n(SKOS + "ConceptScheme"))
        add(_n(scheme), DCT + "title", _text(scheme.rstrip("/").rsplit("/", 1)[-1], "en"))
    add(catalog, DCT + "issued", _typed(FIRST_PUBLISHED, "date"))
    if modified:
        add(catalog, DCT + "modified", _typed(modified, "dateTime"))
    add(
        catalog,
        "http://www.w3.org/2000/01/rdf-schema#seeAlso",
        _n(site.url("void.description")),
    )


def _page_of(site: Site, page: int) -> str:
    return site.url("catalog.catalog", page=page)


def _page_of_request(page: int) -> str:
    """The page's address as the request asked for the catalogue (its extension, its other
    parameters), so that a harvester following hydra:next stays in the format it chose."""
    params = {k: v for k, v in request.args.items() if k != "page"}
    params["page"] = str(page)
    return request.base_url + "?" + urlencode(params)


def _not_in_future(built_at: str | None) -> str | None:
    if not built_at:
        return None
    moment = datetime.fromisoformat(built_at)
    now = datetime.now(UTC)
    return min(moment, now).isoformat(timespec="seconds")


def _data_service(
    add: Add,
    site: Site,
    service: ox.NamedNode,
    base: str,
    contact: ox.BlankNode,
    publisher: ox.NamedNode,
) -> None:
    """The SPARQL endpoint as a DCAT data service (first page only)."""
    endpoint = _n(site.url("sparql.endpoint"))
    add(service, TYPE, _n(DCAT + "DataService"))
    add(service, DCT + "title", _text("Point d'accès SPARQL du graphe French Tech", "fr"))
    add(service, DCT + "title", _text("SPARQL endpoint of the French Tech graph", "en"))
    add(
        service,
        DCT + "description",
        _text(
            "Point d'accès SPARQL 1.1 (protocole W3C) en lecture seule ; "
            "sa description de service publie ses limites.",
            "fr",
        ),
    )
    add(
        service,
        DCT + "description",
        _text(
            "Read-only SPARQL 1.1 endpoint (W3C protocol); "
            "its service description publishes its limits.",
            "en",
        ),
    )
    add(service, DCT + "identifier", ox.Literal("french-tech-kg-sparql"))
    add(service, DCAT + "endpointURL", endpoint)
    add(service, DCAT + "endpointDescription", endpoint)
    add(service, DCT + "conformsTo", _n("https://www.w3.org/TR/sparql11-protocol/"))
    add(_n("https://www.w3.org/TR/sparql11-protocol/"), TYPE, _n(DCT + "Standard"))
    for code in THEMES:
        add(service, DCAT + "theme", _n(EU + "data-theme/" + code))
    for lang, words in KEYWORDS.items():
        for word in ("SPARQL", *words[:3]):
            add(service, DCAT + "keyword", _text(word, lang))
    add(service, DCT + "license", LICENCE)
    add(service, DCT + "accessRights", _n(EU + "access-right/PUBLIC"))
    add(service, DCT + "publisher", publisher)
    add(service, DCAT + "contactPoint", contact)
    for dataset in DATASETS:
        add(service, DCAT + "servesDataset", _n(dataset.iri(base)))


def _dataset(
    add: Add,
    store: KnowledgeStore,
    site: Site,
    dataset: Dataset,
    base: str,
    contact: ox.BlankNode,
    publisher: ox.NamedNode,
    modified: str | None,
) -> ox.NamedNode:
    node = _n(dataset.iri(base))
    add(node, TYPE, _n(DCAT + "Dataset"))
    add(node, DCT + "identifier", ox.Literal(dataset.key))
    add(node, DCT + "title", _text(dataset.title_fr, "fr"))
    add(node, DCT + "title", _text(dataset.title_en, "en"))
    add(node, DCT + "description", _text(dataset.description_fr, "fr"))
    add(node, DCT + "description", _text(dataset.description_en, "en"))
    add(node, DCT + "publisher", publisher)
    add(node, DCAT + "contactPoint", contact)
    add(node, DCAT + "landingPage", _n(site.url("home.index")))
    add(node, DCT + "conformsTo", _n(base + "ontology"))
    add(_n(base + "ontology"), TYPE, _n(DCT + "Standard"))
    add(node, DCT + "accessRights", _n(EU + "access-right/PUBLIC"))
    add(node, DCT + "accrualPeriodicity", _n(EU + "frequency/IRREG"))
    add(node, DCT + "spatial", _n(EU + "country/FRA"))
    add(node, DCT + "language", _n(EU + "language/FRA"))
    add(node, DCAT + "version", ox.Literal(store.data_version[:12]))
    add(node, DCT + "issued", _typed(FIRST_PUBLISHED, "date"))
    if modified:
        add(node, DCT + "modified", _typed(modified, "dateTime"))
    period = ox.BlankNode(f"period-{dataset.key}")
    add(node, DCT + "temporal", period)
    add(period, TYPE, _n(DCT + "PeriodOfTime"))
    add(period, DCAT + "startDate", _typed(TEMPORAL[0], "date"))
    for code, (fr, en) in THEMES.items():
        theme = _n(EU + "data-theme/" + code)
        add(node, DCAT + "theme", theme)
        add(theme, TYPE, _n(SKOS + "Concept"))
        add(theme, SKOS + "prefLabel", _text(fr, "fr"))
        add(theme, SKOS + "prefLabel", _text(en, "en"))
        add(theme, SKOS + "inScheme", _n(EU + "data-theme"))
    for lang, words in KEYWORDS.items():
        for word in words:
            add(node, DCAT + "keyword", _text(word, lang))
    for dump in store.dumps():
        if dump.dataset != dataset.key:
            continue
        distribution = _n(site.url("dumps.latest", name=stable_name(dump)) + "#distribution")
        stable = _n(site.url("dumps.latest", name=stable_name(dump)))
        # The checksum and size describe this version's file: the download URL must name that
        # file, not the stable address a build replaces while this catalogue sits in caches.
        download = _n(download_url(store, site, dump))
        add(node, DCAT + "distribution", distribution)
        add(distribution, TYPE, _n(DCAT + "Distribution"))
        add(distribution, DCT + "title", _text(dump.title_fr, "fr"))
        add(distribution, DCT + "title", _text(dump.title_en, "en"))
        description_fr, description_en = _distribution_descriptions(dump, dataset)
        add(distribution, DCT + "description", _text(description_fr, "fr"))
        add(distribution, DCT + "description", _text(description_en, "en"))
        add(distribution, DCAT + "accessURL", stable)
        add(distribution, DCAT + "downloadURL", download)
        # DCAT 3 §6.8 (compression format): the media type and format are the data's, and a
        # gzipped file adds the compression's media type. One file is no package, so there is
        # no dcat:packageFormat.
        add(distribution, DCAT + "mediaType", _n(IANA + dump.format))
        add(distribution, DCT + "format", _n(EU + "file-type/" + FILE_TYPES[dump.format].code))
        if dump.compressed:
            add(distribution, DCAT + "compressFormat", _n(IANA + GZIP))
        add(distribution, DCAT + "byteSize", _typed(str(dump.bytes), "nonNegativeInteger"))
        checksum = ox.BlankNode(f"checksum-{dump.key.replace('.', '-')}")
        add(distribution, SPDX + "checksum", checksum)
        add(checksum, TYPE, _n(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", _n(SPDX + "checksumAlgorithm_sha256"))
        add(checksum, SPDX + "checksumValue", _typed(dump.sha256, "hexBinary"))
        add(distribution, DCT + "license", LICENCE)
        add(distribution, DCATAP + "availability", _n(EU + "planned-availability/STABLE"))
        if modified:
            add(distribution, DCT + "modified", _typed(modified, "dateTime"))
    # Portals show a dataset's quality beside it (DCAT-AP 3 recommends DQV for this).
    for triple in quality.dqv_triples(store, dataset.iri(base)):
        add(triple.subject, triple.predicate.value, triple.object)
    return node


def _distribution_descriptions(dump: DumpFile, dataset: Dataset) -> tuple[str, str]:
    """What a distribution holds, in French and in English (data.gouv.fr shows the French)."""
    label = FILE_TYPES[dump.format].label
    quads = dump.format == "application/n-quads"
    count_fr = f"{dump.statements:,}".replace(",", "\u202f")
    french = (
        f"Le jeu de données « {dataset.title_fr} » en un seul fichier {label}"
        f"{' compressé par gzip' if dump.compressed else ''}, de {count_fr} "
        f"{'quadruplets' if quads else 'triplets'}. Cette adresse sert toujours la dernière "
        "version publiée des données."
    )
    english = (
        f"The dataset “{dataset.title_en}” as a single {'gzipped ' if dump.compressed else ''}"
        f"{label} file of {dump.statements:,} {'quads' if quads else 'triples'}. This address "
        "always serves the latest published version of the data."
    )
    return french, english


@bp.route("/catalog", methods=["GET"])
@bp.route("/catalog.<any(ttl, rdf, jsonld):extension>", methods=["GET"])
def catalog(extension: str | None = None) -> Response:
    """The catalogue: 200 whatever the Accept (Turtle by default), paged with Hydra."""
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"page must be a positive integer, got {raw!r}")
    page = int(raw)
    size = int(current_app.config["CATALOG_PAGE_SIZE"])
    if (page - 1) * size >= max(len(DATASETS), 1):
        raise BadRequest(
            f"there is no page {page}; the last page is {max(1, -(-len(DATASETS) // size))}"
        )
    triples = catalog_triples(knowledge_store(), of_request(), page, size, _page_of_request)
    response = rdf_response(triples, extension, PREFIXES)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

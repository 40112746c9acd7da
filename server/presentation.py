"""Turning terms into what a reader sees: labels in their language, links, identifiers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
from babel.numbers import format_decimal
from flask import request, url_for
from markupsafe import Markup

LANGUAGES = ("fr", "en")
XSD = "http://www.w3.org/2001/XMLSchema#"

# Words of the page itself, in both languages.
WORDS = {
    "fr": {
        "properties": "Propriétés",
        "incoming": "Liens entrants",
        "sources": "Sources",
        "data": "Données",
        "query": "Interroger en SPARQL",
        "permalink": "Lien permanent",
        "cite": "Comment citer",
        "identifiers": "Identifiants",
        "figures": "Chiffres datés",
        "quotation": "Citation",
        "types": "Types",
        "next": "Page suivante",
        "previous": "Page précédente",
        "stated_by": "affirmé par",
        "confidence": "confiance",
        "disagreements": "Désaccords entre sources",
        "held_right": "tenue pour juste",
        "editors_conclude": "Conclusion des éditeurs du graphe",
        "colon": " :",
        "page": "page",
        "no_incoming": "Aucun lien entrant.",
        "value": "valeur",
        "date": "date",
        "browse": "Parcourir",
        "of": "sur",
        "accessed": "consulté le",
        "language": "Langue",
        "home": "Accueil",
        "spoken_by": "par",
        "sort": "Trier par",
        "label": "nom",
        "entities": "entités",
        "download": "Télécharger",
        "skip": "Aller au contenu",
        "search": "Rechercher",
        "search_label": "Rechercher une commune, un écosystème, une organisation…",
        "search_results": "Résultats pour",
        "search_none": "Aucun résultat. Essayez moins de mots, ou un autre type.",
        "search_type": "Type",
        "search_any_type": "Tous les types",
        "search_hint": "Accents, majuscules et ponctuation sont ignorés ; un début de mot suffit.",
    },
    "en": {
        "properties": "Properties",
        "incoming": "Incoming links",
        "sources": "Sources",
        "data": "Data",
        "query": "Query in SPARQL",
        "permalink": "Permalink",
        "cite": "How to cite",
        "identifiers": "Identifiers",
        "figures": "Dated figures",
        "quotation": "Quotation",
        "types": "Types",
        "next": "Next page",
        "previous": "Previous page",
        "stated_by": "stated by",
        "confidence": "confidence",
        "disagreements": "Where sources disagree",
        "held_right": "held right",
        "editors_conclude": "The graph's editors conclude",
        "colon": ":",
        "page": "page",
        "no_incoming": "No incoming links.",
        "value": "value",
        "date": "date",
        "browse": "Browse",
        "of": "of",
        "accessed": "accessed",
        "language": "Language",
        "home": "Home",
        "spoken_by": "by",
        "sort": "Sort by",
        "label": "name",
        "entities": "entities",
        "download": "Download",
        "skip": "Skip to content",
        "search": "Search",
        "search_label": "Search a commune, an ecosystem, an organisation…",
        "search_results": "Results for",
        "search_none": "No result. Try fewer words, or another type.",
        "search_type": "Type",
        "search_any_type": "All types",
        "search_hint": "Accents, case and punctuation are ignored; the start of a word is enough.",
    },
}


def reader_language() -> str:
    """The reader's language: ``?lang=`` if given, else Accept-Language, else French."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    best = request.accept_languages.best_match(LANGUAGES)
    return best or "fr"


def best_label(labels: dict[str, str], lang: str, fallback: str) -> tuple[str, str | None]:
    """The label in ``lang``, else the other language, else an untagged one, else ``fallback``.

    Returns the text and its language tag (None when it is the fallback).
    """
    for candidate in (lang, *[x for x in LANGUAGES if x != lang], ""):
        if candidate in labels:
            return labels[candidate], candidate or None
    if labels:
        language, text = next(iter(labels.items()))
        return text, language or None
    return fallback, None


def local_name(iri: str) -> str:
    """The end of an IRI, for display when nothing better is known."""
    for separator in ("#", "/"):
        if separator in iri.rstrip("/"):
            return iri.rstrip("/").rsplit(separator, 1)[1]
    return iri


@dataclass(frozen=True)
class Link:
    """Where an IRI leads a reader (None: nowhere, it is shown as text), and whether it
    leaves the site."""

    href: str | None
    external: bool


# The only schemes of the data's own addresses a page makes clickable. An allow-list: any
# other scheme is a valid IRI too (RFC 3987), and javascript: or data: in an href would run
# in, or stand in for, our origin when followed (HTML, "the javascript: URL special case").
WEB_SCHEMES = frozenset({"http", "https"})
# What the WHATWG URL parser drops before reading a scheme: leading C0 controls and spaces,
# and ASCII tabs and newlines anywhere.
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_AND_NEWLINE = {ord("\t"): None, ord("\n"): None, ord("\r"): None}


def web_url(address: str) -> bool:
    """Whether ``address`` is an absolute http(s) URL, safe to put in a link's href.

    Read after the cleaning a browser does first, so that "java\tscript:" is not taken for a
    relative path.
    """
    cleaned = address.lstrip(_C0_AND_SPACE).translate(_TAB_AND_NEWLINE)
    return urlsplit(cleaned).scheme.lower() in WEB_SCHEMES


# Links out go to addresses the data names, on sites we do not control: the page they open
# gets no handle on ours (noopener: HTML link types), is not told which page sent the reader
# (noreferrer), and earns no ranking from us (nofollow).
OUTBOUND = Markup(' rel="noopener noreferrer nofollow" class="external"')


def outbound(href: str | None) -> Markup:
    """The attributes a link to ``href`` carries (a template filter): those of a link out for
    an absolute web address (our own links are relative), none otherwise."""
    return OUTBOUND if href and web_url(href) else Markup("")


def link_for(iri: str, base_uri: str) -> Link:
    """Our own entities link to their pages, ontology terms to their documentation anchor,
    graphs to what their source says; other web addresses link out, and anything else
    (``javascript:``, ``data:``, ``urn:``…) is not a link at all."""
    if iri.startswith(base_uri):
        rest = iri[len(base_uri) :]
        if rest.startswith("id/"):
            return Link(url_for("entities.page", path=rest[3:]), False)
        if rest.startswith("ontology#"):
            return Link(url_for("ontology.document") + "#" + rest.split("#", 1)[1], False)
        if rest.startswith("graph/"):
            return Link(url_for("entities.graph", key=rest[6:]), False)
        if rest.startswith(("/", "\\")):
            # "/" + "/evil.example" would be a scheme-relative link to another host.
            return Link(iri, False)
        return Link("/" + rest, False)
    return Link(iri if web_url(iri) else None, True)


def literal_display(literal: ox.Literal, lang: str) -> str:
    """A literal as text for a reader of ``lang``: integers and decimals grouped and pointed as
    that reader writes them (CLDR through Babel), anything else as stated."""
    datatype = literal.datatype.value
    try:
        if datatype in _INTEGER_TYPES:
            return number_display(int(literal.value), lang)
        if datatype == XSD + "decimal":
            return number_display(Decimal(literal.value), lang)
    except (ValueError, ArithmeticError):
        # An ill-typed lexical form is shown as the source wrote it rather than hidden.
        return literal.value
    return literal.value


_INTEGER_TYPES = frozenset(
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
    )
)


def number_display(number: float | Decimal, lang: str) -> str:
    """``number`` as a reader of ``lang`` writes it (CLDR through Babel): "238 246" in French,
    with a narrow no-break space, "238,246" in English."""
    return format_decimal(number, locale=lang if lang in LANGUAGES else LANGUAGES[0])


# External identifiers: the property, a label, and the public page to follow (by code, never
# by a guessed item identifier).
def identifier_links(predicate: str, value: str, kind: str) -> list[tuple[str, str]]:
    """Links out for an identifier ``value`` stated with ``predicate`` on an entity of ``kind``."""
    links: list[tuple[str, str]] = []
    if predicate.endswith("ontology#siren"):
        links.append(
            (
                "Annuaire des entreprises",
                f"https://annuaire-entreprises.data.gouv.fr/entreprise/{quote(value)}",
            )
        )
    if predicate == "http://rdf.insee.fr/def/geo#codeINSEE":
        prefix = {"commune": "COM", "departement": "DEP", "region": "REG"}.get(kind)
        if prefix:
            links.append(
                (
                    "Insee",
                    f"https://www.insee.fr/fr/statistiques/1405599?geo={prefix}-{quote(value)}",
                )
            )
    wikidata = {
        "http://www.wikidata.org/prop/direct/P374": "P374",
        "http://www.wikidata.org/prop/direct/P2586": "P2586",
        "http://www.wikidata.org/prop/direct/P2585": "P2585",
        "http://www.wikidata.org/prop/direct/P1616": "P1616",
    }.get(predicate)
    if wikidata:
        search = quote(f"haswbstatement:{wikidata}={value}")
        links.append(("Wikidata", f"https://www.wikidata.org/w/index.php?search={search}"))
    return links

"""For crawlers: robots.txt, and sitemaps listing every entity page with its lastmod.

A sitemap holds at most 50,000 URLs (sitemaps.org protocol); past that, /sitemap.xml is a
sitemap index pointing at numbered sitemaps. The entity list is computed once per version.
"""

from __future__ import annotations

from urllib.parse import quote
from xml.sax.saxutils import escape

import pyoxigraph as ox
from flask import Blueprint, Response, url_for

from server.entities.describe import DCT_REPLACED_BY as REPLACED_BY
from server.entities.describe import is_alias
from server.errors import NotFound
from server.web import knowledge_store

bp = Blueprint("crawlers", __name__)
PER_SITEMAP = 50_000


def entity_paths() -> list[str]:
    """The path under /page/ of every entity the graph describes, in a stable order.

    Former identifiers that only point to their successor are left out: their pages redirect.
    """
    store = knowledge_store()

    def compute() -> list[str]:
        prefix = store.base_uri + "id/"
        # The prefix is rendered by pyoxigraph's term serialiser, never pasted raw.
        query = (
            "SELECT DISTINCT ?entity WHERE { ?entity ?p ?o FILTER(isIRI(?entity) && "
            f"STRSTARTS(STR(?entity), {ox.Literal(prefix)})) }}"
        )
        replaced = {
            q.subject.value
            for q in store.store.quads_for_pattern(None, REPLACED_BY, None, ox.DefaultGraph())
        }
        # Sorted here: Oxigraph's ORDER BY over 80,000 strings takes forty times longer.
        return sorted(
            row["entity"].value[len(prefix) :]
            for row in store.store.query(query)
            if row["entity"].value not in replaced or not is_alias(store, row["entity"].value)
        )

    return store.cached("sitemap.entities", compute)


def _lastmod() -> str:
    built_at = knowledge_store().built_at
    return built_at[:10] if built_at else ""


# What crawlers should not run: queries, whole graphs, searches and reconciliation lookups.
# The documents the catalogue and the VoID advertise stay open, the SPARQL service description
# and the query editor (GET /sparql and /query, without a query string) among them. Rules match
# by prefix (RFC 9309 §2.2.2), so "/sparql?…" leaves "/sparql" alone. "/sparql?*" is how an
# RFC 9309 parser reads any query string (§2.2.3: "*" matches any characters); prefix-only
# parsers, such as Python's urllib.robotparser, which also drops a "?" that ends a rule, get the
# query operation's own parameters (SPARQL 1.1 Protocol §2.1.1) instead. "/search" and
# "/graph-store" answer nothing without a query string; "/reconcile" is for reconciliation
# clients, and every request under it but its manifest runs a lookup.
DISALLOWED = (
    "/sparql?*",
    "/sparql?query=",
    "/sparql?default-graph-uri=",
    "/sparql?named-graph-uri=",
    "/graph-store",
    "/search",
    "/reconcile",
)


@bp.get("/robots.txt")
def robots() -> Response:
    """What crawlers may fetch (RFC 9309): everything but what runs a query; the sitemap says
    where the pages are."""
    rules = "".join(f"Disallow: {path}\n" for path in DISALLOWED)
    body = (
        f"User-agent: *\n{rules}Allow: /\nSitemap: {url_for('crawlers.sitemap', _external=True)}\n"
    )
    return Response(body, mimetype="text/plain")


def _locations() -> list[str]:
    """Every URL the sitemaps list: the home, listing and ontology pages, then each entity."""
    root = url_for("home.index", _external=True).rstrip("/")
    pages = [root + page for page in ("/", url_for("browse.index"), url_for("ontology.document"))]
    # One url_for, then plain joins: building 80,000 URLs through the router takes a second.
    page_root = url_for("entities.page", path="_", _external=True)[:-1]
    return pages + [page_root + quote(path, safe="/") for path in entity_paths()]


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """The sitemap, or past 50,000 URLs the index of the numbered sitemaps."""
    locations = _locations()
    lastmod = _lastmod()
    if len(locations) <= PER_SITEMAP:
        return _urlset(locations, lastmod)
    parts = -(-len(locations) // PER_SITEMAP)
    entries = "".join(
        f"<sitemap><loc>{escape(url_for('crawlers.part', number=n, _external=True))}</loc>"
        f"<lastmod>{lastmod}</lastmod></sitemap>"
        for n in range(1, parts + 1)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</sitemapindex>\n"
    )
    return Response(body, mimetype="application/xml")


@bp.get("/sitemaps/<int:number>.xml")
def part(number: int) -> Response:
    """One numbered sitemap of the index."""
    chunk = _locations()[(number - 1) * PER_SITEMAP : number * PER_SITEMAP] if number >= 1 else []
    if not chunk:
        raise NotFound(f"no sitemap number {number}; /sitemap.xml lists those there are")
    return _urlset(chunk, _lastmod())


def _urlset(urls: list[str], lastmod: str) -> Response:
    body = "".join(f"<url><loc>{escape(u)}</loc><lastmod>{lastmod}</lastmod></url>" for u in urls)
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>\n',
        mimetype="application/xml",
    )

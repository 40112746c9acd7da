"""Dereferencing entity IRIs: /id/ (the thing), /page/ (about it, HTML), /data/ (about it, RDF).

W3C "Cool URIs for the Semantic Web" §4.3 (303 URIs forwarding to one generic document, here
chosen by Accept): ``/id/{kind}/{key}`` names the entity and answers 303 See Other to its HTML
page or its data document, with Vary: Accept and Link rel="alternate" headers. Redirects carry
relative Locations, so they stay right behind a reverse proxy and never point at localhost.
A merged or renamed entity (``dcterms:isReplacedBy``) answers 301 to its successor.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, request, url_for

from server import negotiation, site
from server.entities import describe as describing
from server.entities import documents
from server.errors import BadRequest, NotFound
from server.presentation import reader_language
from server.version.documents import inflate
from server.version.store import KnowledgeStore
from server.web import knowledge_store

bp = Blueprint("entities", __name__)

DATA_FORMATS = negotiation.DATASET_FORMATS
# What /id/ chooses among: the data documents, or the page for people.
THING_FORMATS = (*DATA_FORMATS, negotiation.HTML)
DATASET_KEY = documents.DATASET_KEY
INCOMING_PAGE_SIZE = documents.INCOMING_PAGE_SIZE
# How long the 303 of an entity's IRI may be kept: where its documents are does not change.
THING_MAX_AGE = 3600


def _iri(path: str) -> str:
    store = knowledge_store()
    iri = f"{store.base_uri}id/{path}"
    try:
        ox.NamedNode(iri)
    except ValueError:
        raise NotFound(f"/id/{path} is not a valid entity address") from None
    return iri


def _entity_or_redirect(path: str, route: str, suffix: str = "") -> str | Response:
    """The entity's IRI if the graph describes it; a 301 if it was replaced; else a 404."""
    store = knowledge_store()
    iri = _iri(path)
    successor = describing.replacement(store, iri)
    # A former identifier (an old commune code) is an alias: 301 to its successor. An entity
    # with a history of its own (a predecessor body) keeps its page, which links forward.
    if (
        successor is not None
        and successor.startswith(store.base_uri + "id/")
        and describing.is_alias(store, iri)
    ):
        target = successor[len(store.base_uri) + 3 :]
        location = url_for(route, path=target + suffix)
        if request.query_string:
            location += "?" + request.query_string.decode("utf-8", "replace")
        return redirect(location, code=301)
    if not _exists(store, iri):
        raise NotFound(
            f"nothing is known about <{iri}>; check the address, or search the graph at /sparql"
        )
    return iri


def _exists(store: Any, iri: str) -> bool:
    for _ in store.store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.DefaultGraph()):
        return True
    return False


def alternate_links(build: Callable[[str, dict[str, str]], str], path: str) -> str:
    """The Link header naming the entity's page and data documents (RFC 8288), with the
    addresses ``build`` gives (a request's ``url_for``, or the routes bound to a prefix)."""
    links = [f'<{build("entities.page", {"path": path})}>; rel="alternate"; type="text/html"']
    for fmt in DATA_FORMATS:
        if fmt.advertised:
            href = build("entities.data", {"path": f"{path}.{fmt.extension}"})
            links.append(f'<{href}>; rel="alternate"; type="{fmt.media_type}"')
    return ", ".join(links)


def _alternates(path: str) -> str:
    return alternate_links(lambda endpoint, values: url_for(endpoint, **values), path)


@bp.get("/id/dataset/<key>")
def dataset(key: str) -> Response:
    """A published dataset: 303 to its VoID description, or to the home page for browsers."""
    from server.datasets import DATASETS

    if key not in {d.key for d in DATASETS}:
        raise NotFound(f"no dataset named {key!r}; see {url_for('catalog.catalog')}")
    browser = negotiation.prefers_html(request.headers.get("Accept"))
    response = redirect(url_for("home.index") if browser else url_for("void.description"), code=303)
    response.vary.add("Accept")
    return response


@bp.get("/id/<path:path>")
def thing(path: str) -> Response:
    """The entity itself: 303 to its page or data document, chosen by Accept."""
    found = _entity_or_redirect(path, "entities.thing")
    if isinstance(found, Response):
        return found
    # Cool URIs for the Semantic Web §4.3: the page for people, a data document otherwise;
    # no Accept and */* get Turtle (server.negotiation).
    choice = negotiation.negotiate(
        THING_FORMATS, request.headers.get("Accept"), request.args.getlist("format")
    )
    if choice.format is negotiation.HTML:
        location = url_for("entities.page", path=path)
    else:
        location = url_for("entities.data", path=f"{path}.{choice.format.extension}")
    response = redirect(location, code=303)
    response.vary.add("Accept")
    response.headers["Link"] = _alternates(path)
    response.headers["Cache-Control"] = f"public, max-age={THING_MAX_AGE}"
    return response


@bp.get("/data/<path:path>")
def data(path: str) -> Response:
    """The entity's description as RDF: by extension, ``?format=``, or Accept."""
    requested = path
    path, fmt, negotiated = _data_format(path)
    found = _entity_or_redirect(path, "entities.data", requested[len(path) :])
    if isinstance(found, Response):
        return found
    store = knowledge_store()
    page = _page_number()
    headers = {"Link": _alternates(path)}
    made = _materialised(store, path, fmt) if page == 1 else None
    if made is not None:
        body, has_next = made
    else:
        body, has_next = _rendered(store, found, path, fmt, page)
    if has_next:
        here = url_for("entities.data", path=f"{path}.{fmt.extension}")
        headers["Link"] += f', <{here}?page={page + 1}>; rel="next"'
    response = Response(body, content_type=fmt.content_type, headers=headers)
    if negotiated:
        response.vary.add("Accept")
        response.headers["Content-Location"] = url_for(
            "entities.data", path=f"{path}.{fmt.extension}"
        )
    if fmt is negotiation.JSON_LD:
        response.headers["Link"] += (
            f', <{url_for("entities.context", _external=True)}>; rel="http://www.w3.org/ns/json-ld#context"'
        )
    return response


def _materialised(
    store: KnowledgeStore, path: str, fmt: negotiation.Format
) -> tuple[bytes, bool] | None:
    """Page 1 of the document as the build made it, and whether a page 2 follows; None when
    the build made none (an older version, a remote engine, a format not kept)."""
    made = store.documents()
    if made is None or fmt.extension not in made.extensions:
        return None
    found = made.document(path, fmt.extension)
    if found is None:
        return None
    packed, has_next = found
    return inflate(packed), has_next


def _rendered(
    store: KnowledgeStore, iri: str, path: str, fmt: negotiation.Format, page: int
) -> tuple[bytes, bool]:
    """The document gathered and serialised now, and whether a page follows."""
    description = describing.describe(store, iri, page, INCOMING_PAGE_SIZE)
    # The document names itself by its canonical address under the base IRI, where our IRIs
    # are published (Cool URIs), not by the host this request reached: the same document on
    # every host, which the build can make once for all.
    next_iri = None
    if description.has_next_incoming_page:
        next_iri = documents.document_iri(store.base_uri, path, fmt.extension, page + 1)
    quads = documents.document_quads(
        description,
        documents.document_iri(store.base_uri, path, fmt.extension, page),
        store.base_uri + DATASET_KEY,
        store.built_at,
        next_iri,
        reify=fmt not in (negotiation.TRIG, negotiation.N_QUADS),
    )
    body = documents.serialise(quads, fmt, current_app.config["PREFIXES"])
    return body, description.has_next_incoming_page


def _data_format(path: str) -> tuple[str, negotiation.Format, bool]:
    stem, _, extension = path.rpartition(".")
    known = negotiation.by_extension(extension, DATA_FORMATS) if stem else None
    if known is not None and "/" not in extension:
        return stem, known, False
    choice = negotiation.negotiate(
        DATA_FORMATS, request.headers.get("Accept"), request.args.getlist("format")
    )
    return path, choice.format, choice.negotiated


def _page_number() -> int:
    raw = request.args.get("page", "1")
    try:
        page = int(raw)
    except ValueError:
        raise BadRequest(f"page must be a positive integer, got {raw!r}") from None
    if page < 1 or page > 1_000_000:
        raise BadRequest(f"page must be between 1 and 1000000, got {page}")
    return page


@bp.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD @context of our data documents: the prefixes they compact with."""
    body = json.dumps({"@context": current_app.config["PREFIXES"]}, indent=1)
    return Response(
        body,
        content_type="application/ld+json; charset=utf-8",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@bp.get("/page/<path:path>")
def page(path: str) -> Response | str:
    """The entity's HTML page, in the reader's language."""
    found = _entity_or_redirect(path, "entities.page")
    if isinstance(found, Response):
        return found
    from server.entities.pages import render_entity  # the page is heavy; import on use

    body = render_entity(
        knowledge_store(),
        site.of_request(),
        reader_language(),
        current_app.extensions["ftkg.examples"],
        found,
        path,
        _page_number(),
    )
    response = Response(body, mimetype=negotiation.HTML.media_type)
    response.vary.add("Accept-Language")
    response.headers["Link"] = _alternates(path)
    return response


@bp.get("/graph/<path:key>")
def graph(key: str) -> Response:
    """A claim graph's IRI: 303 to its statements (RDF) or to its source's page (HTML)."""
    store = knowledge_store()
    iri = f"{store.base_uri}graph/{key}"
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        raise NotFound(f"/graph/{key} is not a valid graph address") from None
    if not store.store.contains_named_graph(node):
        raise NotFound(f"no graph named <{iri}>")
    source = describing.first_value(store, node, describing.PROV_DERIVED)
    wants_html = negotiation.prefers_html(request.headers.get("Accept"))
    if (
        wants_html
        and isinstance(source, ox.NamedNode)
        and source.value.startswith(store.base_uri + "id/")
    ):
        location = url_for("entities.page", path=source.value[len(store.base_uri) + 3 :])
    else:
        location = url_for("graph_store.graph_store") + "?" + urlencode({"graph": iri})
    response = redirect(location, code=303)
    response.vary.add("Accept")
    return response

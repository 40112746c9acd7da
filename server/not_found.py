"""The 404 page for people: in their language, with a search box and what they may have meant.

A path that leads nowhere is read for what it names. An entity address (``/id/``, ``/page/``,
``/data/``) of something the graph does not hold names a kind and a key: ``lile`` in
``/id/ecosystem/lile`` is looked for among ecosystems' names, then among all. Any other path
names what its last segment says (``/communes/roubaix``: "roubaix"). Names are looked for the
search box's way first (word prefixes, ``server.search.ranking``), then by shared three-letter
runs, which finds a name typed with a slip. The message's own mentions of addresses of this
site become links. Programs (JSON, RDF, plain text) get the machine-readable 404 of
``server.errors``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from urllib.parse import unquote

from flask import current_app, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from server.kinds import kind_name
from server.presentation import reader_language
from server.search.ranking import IMPORTANCE_WEIGHT, TEXT_WEIGHT, search
from server.text import normalise
from server.version.search_index import Entity, SearchIndex
from server.web import knowledge_store, search_index

ENTITY_SURFACES = {"id", "page", "data"}
MAX_SUGGESTIONS = 5
MAX_TEXT = 100  # characters of a path read as a name
# A path's mention of another address of the site: /dumps/, /sparql, /catalog.
_ADDRESS = re.compile(r"(?<![\w<])/[A-Za-z0-9._~/-]*")
_SEPARATORS = re.compile(r"[-_.+~\s]+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,7}$")

TEXT = {
    "fr": {
        "title": "Page introuvable",
        "nothing_at": "Rien n'est publié à l'adresse",
        "did_you_mean": "Vouliez-vous dire :",
        "search_prompt": "Chercher dans le graphe",
        "elsewhere": "Ou repartir de",
        "home": "l'accueil",
    },
    "en": {
        "title": "Page not found",
        "nothing_at": "Nothing is published at",
        "did_you_mean": "Did you mean:",
        "search_prompt": "Search the graph",
        "elsewhere": "Or start again from",
        "home": "the home page",
    },
}


@dataclass(frozen=True)
class Named:
    """What a path names: text to look for, and the kind of entity it asks for, if any."""

    text: str
    kind: str | None = None


def named_by(path: str, kinds: set[str]) -> Named:
    """What ``path`` names (``kinds``: the kinds of entity the search index knows)."""
    segments = [unquote(segment) for segment in path.split("/") if segment]
    if not segments:
        return Named("")
    kind = None
    if segments[0] in ENTITY_SURFACES and len(segments) >= 3:
        kind = segments[1] if segments[1] in kinds else None
        raw = " ".join(segments[2:])
    else:
        raw = segments[-1]
    text = _SEPARATORS.sub(" ", _EXTENSION.sub("", raw)).strip()
    return Named(text[:MAX_TEXT], kind)


def suggestions(index: SearchIndex, named: Named) -> list[Entity]:
    """The entities ``named`` most likely meant, best first: at most ``MAX_SUGGESTIONS``."""
    if not named.text:
        return []
    scopes = [[named.kind], []] if named.kind else [[]]
    for kinds in scopes:
        hits = search(index, named.text, kinds, MAX_SUGGESTIONS)
        if hits:
            return [hit.entity for hit in hits]
    wanted = normalise(named.text)
    for kinds in scopes:
        close = _closest(index, wanted, kinds)
        if close:
            return close
    return []


def _closest(index: SearchIndex, wanted: str, kinds: list[str]) -> list[Entity]:
    """Entities whose names share three-letter runs with ``wanted``, the most alike first."""
    best: dict[str, tuple[float, Entity]] = {}
    for entity, name in index.by_trigrams(wanted, kinds):
        alike = SequenceMatcher(None, wanted, name.normalised).ratio()
        score = TEXT_WEIGHT * alike + IMPORTANCE_WEIGHT * entity.importance
        if entity.id not in best or score > best[entity.id][0]:
            best[entity.id] = (score, entity)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].id))
    return [entity for _, entity in ranked[:MAX_SUGGESTIONS]]


def linked(message: str) -> Markup:
    """``message`` as HTML, its mentions of this site's other addresses as links."""
    adapter = current_app.url_map.bind("")
    parts: list[str] = []
    position = 0
    for match in _ADDRESS.finditer(message):
        address = match.group().rstrip(".")
        if address == request.path or not _routed(adapter, address):
            continue
        parts.append(escape(message[position : match.start()]))
        parts.append(Markup('<a href="{0}">{0}</a>').format(address))
        position = match.start() + len(address)
    parts.append(escape(message[position:]))
    return Markup("").join(parts)


def _routed(adapter: object, address: str) -> bool:
    try:
        adapter.match(address, method="GET")  # type: ignore[attr-defined]
    except HTTPException:
        return False
    return True


def page(message: str) -> str:
    """The 404 page for this request, in the reader's language."""
    lang = reader_language()
    index = search_index()
    kinds = set(knowledge_store().cached("search.kinds", index.kind_counts))
    named = named_by(request.path, kinds)
    return render_template(
        "not_found.html",
        text=TEXT[lang],
        path=request.path,
        message=linked(message),
        query=named.text,
        suggestions=suggestions(index, named),
        kind_name=kind_name,
    )

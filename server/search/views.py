"""/search: find entities by name, as JSON for programs and the search box, as HTML for people.

``q`` is matched accent-, case- and punctuation-insensitively, each word as a prefix, so the
box can suggest while the reader types; ``type`` (repeatable, or comma-separated) keeps only
some kinds of entity; ``limit`` caps the answer (10 by default, at most 100).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from server import negotiation
from server.errors import BadRequest
from server.kinds import kind_name
from server.presentation import reader_language
from server.search.ranking import Hit, search
from server.web import knowledge_store, search_index

bp = Blueprint("search", __name__)
DEFAULT_LIMIT = 10
MAX_LIMIT = 100
MAX_QUERY_LENGTH = 200


def requested_kinds(values: list[str], known: dict[str, int]) -> list[str]:
    """The kinds named by ``type`` parameters; an unknown one is a 400 listing the known."""
    kinds = [kind.strip() for value in values for kind in value.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in known]
    if unknown:
        raise BadRequest(
            f"unknown type {unknown[0]!r}: type must be one of {', '.join(sorted(known))}"
        )
    return kinds


def requested_limit() -> int:
    """The ``limit`` parameter, checked: an integer from 1 to 100."""
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}, got {raw!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit}")
    return limit


def hit_json(hit: Hit, lang: str) -> dict[str, Any]:
    """One result as the JSON API gives it."""
    entity = hit.entity
    return {
        "id": knowledge_store().base_uri + "id/" + entity.id,
        "key": entity.id,
        "label": entity.label(lang),
        "type": {"id": entity.kind, "label": kind_name(entity.kind, lang)},
        "description": entity.context(lang),
        "matched": hit.name.text,
        "score": round(hit.score, 4),
        "page": url_for("entities.page", path=entity.id, _external=True),
    }


def _wants_json() -> bool:
    if request.args.get("format") in {"json", "html"}:
        return request.args["format"] == "json"
    # An API first: clients that accept anything get JSON; browsers ask for HTML.
    return not negotiation.prefers_html(request.headers.get("Accept"), (negotiation.JSON,))


@bp.get("/search")
def find() -> Response | str:
    """Entities whose names match ``q``, best first."""
    index = search_index()
    known = knowledge_store().cached("search.kinds", index.kind_counts)
    query = request.args.get("q", "").strip()
    kinds = requested_kinds(request.args.getlist("type"), known)
    limit = requested_limit()
    lang = reader_language()
    if len(query) > MAX_QUERY_LENGTH:
        raise BadRequest(f"q is {len(query)} characters long; at most {MAX_QUERY_LENGTH} are read")
    hits = search(index, query, kinds, limit) if query else []
    if _wants_json():
        if not query:
            raise BadRequest("q is required: the text to search for, e.g. /search?q=lille")
        response = jsonify(
            {"query": query, "types": kinds, "results": [hit_json(hit, lang) for hit in hits]}
        )
    else:
        types = sorted(known, key=lambda kind: kind_name(kind, lang))
        response = Response(
            render_template(
                "search.html",
                query=query,
                kinds=kinds,
                types=[(kind, kind_name(kind, lang), known[kind]) for kind in types],
                hits=hits,
                kind_name=kind_name,
            )
        )
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    return response

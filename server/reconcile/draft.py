"""/reconcile/1.0-draft: the Reconciliation Service API 1.0 draft, where it differs from 0.2.

Same matching, same ids, same properties as ``/reconcile`` (see ``v02``); the draft's wire
format instead: ``POST /match`` and ``POST /extend`` with JSON bodies, suggest services at
fixed paths with ``limit``/``offset``, ``GET /preview?id=``, ``GET /extend/propose``, and a
manifest that announces them by flags. JSONP is gone in the draft; CORS stays (app-wide).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from server import __version__
from server.errors import BadRequest
from server.presentation import reader_language
from server.reconcile import service, v02
from server.reconcile.matching import Candidate, Constraint, MatchQuery
from server.web import knowledge_store

bp = Blueprint("reconcile_draft", __name__, url_prefix="/reconcile/1.0-draft")


def manifest() -> dict[str, Any]:
    """The 1.0-draft service manifest."""
    lang = reader_language()
    known = v02.known_kinds()
    setting = service.PROPERTY_SETTINGS["limit"]
    view = url_for("entities.page", path="ID-PLACEHOLDER", _external=True)
    return {
        "versions": ["1.0-draft"],
        "name": "French Tech Knowledge Graph",
        "lang": lang,
        "documentation": url_for("home.index", _external=True),
        "serviceVersion": __version__,
        "view": {"url": view.replace("ID-PLACEHOLDER", "{id}")},
        "defaultTypes": [
            {"id": t.id, "name": t.name, "description": t.description}
            for t in (service.type_info(k, lang) for k in service.DEFAULT_TYPES if k in known)
        ],
        "preview": {"width": v02.PREVIEW_WIDTH, "height": v02.PREVIEW_HEIGHT},
        "suggest": {"entity": True, "property": True, "type": True},
        "extend": {
            "proposeProperties": True,
            "propertySettings": [
                {
                    "type": "number",
                    "id": "limit",
                    "name": setting[lang],
                    "default": 0,
                    "helpText": setting[f"help_{lang}"],
                }
            ],
        },
        "standardizedScore": True,
    }


def _json_body() -> Any:
    if not request.is_json:
        raise BadRequest("send a JSON body with Content-Type: application/json")
    return service.parse_json(request.get_data(cache=True), "the body")


def parse_query(raw: Any, position: int) -> MatchQuery:
    """One query of a 1.0-draft batch: a type, a limit, and conditions on names or properties."""
    where = f"query {position}"
    if not isinstance(raw, dict) or not isinstance(raw.get("conditions"), list):
        raise BadRequest(f"{where} must be an object with a conditions list")
    names, constraints = [], []
    for condition in raw["conditions"]:
        if not isinstance(condition, dict):
            raise BadRequest(f"{where}: each condition must be an object, got {condition!r}")
        match_type, value = condition.get("matchType"), condition.get("propertyValue")
        quantifier = condition.get("matchQuantifier", "any")
        if not isinstance(quantifier, str) or quantifier not in {"any", "all", "none"}:
            raise BadRequest(f"{where}: matchQuantifier must be any, all or none")
        if match_type == "name":
            if not isinstance(value, str):
                raise BadRequest(f"{where}: a name condition's propertyValue must be a string")
            names.append(value)
        elif match_type == "property":
            found = service.constraint(condition.get("propertyId"), value, where)
            constraints.append(
                Constraint(found.pid, found.values, bool(condition.get("required")), quantifier)
            )
        else:
            raise BadRequest(f"{where}: matchType must be name or property, got {match_type!r}")
    if not names and not constraints:
        raise BadRequest(f"{where} needs at least one condition")
    kinds = ()
    if raw.get("type"):
        kinds = service.resolve_kinds(raw["type"], v02.known_kinds(), knowledge_store().base_uri)
    return MatchQuery(
        text=" ".join(names),
        kinds=kinds,
        limit=service.parse_limit(raw.get("limit"), where),
        constraints=tuple(constraints),
    )


def candidate_json(candidate: Candidate, lang: str) -> dict[str, Any]:
    """A candidate as the draft writes it: features named, scores from 0 to 100."""
    entity = candidate.entity
    info = service.type_info(entity.kind, lang)
    return {
        "id": entity.id,
        "name": entity.label(lang),
        "description": service.description(entity, lang),
        "type": [{"id": info.id, "name": info.name}],
        "score": candidate.score,
        "match": candidate.match,
        "features": [
            {"id": fid, "name": name, "value": value} for fid, name, value in candidate.features()
        ],
    }


@bp.get("", strict_slashes=False)
def root() -> Response:
    """The manifest."""
    return jsonify(manifest())


@bp.post("/match")
def match() -> Response:
    """A batch of queries; the results come back in the same order."""
    body = _json_body()
    queries = body.get("queries") if isinstance(body, dict) else None
    if not isinstance(queries, list):
        raise BadRequest('the body must be {"queries": [...]}')
    if len(queries) > service.MAX_BATCH:
        raise BadRequest(f"at most {service.MAX_BATCH} queries per request, got {len(queries)}")
    ctx = v02.context()
    results: list[dict[str, Any]] = []
    for position, raw in enumerate(queries):
        try:
            query = parse_query(raw, position)
        except BadRequest as error:  # this query alone fails (see service.query_error)
            results.append({"candidates": [], "error": service.query_error(error)})
            continue
        results.append(
            {"candidates": [candidate_json(c, ctx.lang) for c in service.run(query, ctx)]}
        )
    return jsonify({"results": results})


def _paging() -> tuple[int, int]:
    try:
        offset = int(request.args.get("offset", "0"))
        limit = int(request.args.get("limit", str(service.SUGGEST_PAGE)))
    except ValueError:
        raise BadRequest("offset and limit must be integers") from None
    if offset < 0 or not 1 <= limit <= 100:
        raise BadRequest("offset must be 0 or more and limit from 1 to 100")
    return offset, limit


@bp.get("/suggest/entity")
def suggest_entity() -> Response:
    """Entities whose names start as typed."""
    offset, limit = _paging()
    found = service.suggest_entities(
        v02.context(), request.args.get("prefix", ""), (), offset, limit
    )
    return jsonify({"result": found})


@bp.get("/suggest/type")
def suggest_type() -> Response:
    """Types whose names start as typed."""
    offset, limit = _paging()
    found = service.suggest_types(
        request.args.get("prefix", ""), v02.known_kinds(), reader_language()
    )
    return jsonify({"result": found[offset : offset + limit]})


@bp.get("/suggest/property")
def suggest_property() -> Response:
    """Properties whose names start as typed."""
    offset, limit = _paging()
    found = service.suggest_properties(request.args.get("prefix", ""), reader_language())
    return jsonify({"result": found[offset : offset + limit]})


@bp.get("/preview")
def preview() -> str:
    """The same card as 0.2's preview."""
    return v02.preview()


@bp.get("/extend/propose")
def propose() -> Response:
    """The properties a type's entities may have."""
    return v02.propose_properties()


@bp.post("/extend")
def extend() -> Response:
    """Property values for a batch of ids, rows in the order of the ids."""
    ctx = v02.context()
    ids, properties = service.extension_request(_json_body(), ctx.store.base_uri)
    rows = service.extend(ctx, ids, properties)
    return jsonify(
        {
            "meta": [{"id": prop.id, "name": prop.name(ctx.lang)} for prop, _ in properties],
            "rows": [
                {
                    "id": identifier,
                    "properties": [
                        {"id": pid, "values": [v.as_json() for v in values]}
                        for pid, values in rows[identifier].items()
                    ],
                }
                for identifier in ids
            ],
        }
    )

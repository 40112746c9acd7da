"""/reconcile: the Reconciliation Service API 0.2, the version OpenRefine 3.x speaks.

W3C Entity Reconciliation Community Group, "Reconciliation Service API" 0.2 (final report):

- §3 Service Manifest: ``GET /reconcile`` with neither ``queries`` nor ``extend``;
- §4 Reconciliation Queries: ``queries=`` (POST form, or GET), a JSON object of queries keyed
  by the client; the answer holds the same keys. A single ``query=`` (0.1) is answered too;
- §5 Suggest (entity, type, property), §6 Preview, §7 Data Extension (``extend=``, and
  property proposals);
- §8 Cross-Origin Access: CORS on every endpoint (set app-wide), and JSONP (``callback=``) on
  GET, which the browser side of older OpenRefine releases still uses.

Entity ids are paths under the identifier space ``{base}id/`` (``commune/59350``); property
ids are names under the schema space ``{base}reconcile/properties/`` (``inseeCode``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from markupsafe import Markup

from server import __version__, security
from server.errors import BadRequest, NotFound
from server.presentation import number_display, reader_language
from server.reconcile import service
from server.reconcile.matching import Candidate, MatchQuery
from server.reconcile.properties import PROPERTIES, Context, Value, absolute, read_values
from server.web import knowledge_store, search_index

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")
PREVIEW_WIDTH, PREVIEW_HEIGHT = 420, 190
# What the preview card shows, for whichever kinds each applies to (a person's roles, a
# territory's département...), in this order.
PREVIEW_FACTS = (
    "roles",
    "memberOf",
    "departement",
    "region",
    "population",
    "inseeCode",
    "labelAwards",
    "awardDate",
    "sources",
)
# Facts whose values are long sentences ("président ou présidente, Métropole Européenne de
# Lille (depuis 2014)"): one line each, the first few only; the others share one line.
ONE_PER_LINE, LINES, PER_LINE = frozenset({"roles"}), 3, 4
# The preview card's only style, inline so that the card is one request; allowed by its hash.
PREVIEW_STYLE = (
    f"body {{ margin: 0; padding: .5rem .7rem; width: {PREVIEW_WIDTH}px; "
    f"height: {PREVIEW_HEIGHT}px; overflow: hidden; box-sizing: border-box; "
    "font: 13px/1.4 system-ui, sans-serif; color: #1d2330; }\n"
    "h1 { font-size: 15px; margin: 0; }\n"
    ".kind { color: #5b6474; margin: 0 0 .3rem; }\n"
    "dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 0 .6rem; }\n"
    "dt { color: #5b6474; }\n"
    "dd { margin: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }\n"
    "a { color: #1f4fd1; }"
)
# Shown in a frame by reconciliation clients (OpenRefine at any address: Reconciliation
# Service API §6), so no frame-ancestors; no script, form or image at all.
PREVIEW_POLICY = security.policy(
    {
        "script-src": None,
        "connect-src": None,
        "img-src": None,
        "style-src": security.style_hash(PREVIEW_STYLE),
        "form-action": "'none'",
        "frame-ancestors": None,
    }
)


def context() -> Context:
    """The store, its index and the reader's language, for the service functions."""
    return Context(knowledge_store(), search_index(), reader_language())


def known_kinds() -> dict[str, int]:
    """Every kind the index holds, with its count."""
    store = knowledge_store()
    return store.cached("search.kinds", search_index().kind_counts)


def answer(payload: Any) -> Response:
    """JSON, or JSONP when a GET names a ``callback`` (§8)."""
    body = json.dumps(payload, ensure_ascii=False)
    callback = request.args.get("callback") if request.method == "GET" else None
    if callback is not None:
        if len(callback) > 100 or not _CALLBACK.match(callback):
            raise BadRequest("callback must be a JavaScript identifier, like jsonp123 or a.b")
        response = Response(f"/**/{callback}({body});", mimetype="application/javascript")
    else:
        response = Response(body, mimetype="application/json")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _template(endpoint: str, placeholder: str, **values: str) -> str:
    # url_for percent-encodes braces; the API wants them literal, so substitute afterwards.
    return url_for(endpoint, _external=True, **values).replace("ID-PLACEHOLDER", placeholder)


def manifest() -> dict[str, Any]:
    """The service manifest (§3)."""
    lang = reader_language()
    base = knowledge_store().base_uri
    root = url_for("reconcile.service", _external=True)
    known = known_kinds()
    setting = service.PROPERTY_SETTINGS["limit"]
    return {
        "versions": ["0.1", "0.2"],
        "name": "French Tech Knowledge Graph",
        "identifierSpace": base + "id/",
        "schemaSpace": base + "reconcile/properties/",
        "documentation": url_for("home.index", _external=True),
        "serviceVersion": __version__,
        "view": {"url": _template("entities.page", "{{id}}", path="ID-PLACEHOLDER")},
        "defaultTypes": [
            {"id": t.id, "name": t.name, "description": t.description}
            for t in (service.type_info(k, lang) for k in service.DEFAULT_TYPES if k in known)
        ],
        "preview": {
            "url": _template("reconcile.preview", "{{id}}", id="ID-PLACEHOLDER"),
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            kind: {"service_url": root.rstrip("/"), "service_path": f"/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {
                "service_url": root.rstrip("/"),
                "service_path": "/propose_properties",
            },
            "property_settings": [
                {
                    "name": "limit",
                    "label": setting[lang],
                    "type": "number",
                    "default": 0,
                    "help_text": setting[f"help_{lang}"],
                }
            ],
        },
    }


def parse_query(raw: Any, key: str) -> MatchQuery:
    """One query of a batch (§4.1), as a ``MatchQuery``; a malformed one is a 400."""
    where = f"query {key!r}"
    if isinstance(raw, str):
        return MatchQuery(raw)
    if not isinstance(raw, dict):
        raise BadRequest(f"{where} must be a JSON object with a query text, got {raw!r}")
    text = raw.get("query", "")
    if not isinstance(text, str):
        raise BadRequest(f"{where}: query must be a string, got {text!r}")
    properties = raw.get("properties") or []
    if not isinstance(properties, list):
        raise BadRequest(f"{where}: properties must be a list of {{pid, v}} objects")
    constraints = []
    for item in properties:
        if not isinstance(item, dict) or "pid" not in item or "v" not in item:
            raise BadRequest(f"{where}: each property needs pid and v, got {item!r}")
        constraints.append(service.constraint(item["pid"], item["v"], where))
    if not text.strip() and not constraints:
        raise BadRequest(f"{where} needs a query text or at least one property")
    kinds = ()
    if raw.get("type"):
        kinds = service.resolve_kinds(raw["type"], known_kinds(), knowledge_store().base_uri)
    return MatchQuery(
        text=text,
        kinds=kinds,
        limit=service.parse_limit(raw.get("limit"), where),
        constraints=tuple(constraints),
    )


def candidate_json(candidate: Candidate, lang: str) -> dict[str, Any]:
    """A candidate as §4.2 writes it."""
    entity = candidate.entity
    info = service.type_info(entity.kind, lang)
    return {
        "id": entity.id,
        "name": entity.label(lang),
        "type": [{"id": info.id, "name": info.name}],
        "score": candidate.score,
        "match": candidate.match,
        "description": service.description(entity, lang),
        "features": [{"id": fid, "value": value} for fid, _, value in candidate.features()],
    }


def _batch(raw: str) -> dict[str, Any]:
    queries = service.parse_json(raw, "queries")
    if not isinstance(queries, dict):
        raise BadRequest('queries must be a JSON object: {"q0": {"query": "Lille"}, ...}')
    if len(queries) > service.MAX_BATCH:
        raise BadRequest(f"at most {service.MAX_BATCH} queries per request, got {len(queries)}")
    ctx = context()
    answers: dict[str, Any] = {}
    for key, raw_query in queries.items():
        try:
            query = parse_query(raw_query, key)
        except BadRequest as error:  # this query alone fails (see service.query_error)
            answers[key] = {"result": [], "error": service.query_error(error)}
            continue
        answers[key] = {"result": [candidate_json(c, ctx.lang) for c in service.run(query, ctx)]}
    return answers


def _extension(raw: str) -> dict[str, Any]:
    ctx = context()
    ids, properties = service.extension_request(
        service.parse_json(raw, "extend"), ctx.store.base_uri
    )
    rows = service.extend(ctx, ids, properties)
    return {
        "meta": [{"id": prop.id, "name": prop.name(ctx.lang)} for prop, _ in properties],
        "rows": {
            identifier: {pid: [v.as_json() for v in values] for pid, values in row.items()}
            for identifier, row in rows.items()
        },
    }


@bp.route("", methods=["GET", "POST"], endpoint="service", strict_slashes=False)
def service_root() -> Response:
    """The manifest, a batch of queries, or a data extension, by parameter."""
    values = request.values
    if "queries" in values:
        return answer(_batch(values["queries"]))
    if "extend" in values:
        return answer(_extension(values["extend"]))
    if "query" in values:  # 0.1: one query, as text or as a JSON object
        raw = values["query"]
        try:
            parsed = service.loads(raw)
        except ValueError:  # not JSON: the text to reconcile
            parsed = raw
        if not isinstance(parsed, dict | str):
            parsed = raw
        ctx = context()
        query = parse_query(parsed, "query")
        return answer({"result": [candidate_json(c, ctx.lang) for c in service.run(query, ctx)]})
    return answer(manifest())


def _offset() -> int:
    raw = request.args.get("cursor", request.args.get("offset", "0"))
    try:
        return max(0, int(raw))
    except ValueError:
        raise BadRequest(f"cursor must be a number of results to skip, got {raw!r}") from None


@bp.get("/suggest/entity")
def suggest_entity() -> Response:
    """Entities for a prefix (§5), optionally of some types."""
    kinds = ()
    if request.args.get("type"):
        kinds = service.resolve_kinds(
            request.args.getlist("type"), known_kinds(), knowledge_store().base_uri
        )
    found = service.suggest_entities(
        context(), request.args.get("prefix", ""), kinds, _offset(), service.SUGGEST_PAGE
    )
    return answer({"result": found})


@bp.get("/suggest/type")
def suggest_type() -> Response:
    """Types for a prefix (§5)."""
    found = service.suggest_types(request.args.get("prefix", ""), known_kinds(), reader_language())
    offset = _offset()
    return answer({"result": found[offset : offset + service.SUGGEST_PAGE]})


@bp.get("/suggest/property")
def suggest_property() -> Response:
    """Properties for a prefix (§5)."""
    found = service.suggest_properties(request.args.get("prefix", ""), reader_language())
    offset = _offset()
    return answer({"result": found[offset : offset + service.SUGGEST_PAGE]})


@bp.get("/propose_properties")
def propose_properties() -> Response:
    """The properties a type's entities may have (§7.2): ``type`` required, ``limit`` optional."""
    raw_type = request.args.get("type")
    if not raw_type:
        raise BadRequest("type is required: the id of the type to propose properties for")
    (kind,) = service.resolve_kinds(raw_type, known_kinds(), knowledge_store().base_uri)
    raw_limit = request.args.get("limit")
    if raw_limit is not None and not (raw_limit.isdigit() and int(raw_limit) > 0):
        raise BadRequest(f"limit must be a positive integer, got {raw_limit!r}")
    limit = int(raw_limit) if raw_limit else None
    properties = service.proposed_properties(kind, limit, reader_language())
    payload: dict[str, Any] = {"type": kind, "properties": properties}
    if limit:
        payload["limit"] = limit
    return answer(payload)


@dataclass(frozen=True)
class PreviewFact:
    """One line (or a few) of the preview card."""

    name: str
    values: list[str]
    more: int  # values left out
    one_per_line: bool


def display(value: Value, lang: str) -> str:
    """A property value as the card's reader reads it: numbers as their language writes them."""
    if value.number is not None:
        return number_display(value.number, lang)
    return value.name or value.text or value.date or value.entity or ""


@bp.get("/preview")
def preview() -> Response:
    """A compact card for one entity, sized for OpenRefine's preview frame (§6)."""
    raw = request.args.get("id")
    if not raw:
        raise BadRequest("id is required: the entity id to preview, e.g. commune/59350")
    ctx = context()
    entity = ctx.index.entity(service.entity_id(raw, ctx.store.base_uri))
    if entity is None:
        raise NotFound(f"no entity with id {raw!r}")
    facts = []
    for pid in PREVIEW_FACTS:
        values = [display(v, ctx.lang) for v in read_values(PROPERTIES[pid], ctx, entity)]
        if values:
            shown = LINES if pid in ONE_PER_LINE else PER_LINE
            facts.append(
                PreviewFact(
                    PROPERTIES[pid].name(ctx.lang),
                    values[:shown],
                    len(values) - shown if len(values) > shown else 0,
                    pid in ONE_PER_LINE,
                )
            )
    page = render_template(
        "reconcile_preview.html",
        entity=entity,
        kind=service.type_info(entity.kind, ctx.lang).name,
        facts=facts,
        style=Markup(PREVIEW_STYLE),  # our constant, hashed in PREVIEW_POLICY: not escaped
    )
    response = Response(page, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_POLICY
    return response


@bp.get("/properties/<pid>")
def property_document(pid: str) -> Response:
    """A property id of the schema space leads to the RDF property it reads."""
    prop = PROPERTIES.get(pid)
    if prop is None:
        raise NotFound(f"no property {pid!r}; the properties are {', '.join(sorted(PROPERTIES))}")
    return redirect(absolute(prop.iri, knowledge_store().base_uri), code=303)

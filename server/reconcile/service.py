"""What both protocol versions share: reading queries, types and ids; suggesting; extending.

The views (``v02`` for the version OpenRefine 3.x speaks, ``draft`` for 1.0-draft) only
translate between their wire formats and these functions.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from server.errors import BadRequest, HttpError
from server.kinds import KINDS, kind_name
from server.reconcile.matching import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Candidate,
    Constraint,
    MatchQuery,
    reconcile,
)
from server.reconcile.properties import PROPERTIES, Context, Property, Value, absolute, read_values
from server.search.ranking import search
from server.text import fold
from server.version.search_index import Entity

MAX_BATCH = 100  # queries per request; OpenRefine sends 10 by default
MAX_EXTEND_IDS = 500
SUGGEST_PAGE = 10

# The types offered in the manifest, most asked for first.
DEFAULT_TYPES = (
    "commune",
    "epci",
    "departement",
    "region",
    "ecosystem",
    "organisation",
    "person",
    "award",
    "label-kind",
    "place",
    "round",
)


@dataclass(frozen=True)
class TypeInfo:
    """A reconciliation type: one kind of entity."""

    id: str
    name: str
    description: str


def type_info(kind: str, lang: str) -> TypeInfo:
    """The type of kind ``kind`` as the API names it."""
    known = KINDS.get(kind)
    description = f"{known.fr} / {known.en}" if known else kind
    return TypeInfo(kind, kind_name(kind, lang), description)


class _NotJson(ValueError):
    """A number JSON cannot carry (RFC 8259 §6: no Infinity, no NaN)."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotJson(f"the number {text} is too large")
    return number


def _no_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def loads(raw: str | bytes) -> Any:
    """Strict JSON (RFC 8259): a ``ValueError`` for anything else, however it is malformed."""
    if isinstance(raw, bytes):
        # Decoded here: json.loads would guess UTF-16 or UTF-32 too, and fail on bad bytes
        # with an error that is not a JSONDecodeError (RFC 8259 §8.1: JSON is UTF-8).
        raw = raw.decode("utf-8")
    try:
        return json.loads(raw, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise _NotJson("it nests arrays or objects too deeply") from None


def parse_json(raw: str | bytes | None, parameter: str) -> Any:
    """The JSON of a form or query parameter, or a 400 saying what is wrong with it."""
    if raw is None:
        raise BadRequest(f"the {parameter} parameter is missing")
    try:
        return loads(raw)
    except UnicodeDecodeError as error:
        raise BadRequest(f"{parameter} is not UTF-8 (byte {error.start}); JSON is UTF-8") from None
    except ValueError as error:  # JSONDecodeError, _NotJson, an integer of 4,300+ digits
        raise BadRequest(f"{parameter} is not valid JSON: {error}") from None


def resolve_kinds(value: Any, known: dict[str, int], base_uri: str) -> tuple[str, ...]:
    """Type ids (kind keys, or the IRI of their class) as kinds; unknown ones are a 400."""
    values = value if isinstance(value, list) else [value]
    by_class = {absolute(kind.cls, base_uri): key for key, kind in KINDS.items()}
    kinds = []
    for item in values:
        if not isinstance(item, str) or not item:
            raise BadRequest(f"a type must be a non-empty string, got {item!r}")
        kind = item if item in known else by_class.get(item)
        if kind is None:
            raise BadRequest(
                f"unknown type {item!r}: use one of {', '.join(sorted(known))} "
                "(or /reconcile/suggest/type?prefix=… to find one)"
            )
        kinds.append(kind)
    return tuple(kinds)


def parse_limit(value: Any, where: str) -> int:
    """A query's ``limit``: from 1 to 25, 5 when absent."""
    if value is None:
        return DEFAULT_LIMIT
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise BadRequest(f"{where}: limit must be an integer, got {value!r}")
    if int(value) < 1:
        raise BadRequest(f"{where}: limit must be at least 1, got {value}")
    return min(int(value), MAX_LIMIT)


def constraint(pid: Any, value: Any, where: str) -> Constraint:
    """A property constraint, its property checked."""
    if not isinstance(pid, str) or pid not in PROPERTIES:
        raise BadRequest(
            f"{where}: unknown property {pid!r}; use one of {', '.join(sorted(PROPERTIES))}"
        )
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item is None or (isinstance(item, dict) and "id" not in item):
            raise BadRequest(f"{where}: property {pid} has a value without text or id: {item!r}")
    return Constraint(pid, tuple(values))


def entity_id(value: Any, base_uri: str) -> str:
    """An entity id as the API uses it (``commune/59350``), also read from a full IRI."""
    if not isinstance(value, str) or not value:
        raise BadRequest(f"an entity id must be a non-empty string, got {value!r}")
    return value.removeprefix(base_uri + "id/")


def query_error(error: HttpError) -> dict[str, Any]:
    """Why one query of a batch got no candidates, in the app's JSON error shape.

    Neither Reconciliation API version has a per-query error: errors are HTTP statuses, with
    bodies left unspecified (0.2 §3.4 and 1.0-draft §3.5, "Error Handling and
    Rate-limiting"), and a result batch holds candidates only (0.2 §4.2, 1.0-draft §4.2). One
    bad query (an unknown type, say) must not cost the other rows of a spreadsheet their
    candidates, so it is answered alone: no candidates, and this object beside them, which
    the published schemas allow and clients that do not know it ignore.
    """
    return {"status": error.status, "error": error.title, "message": error.message}


def run(query: MatchQuery, context: Context) -> list[Candidate]:
    """Reconcile one query."""
    return reconcile(query, context)


def description(entity: Entity, lang: str) -> str:
    """The line that tells a candidate from its namesakes."""
    return entity.context(lang)


# --- suggest ---------------------------------------------------------------------------------


def suggest_entities(
    context: Context, prefix: str, kinds: tuple[str, ...], offset: int, limit: int
) -> list[dict[str, Any]]:
    """Entities whose names start as typed, for OpenRefine's entity picker."""
    if not prefix.strip():
        return []
    hits = search(context.index, prefix, list(kinds), offset + limit)[offset:]
    return [
        {
            "id": hit.entity.id,
            "name": hit.entity.label(context.lang),
            "description": hit.entity.context(context.lang),
            "notable": [{"id": hit.entity.kind, "name": kind_name(hit.entity.kind, context.lang)}],
        }
        for hit in hits
    ]


def suggest_types(prefix: str, known: dict[str, int], lang: str) -> list[dict[str, str]]:
    """Kinds whose key or name (French or English) starts with ``prefix``."""
    wanted = fold(prefix)
    found = []
    for kind in sorted(known, key=lambda k: -known[k]):
        info = type_info(kind, lang)
        names = [kind, info.name, *(KINDS[kind].fr, KINDS[kind].en)] if kind in KINDS else [kind]
        if any(fold(name).startswith(wanted) or f" {wanted}" in f" {fold(name)}" for name in names):
            found.append({"id": info.id, "name": info.name, "description": info.description})
    return found


def suggest_properties(prefix: str, lang: str) -> list[dict[str, str]]:
    """Properties whose id or name starts with ``prefix``."""
    wanted = fold(prefix)
    return [
        {"id": p.id, "name": p.name(lang), "description": p.description(lang)}
        for p in PROPERTIES.values()
        if any(
            fold(text).startswith(wanted) or f" {wanted}" in f" {fold(text)}"
            for text in (p.id, p.fr, p.en)
        )
    ]


# --- data extension --------------------------------------------------------------------------


def proposed_properties(kind: str, limit: int | None, lang: str) -> list[dict[str, str]]:
    """The properties entities of ``kind`` may have, for the column picker."""
    found = [
        {"id": p.id, "name": p.name(lang), "description": p.description(lang)}
        for p in PROPERTIES.values()
        if p.applies_to(kind)
    ]
    return found[:limit] if limit else found


def extension_request(payload: Any, base_uri: str) -> tuple[list[str], list[tuple[Property, int]]]:
    """The ids and properties (with their ``limit`` setting) of a data extension request."""
    if not isinstance(payload, dict):
        raise BadRequest('extend must be a JSON object: {"ids": [...], "properties": [...]}')
    ids, properties = payload.get("ids"), payload.get("properties")
    if not isinstance(ids, list) or not isinstance(properties, list):
        raise BadRequest('extend needs "ids" and "properties" lists')
    if len(ids) > MAX_EXTEND_IDS:
        raise BadRequest(f"at most {MAX_EXTEND_IDS} ids per request, got {len(ids)}")
    wanted = []
    for item in properties:
        pid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(pid, str) or pid not in PROPERTIES:
            raise BadRequest(
                f"unknown property {pid!r}; use one of {', '.join(sorted(PROPERTIES))}"
            )
        settings = item.get("settings") or {}
        limit = settings.get("limit", 0) if isinstance(settings, dict) else 0
        try:
            limit = max(0, int(limit))
        except (TypeError, ValueError):
            raise BadRequest(f"property {pid}: the limit setting must be a number") from None
        wanted.append((PROPERTIES[pid], limit))
    return [entity_id(i, base_uri) for i in ids], wanted


def extend(
    context: Context, ids: list[str], properties: list[tuple[Property, int]]
) -> dict[str, dict[str, list[Value]]]:
    """For each id, each property's values (an unknown id has none)."""
    rows: dict[str, dict[str, list[Value]]] = {}
    for identifier in ids:
        entity = context.index.entity(identifier)
        row = {}
        for prop, limit in properties:
            values = read_values(prop, context, entity) if entity is not None else []
            row[prop.id] = values[:limit] if limit else values
        rows[identifier] = row
    return rows


PROPERTY_SETTINGS = {
    "limit": {
        "fr": "Nombre maximal de valeurs",
        "en": "Maximum number of values",
        "help_fr": "0 : toutes les valeurs.",
        "help_en": "0: every value.",
    }
}

"""/openapi.json: the OpenAPI 3.1 description of the HTTP surface, written by hand.

The source is ``server/openapi.yaml``, kept readable for people; it is served as JSON, the
form every OpenAPI tool reads. The home page and the endpoint point to it with
``Link: rel="service-desc"`` (RFC 8631 §4.1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, current_app

bp = Blueprint("openapi", __name__)

SOURCE = Path(__file__).with_name("openapi.yaml")
# The media type IANA registered for OpenAPI documents, for the Link header's type hint.
MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.1"


def load() -> dict[str, Any]:
    """The description, parsed from its source file."""
    with SOURCE.open(encoding="utf-8") as source:
        return yaml.safe_load(source)


@bp.get("/openapi.json")
def description() -> Response:
    """The description as JSON, read once per app."""
    body = current_app.extensions.get("ftkg.openapi")
    if body is None:
        body = json.dumps(load(), ensure_ascii=False, indent=1)
        current_app.extensions["ftkg.openapi"] = body
    return Response(body, mimetype="application/json")

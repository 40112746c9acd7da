"""The OpenAPI description of the HTTP surface: a valid OpenAPI 3.1 document, served, and
describing every route and method the app answers, so it cannot drift from the code."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from server import openapi

# Flask answers these on every route by itself: HEAD with GET, OPTIONS for CORS preflights.
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


def openapi_path(rule: str) -> str:
    """A Werkzeug rule as an OpenAPI path template: ``/data/<path:path>`` -> ``/data/{path}``."""
    return re.sub(r"<(?:[^:<>]+(?:\([^)]*\))?:)?([^<>:]+)>", r"{\1}", rule)


def test_the_description_is_a_valid_openapi_3_1_document() -> None:
    document = openapi.load()
    assert document["openapi"].startswith("3.1")
    try:
        validate(document)
    except OpenAPIValidationError as error:  # the validator's own message names the place
        raise AssertionError(str(error)) from None


def test_every_route_and_method_of_the_app_is_described(app: Flask) -> None:
    described = {
        path: {method.upper() for method in item if method != "parameters"}
        for path, item in openapi.load()["paths"].items()
    }
    missing = []
    for rule in app.url_map.iter_rules():
        path = openapi_path(rule.rule)
        methods = set(rule.methods or ()) - IMPLICIT_METHODS
        for method in sorted(methods - described.get(path, set())):
            missing.append(f"{method} {path} ({rule.endpoint})")
    assert not missing, "routes missing from server/openapi.yaml:\n" + "\n".join(missing)


def test_the_description_describes_no_route_the_app_lacks(app: Flask) -> None:
    routes = {openapi_path(rule.rule) for rule in app.url_map.iter_rules()}
    assert set(openapi.load()["paths"]) - routes == set()


def test_rule_conversion_names_the_variables_as_openapi_templates() -> None:
    assert openapi_path("/data/<path:path>") == "/data/{path}"
    assert openapi_path("/catalog.<any(ttl, rdf, jsonld):extension>") == "/catalog.{extension}"
    assert openapi_path("/sitemaps/<int:number>.xml") == "/sitemaps/{number}.xml"
    assert openapi_path("/dumps/<version>/<name>") == "/dumps/{version}/{name}"


def test_the_description_is_served_as_json(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == openapi.load()


def test_the_home_page_links_to_the_description_as_its_service_description(
    client: FlaskClient,
) -> None:
    links = client.get("/").headers["Link"]
    assert '</openapi.json>; rel="service-desc"' in links

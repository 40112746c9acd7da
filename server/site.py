"""Where the service is published, as the page and RDF builders need it: the absolute address
of any route and the publisher's settings, with or without a live request.

A builder that takes a ``Site`` (rather than calling ``url_for`` on the current request) can
be run by a view, with the site as the request reached it, or by the build, with the site at
its configured public address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.routing import MapAdapter


@dataclass(frozen=True)
class Site:
    """The routes bound to one public address, and the settings the documents state."""

    routes: MapAdapter
    config: Mapping[str, Any]

    def url(self, endpoint: str, **values: Any) -> str:
        """The absolute URL of ``endpoint``'s route with ``values`` (the rest as a query)."""
        return self.routes.build(endpoint, values, force_external=True)


def of_request() -> Site:
    """The site as the current request reached it: behind a proxy (ProxyFix), the host, scheme
    and prefix the client used, as ``url_for(..., _external=True)`` gives them."""
    return Site(current_app.url_map.bind_to_environ(request.environ), current_app.config)


def at(app: Flask, base_url: str) -> Site:
    """The site of ``app`` published at ``base_url`` (``https://example.org/kg/``)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"a site's address is an absolute http(s) URL, not {base_url!r}")
    routes = app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    return Site(routes, app.config)

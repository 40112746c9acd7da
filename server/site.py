"""Where the service is published, as the page and RDF builders need it: the absolute address
of any route and the publisher's settings, with or without a live request.

A builder that takes a ``Site`` (rather than calling ``url_for`` on the current request) can
be run by a view, with the site as the request reached it, or by the build, with the site at
its configured public address.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from werkzeug.routing import MapAdapter
from werkzeug.test import EnvironBuilder


@dataclass(frozen=True)
class Site:
    """The routes bound to one public address, and the settings the documents state."""

    routes: MapAdapter
    config: Mapping[str, Any]

    def url(self, endpoint: str, **values: Any) -> str:
        """The absolute URL of ``endpoint``'s route with ``values`` (the rest as a query)."""
        return self.routes.build(endpoint, values, force_external=True)

    @property
    def root(self) -> str:
        """The site's own address, ending in a slash (``https://example.org/kg/``)."""
        return self.url("home.index")


@contextmanager
def rendering(app: Flask, site: Site) -> Iterator[None]:
    """Render pages of ``site`` outside any request, their links as a request there gets them.

    Flask's ``url_for`` (in code and in templates) builds absolute URLs outside a request and
    relative ones within; a page is the same document whoever asks, so the build renders it
    within a bare request for the site's root: no query, no headers, nothing a page could
    depend on. The renderers take the site and the language as arguments, never from it.
    Inside a live request nothing changes: that request reached the same site.
    """
    if has_request_context():
        yield
        return
    environ = EnvironBuilder(path="/", base_url=site.root).get_environ()
    with app.request_context(environ):
        yield


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

"""Cross-origin reads (the Fetch standard's CORS protocol): any origin, and at each address the
methods it serves.

flask-cors answers every preflight with one list of methods, by default with PUT, PATCH and
DELETE, which nothing here serves: a browser told they work would send them and get a 405. A
preflight is answered per address instead, with the methods Werkzeug's routing serves there
(what Flask's own OPTIONS answer lists in ``Allow``); asked for any other method, it grants
nothing, and the browser does not send the request.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_cors import CORS

# Headers a cross-origin client may read: caching, truncation, paging.
EXPOSED_HEADERS = [
    "ETag",
    "Last-Modified",
    "Link",
    "X-Result-Limit",
    "X-Result-Truncated",
    "Retry-After",
]
# Every method some address serves; the service has no write method.
SERVED = ("GET", "HEAD", "POST", "OPTIONS")
PREFLIGHT_GRANTS = (
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
)


def install(app: Flask) -> None:
    """Answer CORS for every address; preflights with that address's methods."""

    # Registered before flask-cors's own hook, so that it runs after it (hooks run in
    # reverse order) and narrows what it granted.
    @app.after_request
    def per_address(response: Response) -> Response:
        if request.method != "OPTIONS" or "Access-Control-Allow-Methods" not in response.headers:
            return response
        allowed = (
            {method.upper() for method in response.allow} if response.status_code == 200 else set()
        )
        methods = [method for method in SERVED if method in allowed]
        asked = request.headers.get("Access-Control-Request-Method", "").strip().upper()
        if asked not in methods:
            for name in PREFLIGHT_GRANTS:
                response.headers.pop(name, None)
        else:
            response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        return response

    CORS(
        app,
        origins="*",
        send_wildcard=True,
        expose_headers=EXPOSED_HEADERS,
        methods=list(SERVED),
        max_age=86400,
    )

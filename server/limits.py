"""Rate limits on the surfaces that cost the server work per request: SPARQL, search,
reconciliation.

Each surface has its own limit per client address (flask-limiter syntax, ``KG_*_RATE_LIMIT``);
an exceeded limit is a 429 (RFC 6585 §4) with a message naming the limit and ``Retry-After``:
the seconds until the window lets the client through again. Every answer of a limited surface
carries the count (``X-RateLimit-Limit``, ``-Remaining``, ``-Reset``), but Retry-After only
the 429: flask-limiter's own headers would put it on every answer, 200s included, and raise
the 503's own figure (see ``server.sparql.views``) to the end of the window.

Counting happens where ``KG_RATE_LIMIT_STORAGE`` says. With the default ``memory://``, each
web worker process counts on its own; so that the service as a whole never lets a client
through more often than the published limit, each worker enforces its share of it (the limit
divided by ``KG_WORKERS``, rounded up). A client whose requests all land on one worker (one
keep-alive connection) is then held to that share: stricter than published, never looser.
A shared storage (``redis://…``, ``memcached://…``) counts across workers and replicas, and
each worker enforces the whole limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from server.web import rate_limit_counted

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

LIMITER_EXTENSION = "ftkg.limiter"
PER_PROCESS_STORAGE = "memory://"


def per_worker(limit: str, workers: int, storage_uri: str) -> str:
    """The limit one web worker enforces for a published ``limit``.

    Raises ``ValueError`` (naming the setting's syntax) when ``limit`` cannot be parsed.
    """
    try:
        items = parse_many(limit)
    except ValueError:
        raise ValueError(
            f"rate limit {limit!r} is not in flask-limiter syntax, for example '60 per minute' "
            "or '10 per second; 600 per hour'"
        ) from None
    if storage_uri != PER_PROCESS_STORAGE or workers <= 1:
        return limit
    return "; ".join(_share(item, workers) for item in items)


def _share(item: RateLimitItem, workers: int) -> str:
    amount = math.ceil(item.amount / workers)
    return f"{amount} per {item.multiples} {item.GRANULARITY.name}"


def install(app: Flask, surfaces: Sequence[tuple[str, Iterable[Blueprint]]]) -> Limiter:
    """Limit each blueprint of ``surfaces`` by the setting named with it (empty: no limit)."""
    storage_uri = str(app.config["RATE_LIMIT_STORAGE"]).strip() or PER_PROCESS_STORAGE
    workers = max(1, int(app.config["WORKERS"]))
    limits = {
        setting: per_worker(str(app.config[setting]).strip(), workers, storage_uri)
        for setting, _ in surfaces
        if str(app.config[setting]).strip()
    }
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage_uri,
        headers_enabled=False,
        enabled=bool(limits),
    )
    for setting, blueprints in surfaces:
        if setting in limits:
            for blueprint in blueprints:
                limiter.limit(limits[setting])(blueprint)
    app.extensions[LIMITER_EXTENSION] = limiter
    _report(app, limiter)
    return limiter


def count_before_flask(app: Flask, environ: WSGIEnvironment) -> list[tuple[str, str]] | None:
    """Count a request answered before Flask (``server.direct_queries``) against its surface's
    limit, as the Flask path counts it: the headers reporting the count, or None when the
    client is over the limit (the app then answers the 429, with its message).

    flask-limiter evaluates a request's limits in its before-request hook, which has no public
    name in 4.x; it is run here, in a request context for this environ, so that the limits,
    keys and storage are that library's own. A test sends requests both ways and checks that
    they share one count.
    """
    limiter: Limiter = app.extensions[LIMITER_EXTENSION]
    if not limiter.enabled:
        return []
    with app.request_context(environ):
        try:
            limiter._check_request_limit()  # as the hook calls it: application limits too
        except RateLimitExceeded:
            return None
        current = limiter.current_limit
        return _count_headers(current) if current is not None else []


def _count_headers(current: RequestLimit) -> list[tuple[str, str]]:
    reset_time, remaining = current.window
    return [
        ("X-RateLimit-Limit", str(current.limit.amount)),
        ("X-RateLimit-Remaining", str(remaining)),
        ("X-RateLimit-Reset", str(math.ceil(reset_time))),
    ]


def _report(app: Flask, limiter: Limiter) -> None:
    """Tell each client of a limited surface where it stands, and a refused one when to retry."""

    # Counted before Flask already (server.direct_queries, which then hands an error to the
    # view): not counted twice.
    limiter.request_filter(lambda: rate_limit_counted(request.environ) is not None)

    @app.after_request
    def rate_limit_headers(response: Response) -> Response:
        current = limiter.current_limit
        if current is None:
            for name, value in rate_limit_counted(request.environ) or ():
                response.headers[name] = value
            return response
        response.headers.update(_count_headers(current))
        if response.status_code == 429:
            reset_time, _ = current.window
            # RFC 6585 §4, RFC 9110 §10.2.3: whole seconds, rounded up, so that a client
            # retrying then is let through.
            response.headers["Retry-After"] = str(max(1, math.ceil(reset_time - time.time())))
        return response

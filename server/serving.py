"""Running the app in production: Granian, a Rust HTTP server, with several worker processes.

pyoxigraph holds the GIL while it evaluates, so threads in one process cannot read the store
in parallel; worker processes can. Each worker builds its own app (``server.wsgi``): a
RocksDB handle, query worker processes and caches must not be shared across a fork. Threads
inside a worker still help: a request waiting on a query worker process or on a slow client
leaves the GIL to the others.

Why Granian rather than gunicorn: HTTP parsing and connection handling happen in Rust, off
the GIL. Measured on this 2-core machine with wrk, serving the same cached 15 kB entity
document: gunicorn (gthread, 2 workers) 4,300 req/s at 8 clients and 6,000 at 32; Granian
(2 workers) 6,600 and 11,200.

Static files (/static/) are served by the app (Werkzeug's SharedDataMiddleware, before Flask),
not by Granian's static file server: Granian 2.8 cannot add headers to the files it serves
(granian issue #860), so they would go without X-Content-Type-Options and the other security
headers every response carries (``server.security``), and without ETag or Last-Modified, so a
browser re-downloads the 1 MB editor bundle whenever its max-age runs out. Measured with wrk
(8 clients, this 2-core machine): Granian 16,500 req/s for editor.js (2.5 kB) and 2,600 for
the bundle; through Python 9,100 and 1,200, more than a site whose pages are cached by
browsers for an hour needs, and about what cached pages are answered at anyway.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from granian.constants import Interfaces
from granian.server import Server

from server import settings


def run(config: Mapping[str, Any], host: str, port: int, uds: Path | None = None) -> None:
    """Serve until stopped (SIGINT / SIGTERM: workers finish their requests first), on
    ``host``:``port`` or, when given, on the Unix socket ``uds`` (behind ``server.front``)."""
    # Workers are fresh processes that build the app from the environment: hand them the
    # settings this command was given.
    for setting in settings.SETTINGS:
        if setting.name in config:
            os.environ[setting.env_var] = str(config[setting.name])
    access_log = str(config["ACCESS_LOG"])
    Server(
        "server.wsgi:application",
        factory=True,
        interface=Interfaces.WSGI,
        address=host,
        port=port,
        workers=max(1, int(config["WORKERS"])),
        blocking_threads=max(1, int(config["THREADS"])),
        uds=uds,
        backlog=2048,
        respawn_failed_workers=True,
        workers_kill_timeout=int(float(config["QUERY_TIMEOUT"])) + 5,
        log_access=bool(access_log),
    ).serve()

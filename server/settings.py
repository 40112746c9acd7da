"""Every setting of the service, declared once: name, default and help.

The Flask app, the CLI and the README's table all read from ``SETTINGS``, so a setting cannot
exist in one place and be missing in another. Each is read from the environment variable
``KG_<NAME>`` (Flask's ``from_prefixed_env("KG")`` convention).

Paths may be given relative: they mean the working directory the service was started from,
and are made absolute once, at start (``resolve_paths``), so that nothing later reads them
against another directory (Flask's ``send_from_directory`` would take the package's).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One configuration value: its name (without the ``KG_`` prefix), default and meaning."""

    name: str
    default: Any
    help: str
    path: bool = False  # a file or directory, resolved against the start directory

    @property
    def env_var(self) -> str:
        """The environment variable that overrides the default."""
        return f"KG_{self.name}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "STORE",
        "var/store",
        "Directory holding the built store versions and the live one.",
        path=True,
    ),
    Setting(
        "BASE_URI",
        "http://localhost:8000/",
        "Base of every entity IRI; data files hold relative IRIs resolved against it.",
    ),
    Setting(
        "SOURCE_DIR",
        str(PROJECT_ROOT),
        "Directory holding ontology/ and data/, read by `ftkg build`.",
        path=True,
    ),
    Setting("HOST", "127.0.0.1", "Interface `ftkg serve` listens on."),
    Setting("PORT", 8000, "Port `ftkg serve` listens on."),
    Setting(
        "KEEP_VERSIONS", 2, "How many built store versions to keep on disk, the live one included."
    ),
    Setting(
        "QUERY_TIMEOUT",
        30.0,
        "Seconds a SPARQL query may run before it is stopped and answered with an error.",
    ),
    Setting(
        "RESULT_LIMIT",
        10000,
        "Most solutions (or triples) one response holds; beyond, it is truncated and says so. "
        "0: no limit.",
    ),
    Setting("MAX_BODY_BYTES", 1048576, "Largest request body accepted, in bytes."),
    Setting(
        "RATE_LIMIT",
        "600 per minute",
        "Requests per client address on the SPARQL endpoint and the graph store, in "
        "flask-limiter syntax (for example '60 per minute'); empty: no limit.",
    ),
    Setting(
        "SEARCH_RATE_LIMIT",
        "1200 per minute",
        "Requests per client address on /search (autocomplete asks once per keystroke); "
        "empty: no limit.",
    ),
    Setting(
        "RECONCILE_RATE_LIMIT",
        "600 per minute",
        "Requests per client address on the reconciliation services (each may carry a batch "
        "of queries); empty: no limit.",
    ),
    Setting(
        "RATE_LIMIT_STORAGE",
        "memory://",
        "Where rate limits are counted: memory:// (each web worker counts alone and enforces "
        "its share of each limit) or a shared storage such as redis://host:6379 (counted "
        "across workers and replicas; needs the storage's client library).",
    ),
    Setting(
        "SERVICE_ALLOWLIST",
        "",
        "Space-separated SPARQL endpoints that SERVICE clauses may call; empty: SERVICE refused.",
    ),
    Setting(
        "SPARQL_ENDPOINT",
        "",
        "A SPARQL 1.1 Protocol endpoint to query instead of the embedded store (Oxigraph "
        "server, Virtuoso, QLever, GraphDB, Neptune); the build under STORE still provides "
        "the dumps, search index and statistics. Empty: the embedded store.",
    ),
    Setting("QUERY_WORKERS", 2, "Query worker processes per web worker process."),
    Setting(
        "QUEUE_TIMEOUT",
        5.0,
        "Seconds a query waits for a free query worker before a 503 with Retry-After.",
    ),
    Setting(
        "WORKERS",
        os.cpu_count() or 2,
        "Web worker processes `ftkg serve` runs; default: one per CPU core.",
    ),
    Setting(
        "THREADS",
        32,
        "Threads per web worker process; most wait on query workers or clients, so that "
        "cached answers still flow while slow queries run.",
    ),
    Setting("ACCESS_LOG", "", "Any non-empty value: `ftkg serve` logs every request."),
    Setting(
        "FRONT",
        "",
        "`nginx`: `ftkg serve` runs nginx (Debian's nginx-light) on HOST:PORT, sending the "
        "documents made at build and entity IRIs' 303s itself, and the app behind it on a Unix "
        "socket; empty: the app alone.",
    ),
    Setting(
        "RESPONSE_CACHE_MB",
        64,
        "Megabytes of finished responses each web worker keeps, keyed by data version and "
        "request; 0: no response cache.",
    ),
    Setting(
        "PUBLISHER_NAME", "French Tech Knowledge Graph", "Publisher named in the DCAT-AP catalogue."
    ),
    Setting(
        "CONTACT_EMAIL",
        "contact@frenchtech-kg.example",
        "E-mail address of the catalogue's contact point; set it to a real mailbox when deploying.",
    ),
    Setting("CATALOG_PAGE_SIZE", 20, "Datasets per page of the catalogue (Hydra paging)."),
    Setting(
        "PROXIES",
        0,
        "Reverse proxies in front of the service whose X-Forwarded-For/Proto/Host/Prefix "
        "headers are trusted; 0: none (the headers are ignored).",
    ),
)

SETTINGS_BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}


def defaults() -> dict[str, Any]:
    """The default value of every setting, keyed by name."""
    return {s.name: s.default for s in SETTINGS}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults overridden by ``KG_*`` environment variables, converted to the default's type."""
    environ = os.environ if environ is None else environ
    values = defaults()
    for setting in SETTINGS:
        raw = environ.get(setting.env_var)
        if raw is None:
            continue
        values[setting.name] = _convert(setting, raw)
    return values


def resolve_paths(values: Mapping[str, Any], start: Path | None = None) -> dict[str, str]:
    """Every path setting of ``values`` made absolute against ``start`` (the working directory
    by default), ``~`` expanded; empty ones stay empty. Symbolic links are kept, not resolved,
    so that a link the operator points elsewhere is followed."""
    start = Path.cwd() if start is None else start
    return {
        setting.name: str(start / Path(values[setting.name]).expanduser())
        for setting in SETTINGS
        if setting.path and values.get(setting.name)
    }


def _convert(setting: Setting, raw: str) -> Any:
    if isinstance(setting.default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(setting.default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{setting.env_var} must be a number, got {raw!r}") from None
    if isinstance(setting.default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{setting.env_var} must be an integer, got {raw!r}") from None
    return raw

"""Security headers on every response the Python side sends, cached answers included.

One WSGI layer, outermost, rather than an after-request hook (flask-talisman's way): the fast
path (``server.fast_path``) answers cache hits before Flask runs, and the static files
(Werkzeug's SharedDataMiddleware, set up in ``server.app``) are served before it too, so only a
layer around all of them sees every response. What the extension would add beyond that (HTTPS
redirects, HSTS, cookie flags, per-request nonces, which would defeat the response cache) we do
not want here: TLS ends at the reverse proxy, which owns HSTS, and the service sets no cookie.
Measured with timeit on this machine: 6 µs per response, about 3 % of a cache hit.

What is sent:

- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy`` on every response (Fetch
  standard, "X-Content-Type-Options header"; W3C Referrer Policy).
- On HTML documents, a strict Content-Security-Policy (CSP Level 3): scripts and styles only
  from this origin, no inline script at all (the JSON-LD and editor-data ``<script>`` blocks are
  data blocks, which HTML never executes and CSP does not govern), no plugins, no ``<base>``,
  forms only to this origin, no framing (``frame-ancestors 'none'``, with ``X-Frame-Options:
  DENY`` for browsers older than CSP 2), and a fresh browsing context group
  (``Cross-Origin-Opener-Policy: same-origin``) so that no page that opened ours can reach it.
  A view may send its own policy (the query editor, the reconciliation preview); it is kept.
- On every other document (JSON, RDF, text, errors), ``default-src 'none'; sandbox``: should a
  browser ever render one as a document (RDF/XML and SPARQL XML results are XML, which browsers
  do render), it may load nothing and run nothing.
- Nothing more on a 304: its headers replace the stored ones (RFC 9111 §4.3.4), and the
  middleware cannot tell which policy the stored representation had.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Cross-origin requests (to Wikidata, INSEE, a source's site) carry the origin only, never a
# page's path and query; same-origin ones the whole URL. Browsers' default, said explicitly so
# that no older default (no-referrer-when-downgrade) applies.
REFERRER_POLICY = "strict-origin-when-cross-origin"

# The policy of our own pages: everything they load is a file of ours under /static, and the
# only requests they make are the search suggestions (connect-src) and the search form.
PAGE_POLICY: Mapping[str, str] = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}
# Documents that are not pages: nothing to load, nothing to run.
DOCUMENT_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"

HTML_TYPES = ("text/html", "application/xhtml+xml")
ALWAYS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", REFERRER_POLICY),
)


def policy(changes: Mapping[str, str | None] | None = None) -> str:
    """The page policy as a header value, with directives replaced (or dropped, when None)."""
    directives: dict[str, str | None] = {**PAGE_POLICY, **(changes or {})}
    return "; ".join(f"{name} {value}" for name, value in directives.items() if value is not None)


DEFAULT_PAGE_POLICY = policy()

# The query editor: YASGUI's table plugin (its bundled column-resizer) inserts one <style>
# element of fixed text into the page; a hash allows exactly that text (CSP Level 3 hash-source:
# hashes apply to <style> elements) and no other inline style. Nothing else was refused when
# the editor was driven in Chromium (examples, CONSTRUCT results, the raw response view,
# errors, sharing, downloads, autocompletion); tests/test_security_browser.py holds it to
# that, and tests/test_security.py checks the hash against the vendored bundle.
YASGUI_STYLE_HASH = "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='"
EDITOR_POLICY = policy({"style-src": f"'self' {YASGUI_STYLE_HASH}"})


def style_hash(text: str) -> str:
    """The CSP source allowing exactly one inline ``<style>`` element whose text is ``text``."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def security_headers(status: int, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers to add to a response with ``status`` and ``headers``."""
    present = {}
    for name, value in headers:
        present[name.lower()] = value
    added = [(name, value) for name, value in ALWAYS if name.lower() not in present]
    content_type = present.get("content-type")
    if status == 304 or content_type is None:
        return added
    if content_type.split(";", 1)[0].strip().lower() in HTML_TYPES:
        page_policy = present.get("content-security-policy")
        if page_policy is None:
            page_policy = DEFAULT_PAGE_POLICY
            added.append(("Content-Security-Policy", page_policy))
        # A page meant to be framed elsewhere (the reconciliation preview) drops
        # frame-ancestors; X-Frame-Options must not forbid what the policy allows.
        if "frame-ancestors 'none'" in page_policy and "x-frame-options" not in present:
            added.append(("X-Frame-Options", "DENY"))
        if "cross-origin-opener-policy" not in present:
            added.append(("Cross-Origin-Opener-Policy", "same-origin"))
    elif "content-security-policy" not in present:
        added.append(("Content-Security-Policy", DOCUMENT_POLICY))
    return added


class SecurityHeaders:
    """WSGI middleware adding ``security_headers`` to whatever the wrapped app answers."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer with the wrapped app, its headers completed."""

        def start(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> object:
            code = int(status.split(" ", 1)[0])
            return start_response(status, headers + security_headers(code, headers), exc_info)

        return self.app(environ, start)  # type: ignore[arg-type]

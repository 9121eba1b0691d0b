"""Security headers on every response of the main app: CSP, no framing, nosniff, referrer policy, HSTS.

The pages run no inline script (``script-src 'self'``). Styles may be inline
(``style-src 'self' 'unsafe-inline'``): the hosted survey pages carry each survey's colour in a
``<style>`` block and a few dashboard elements size themselves with a ``style`` attribute; CSS
cannot run script, and every value in them is escaped by Jinja.

No page may be framed (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``): the widget
does not use frames, it injects its UI into the host page from ``/w/widget.js``. No
Cross-Origin-Resource-Policy or -Embedder-Policy header is sent, so that script still loads
on every allowed site. The widget JSON API at ``/w/api`` is a separate app with its own CORS
headers and is left alone.
"""
from flask import request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Pages whose URL carries a secret token (hosted surveys, score and comment links, unsubscribe
# and invitation links) send no Referer at all, not even to this site's own assets.
TOKEN_PATH_PREFIXES = ("/s/", "/u/", "/auth/invitations/")
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app):
    """Add the security headers to every response of ``app``."""
    app.after_request(add_security_headers)


def add_security_headers(response):
    """Set the headers a view did not set itself.

    HSTS only over HTTPS (``request.is_secure``, which follows ``X-Forwarded-Proto`` when the
    deployment wraps the app in Werkzeug's ProxyFix): over plain HTTP a browser ignores it.
    """
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    token_page = request.path.startswith(TOKEN_PATH_PREFIXES)
    headers.setdefault("Referrer-Policy", "no-referrer" if token_page else "strict-origin-when-cross-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response

"""Collection endpoints customers reach: the embeddable widget and public survey pages."""
from flask import request

from feedback_app.extensions import limiter
from widgets import pages  # noqa: F401  (registers the hosted survey pages on ``bp``)
from widgets.routes import bp


def init_app(app):
    """Register the widget blueprint; the JSON API checks origins, the pages carry their own form CSRF."""
    from feedback_app.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)


# The API counts its own rate limits (:func:`widgets.security.rate_limited`), so Flask-Limiter's
# per-request hook skips the blueprint at its first check: a request filter (an exemption is only
# looked up after resolving every limit). Registered once, here: the limiter is shared by every app.
@limiter.request_filter
def _counts_its_own_limits():
    return request.blueprint == bp.name

"""Collection endpoints customers reach: the embeddable widget and public survey pages."""
from widgets import pages  # noqa: F401  (registers the hosted survey pages on ``bp``)
from widgets.routes import bp


def init_app(app):
    """Register the widget blueprint; the JSON API checks origins, the pages carry their own form CSRF.

    The API counts its own rate limits (:func:`widgets.security.rate_limited`), so Flask-Limiter's
    per-request hook skips the blueprint.
    """
    from feedback_app.extensions import csrf, limiter

    app.register_blueprint(bp)
    csrf.exempt(bp)
    limiter.exempt(bp)

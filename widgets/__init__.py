"""Collection endpoints customers reach: the embeddable widget and public survey pages."""
from widgets import pages  # noqa: F401  (registers the hosted survey pages on ``bp``)
from widgets.routes import bp


def init_app(app):
    """Register the widget blueprint; the JSON API checks origins, the pages carry their own form CSRF."""
    from feedback_app.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)

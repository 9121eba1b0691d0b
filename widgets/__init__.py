"""Collection endpoints customers reach: the embeddable widget, its JSON API and public survey pages."""
from widgets import api
from widgets import delighted_snippet  # noqa: F401  (registers the Delighted snippet's library on ``bp``)
from widgets import pages  # noqa: F401  (registers the hosted survey pages on ``bp``)
from widgets.routes import bp


def init_app(app):
    """Register the loader and the hosted pages on ``app``, and mount the JSON API (its own app) at ``/w/api``."""
    from feedback_app.extensions import csrf

    app.register_blueprint(bp)
    csrf.exempt(bp)  # the pages' forms check their own CSRF token (Flask-WTF's FlaskForm)
    api.mount(app)
    # The dashboard's live preview describes an unsaved survey exactly as the widget is sent it,
    # without importing this package (feedback_app imports widgets only inside create_app).
    app.extensions["widget_survey_json"] = api.survey_json

"""The application factory."""
from flask import Flask

from feedback_app.config import config_class_from_env, validate_config


def create_app(config=None):
    """Create and configure the app.

    :param config: a config class, or a mapping of keys overriding the class chosen by
        ``FEEDBACK_ENV`` (as flaskr's ``test_config``).
    :raises feedback_app.config.ConfigError: when the configuration cannot work.
    """
    app = Flask(__name__, instance_path=str(_instance_path()), instance_relative_config=True)
    if isinstance(config, type):
        app.config.from_object(config)
    else:
        app.config.from_object(config_class_from_env())
        app.config.update(config or {})
    validate_config(app.config)

    register_extensions(app)
    register_security_headers(app)
    register_blueprints(app)
    register_proxy_fix(app)
    register_errorhandlers(app)
    register_commands(app)
    register_shellcontext(app)
    return app


def _instance_path():
    from feedback_app.config import INSTANCE_DIR

    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return INSTANCE_DIR


def register_extensions(app):
    """Bind the unbound extensions and the task queue to ``app``."""
    from feedback_app import tasks, wiring
    from feedback_app.auth.access import init_login
    from feedback_app.extensions import CookieSessionInterface, csrf, db, limiter, migrate
    from feedback_app.services.collection import ingest, widget_config

    app.session_interface = CookieSessionInterface()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_directory()))
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    tasks.init_app(app)
    wiring.init_app(app)
    ingest.init_app(app)
    widget_config.init_app(app)


def register_security_headers(app):
    """Send CSP, anti-framing, nosniff, referrer and HSTS headers on every page."""
    from feedback_app import security_headers

    security_headers.init_app(app)


def _migrations_directory():
    """Return the checkout's migrations/, else the copy a wheel installed under <prefix>/share/feedback-loop."""
    import sys
    from pathlib import Path

    checkout = Path(__file__).resolve().parent.parent / "migrations"
    installed = Path(sys.prefix) / "share" / "feedback-loop" / "migrations"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


def register_blueprints(app):
    """Attach every feature's blueprint."""
    import widgets
    from feedback_app.auth.routes import bp as auth_bp
    from feedback_app.dashboard.routes import bp as dashboard_bp
    from feedback_app.health import bp as health_bp
    from feedback_app.unsubscribe import bp as unsubscribe_bp
    from feedback_app.api.routes import bp as api_bp
    from feedback_app.api import surveys as _api_surveys  # noqa: F401  (registers its routes on api_bp)
    from feedback_app.data_transfer.routes import bp as data_transfer_bp
    from feedback_app.api_v1.routes import bp as api_v1_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(unsubscribe_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(api_v1_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(data_transfer_bp)
    widgets.init_app(app)


def register_proxy_fix(app):
    """Read the client's address and scheme from the headers of the ``TRUSTED_PROXIES`` proxies in front.

    Outermost, so that the widget API mounted by ``register_blueprints`` sees them too.
    """
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def register_errorhandlers(app):
    """Render errors as JSON for API clients and as pages for people."""
    from feedback_app.errors import init_app

    init_app(app)


def register_commands(app):
    """Add the ``flask`` CLI command groups."""
    from feedback_app.cli import init_app

    init_app(app)


def register_shellcontext(app):
    """Expose ``db`` and the models in ``flask shell``."""
    from feedback_app import models
    from feedback_app.extensions import db

    def shell_context():
        return {"db": db, **{name: getattr(models, name) for name in models.__all__}}

    app.shell_context_processor(shell_context)

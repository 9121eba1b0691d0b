"""Configuration classes; the only module that reads ``os.environ``.

``DATABASE_URL``, ``BROKER_URL`` and ``SECRET_KEY`` keep their conventional names; every
other setting is ``FEEDBACK_<NAME>``. ``load_config()`` picks the class from ``FEEDBACK_ENV``
and validates it, raising :class:`ConfigError` with one readable sentence.
"""
import os
from pathlib import Path
from urllib.parse import urlsplit

INSTANCE_DIR = Path(os.environ.get("FEEDBACK_INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance"))

SUPPORTED_DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgres")
SUPPORTED_BROKER_SCHEMES = ("redis", "rediss", "sqla+sqlite", "sqla+postgresql", "memory")


class ConfigError(Exception):
    """Raised when the environment describes a configuration the app cannot run with."""


def _env(name, default=None):
    return os.environ.get(name, default)


# Typed settings are read as text and converted by ``validate_config``, so that a bad value is a
# ConfigError raised by the factory (one clear line) rather than an error at import time.
def _as_int(env_name, value):
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{env_name} must be a whole number, got {value!r}") from None


def _as_bool(env_name, value):
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{env_name} must be true or false, got {value!r}")


def normalize_database_url(url):
    """Return ``url`` with the driver SQLAlchemy should use, or raise :class:`ConfigError`.

    :param url: a database URL as a person would write it (``postgres://`` included).
    :raises ConfigError: when the scheme is not SQLite or PostgreSQL.
    """
    scheme = urlsplit(url).scheme
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL has unsupported scheme {scheme!r}: use sqlite:///path/to/file.db or "
            "postgresql://user@host:5432/dbname"
        )
    if scheme in ("postgresql", "postgres"):
        # psycopg 3 is the driver we ship; SQLAlchemy would otherwise look for psycopg2.
        return "postgresql+psycopg" + url[len(scheme):]
    return url


def validate_broker_url(url):
    """Raise :class:`ConfigError` unless ``url`` names a broker Celery can use here.

    :raises ConfigError: for any other scheme.
    """
    scheme = urlsplit(url).scheme
    if scheme not in SUPPORTED_BROKER_SCHEMES:
        raise ConfigError(
            f"BROKER_URL has unsupported scheme {scheme!r}: use redis://host:6379/0, or leave it unset "
            "for the embedded SQLite queue"
        )
    return url


class Config:
    """Settings shared by every environment; values come from the environment where given."""

    ENV_NAME = "production"
    SECRET_KEY = _env("SECRET_KEY")
    PASSWORD_HASH_METHOD = "scrypt"  # Werkzeug's default: memory-hard, about 0.1 s of CPU per hash or check
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'feedback.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BROKER_URL = _env("BROKER_URL", f"sqla+sqlite:///{INSTANCE_DIR / 'broker.db'}")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("FEEDBACK_SECURE_COOKIES", True)
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_ENABLED = True
    MAX_CONTENT_LENGTH = _env("FEEDBACK_MAX_CONTENT_LENGTH", 16 * 1024 * 1024)  # CSV uploads

    PUBLIC_URL = _env("FEEDBACK_PUBLIC_URL", "http://127.0.0.1:5000")  # base of links in emails
    SMTP_HOST = _env("FEEDBACK_SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _env("FEEDBACK_SMTP_PORT", 25)
    SMTP_USERNAME = _env("FEEDBACK_SMTP_USERNAME")
    SMTP_PASSWORD = _env("FEEDBACK_SMTP_PASSWORD")
    SMTP_STARTTLS = _env("FEEDBACK_SMTP_STARTTLS", False)
    SMTP_TIMEOUT = _env("FEEDBACK_SMTP_TIMEOUT", 10)
    MAIL_FROM = _env("FEEDBACK_MAIL_FROM", "feedback@localhost")
    # Outbox delivery. The queue name is configurable so that test runs and benchmarks sharing
    # one Redis each get a queue of their own; workers must consume the same name.
    EMAIL_QUEUE = _env("FEEDBACK_EMAIL_QUEUE", "email")
    EMAIL_MAX_ATTEMPTS = _env("FEEDBACK_EMAIL_MAX_ATTEMPTS", 8)
    EMAIL_RETRY_BASE_SECONDS = _env("FEEDBACK_EMAIL_RETRY_BASE_SECONDS", 30)  # doubles per attempt
    # A worker claims this many due notifications at once and sends them over one SMTP connection.
    EMAIL_BATCH_SIZE = _env("FEEDBACK_EMAIL_BATCH_SIZE", 50)
    # Messages sent over one SMTP connection before it is closed and reopened; 1 opens a new
    # connection for every message (for a relay that refuses a second MAIL FROM).
    EMAIL_MESSAGES_PER_CONNECTION = _env("FEEDBACK_EMAIL_MESSAGES_PER_CONNECTION", 100)
    # Messages accepted by the SMTP server that may wait for one commit marking them sent: the
    # most that a worker killed at the wrong instant can make us send twice. A SQLite commit is
    # cheap; on PostgreSQL each commit waits for a disk flush, where 10 is worth it.
    EMAIL_MARK_SENT_EVERY = _env("FEEDBACK_EMAIL_MARK_SENT_EVERY", 1)
    # Processes of `flask worker` (each sends its own batches); SQLite has a single writer, so
    # more than 2 only wait for each other there; with PostgreSQL, use the number of cores.
    WORKER_CONCURRENCY = _env("FEEDBACK_WORKER_CONCURRENCY", 2)
    # Threads of the sentence-embedding model (PyTorch) in each worker process. One suits a host
    # whose other cores serve the web tier: with two on a busy 2-core host a comment cost three
    # times the CPU, the threads waiting for each other (bench/pipeline.py); a machine that only
    # runs one worker process may give it its cores.
    WORKER_MODEL_THREADS = _env("FEEDBACK_WORKER_MODEL_THREADS", 1)
    # A row claimed ("sending") for longer than this belongs to a dead worker and is re-queued;
    # keep it well above SMTP_TIMEOUT, or a slow but live send could be sent twice.
    OUTBOX_CLAIM_TIMEOUT_SECONDS = _env("FEEDBACK_OUTBOX_CLAIM_TIMEOUT_SECONDS", 300)
    OUTBOX_SWEEP_SECONDS = _env("FEEDBACK_OUTBOX_SWEEP_SECONDS", 60)
    # Detractor alerts: past this many in a workspace within an hour, the rest go in one digest
    # (a flood of bad answers, real or forged, must not become a flood of email to the team).
    DETRACTOR_ALERTS_PER_HOUR = _env("FEEDBACK_DETRACTOR_ALERTS_PER_HOUR", 30)
    ALERT_DIGEST_SECONDS = _env("FEEDBACK_ALERT_DIGEST_SECONDS", 600)
    # Weekly digest: due each Monday from this hour (UTC); the job checks this often whether it is due.
    WEEKLY_DIGEST_SEND_HOUR = _env("FEEDBACK_WEEKLY_DIGEST_SEND_HOUR", 8)
    WEEKLY_DIGEST_CHECK_SECONDS = _env("FEEDBACK_WEEKLY_DIGEST_CHECK_SECONDS", 3600)

    # Widget answers: a web process keeps a workspace's and a survey's widget settings this long
    # (a change made in another process is seen within it), and tells the worker to record the
    # staged answers at most once per notify interval.
    WIDGET_CONFIG_TTL_SECONDS = _env("FEEDBACK_WIDGET_CONFIG_TTL_SECONDS", 5)
    WIDGET_NOTIFY_INTERVAL_SECONDS = 0.2

    # Widget API limits ("N per second|minute|hour|day", or several joined by ";"): per visitor IP,
    # then per survey whatever the IP, so that a botnet spread over many addresses still cannot
    # flood one survey.
    WIDGET_IP_RATE_LIMIT = _env("FEEDBACK_WIDGET_IP_RATE_LIMIT", "120 per minute")
    WIDGET_SURVEY_RATE_LIMIT = _env("FEEDBACK_WIDGET_SURVEY_RATE_LIMIT", "3000 per minute")
    # Per process, as memory:// but without its timer thread (feedback_app.extensions.SweptMemoryStorage);
    # redis://... shares the counts between processes, at ~0.17 ms of CPU per count instead of ~0.03.
    RATELIMIT_STORAGE_URI = _env("FEEDBACK_RATELIMIT_STORAGE_URI", "swept-memory://")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = _env("FEEDBACK_RATELIMIT_ENABLED", True)
    WEBHOOKS_ALLOW_PRIVATE = _env("FEEDBACK_WEBHOOKS_ALLOW_PRIVATE", False)  # SSRF guard
    # Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For and X-Forwarded-Proto
    # are believed, for per-IP limits and HTTPS (HSTS, https links). 0: the headers are ignored,
    # since a client reaching the app directly could write any address there.
    TRUSTED_PROXIES = _env("FEEDBACK_TRUSTED_PROXIES", 0)

    CELERY_TASK_ALWAYS_EAGER = False
    HEARTBEAT_SECONDS = _env("FEEDBACK_HEARTBEAT_SECONDS", 30)
    ANALYSIS_INTERVAL_SECONDS = _env("FEEDBACK_ANALYSIS_INTERVAL_SECONDS", 6 * 3600)  # full re-clustering
    # Processes of a full analysis's per-comment steps (language, lemmas, sentiment) once a workspace holds more
    # than 20,000 distinct comments (below that they run in the worker's own process): bench/analysis_scale.py.
    ANALYSIS_JOBS = _env("FEEDBACK_ANALYSIS_JOBS", 2)


class DevelopmentConfig(Config):
    """Local demo: SQLite file under ``instance/``, a worker on the embedded queue, plain HTTP."""

    ENV_NAME = "development"
    SECRET_KEY = _env("SECRET_KEY", "dev-only-not-a-secret")
    SESSION_COOKIE_SECURE = False  # the demo is served over plain http://127.0.0.1


class TestingConfig(Config):
    """Tests: tasks run in-process, CSRF off (forms are tested directly), fast hashing."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    CELERY_TASK_ALWAYS_EAGER = True  # the worker tests start a real worker explicitly
    WIDGET_NOTIFY_INTERVAL_SECONDS = 0  # so a widget answer is recorded before its 202 returns
    BROKER_URL = "memory://"
    RATELIMIT_ENABLED = False
    WEBHOOKS_ALLOW_PRIVATE = True  # tests deliver to receivers on loopback
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"  # For faster tests: most create a user and log in, 0.25 s in scrypt


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


# {config key: environment variable} of the settings ``validate_config`` converts.
INT_SETTINGS = {
    "MAX_CONTENT_LENGTH": "FEEDBACK_MAX_CONTENT_LENGTH",
    "SMTP_PORT": "FEEDBACK_SMTP_PORT",
    "SMTP_TIMEOUT": "FEEDBACK_SMTP_TIMEOUT",
    "EMAIL_MAX_ATTEMPTS": "FEEDBACK_EMAIL_MAX_ATTEMPTS",
    "EMAIL_RETRY_BASE_SECONDS": "FEEDBACK_EMAIL_RETRY_BASE_SECONDS",
    "EMAIL_BATCH_SIZE": "FEEDBACK_EMAIL_BATCH_SIZE",
    "EMAIL_MESSAGES_PER_CONNECTION": "FEEDBACK_EMAIL_MESSAGES_PER_CONNECTION",
    "EMAIL_MARK_SENT_EVERY": "FEEDBACK_EMAIL_MARK_SENT_EVERY",
    "WORKER_CONCURRENCY": "FEEDBACK_WORKER_CONCURRENCY",
    "WORKER_MODEL_THREADS": "FEEDBACK_WORKER_MODEL_THREADS",
    "OUTBOX_CLAIM_TIMEOUT_SECONDS": "FEEDBACK_OUTBOX_CLAIM_TIMEOUT_SECONDS",
    "OUTBOX_SWEEP_SECONDS": "FEEDBACK_OUTBOX_SWEEP_SECONDS",
    "DETRACTOR_ALERTS_PER_HOUR": "FEEDBACK_DETRACTOR_ALERTS_PER_HOUR",
    "ALERT_DIGEST_SECONDS": "FEEDBACK_ALERT_DIGEST_SECONDS",
    "WEEKLY_DIGEST_SEND_HOUR": "FEEDBACK_WEEKLY_DIGEST_SEND_HOUR",
    "WEEKLY_DIGEST_CHECK_SECONDS": "FEEDBACK_WEEKLY_DIGEST_CHECK_SECONDS",
    "HEARTBEAT_SECONDS": "FEEDBACK_HEARTBEAT_SECONDS",
    "ANALYSIS_INTERVAL_SECONDS": "FEEDBACK_ANALYSIS_INTERVAL_SECONDS",
    "ANALYSIS_JOBS": "FEEDBACK_ANALYSIS_JOBS",
    "WIDGET_CONFIG_TTL_SECONDS": "FEEDBACK_WIDGET_CONFIG_TTL_SECONDS",
    "TRUSTED_PROXIES": "FEEDBACK_TRUSTED_PROXIES",
}
# Counts of the email workers, where 0 would stop delivery rather than mean "no limit".
AT_LEAST_ONE_SETTINGS = ("EMAIL_BATCH_SIZE", "EMAIL_MESSAGES_PER_CONNECTION", "EMAIL_MARK_SENT_EVERY",
                         "WORKER_CONCURRENCY", "WORKER_MODEL_THREADS", "ANALYSIS_JOBS")
BOOL_SETTINGS = {
    "SESSION_COOKIE_SECURE": "FEEDBACK_SECURE_COOKIES",
    "SMTP_STARTTLS": "FEEDBACK_SMTP_STARTTLS",
    "RATELIMIT_ENABLED": "FEEDBACK_RATELIMIT_ENABLED",
    "WEBHOOKS_ALLOW_PRIVATE": "FEEDBACK_WEBHOOKS_ALLOW_PRIVATE",
}


def validate_rate_limit(env_name, value):
    """Refuse a rate limit that the limiter could not parse (it would fail on every request).

    :raises ConfigError: naming ``env_name`` and the expected form.
    """
    from limits import parse_many

    try:
        parse_many(str(value))
    except ValueError:
        raise ConfigError(f"{env_name} must look like '120 per minute' (several joined by ';'), "
                          f"got {value!r}") from None


def config_class_from_env():
    """Return the config class named by ``FEEDBACK_ENV`` (default ``production``)."""
    name = _env("FEEDBACK_ENV", "production")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"FEEDBACK_ENV must be one of {', '.join(CONFIGS)}, got {name!r}") from None


def validate_config(config):
    """Check a loaded config mapping and normalise its URLs in place.

    :param config: the Flask ``app.config``.
    :raises ConfigError: on a missing secret outside development or an unusable URL.
    """
    if not config.get("SECRET_KEY"):
        raise ConfigError(
            "SECRET_KEY is not set: production refuses to start without one "
            "(generate one with: python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    for key, env_name in INT_SETTINGS.items():
        config[key] = _as_int(env_name, config[key])
    for key in AT_LEAST_ONE_SETTINGS:
        if config[key] < 1:
            raise ConfigError(f"{INT_SETTINGS[key]} must be 1 or more, got {config[key]}")
    if config["TRUSTED_PROXIES"] < 0:
        raise ConfigError(f"FEEDBACK_TRUSTED_PROXIES must be 0 or more, got {config['TRUSTED_PROXIES']}")
    for key, env_name in BOOL_SETTINGS.items():
        config[key] = _as_bool(env_name, config[key])
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    for key in ("WIDGET_IP_RATE_LIMIT", "WIDGET_SURVEY_RATE_LIMIT"):
        validate_rate_limit(f"FEEDBACK_{key}", config[key])
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["SQLALCHEMY_DATABASE_URI"])
    validate_broker_url(config["BROKER_URL"])

"""The factory and configuration: defaults, validation, one clear line on bad configuration."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedback_app import create_app
from feedback_app.config import ConfigError, DevelopmentConfig, TestingConfig, normalize_database_url

ROOT = Path(__file__).resolve().parents[2]


def test_create_app_testing_config_is_testing():
    app = create_app(TestingConfig)
    assert app.testing
    assert app.extensions["celery"].conf.task_always_eager


def test_create_app_mapping_overrides_keys():
    app = create_app({"PUBLIC_URL": "https://feedback.example.com"})
    assert app.config["PUBLIC_URL"] == "https://feedback.example.com"


def test_development_config_has_a_secret_and_plain_http_cookies():
    assert DevelopmentConfig.SECRET_KEY
    assert DevelopmentConfig.SESSION_COOKIE_SECURE is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h:5432/d", "postgresql+psycopg://u@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_normalize_database_url_picks_psycopg(url, expected):
    assert normalize_database_url(url) == expected


def test_normalize_database_url_refuses_unknown_scheme():
    with pytest.raises(ConfigError, match="unsupported scheme 'mysql'"):
        normalize_database_url("mysql://root@localhost/db")


def test_create_app_refuses_missing_secret():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SECRET_KEY": None})


def _flask(args, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("FEEDBACK_", "DATABASE_"))}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "feedback_app.wsgi", *args],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FEEDBACK_ENV": "production"}, "SECRET_KEY is not set"),
        ({"FEEDBACK_ENV": "development", "DATABASE_URL": "mysql://root@localhost/x"}, "unsupported scheme 'mysql'"),
        ({"FEEDBACK_ENV": "development", "BROKER_URL": "amqp://guest@localhost//"}, "BROKER_URL has unsupported"),
        ({"FEEDBACK_ENV": "staging"}, "FEEDBACK_ENV must be one of"),
        ({"FEEDBACK_ENV": "development", "FEEDBACK_SMTP_PORT": "twenty-five"}, "FEEDBACK_SMTP_PORT must be a whole"),
        ({"FEEDBACK_ENV": "development", "FEEDBACK_WIDGET_IP_RATE_LIMIT": "lots"},
         "FEEDBACK_WIDGET_IP_RATE_LIMIT must look like '120 per minute'"),
    ],
)
def test_bad_configuration_gives_one_clear_line(env, message, tmp_path):
    result = _flask(["routes"], FEEDBACK_INSTANCE_PATH=str(tmp_path), **env)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_worker_with_broker_down_gives_one_clear_line(tmp_path):
    result = _flask(
        ["worker"], FEEDBACK_ENV="development", FEEDBACK_INSTANCE_PATH=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", BROKER_URL="redis://127.0.0.1:1/0",
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "broker at redis://127.0.0.1:1/0 is not reachable" in lines[0]

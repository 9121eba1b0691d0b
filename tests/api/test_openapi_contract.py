"""Schemathesis, every check on, against /api/openapi.json: no 5xx, no answer off the document."""
import pytest

from feedback_app.services.accounts import api_keys
from tests.api.fuzzing import run_schemathesis, summary
from tests.factories import create_person, create_response, create_survey, create_workspace
from tests.support.processes import app_environment, serve_app

# Bounded on purpose: a few cases per operation, a fixed seed and a time cap, which the stateful
# phase fills; the coverage phase (some 700 boundary cases an operation) is left to bench/fuzz_api.py.
# At 30 s a busy host (load 12) reached only 28 of 34 operations before the cap; the stateful phase,
# which fills the rest, picks its links at random, so a longer cap explores more and repeats less.
BOUNDS = dict(examples=8, seconds=60, seed=1, phases="examples,fuzzing,stateful", workers=1)


@pytest.fixture(scope="module")
def fuzz_url(app):
    """Serve the app on the test database without rate limits; yield its base URL."""
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], FEEDBACK_RATELIMIT_ENABLED="false",
                                  FEEDBACK_WEBHOOKS_ALLOW_PRIVATE="true", FEEDBACK_PUBLIC_URL="http://feedback.test")
    with serve_app(environment) as base_url:
        yield base_url


def seed_workspace():
    """Return a raw API key of a workspace with a survey, people and responses that generated ids can hit."""
    workspace = create_workspace()
    survey = create_survey(workspace)
    for score in (0, 7, 10):
        create_response(survey, person=create_person(workspace), score=score, comment="Slow exports")
    return api_keys.create_api_key(workspace)[1]


def test_api_honours_its_openapi_document(db, fuzz_url, tmp_path):
    raw_key = seed_workspace()
    report = run_schemathesis(f"{fuzz_url}/api/openapi.json", f"{fuzz_url}/api",
                              ["-H", f"Authorization: Bearer {raw_key}"], report_path=tmp_path / "api.json", **BOUNDS)
    assert report["operations"]["tested"] == report["operations"]["total"]
    assert not report["failures"] and not report["errors"], "\n".join(summary("/api", report)) + report["output"][
        -8000:]

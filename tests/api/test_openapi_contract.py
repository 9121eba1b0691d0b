"""Schemathesis against /api/openapi.json: no 5xx, and every answer fits the documented schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from feedback_app.api.openapi import paths
from feedback_app.services import api_keys
from tests.factories import create_person, create_response, create_survey, create_workspace

OPERATIONS = [(path, method) for path, item in paths().items() for method in item]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture()
def bearer(db):
    # Some real rows so that generated ids sometimes exist and list pages are not all empty.
    workspace = create_workspace()
    survey = create_survey(workspace)
    for score in (0, 7, 10):
        create_response(survey, person=create_person(workspace), score=score, comment="Slow exports")
    _, raw_key = api_keys.create_api_key(workspace)
    return {"Authorization": f"Bearer {raw_key}"}


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_operation_honours_the_openapi_document(app, bearer, path, method):
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", app)[path][method.upper()]

    # Bounded on purpose: a few examples per operation keep the whole run around a minute.
    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=bearer, checks=CHECKS)

    check()

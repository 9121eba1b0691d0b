"""A workspace with an API key, and helpers to call the native API with it."""
import pytest

from feedback_app.services.accounts import api_keys
from tests.factories import create_workspace


@pytest.fixture()
def workspace(db):
    return create_workspace()


@pytest.fixture()
def headers(workspace):
    """Return request headers carrying a fresh key of ``workspace`` as a Bearer token."""
    _, raw_key = api_keys.create_api_key(workspace)
    return {"Authorization": f"Bearer {raw_key}", "Accept": "application/json"}

"""A live app under gunicorn on loopback, and the official ``delighted`` client pointed at it."""
import warnings

import pytest

from feedback_app.services.accounts import api_keys
from tests.factories import create_workspace
from tests.support.processes import app_environment, serve_app

with warnings.catch_warnings():
    # The package announces Delighted's shutdown with a FutureWarning at import; that is why we exist.
    warnings.simplefilter("ignore", FutureWarning)
    import delighted  # noqa: F401


@pytest.fixture(scope="module")
def live_url(app):
    """Serve the app on the test database; yield its base URL."""
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], FEEDBACK_PUBLIC_URL="http://feedback.test")
    with serve_app(environment) as base_url:
        yield base_url


@pytest.fixture()
def workspace(db):
    return create_workspace()


@pytest.fixture()
def api(live_url, workspace):
    """Return a ``delighted.Client`` holding a fresh key of ``workspace``."""
    _, raw_key = api_keys.create_api_key(workspace)
    return delighted.Client(api_key=raw_key, api_base_url=f"{live_url}/v1/")

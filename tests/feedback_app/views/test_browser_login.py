"""A person logs in with a real browser against a real server."""
import pytest

from feedback_app.models import Role
from tests.factories import PASSWORD, create_user, create_workspace
from tests.support.browser import chromium
from tests.support.processes import app_environment, serve_app


@pytest.mark.browser
def test_login_in_chromium_shows_the_overview(db, app):
    workspace = create_workspace("Browser Co")
    user = create_user(workspace, role=Role.OWNER)
    with serve_app(app_environment(app.config["SQLALCHEMY_DATABASE_URI"])) as base_url, chromium() as browser:
        page = browser.new_page()
        page.goto(base_url + "/")
        page.fill("#email", user.email)
        page.fill("#password", PASSWORD)
        page.click("#submit")
        page.wait_for_selector("h1:has-text('Overview')")
        assert "Browser Co" in page.content()
        page.click("text=Log out")
        page.wait_for_selector("h1:has-text('Log in')")

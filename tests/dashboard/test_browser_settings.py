"""An owner sets up the customer-facing settings and resets a forgotten password, in Debian's Chromium.

A real gunicorn server, a real Celery worker on the embedded SQLite queue and a real SMTP server
(aiosmtpd on loopback): the reset link arrives by email and is followed in the browser.
"""
import re

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import AuditEvent, Role
from tests.factories import create_survey, create_user, create_workspace
from tests.support.browser import SCREENSHOTS, browser_log_in, page_errors, submit_form
from tests.support.processes import wait_until

NEW_PASSWORD = "a brand new passphrase"


@pytest.mark.browser
def test_customer_settings_and_password_reset_in_chromium(db, live_server_with_mail, browser):
    workspace = create_workspace("Browser Co")
    owner = create_user(workspace, role=Role.OWNER, email="owner@browser.example")
    survey = create_survey(workspace)
    base_url, mail = live_server_with_mail
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors = page_errors(page)
    browser_log_in(page, base_url, owner.email)

    # Settings > Customers: a colour too light for white text is refused beside its field, input kept.
    page.goto(f"{base_url}/app/{workspace.slug}/settings")
    page.click("#customer-settings")
    page.wait_for_selector("h1:has-text('Customer settings')")
    submit_form(page, {"intro_text": "Two minutes, promised.", "brand_color": "#ffcc00"}, "#save-look",
                "text=White text on #ffcc00 has a contrast of 1.5:1")
    assert page.input_value("#brand_color") == "#ffcc00"
    assert page.input_value("#intro_text") == "Two minutes, promised."
    submit_form(page, {"brand_color": "#1f6f43"}, "#save-look", "text=Survey look saved.")
    submit_form(page, {"sender_name": "Acme Support", "reply_to": "help@browser.example"}, "#save-sender",
                "text=Email sender saved.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "customer-settings.png"), full_page=True)

    # The hosted page wears the brand colour and the intro.
    page.goto(f"{base_url}/s/{survey.token}")
    assert page.text_content("[data-testid=intro]") == "Two minutes, promised."
    color = page.eval_on_selector("input[type=submit]", "node => getComputedStyle(node).backgroundColor")
    assert color == "rgb(31, 111, 67)"

    # Forgotten password: the same answer for any address; the link comes by email and works once.
    page.goto(f"{base_url}/app/{workspace.slug}/settings")
    page.click("form.logout button")
    page.wait_for_selector("text=You are logged out.")
    page.click("#forgot-password")
    submit_form(page, {"email": owner.email}, "#submit", "text=If an account has this address")
    [received] = wait_until(lambda: mail.messages_to(owner.email), timeout=60)
    path = re.search(r"http://feedback\.test(/auth/password/reset/\S+)",
                     received.message.get_body(("plain",)).get_content())[1]
    page.goto(base_url + path)
    submit_form(page, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "#submit", "text=Your password is set")
    page.goto(base_url + path)
    assert page.locator("text=already used").count() == 1
    browser_log_in(page, base_url, owner.email, NEW_PASSWORD)

    # The audit log shows what was done.
    page.goto(f"{base_url}/app/{workspace.slug}/settings")
    page.click("#audit-log")
    page.wait_for_selector("[data-testid=audit-events]")
    verbs = page.locator("[data-testid=audit-events] code").all_text_contents()
    assert {"user.password_reset", "workspace.settings_changed", "user.logged_in"} <= set(verbs)
    assert errors == []
    _db.session.expire_all()
    assert _db.session.query(AuditEvent).filter_by(verb="user.password_reset").count() == 1

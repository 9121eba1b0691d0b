"""Every Settings page fits a 375 px phone, in Debian's Chromium: no page wider than the screen.

Seen by a new team: Settings was 702 px wide on a phone (the two columns' 360 px minimum, the
team and webhook tables, the inline forms), so the whole page scrolled sideways.
"""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Role, WebhookDelivery
from feedback_app.services.accounts import api_keys, team_invites, workspace_settings
from feedback_app.services.integrations import chat_alerts, webhooks
from tests.factories import create_survey, create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors

PHONE = {"width": 375, "height": 800}
# The elements that reach past the screen's right edge (the innermost ones name the culprit).
# An element inside a box that scrolls sideways (a wide log table) does not widen the page, so it is left out.
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
  .filter(node => node.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .filter(node => { for (let up = node.parentElement; up; up = up.parentElement) {
                      if (getComputedStyle(up).overflowX !== "visible") return false; }
                    return true; })
  .map(node => node.tagName.toLowerCase() + (node.id ? "#" + node.id : "") +
       (node.className && typeof node.className === "string" ? "." + node.className.split(" ").join(".") : "") +
       (node.dataset.testid ? `[${node.dataset.testid}]` : "") +
       " " + Math.round(node.getBoundingClientRect().right))
  .slice(-8)"""


def _a_busy_workspace():
    """Build a workspace with what a team has after its first hour: members, keys, hooks, alerts, deliveries."""
    workspace = create_workspace("Phone Settings Co")
    owner = create_user(workspace, role=Role.OWNER, email="owner.with.a.long.address@phone-settings.example")
    create_user(workspace, role=Role.MEMBER, email="second.member.of.the.team@phone-settings.example")
    create_survey(workspace)
    api_keys.create_api_key(workspace, name="Production import job", created_by=owner)
    team_invites.invite_member(workspace, "invited.colleague.with.long.name@phone-settings.example", Role.ADMIN,
                               by=owner)
    workspace_settings.set_allowed_origins(workspace, ["https://app.phone-settings.example"], by=owner)
    endpoint = webhooks.add_endpoint(
        workspace, url="https://hooks.phone-settings.example/feedback-loop/incoming/responses",
        events=sorted(webhooks.FORMAT_EVENTS["native"]), format="native")
    _db.session.add(WebhookDelivery(workspace_id=workspace.id, endpoint_id=endpoint.id, event="response.created",
                                    payload={}, status="failed", attempts=3,
                                    last_error="ConnectionError: could not reach hooks.phone-settings.example"))
    _db.session.commit()
    chat_alerts.create_destination(workspace, kind="slack", events=sorted(chat_alerts.ALERTS),
                                   url="https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX")
    return workspace, owner


@pytest.mark.browser
def test_every_settings_page_fits_a_phone(app, db, live_server, browser, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)  # no DNS here: only the URLs' form is checked
    workspace, owner = _a_busy_workspace()
    page = browser.new_page(viewport=PHONE)
    errors = page_errors(page)
    browser_log_in(page, live_server, owner.email)
    base = f"{live_server}/app/{workspace.slug}"
    widths = {}
    for path in ("/settings", "/settings/customers", "/settings/alerts", "/settings/analysis",
                 "/settings/widget", "/audit"):
        response = page.goto(base + path)
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        widths[path] = (width, page.evaluate(OVERFLOWING) if width > PHONE["width"] else [])
    too_wide = {path: found for path, found in widths.items() if found[0] > PHONE["width"]}
    assert too_wide == {}, "\n".join(f"{path}: {width} px, {culprits}" for path, (width, culprits) in too_wide.items())
    assert errors == []

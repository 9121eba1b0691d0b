"""An owner invites a teammate from Settings in Debian's Chromium; the teammate joins from the emailed link.

A real gunicorn server, a real Celery worker on the embedded SQLite queue and a real SMTP server
(aiosmtpd on loopback): the invitation arrives by email, the teammate sets a password on its page,
lands in the workspace with the invited role, and logs in again later with that password.
"""
import re

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import AuditEvent, Membership, Role, User
from tests.factories import create_user, create_workspace
from tests.support.browser import browser_log_in, page_errors
from tests.support.processes import wait_until

pytestmark = pytest.mark.browser

TEAMMATE = "grace@invite.example"
TEAMMATE_PASSWORD = "a teammate's own passphrase"


def test_invite_a_teammate_and_log_in_as_them_in_chromium(db, live_server_with_mail, browser):
    workspace = create_workspace("Invite Co")
    owner = create_user(workspace, role=Role.OWNER, email="owner@invite.example")
    base_url, mail = live_server_with_mail
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = page_errors(page)
    browser_log_in(page, base_url, owner.email)

    page.goto(f"{base_url}/app/{workspace.slug}/settings")
    page.fill("#invite-email", TEAMMATE)
    page.select_option("#invite-role", "member")
    page.click("[data-testid=invite] button[type=submit]")
    page.wait_for_selector(f"text=is on its way to {TEAMMATE}")
    assert TEAMMATE in page.text_content("[data-testid=invitations]")

    [received] = wait_until(lambda: mail.messages_to(TEAMMATE), timeout=60)
    path = re.search(r"http://feedback\.test(/auth/invitations/\S+)",
                     received.message.get_body(("plain",)).get_content())[1]

    # The teammate, in a browser of their own, joins with a name and a password.
    teammate = browser.new_context().new_page()
    teammate.on("pageerror", lambda error: errors.append(str(error)))
    teammate.goto(base_url + path)
    assert "You are invited as member" in teammate.text_content("main")
    teammate.fill("#name", "Grace Hopper")
    teammate.fill("#password", TEAMMATE_PASSWORD)
    teammate.fill("#confirm", TEAMMATE_PASSWORD)
    teammate.click("#submit")
    teammate.wait_for_selector("text=Welcome to Invite Co.")
    teammate.wait_for_selector("h1:has-text('Overview')")

    # Later: logged out, they log in as themselves with that password and find the workspace.
    teammate.click("form.logout button")
    teammate.wait_for_selector("text=You are logged out.")
    browser_log_in(teammate, base_url, TEAMMATE, TEAMMATE_PASSWORD)
    assert TEAMMATE in teammate.text_content("header")
    teammate.goto(f"{base_url}/app/{workspace.slug}/settings")
    assert "Grace Hopper" in teammate.text_content("[data-testid=members]")
    gone = teammate.goto(base_url + path)  # the link worked once
    assert gone.status == 410 and "already used" in teammate.text_content("main")

    page.reload()
    assert page.locator("[data-testid=invitations]").count() == 0  # nothing pending any more
    assert errors == []
    _db.session.expire_all()
    grace = _db.session.query(User).filter_by(email=TEAMMATE).one()
    membership = _db.session.query(Membership).filter_by(user_id=grace.id, workspace_id=workspace.id).one()
    assert membership.role == Role.MEMBER and grace.name == "Grace Hopper"
    assert _db.session.query(AuditEvent).filter_by(verb="user.logged_in", actor_user_id=grace.id).count() >= 1

"""A member replies to an unhappy customer in Chromium; the email arrives at a real SMTP server through the worker.

The web process (gunicorn) writes the reply and its outbox row; a real Celery worker on Redis
delivers it, as every other customer email. Saves docs/screenshots/follow_up_reply.png.
"""

import pytest
from sqlalchemy import select

from feedback_app.models import FollowUp, Notification, NotificationStatus, Reply, Role, SurveyKind
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.support.browser import SCREENSHOTS, browser_log_in, page_errors
from tests.support.processes import serve_app, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.timeout(240)]

FIRST = "Sorry about the exports, Ann. They are fixed: try again and tell me."
SECOND = "PS: the fix also covers CSV files."


def _world(db):
    workspace = create_workspace("Acme")
    survey = create_survey(workspace, SurveyKind.NPS)
    ann = create_person(workspace, name="Ann", email="ann@example.com")
    response = create_response(survey, person=ann, score=2, comment="Exports time out every single time.")
    db.session.add(FollowUp(workspace_id=workspace.id, response_id=response.id, status="open"))
    member = create_user(workspace, role=Role.MEMBER, email="marie@acme.example")
    member.name = "Marie Curie"
    db.session.commit()
    return workspace, response, member


def _sent(db, body):
    db.session.expire_all()
    return db.session.scalar(select(Notification.status).join(Reply, Reply.notification_id == Notification.id)
                             .where(Reply.body == body)) == NotificationStatus.SENT


def test_reply_from_the_follow_up_page_reaches_the_customer_through_the_worker(db, loop, browser):
    workspace, response, member = _world(db)
    handler = loop.server.handler
    # The app served on this test's own Redis queue, which the loop's worker consumes.
    with serve_app(loop.environment) as base_url, loop.worker():
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = page_errors(page)
        browser_log_in(page, base_url, member.email)

        # From the follow-up queue: write the reply and close the follow-up with it.
        page.click("nav.tabs >> text=Follow-ups")
        row = page.locator(f"[data-testid=follow-ups] tr:has-text('{response.comment}')")
        row.locator("details.reply summary").click()
        row.locator("textarea[name=body]").fill(FIRST)
        assert row.locator("input[name=resolve]").is_checked()
        page.screenshot(path=str(SCREENSHOTS / "follow_up_reply.png"), full_page=True)
        row.locator("button:has-text('Send reply')").click()
        page.wait_for_selector("text=Reply queued")
        wait_until(lambda: handler.messages_to("ann@example.com"), timeout=60)
        [received] = handler.messages_to("ann@example.com")
        assert "Marie Curie" in received.message["From"]
        assert received.message["Subject"] == "Re: your feedback to Acme"
        text = received.message.get_body(("plain",)).get_content()
        assert FIRST in text and response.comment in text
        db.session.expire_all()
        assert db.session.scalar(select(FollowUp.status).where(FollowUp.response_id == response.id)) == "done"

        # The reply is threaded under the response, marked sent; a second one from there follows it.
        wait_until(lambda: _sent(db, FIRST), timeout=30)
        page.goto(f"{base_url}/app/{workspace.slug}/follow-ups?status=done")
        assert FIRST in page.text_content("[data-testid=follow-up-replies]")
        page.goto(f"{base_url}/app/{workspace.slug}/responses/{response.id}")
        assert page.text_content("[data-testid=reply-status]").strip() == "sent"
        page.fill("#reply-body", SECOND)
        page.click("#send-reply")
        page.wait_for_selector("text=Reply queued")
        wait_until(lambda: len(handler.messages_to("ann@example.com")) == 2, timeout=60)
        assert SECOND in handler.messages_to("ann@example.com")[1].message.get_body(("plain",)).get_content()
        page.reload()
        assert page.locator("[data-testid=replies] [data-testid=reply]").all_text_contents()[0].startswith(FIRST)
        assert page.locator("[data-testid=replies] [data-testid=reply]").count() == 2
        assert handler.count() == 2 and errors == []

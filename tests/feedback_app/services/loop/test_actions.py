"""Actions and their customer notifications, delivered in-process to a real aiosmtpd server on loopback."""
import re

import pytest
from sqlalchemy import func, select

from feedback_app.models import (
    Action,
    ActionStatus,
    AuditEvent,
    LinkSource,
    Notification,
    NotificationStatus,
    Person,
    Role,
    ThemeStatus,
)
from feedback_app.services.loop import actions
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.ownership import owned
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.loop.data import create_theme, link, person_with_response
from tests.loop import smtp_server

MESSAGE = "Exports of 100,000 rows now take 4 seconds instead of 2 minutes."

smtp = smtp_server.smtp  # the recording SMTP server fixture


@pytest.fixture()
def workspace(db):
    return create_workspace()


@pytest.fixture()
def survey(workspace):
    return create_survey(workspace)


def _shipped(workspace, **kwargs):
    kwargs.setdefault("public_message", MESSAGE)
    action = actions.create_action(workspace, title="Faster exports", **kwargs)
    return actions.set_action_status(workspace, action, ActionStatus.SHIPPED)


def _count(db, model, *conditions):
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def test_create_action_links_theme_and_responses_and_audits(db, workspace, survey):
    owner = create_user(workspace, role=Role.MEMBER)
    theme = create_theme(workspace)
    response = create_response(survey, score=3, comment="slow")
    action = actions.create_action(workspace, title="  Faster exports ", theme=theme, response_ids=[response.id],
                                   owner=owner, due_date="2026-12-01", user=owner)
    assert (action.title, action.status, action.theme_id, action.owner_id) == (
        "Faster exports", ActionStatus.PLANNED, theme.id, owner.id)
    assert str(action.due_date) == "2026-12-01"
    assert actions.list_actions(workspace, response_id=response.id) == [action]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "action.created"))
    assert event.actor_user_id == owner.id and event.data["response_ids"] == [response.id]


@pytest.mark.parametrize("kwargs, field", [
    ({"title": "  "}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "ok", "due_date": "next week"}, "due_date"),
    ({"title": "ok", "response_ids": ["abc"]}, "response_ids"),
])
def test_create_action_rejects_bad_input_and_stores_nothing(db, workspace, kwargs, field):
    with pytest.raises(InvalidInput) as caught:
        actions.create_action(workspace, **kwargs)
    assert field in caught.value.fields
    assert _count(db, Action) == 0


def test_create_action_refuses_another_workspaces_theme_response_and_owner(db, workspace):
    other = create_workspace()
    theme = create_theme(other)
    response = create_response(create_survey(other), score=1)
    stranger = create_user(other)
    for kwargs, field in (({"theme": theme.id}, "theme"), ({"response_ids": [response.id]}, "response_ids"),
                          ({"owner": stranger.id}, "owner")):
        with pytest.raises(InvalidInput) as caught:
            actions.create_action(workspace, title="Mine", **kwargs)
        assert field in caught.value.fields
    assert _count(db, Action) == 0


def test_actions_of_another_workspace_are_not_found(db, workspace):
    other = create_workspace()
    action = actions.create_action(other, title="Theirs", public_message=MESSAGE)
    with pytest.raises(NotFound):
        owned(Action, workspace, action.id)
    with pytest.raises(NotFound):
        actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    with pytest.raises(NotFound):
        actions.preview_notifications(workspace, action)
    assert actions.list_actions(workspace) == []


def test_update_action_audits_each_change(db, workspace):
    action = actions.create_action(workspace, title="Faster exports")
    actions.update_action(workspace, action, title="Much faster exports", public_message=MESSAGE)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "action.updated"))
    assert event.data == {"title": {"from": "Faster exports", "to": "Much faster exports"},
                          "public_message": {"from": "", "to": MESSAGE}}


def test_update_action_rejects_unknown_fields(db, workspace):
    action = actions.create_action(workspace, title="Faster exports")
    with pytest.raises(InvalidInput) as caught:
        actions.update_action(workspace, action, status="shipped", workspace_id=2)
    assert set(caught.value.fields) == {"status", "workspace_id"}


def test_set_action_status_rejects_unknown_status(db, workspace):
    action = actions.create_action(workspace, title="Faster exports")
    with pytest.raises(InvalidInput):
        actions.set_action_status(workspace, action, "done")


def test_shipping_without_a_public_message_is_refused(db, workspace, survey, smtp):
    person, response = person_with_response(workspace, survey)
    action = actions.create_action(workspace, title="Faster exports", response_ids=[response.id])
    with pytest.raises(InvalidInput) as caught:
        actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    assert "public_message" in caught.value.fields
    db.session.expire_all()
    assert db.session.get(Action, action.id).status == ActionStatus.PLANNED
    assert smtp.count() == 0


def test_status_change_is_audited_with_old_and_new(db, workspace):
    action = actions.create_action(workspace, title="Faster exports")
    actions.set_action_status(workspace, action, ActionStatus.IN_PROGRESS)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "action.status_changed"))
    assert event.data == {"from": "planned", "to": "in_progress"} and event.target_id == action.id


def test_notifications_are_written_in_the_status_change_transaction(db, workspace, survey, smtp):
    person, response = person_with_response(workspace, survey)
    action = actions.create_action(workspace, title="Faster exports", public_message=MESSAGE,
                                   response_ids=[response.id])
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED, _commit=False)
    assert _count(db, Notification) == 1
    db.session.rollback()
    assert _count(db, Notification) == 0
    assert db.session.get(Action, action.id).status == ActionStatus.PLANNED
    assert smtp.count() == 0


def test_shipping_notifies_theme_and_direct_responses_once_per_person(db, workspace, survey, smtp):
    theme, merged, other_theme = create_theme(workspace), create_theme(workspace, "Export speed"), \
        create_theme(workspace, "Pricing")
    by_theme, _ = person_with_response(workspace, survey, email="theme@example.com")
    manual, _ = person_with_response(workspace, survey, email="manual@example.com")
    excluded, _ = person_with_response(workspace, survey, email="excluded@example.com")
    via_merge, _ = person_with_response(workspace, survey, email="merged@example.com")
    direct, direct_response = person_with_response(workspace, survey, email="direct@example.com")
    elsewhere, _ = person_with_response(workspace, survey, email="pricing@example.com")
    twice = create_person(workspace, email="twice@example.com")
    first = create_response(survey, person=twice, score=2, comment="Exports are slow")
    second = create_response(survey, person=twice, score=3, comment="Still slow")
    anonymous = create_response(survey, score=1, comment="slow and anonymous")
    link(theme, *[_latest(db, p) for p in (by_theme,)], first, second, anonymous)
    link(theme, _latest(db, manual), source=LinkSource.MANUAL)
    link(theme, _latest(db, excluded), source=LinkSource.EXCLUDED)
    link(other_theme, _latest(db, elsewhere))
    # ``merged`` was absorbed into ``theme`` after the action was created on it.
    link(theme, _latest(db, via_merge))
    merged.status, merged.merged_into_id = ThemeStatus.MERGED, theme.id
    db.session.commit()

    _shipped(workspace, theme=merged, response_ids=[direct_response.id, second.id])

    assert smtp.per_recipient() == {address: 1 for address in (
        "theme@example.com", "manual@example.com", "merged@example.com", "direct@example.com", "twice@example.com")}
    assert "Still slow" in smtp.messages_to("twice@example.com")[0].message.get_body(("plain",)).get_content()


def _latest(db, person):
    from feedback_app.models import Response

    return db.session.scalars(select(Response).where(Response.person_id == person.id)).first()


def test_shipping_twice_or_again_later_sends_nothing_extra(db, workspace, survey, smtp):
    people_and_responses = [person_with_response(workspace, survey) for _ in range(3)]
    action = _shipped(workspace, response_ids=[response.id for _, response in people_and_responses])
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    actions.set_action_status(workspace, action, ActionStatus.IN_PROGRESS)
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    actions.notify_now(workspace, action)
    assert sorted(smtp.per_recipient().values()) == [1, 1, 1]
    assert _count(db, Notification) == 3


def test_shipping_again_notifies_only_people_linked_since(db, workspace, survey, smtp):
    (first, first_response), (later, later_response) = (person_with_response(workspace, survey) for _ in range(2))
    action = _shipped(workspace, response_ids=[first_response.id])
    actions.update_action(workspace, action, response_ids=[first_response.id, later_response.id])
    actions.notify_now(workspace, action)
    assert smtp.per_recipient() == {first.email: 1, later.email: 1}


def test_unreachable_people_are_skipped_with_their_reason(db, workspace, survey, smtp):
    states = ["reachable", "unsubscribed", "bounced", "no_email"]
    pairs = {state: person_with_response(workspace, survey, state=state) for state in states}
    action = _shipped(workspace, response_ids=[response.id for _, response in pairs.values()])
    assert smtp.per_recipient() == {pairs["reachable"][0].email: 1}
    status = actions.notification_status(workspace, action)
    assert (status["sent"], status["skipped"]) == (1, 3)
    assert status["skip_reasons"] == {"unsubscribed": 1, "bounced": 1, "no_email": 1}


def test_preview_lists_who_gets_what_and_who_is_not_reachable(db, workspace, survey, smtp):
    pairs = {state: person_with_response(workspace, survey, state=state, locale="fr-CA" if state == "bounced" else None)
             for state in ("reachable", "unsubscribed", "bounced", "no_email")}
    action = actions.create_action(workspace, title="Faster exports", public_message=MESSAGE,
                                   response_ids=[response.id for _, response in pairs.values()])
    preview = {row["person_id"]: row for row in actions.preview_notifications(workspace, action)}
    assert smtp.count() == 0 and _count(db, Notification) == 0  # a preview sends and stores nothing
    reachable = preview[pairs["reachable"][0].id]
    assert (reachable["outcome"], reachable["reason"], reachable["language"]) == ("will_send", None, "en")
    assert reachable["quote"] == "Exports take forever" and reachable["subject"] == "An update on your feedback"
    for state in ("unsubscribed", "bounced", "no_email"):
        row = preview[pairs[state][0].id]
        assert (row["outcome"], row["reason"]) == ("not_reachable", state)
    assert preview[pairs["bounced"][0].id]["language"] == "fr"
    assert actions.preview_counts(workspace, action) == _outcomes(preview.values())
    first_two = actions.preview_notifications(workspace, action, limit=2)
    assert [row["person_id"] for row in first_two] == sorted(preview)[:2]
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    after = {row["person_id"]: row for row in actions.preview_notifications(workspace, action)}
    assert (after[pairs["reachable"][0].id]["outcome"], after[pairs["reachable"][0].id]["reason"]) == (
        "already_notified", "sent")
    assert actions.preview_counts(workspace, action) == _outcomes(after.values())


def test_preview_counts_an_address_suppressed_in_another_case_as_not_reachable(db, workspace, survey):
    from feedback_app.models import Unsubscribe

    person, response = person_with_response(workspace, survey, email="Mixed.Case@example.com")
    db.session.add(Unsubscribe(workspace_id=workspace.id, email="mixed.case@EXAMPLE.com"))
    db.session.commit()
    action = actions.create_action(workspace, title="Faster", public_message=MESSAGE, response_ids=[response.id])
    [row] = actions.preview_notifications(workspace, action)
    assert (row["outcome"], row["reason"]) == ("not_reachable", "unsubscribed")
    assert actions.preview_counts(workspace, action) == {"will_send": 0, "not_told": 0, "not_reachable": 1,
                                                         "already_notified": 0, "not_told_reasons": {}}


def _outcomes(rows):
    counts = {"will_send": 0, "not_told": 0, "not_reachable": 0, "already_notified": 0, "not_told_reasons": {}}
    for row in rows:
        counts[row["outcome"]] += 1
        if row["outcome"] == "not_told":
            counts["not_told_reasons"][row["reason"]] = counts["not_told_reasons"].get(row["reason"], 0) + 1
    return counts


@pytest.mark.parametrize("locale, greeting, intro", [
    (None, "Hi Zoé,", "You told us:"),
    ("fr-FR", "Bonjour Zoé,", "Vous nous aviez écrit :"),
    ("de", "Hi Zoé,", "You told us:"),  # no German text: English
])
def test_email_is_personal_and_in_the_persons_language(db, workspace, survey, smtp, locale, greeting, intro):
    person, response = person_with_response(workspace, survey, name="Zoé", locale=locale,
                                            comment="Export <b>never</b> finishes & I'm stuck")
    _shipped(workspace, response_ids=[response.id])
    [received] = smtp.messages_to(person.email)
    text = received.message.get_body(("plain",)).get_content()
    html = received.message.get_body(("html",)).get_content()
    assert greeting in text and intro in text and MESSAGE in text
    assert "Export <b>never</b> finishes & I'm stuck" in text
    # The customer's words are quoted, escaped, in the HTML part.
    assert "Export &lt;b&gt;never&lt;/b&gt; finishes &amp; I&#39;m stuck" in html and "<b>never" not in html


def test_email_has_a_working_one_click_unsubscribe(db, app, workspace, survey, smtp):
    person, response = person_with_response(workspace, survey)
    _shipped(workspace, response_ids=[response.id])
    [received] = smtp.messages_to(person.email)
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.fullmatch(r"<(.+)>", received.message["List-Unsubscribe"]).group(1)
    assert url in received.message.get_body(("plain",)).get_content()
    path = url.removeprefix(app.config["PUBLIC_URL"].rstrip("/"))
    answer = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    db.session.expire_all()
    assert db.session.get(Person, person.id).unsubscribed_at is not None


def test_notify_now_sends_before_shipping(db, workspace, survey, smtp):
    person, response = person_with_response(workspace, survey)
    action = actions.create_action(workspace, title="Faster exports", public_message=MESSAGE,
                                   response_ids=[response.id])
    written = actions.notify_now(workspace, action)
    assert len(written) == 1 and smtp.per_recipient() == {person.email: 1}
    assert db.session.get(Action, action.id).status == ActionStatus.PLANNED
    assert actions.notify_now(workspace, action) == []
    assert smtp.count() == 1


def test_a_person_unsubscribed_after_queueing_is_not_emailed(db, app, workspace, survey, smtp, monkeypatch):
    from feedback_app.services.collection import people
    from feedback_app.services.loop import outbox

    person, response = person_with_response(workspace, survey)
    action = actions.create_action(workspace, title="Faster exports", public_message=MESSAGE,
                                   response_ids=[response.id])
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED, _commit=False)
    pending = db.session.info.pop(outbox._PENDING_KEY)  # hold delivery back, as a busy queue would
    db.session.commit()
    people.unsubscribe(workspace, person.email)
    outbox.deliver(pending[0])
    notification = db.session.get(Notification, pending[0])
    assert (notification.status, notification.skip_reason) == (NotificationStatus.SKIPPED, "unsubscribed")
    assert smtp.count() == 0

"""The recipient rule in the app: who is told when an action on a theme ships, exclusions, and its setting.

Deliberate changes from before issue 14: people reached through a theme are told only if they
complained (negative comment or low score) with a membership confidence of at least the workspace's
``notify_min_confidence``; praise, neutral comments, weak matches and excluded people are not.
"""
import math

import pytest
from sqlalchemy import func, select

from analysis.recipients import MIN_CONFIDENCE
from feedback_app.models import ActionStatus, AuditEvent, LinkSource, Notification, Workspace
from feedback_app.services.loop import actions, recipients
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_response, create_survey, create_workspace
from tests.loop import smtp_server
from tests.loop.data import create_theme, link, person_with_response

smtp = smtp_server.smtp
MESSAGE = "Exports now take seconds."


@pytest.fixture()
def theme_world(db):
    """A theme holding a confident complaint, praise, a neutral comment and a weak-matching complaint."""
    workspace = create_workspace()
    survey = create_survey(workspace)
    theme = create_theme(workspace)
    people = {}
    for name, score, comment, similarity in (
            ("complained", 2, "Exports take forever", 0.9),
            ("praised", 10, "Exports are great now", 0.9),
            ("neutral", 7, "I export once a month", 0.9),
            ("weak", 3, "Everything is slow", 0.2)):
        person, response = person_with_response(workspace, survey, email=f"{name}@example.com", score=score,
                                                comment=comment)
        link(theme, response, similarity=similarity)
        people[name] = person
    return workspace, theme, people


def _ship(workspace, theme):
    action = actions.create_action(workspace, title="Faster exports", theme=theme, public_message=MESSAGE)
    return actions.set_action_status(workspace, action, ActionStatus.SHIPPED)


def test_workspace_default_is_the_analysis_default(db):
    workspace = create_workspace()
    assert workspace.notify_min_confidence == MIN_CONFIDENCE
    assert Workspace.__table__.c.notify_min_confidence.server_default.arg == str(MIN_CONFIDENCE)


def test_only_the_confident_complaint_is_emailed(db, theme_world, smtp):
    workspace, theme, people = theme_world
    action = _ship(workspace, theme)
    assert smtp.per_recipient() == {"complained@example.com": 1}
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.action_id == action.id)) == 1


def test_preview_says_why_each_person_is_or_is_not_told(db, theme_world, smtp):
    workspace, theme, people = theme_world
    action = actions.create_action(workspace, title="Faster exports", theme=theme, public_message=MESSAGE)
    preview = {row["email"]: (row["outcome"], row["why"]) for row in actions.preview_notifications(workspace, action)}
    assert preview == {"complained@example.com": ("will_send", "complained"),
                       "praised@example.com": ("not_told", "praised this"),
                       "neutral@example.com": ("not_told", "neutral"),
                       "weak@example.com": ("not_told", "weak match")}
    counts = actions.preview_counts(workspace, action)
    assert (counts["will_send"], counts["not_told"]) == (1, 3)
    assert counts["not_told_reasons"] == {"praised this": 1, "neutral": 1, "weak match": 1}
    assert smtp.count() == 0


def test_a_link_without_confidence_is_a_weak_match_but_a_team_link_is_certain(db, smtp):
    workspace = create_workspace()
    survey = create_survey(workspace)
    theme = create_theme(workspace)
    _, unknown = person_with_response(workspace, survey, email="unknown@example.com", score=1)
    _, moved = person_with_response(workspace, survey, email="moved@example.com", score=1)
    _, direct = person_with_response(workspace, survey, email="direct@example.com", score=1)
    link(theme, unknown, similarity=None)  # made before the analysis gave confidences
    link(theme, moved, source=LinkSource.MANUAL, similarity=None)
    action = actions.create_action(workspace, title="Faster", theme=theme, response_ids=[direct.id],
                                   public_message=MESSAGE)
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    assert smtp.per_recipient() == {"moved@example.com": 1, "direct@example.com": 1}


def test_a_person_is_told_if_any_of_their_responses_is_a_confident_complaint(db, smtp):
    workspace = create_workspace()
    survey = create_survey(workspace)
    theme = create_theme(workspace)
    person, praise = person_with_response(workspace, survey, email="both@example.com", score=10,
                                          comment="Love it")
    complaint = create_response(survey, person=person, score=1, comment="Exports broke again")
    link(theme, praise, complaint)
    action = actions.create_action(workspace, title="Faster", theme=theme, public_message=MESSAGE)
    [row] = actions.preview_notifications(workspace, action)
    assert (row["why"], row["quote"]) == ("complained", "Exports broke again")
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    [received] = smtp.messages_to("both@example.com")
    assert "Exports broke again" in received.message.get_body(("plain",)).get_content()


def test_the_workspace_setting_moves_the_confidence_line(db, theme_world, smtp):
    workspace, theme, people = theme_world
    recipients.set_notify_min_confidence(workspace, 0.1)
    _ship(workspace, theme)
    assert smtp.per_recipient() == {"complained@example.com": 1, "weak@example.com": 1}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.verb == "workspace.notify_min_confidence_changed"))
    assert event.data == {"from": 0.5, "to": 0.1}


@pytest.mark.parametrize("value", [-0.1, 1.01, "abc", None, math.nan, math.inf, True, "0.5x"])
def test_the_setting_refuses_anything_but_a_number_from_0_to_1(db, value):
    workspace = create_workspace()
    with pytest.raises(InvalidInput) as caught:
        recipients.set_notify_min_confidence(workspace, value)
    assert "notify_min_confidence" in caught.value.fields
    db.session.expire_all()
    assert db.session.get(Workspace, workspace.id).notify_min_confidence == MIN_CONFIDENCE


def test_excluded_people_are_never_queued_and_can_be_included_again(db, theme_world, smtp):
    workspace, theme, people = theme_world
    action = actions.create_action(workspace, title="Faster exports", theme=theme, public_message=MESSAGE)
    recipients.set_excluded(workspace, action, [people["complained"].id, people["praised"].id])
    [row] = [r for r in actions.preview_notifications(workspace, action) if r["email"] == "complained@example.com"]
    assert (row["outcome"], row["why"], row["excluded"]) == ("not_told", "excluded by the team", True)
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    actions.notify_now(workspace, action)
    assert smtp.count() == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0

    recipients.set_excluded(workspace, action, [people["complained"].id], excluded=False)
    actions.notify_now(workspace, action)
    assert smtp.per_recipient() == {"complained@example.com": 1}


@pytest.mark.parametrize("person_ids", [["x"], [], [10 ** 9]])
def test_exclusion_refuses_bad_ids_and_people_outside_the_action(db, theme_world, person_ids):
    workspace, theme, people = theme_world
    action = actions.create_action(workspace, title="Faster exports", theme=theme, public_message=MESSAGE)
    with pytest.raises(InvalidInput) as caught:
        recipients.set_excluded(workspace, action, person_ids)
    assert "person_ids" in caught.value.fields
    assert recipients.excluded_person_ids(workspace, action) == set()


def test_exclusion_refuses_a_person_of_another_workspace(db, theme_world):
    workspace, theme, _ = theme_world
    other = create_workspace()
    stranger, _ = person_with_response(other, create_survey(other))
    action = actions.create_action(workspace, title="Faster exports", theme=theme, public_message=MESSAGE)
    with pytest.raises(InvalidInput):
        recipients.set_excluded(workspace, action, [stranger.id])

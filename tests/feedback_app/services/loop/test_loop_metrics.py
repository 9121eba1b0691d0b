"""Close-the-loop figures, computed from real shipped actions and their sent notifications."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from feedback_app.models import ActionStatus, Notification
from feedback_app.services.loop import actions
from feedback_app.services.loop.loop_metrics import loop_metrics
from tests.factories import create_person, create_response, create_survey, create_workspace
from tests.loop import smtp_server
from tests.loop.data import create_theme, link

smtp = smtp_server.smtp  # the recording SMTP server fixture

DAY = datetime(2026, 10, 1, 12, 0, tzinfo=timezone.utc)


def _response(survey, *, hours, **person_fields):
    from feedback_app.extensions import db
    from feedback_app.models import Workspace

    person = create_person(db.session.get(Workspace, survey.workspace_id), **person_fields)
    return create_response(survey, person=person, score=3, comment="slow", created_at=DAY + timedelta(hours=hours))


def test_loop_metrics_share_told_and_median_delay(db, smtp):
    workspace = create_workspace()
    survey = create_survey(workspace)
    direct = _response(survey, hours=0)
    themed = _response(survey, hours=2)
    unreachable = _response(survey, hours=1, email=None, external_id="no-email")
    unrelated = _response(survey, hours=3)
    theme = create_theme(workspace)
    link(theme, themed, unreachable)
    action = actions.create_action(workspace, title="Faster", theme=theme, response_ids=[direct.id],
                                   public_message="Faster now.")
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    # Pin the send time so that the delays are exact: 10 h after ``direct``, 8 h after ``themed``.
    db.session.execute(update(Notification).where(Notification.sent_at.is_not(None)).values(
        sent_at=DAY + timedelta(hours=10)))
    db.session.commit()

    metrics = loop_metrics(workspace)
    assert (metrics.responses, metrics.told, metrics.share_told) == (4, 2, 0.5)
    assert metrics.median_seconds_to_notification == 9 * 3600
    assert unrelated.id and smtp.count() == 2


def test_loop_metrics_period_bounds_and_empty_workspace(db, smtp):
    workspace = create_workspace()
    survey = create_survey(workspace)
    early, late = _response(survey, hours=0), _response(survey, hours=30)
    action = actions.create_action(workspace, title="Faster", response_ids=[early.id, late.id],
                                   public_message="Faster now.")
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    window = loop_metrics(workspace, since=DAY + timedelta(hours=24), until=DAY + timedelta(hours=48))
    assert (window.responses, window.told, window.share_told) == (1, 1, 1.0)
    assert loop_metrics(create_workspace()) == type(window)(0, 0, None, None)
    with pytest.raises(ValueError):
        loop_metrics(workspace, since=DAY, until=DAY - timedelta(days=1))


def test_loop_metrics_ignore_a_notification_sent_before_the_feedback(db, smtp):
    workspace = create_workspace()
    survey = create_survey(workspace)
    person = create_person(workspace)
    first = create_response(survey, person=person, score=3, comment="slow", created_at=DAY)
    action = actions.create_action(workspace, title="Faster", response_ids=[first.id], public_message="Faster.")
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    db.session.execute(update(Notification).values(sent_at=DAY + timedelta(hours=1)))
    db.session.commit()
    later = create_response(survey, person=person, score=2, comment="still slow", created_at=DAY + timedelta(days=2))
    actions.update_action(workspace, action, response_ids=[first.id, later.id])
    metrics = loop_metrics(workspace)
    assert (metrics.responses, metrics.told) == (2, 1)


def test_loop_metrics_follow_the_action_theme_into_the_theme_that_absorbed_it(db, smtp):
    from feedback_app.services.insights import themes

    workspace = create_workspace()
    survey = create_survey(workspace)
    told = _response(survey, hours=0)
    theme, absorbing = create_theme(workspace), create_theme(workspace, label="Exports")
    link(theme, told)
    action = actions.create_action(workspace, title="Faster", theme=theme, public_message="Faster now.")
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    assert smtp.count() == 1
    themes.merge_themes(workspace, absorbing, theme)  # the response now belongs to ``absorbing`` only
    metrics = loop_metrics(workspace)
    assert (metrics.responses, metrics.told, metrics.share_told) == (1, 1, 1.0)

"""The demo reads right to a new user: French questions in French, no flood of alert emails after seeding."""
from sqlalchemy import func, select

from feedback_app.models import FollowUp, Notification, Survey
from feedback_app.services import demo
from feedback_app.services.loop import follow_ups


def test_seed_demo_french_questions_hold_no_english_words(db):
    workspace = demo.seed_demo(n_responses=60, seed=1).workspace
    questions = {survey.name: survey.texts["fr"]["question"]
                 for survey in db.session.scalars(select(Survey).where(Survey.workspace_id == workspace.id))}
    assert questions["Support CSAT"] == "Êtes-vous satisfait de notre support ?"
    assert not any(" our " in question for question in questions.values()), questions


def test_seed_demo_follow_ups_send_no_digest_and_leave_the_alert_limit_free(db):
    workspace = demo.seed_demo(n_responses=1500, seed=1).workspace
    assert db.session.scalar(select(func.count()).select_from(FollowUp).where(
        FollowUp.workspace_id == workspace.id)) > 0
    assert follow_ups.send_alert_digests() == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
    assert follow_ups.alerts_in_the_last_hour(workspace) < 30  # the next real detractor is alerted at once

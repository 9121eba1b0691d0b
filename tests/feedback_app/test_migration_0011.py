"""Migration 0011: Autopilot memberships stored as marked survey requests become members of an email schedule."""
from datetime import datetime, timedelta, timezone

import flask_migrate
import sqlalchemy as sa

from feedback_app.models import AutopilotMember, AutopilotSchedule, Channel, SurveyKind
from tests.factories import create_person, create_survey, create_workspace

SENT_AT = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
PENDING_AT = datetime(2026, 12, 20, 9, 0, tzinfo=timezone.utc)


def test_migration_0011_turns_marked_requests_into_members_and_keeps_them(db):
    workspace = create_workspace("Old Autopilot Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    survey.recontact_days = 45  # the survey's own window is the one that stood for its Autopilot
    db.session.commit()
    sent, pending, plain = (create_person(workspace, email=f"{name}@example.com")
                            for name in ("sent", "pending", "plain"))
    ids = {"w": workspace.id, "s": survey.id}
    people_ids = {"sent": sent.id, "pending": pending.id, "plain": plain.id}
    db.session.remove()
    requests = sa.table("survey_requests", *(sa.column(name) for name in (
        "workspace_id", "survey_id", "person_id", "channel", "status", "properties", "scheduled_at", "sent_at")),
        sa.column("properties", sa.JSON))
    # The rows are made at the head (the models fit no older schema), the old memberships written at 0010.
    flask_migrate.downgrade(revision="0010")
    try:
        db.session.execute(requests.insert(), [
            {"workspace_id": ids["w"], "survey_id": ids["s"], "person_id": people_ids["sent"], "channel": "email",
             "status": "sent", "properties": {"autopilot": "email", "plan": "pro"}, "scheduled_at": SENT_AT,
             "sent_at": SENT_AT},
            {"workspace_id": ids["w"], "survey_id": ids["s"], "person_id": people_ids["pending"], "channel": "email",
             "status": "pending", "properties": {"autopilot": "email"}, "scheduled_at": PENDING_AT, "sent_at": None},
            {"workspace_id": ids["w"], "survey_id": ids["s"], "person_id": people_ids["plain"], "channel": "email",
             "status": "pending", "properties": {}, "scheduled_at": PENDING_AT, "sent_at": None}])
        db.session.commit()
        db.session.remove()
    finally:
        flask_migrate.upgrade()
    [schedule] = db.session.query(AutopilotSchedule).all()
    assert (schedule.survey_id, schedule.channel, schedule.frequency_days) == (ids["s"], Channel.EMAIL, 45)
    members = {member.person_id: member for member in db.session.query(AutopilotMember).all()}
    assert sorted(members) == sorted([people_ids["sent"], people_ids["pending"]])
    assert members[people_ids["sent"]].next_survey_at == SENT_AT + timedelta(days=45)
    assert members[people_ids["sent"]].properties == {"plan": "pro"}
    assert members[people_ids["pending"]].next_survey_at == PENDING_AT
    assert members[people_ids["pending"]].last_request_id is not None

"""End to end: a detractor answers in one process; a real worker opens the follow-up and emails the team."""
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from feedback_app.models import FollowUp, Role
from feedback_app.services.loop import follow_ups
from tests.factories import create_person, create_survey, create_user, create_workspace
from tests.support.processes import ROOT, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.timeout(180)]


def test_a_detractor_alerts_the_team_within_a_minute(db, loop):
    workspace = create_workspace()
    create_user(workspace, role=Role.OWNER, email="owner@acme.com")
    ann = create_user(workspace, email="ann@acme.com")
    follow_ups.set_detractor_rules(workspace, {"by_property": {"plan": {"enterprise": "ann@acme.com"}},
                                               "alert_emails": ["cs@acme.com"]})
    survey = create_survey(workspace)
    person = create_person(workspace, name="Zoé", properties={"plan": "enterprise"})
    handler = loop.server.handler
    with loop.worker():
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "tests.loop.answer", str(workspace.id), str(survey.id), str(person.id),
                        "2", "Nobody answers our tickets"], cwd=ROOT, env=loop.environment, check=True, timeout=60)
        # The bound: the team hears of it within a minute of the answer.
        wait_until(lambda: handler.messages_to("cs@acme.com"), timeout=60 - (time.monotonic() - started))
    [alert] = handler.messages_to("cs@acme.com")
    assert "Nobody answers our tickets" in alert.message.get_body(("plain",)).get_content()
    db.session.expire_all()
    [follow_up] = db.session.scalars(select(FollowUp)).all()
    assert (follow_up.assignee_id, follow_up.status) == (ann.id, "open") and follow_up.alerted_at is not None
    assert handler.count() == 1

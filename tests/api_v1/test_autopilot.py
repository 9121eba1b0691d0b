"""Recurring Autopilot through the official client: members listed with their next survey time, SMS refused."""
import json
import time
from datetime import timedelta

import pytest
from delighted import AutopilotConfiguration, AutopilotMembership, Person
from delighted.errors import ResourceValidationError

from feedback_app.models import AutopilotMember, Channel, SurveyKind
from feedback_app.services.collection import autopilot_schedules, invitations
from tests.factories import create_survey


def test_a_member_is_listed_with_the_pending_survey_then_the_next_one_planned(db, api, workspace):
    members = AutopilotMembership.forEmail()
    added = members.create(client=api, person_email="rec@example.com", properties={"plan": "pro"})
    assert abs(added.next_survey_request["survey_scheduled_at"] - time.time()) < 60
    assert added.next_survey_request["id"] is not None
    invitations.send_due()  # the worker's periodic job sends it
    [listed] = members.list(client=api, person_email="rec@example.com").auto_paging_iter()
    planned = listed.next_survey_request
    assert planned["id"] is None and planned["properties"] == {"plan": "pro"}
    frequency = AutopilotConfiguration.retrieve("email", client=api).frequency
    assert abs(planned["survey_scheduled_at"] - (time.time() + frequency)) < 60


def test_the_configuration_shows_the_schedule_set_in_the_dashboard(db, api, workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    autopilot_schedules.set_schedule(workspace, survey, channel=Channel.EMAIL, frequency_days=90)
    config = AutopilotConfiguration.retrieve("email", client=api)
    assert (config.active, config.frequency) == (True, 90 * 86400)
    autopilot_schedules.set_schedule(workspace, survey, channel=Channel.EMAIL, frequency_days=90, is_active=False)
    assert AutopilotConfiguration.retrieve("email", client=api).active is False


def test_enrolling_again_keeps_the_rhythm_and_changes_the_properties(db, api, workspace):
    members = AutopilotMembership.forEmail()
    members.create(client=api, person_email="twice@example.com", properties={"plan": "free"})
    first = db.session.query(AutopilotMember).one()
    next_at = first.next_survey_at
    again = members.create(client=api, person_email="twice@example.com", properties={"plan": "pro"})
    db.session.expire_all()
    assert db.session.query(AutopilotMember).one().next_survey_at == next_at
    assert again.next_survey_request["properties"] == {"plan": "pro"}
    # Asked on enrolment, so next asked one frequency (the 30-day recontact window) later.
    assert abs(next_at - first.created_at - timedelta(days=30)) < timedelta(minutes=1)


def test_sms_autopilot_is_refused_saying_sms_is_not_offered(db, api):
    with pytest.raises(ResourceValidationError) as raised:
        AutopilotMembership.forSms().create(client=api, person_email="sms@example.com")
    body = json.loads(raised.value.response.body)
    assert "SMS is not offered" in body["message"] and "platform" in body["errors"]


def test_people_list_shows_autopilot_s_next_survey_once_the_current_one_was_sent(db, api, workspace):
    AutopilotMembership.forEmail().create(client=api, person_email="planned@example.com")
    invitations.send_due()
    [person] = Person.list(client=api, email="planned@example.com").auto_paging_iter()
    frequency = AutopilotConfiguration.retrieve("email", client=api).frequency
    assert abs(person.next_survey_scheduled_at - (time.time() + frequency)) < 60
    assert abs(person.last_sent_at - time.time()) < 60

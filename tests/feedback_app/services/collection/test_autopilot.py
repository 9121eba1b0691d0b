"""Recurring Autopilot over simulated weeks: a frozen clock, the periodic jobs run each day, real emails at aiosmtpd."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from feedback_app.models import AutopilotMember, Channel, SurveyKind, SurveyRequest
from feedback_app.services.collection import (
    autopilot,
    autopilot_schedules,
    invitations,
    people,
    targeting as collection,
)
from feedback_app.services.exceptions import InvalidInput
from feedback_app.tasks import periodic_jobs
from tests.factories import create_person, create_survey, create_workspace
from tests.loop.smtp_server import smtp  # noqa: F401  (the recording SMTP server fixture)

START = datetime(2027, 1, 4, 9, 0, tzinfo=timezone.utc)  # a Monday, after any row the fixtures made


@pytest.fixture()
def clock():
    """Yield a frozen clock at ``START``; ``clock.shift(timedelta)`` moves it."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture()
def workspace(db, clock):
    return create_workspace("Autopilot Co")  # recontact window: the default 30 days


def _days_mailed(clock, smtp, address, *, days, on_day=None):  # noqa: F811
    """Run the worker's periodic jobs once a day for ``days`` days; return the days ``address`` got a survey.

    :param on_day: ``{day: function}`` run on that day before the jobs.
    """
    mailed = []
    for day in range(days):
        if on_day and day in on_day:
            on_day[day]()
        before = len(_invitations(smtp, address))
        autopilot.run_due()
        invitations.send_due()
        if len(_invitations(smtp, address)) > before:
            mailed.append(day)
        clock.shift(timedelta(days=1))
    return mailed


def _invitations(smtp, address):  # noqa: F811
    # Each unanswered invitation also gets its one reminder (three days on): those are not new surveys.
    return [received for received in smtp.messages_to(address) if not received.subject.startswith("Reminder")]


def _email_schedule(workspace, frequency_days):
    survey = create_survey(workspace, SurveyKind.NPS)
    return survey, autopilot_schedules.set_schedule(workspace, survey, channel=Channel.EMAIL,
                                                    frequency_days=frequency_days)


def test_an_email_member_is_surveyed_again_every_frequency(db, clock, smtp, workspace):  # noqa: F811
    survey, schedule = _email_schedule(workspace, 30)
    ann = create_person(workspace, email="ann@example.com")
    autopilot_schedules.enrol(workspace, schedule, ann, properties={"plan": "pro"})
    assert _days_mailed(clock, smtp, "ann@example.com", days=13 * 7) == [0, 30, 60, 90]
    requests = db.session.query(SurveyRequest).filter_by(person_id=ann.id).order_by(SurveyRequest.id).all()
    assert [request.properties for request in requests] == [{"plan": "pro", "autopilot": "email"}] * 4
    [membership] = autopilot_schedules.person_memberships(workspace, ann)
    assert membership[0].next_survey_at == START + timedelta(days=120)


def test_an_answer_holds_the_next_survey_until_the_recontact_window_ends(
        db, clock, smtp, workspace, client):  # noqa: F811
    survey, schedule = _email_schedule(workspace, 30)
    bob = create_person(workspace, email="bob@example.com")
    autopilot_schedules.enrol(workspace, schedule, bob)

    def answer():
        text = smtp.messages_to("bob@example.com")[0].message.get_body(("plain",)).get_content()
        link = re.search(r"^\s*9: (\S+)", text, re.MULTILINE)[1]
        assert client.get(re.sub(r"^https?://[^/]+", "", link)).status_code == 303

    # Bob answers on day 3: nothing may ask him before day 33, so the day-30 survey waits until then.
    assert _days_mailed(clock, smtp, "bob@example.com", days=70, on_day={3: answer}) == [0, 33, 63]


def test_another_survey_sent_meanwhile_pushes_the_member_back(db, clock, smtp, workspace):  # noqa: F811
    survey, schedule = _email_schedule(workspace, 30)
    other = create_survey(workspace, SurveyKind.CSAT, name="Support")
    cleo = create_person(workspace, email="cleo@example.com")
    autopilot_schedules.enrol(workspace, schedule, cleo, start_at=START + timedelta(days=10))
    invitations.invite_people(workspace, other, [cleo])  # the support survey goes out on day 0
    assert _days_mailed(clock, smtp, "cleo@example.com", days=45) == [0, 30]


def test_leaving_or_pausing_autopilot_stops_the_surveys(db, clock, smtp, workspace):  # noqa: F811
    survey, schedule = _email_schedule(workspace, 30)
    dan, eve = create_person(workspace, email="dan@example.com"), create_person(workspace, email="eve@example.com")
    for person in (dan, eve):
        autopilot_schedules.enrol(workspace, schedule, person)
    autopilot.run_due()
    invitations.send_due()
    autopilot_schedules.leave(workspace, schedule, dan)
    autopilot_schedules.set_schedule(workspace, survey, channel=Channel.EMAIL, frequency_days=30, is_active=False)
    clock.shift(timedelta(days=40))
    assert autopilot.run_due() == 0
    assert len(_invitations(smtp, "dan@example.com")) == len(_invitations(smtp, "eve@example.com")) == 1


def test_a_widget_schedule_shows_its_survey_to_due_members_only(db, clock, workspace):
    workspace.recontact_days = 7
    survey = create_survey(workspace, SurveyKind.NPS)
    schedule = autopilot_schedules.set_schedule(workspace, survey, channel=Channel.WIDGET, frequency_days=30)
    member, stranger = create_person(workspace, external_id="m-1"), create_person(workspace, external_id="s-1")
    autopilot_schedules.enrol(workspace, schedule, member)
    shown_on = []
    for day in range(70):
        if collection.eligible_surveys(workspace, person=member) == [survey]:
            collection.record_display(workspace, survey, person=member)
            shown_on.append(day)
        assert collection.eligible_surveys(workspace, person=stranger) == []
        assert collection.eligible_surveys(workspace, visitor_id="anonymous-visitor-1") == []
        clock.shift(timedelta(days=1))
    assert shown_on == [0, 30, 60]


@pytest.mark.parametrize("fields, bad_field", [
    ({"channel": "sms", "frequency_days": 30}, "channel"),
    ({"channel": "link", "frequency_days": 30}, "channel"),
    ({"channel": "email", "frequency_days": 0}, "frequency_days"),
    ({"channel": "email", "frequency_days": 3651}, "frequency_days"),
    ({"channel": "email", "frequency_days": "30"}, "frequency_days"),
])
def test_set_schedule_refuses_bad_fields_naming_them(db, workspace, fields, bad_field):
    survey = create_survey(workspace, SurveyKind.NPS)
    with pytest.raises(InvalidInput) as raised:
        autopilot_schedules.set_schedule(workspace, survey, **fields)
    assert bad_field in raised.value.fields


def test_the_beat_schedules_the_autopilot_job_and_the_job_invites_due_members(
        app, db, clock, smtp, workspace):  # noqa: F811
    job = periodic_jobs(app.config)["run-autopilot"]
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # the worker imports every task module at start
    survey, schedule = _email_schedule(workspace, 30)
    autopilot_schedules.enrol(workspace, schedule, create_person(workspace, email="beat@example.com"))
    celery.tasks[job["task"]].apply()
    invitations.send_due()
    assert len(_invitations(smtp, "beat@example.com")) == 1
    assert job["options"]["queue"] == app.config["EMAIL_QUEUE"]


def test_erasing_a_person_ends_their_memberships(db, clock, workspace):
    survey, schedule = _email_schedule(workspace, 30)
    gone = create_person(workspace, email="gone@example.com")
    autopilot_schedules.enrol(workspace, schedule, gone)
    autopilot.run_due()
    people.delete_person(workspace, gone)
    assert db.session.query(AutopilotMember).count() == 0

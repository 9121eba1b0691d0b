"""Invitations: who is invited, what the email holds, reminders, suppressions, CSV uploads, cancelling."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.models import Notification, NotificationKind, RequestStatus, Response, SurveyKind, SurveyRequest
from feedback_app.models.base import utcnow
from feedback_app.services.collection import invitations, people
from feedback_app.services.exceptions import InvalidInput, NotFound
from tests.factories import create_person, create_survey, create_workspace


@pytest.fixture()
def workspace(db):
    return create_workspace("Invite Co")


def _send_all():
    pending, reminders = invitations.due_requests()
    for request_id in pending:
        invitations.send_request(request_id)
    for request_id in reminders:
        invitations.send_reminder(request_id)


def _links(message):
    text = message.get_body(("plain",)).get_content()
    pairs = (re.fullmatch(r"(\d+): (\S+)", line.strip()) for line in text.splitlines())
    return {int(match[1]): match[2] for match in pairs if match}


def test_an_invitation_is_emailed_with_the_scale_as_signed_links(workspace, db, smtp):
    survey = create_survey(workspace, SurveyKind.NPS)
    person = create_person(workspace, email="ann@example.com", name="Ann <Admin>")
    [request] = invitations.invite_people(workspace, survey, [person])
    _send_all()
    [received] = smtp.messages_to("ann@example.com")
    links = _links(received.message)
    assert sorted(links) == list(range(11))
    token = links[0].rsplit("/", 2)[1]
    assert all(url.endswith(f"/s/r/{token}/{score}") for score, url in links.items())
    assert invitations.request_from_token(token).id == request.id
    assert received.message["List-Unsubscribe"].startswith("<http")
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = received.message.get_body(("html",)).get_content()
    assert "Ann &lt;Admin&gt;" in html
    db.session.expire_all()
    assert db.session.get(SurveyRequest, request.id).status == RequestStatus.SENT


def test_a_clicked_score_link_stores_the_response_and_a_second_click_changes_it(workspace, db, smtp, client):
    survey = create_survey(workspace, SurveyKind.NPS)
    invitations.invite_people(workspace, survey, [create_person(workspace, email="bob@example.com")])
    _send_all()
    links = _links(smtp.messages_to("bob@example.com")[0].message)
    path = lambda url: re.sub(r"^https?://[^/]+", "", url)  # noqa: E731
    assert client.get(path(links[2])).status_code == 303
    assert client.get(path(links[8])).status_code == 303
    db.session.expire_all()
    [response] = db.session.scalars(select(Response)).all()
    assert response.score == 8


def test_unsubscribed_and_bounced_people_are_never_emailed(workspace, db, smtp):
    survey = create_survey(workspace, SurveyKind.NPS)
    gone = create_person(workspace, email="gone@example.com")
    bounced = create_person(workspace, email="bounced@example.com")
    people.unsubscribe(workspace, "gone@example.com")
    people.record_bounce(workspace, "bounced@example.com", reason="550")
    requests = invitations.invite_people(workspace, survey, [gone, bounced])
    _send_all()
    assert smtp.count() == 0
    assert sorted(r.status_reason for r in requests) == ["bounced", "unsubscribed"]


def test_the_recontact_window_skips_people_asked_recently(workspace, db, smtp):
    survey = create_survey(workspace, SurveyKind.NPS)
    other = create_survey(workspace, SurveyKind.CSAT)
    person = create_person(workspace, email="cara@example.com")
    invitations.invite_people(workspace, survey, [person])
    _send_all()
    [second] = invitations.invite_people(workspace, other, [person])
    _send_all()
    assert (second.status, second.status_reason) == (RequestStatus.SKIPPED, "recontact_window")
    assert smtp.count() == 1


def test_a_delayed_invitation_waits_for_its_time(workspace, db, smtp):
    survey = create_survey(workspace, SurveyKind.NPS)
    [request] = invitations.invite_people(workspace, survey, [create_person(workspace)], delay_seconds=3600)
    assert invitations.due_requests() == ([], [])
    assert invitations.send_request(request.id) is None
    assert invitations.due_requests(now=utcnow() + timedelta(hours=2))[0] == [request.id]


def test_one_reminder_after_the_reminder_days_without_answer(workspace, db, smtp):
    survey = create_survey(workspace, SurveyKind.NPS)
    [request] = invitations.invite_people(workspace, survey, [create_person(workspace, email="dan@example.com")])
    _send_all()
    assert invitations.due_requests()[1] == []
    later = utcnow() + timedelta(days=survey.reminder_days, minutes=1)
    assert invitations.due_requests(now=later)[1] == [request.id]
    assert invitations.send_reminder(request.id, now=later)
    assert not invitations.send_reminder(request.id, now=later)
    assert invitations.due_requests(now=later)[1] == []
    kinds = db.session.scalars(select(Notification.kind).order_by(Notification.id)).all()
    assert kinds == [NotificationKind.SURVEY_INVITATION, NotificationKind.SURVEY_REMINDER]
    assert [m.subject.startswith("Reminder") for m in smtp.messages_to("dan@example.com")] == [False, True]


def test_no_reminder_once_answered(workspace, db, smtp, client):
    survey = create_survey(workspace, SurveyKind.NPS)
    [request] = invitations.invite_people(workspace, survey, [create_person(workspace)])
    _send_all()
    assert client.get(f"/s/r/{invitations.answer_token(request)}/10").status_code == 303
    assert invitations.due_requests(now=utcnow() + timedelta(days=30))[1] == []


def test_inviting_twice_keeps_one_pending_request(workspace, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    person = create_person(workspace)
    first = invitations.invite_people(workspace, survey, [person], delay_seconds=600)
    second = invitations.invite_people(workspace, survey, [person], delay_seconds=600)
    assert [r.id for r in first] == [r.id for r in second]


@pytest.mark.parametrize("delay", [-1, "10", 10**9, True])
def test_a_bad_delay_is_refused(workspace, db, delay):
    survey = create_survey(workspace, SurveyKind.NPS)
    with pytest.raises(InvalidInput):
        invitations.invite_people(workspace, survey, [create_person(workspace)], delay_seconds=delay)
    assert db.session.scalar(select(func.count(SurveyRequest.id))) == 0


def test_another_workspaces_survey_or_person_is_not_found(workspace, db):
    other = create_workspace("Elsewhere")
    with pytest.raises(NotFound):
        invitations.invite_people(workspace, create_survey(other), [create_person(workspace)])
    with pytest.raises(NotFound):
        invitations.invite_people(workspace, create_survey(workspace), [create_person(other)])
    assert db.session.scalar(select(func.count(SurveyRequest.id))) == 0


def test_csv_upload_invites_good_rows_and_reports_bad_ones_by_line(workspace, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    text = ("email,name,plan\n"
            "ann@example.com,Ann,pro\n"
            "not-an-email,Bad,free\n"
            ",Nobody,free\n"
            "ANN@example.com,Ann again,pro\n"
            "eve@example.com,Eve,free,extra\n"
            "fay@example.com,Fay,\n")
    report = invitations.invite_from_csv(workspace, survey, text.encode())
    assert report.invited == 2
    assert [line for line, _reason in report.errors] == [3, 4, 5, 6]
    assert "not a valid email" in report.errors[0][1]
    ann = people.find_person(workspace, email="ann@example.com")
    assert (ann.name, ann.properties) == ("Ann", {"plan": "pro"})


def test_a_csv_without_an_email_column_is_refused(workspace, db):
    with pytest.raises(InvalidInput, match="email column"):
        invitations.invite_from_csv(workspace, create_survey(workspace), "name\nAnn\n")


def test_cancel_pending_requests_cancels_only_unsent_ones(workspace, db, smtp):
    survey = create_survey(workspace, SurveyKind.NPS)
    person = create_person(workspace)
    [sent] = invitations.invite_people(workspace, survey, [person])
    _send_all()
    [later] = invitations.invite_people(workspace, create_survey(workspace, SurveyKind.CSAT, recontact_days=0),
                                        [person], delay_seconds=600)
    assert invitations.cancel_pending_requests(workspace, person) == 1
    db.session.expire_all()
    assert db.session.get(SurveyRequest, later.id).status == RequestStatus.CANCELLED
    assert db.session.get(SurveyRequest, sent.id).status == RequestStatus.SENT

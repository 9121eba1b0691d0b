"""Recontact per survey or per workspace: an NPS and a CES survey block each other only when the team wants it."""
from datetime import timedelta

import pytest

from feedback_app.models import Channel, RecontactScope, RequestStatus, Survey, SurveyKind
from feedback_app.models.base import utcnow
from feedback_app.services.collection import (
    autopilot,
    autopilot_schedules,
    invitations,
    survey_settings,
    targeting as collection,
)
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_person, create_response, create_survey, create_workspace

VISITOR = "visitor-0001"


@pytest.fixture()
def workspace(db):
    return create_workspace("Scope Co")  # recontact window: the default 30 days


def _nps_and_ces(workspace, ces_scope):
    nps = create_survey(workspace, SurveyKind.NPS)
    ces = create_survey(workspace, SurveyKind.CES, recontact_scope=ces_scope)
    return nps, ces


def _sent(db, request):
    """Mark an invitation emailed now, as the worker would."""
    request.status, request.sent_at = RequestStatus.SENT, utcnow()
    db.session.commit()
    return request


def test_a_new_survey_keeps_the_workspace_scope(workspace):
    assert create_survey(workspace, SurveyKind.NPS).recontact_scope == RecontactScope.WORKSPACE


def test_recontact_scope_workspace_nps_shown_blocks_ces(workspace):
    nps, ces = _nps_and_ces(workspace, RecontactScope.WORKSPACE)
    collection.record_display(workspace, nps, visitor_id=VISITOR)
    assert collection.eligible_surveys(workspace, visitor_id=VISITOR) == []


def test_recontact_scope_survey_nps_shown_ces_still_shows(workspace):
    nps, ces = _nps_and_ces(workspace, RecontactScope.SURVEY)
    collection.record_display(workspace, nps, visitor_id=VISITOR)
    assert collection.eligible_surveys(workspace, visitor_id=VISITOR) == [ces]


def test_recontact_scope_survey_its_own_display_holds_it_back_for_its_window(workspace):
    nps, ces = _nps_and_ces(workspace, RecontactScope.SURVEY)
    collection.record_display(workspace, ces, visitor_id=VISITOR)
    # The NPS survey keeps the workspace scope: the CES display counts for it too.
    assert collection.eligible_surveys(workspace, visitor_id=VISITOR) == []
    later = utcnow() + timedelta(days=31)
    assert collection.eligible_surveys(workspace, visitor_id=VISITOR, now=later) == [nps, ces]


def test_recontact_scope_survey_uses_the_surveys_own_window(workspace, db):
    nps, ces = _nps_and_ces(workspace, RecontactScope.SURVEY)
    ces.recontact_days = 7
    db.session.commit()
    collection.record_display(workspace, ces, visitor_id=VISITOR)
    assert collection.eligible_surveys(workspace, visitor_id=VISITOR, now=utcnow() + timedelta(days=6)) == []
    assert collection.eligible_surveys(workspace, visitor_id=VISITOR, now=utcnow() + timedelta(days=8)) == [ces]


def test_recontact_scope_survey_counts_only_answers_to_this_survey(workspace):
    nps, ces = _nps_and_ces(workspace, RecontactScope.SURVEY)
    person = create_person(workspace, last_surveyed_at=utcnow() - timedelta(days=1))
    create_response(nps, person=person, score=9)
    assert collection.eligible_surveys(workspace, person=person) == [ces]
    create_response(ces, person=person, score=6)
    assert collection.eligible_surveys(workspace, person=person) == []


def test_recontact_scope_survey_delighted_last_sent_at_counts_for_the_delighted_survey_only(workspace, db):
    nps = create_survey(workspace, SurveyKind.NPS, recontact_scope=RecontactScope.SURVEY)
    ces = create_survey(workspace, SurveyKind.CES, recontact_scope=RecontactScope.SURVEY)
    # Sent by Delighted (its one survey, the first active NPS survey here) before the person came here.
    person = create_person(workspace, last_sent_at=utcnow() - timedelta(days=2))
    assert collection.eligible_surveys(workspace, person=person) == [ces]
    assert invitations.recontact_ends_at(workspace, nps, person) == person.last_sent_at + timedelta(days=30)
    assert invitations.recontact_ends_at(workspace, ces, person) is None


def test_recontact_scope_survey_email_invitations_skip_only_people_sent_this_survey(workspace, db):
    nps, ces = _nps_and_ces(workspace, RecontactScope.SURVEY)
    person = create_person(workspace, email="cara@example.com")
    _sent(db, *invitations.invite_people(workspace, nps, [person]))
    [ces_request] = invitations.invite_people(workspace, ces, [person])
    assert ces_request.status == RequestStatus.PENDING
    _sent(db, ces_request)
    [again] = invitations.invite_people(workspace, ces, [person])
    assert (again.status, again.status_reason) == (RequestStatus.SKIPPED, "recontact_window")


def test_recontact_scope_workspace_email_invitations_skip_people_sent_another_survey(workspace, db):
    nps, ces = _nps_and_ces(workspace, RecontactScope.WORKSPACE)
    person = create_person(workspace, email="dan@example.com")
    _sent(db, *invitations.invite_people(workspace, nps, [person]))
    [ces_request] = invitations.invite_people(workspace, ces, [person])
    assert (ces_request.status, ces_request.status_reason) == (RequestStatus.SKIPPED, "recontact_window")


def test_update_survey_stores_the_recontact_scope_and_none_keeps_it(workspace, db):
    survey = create_survey(workspace, SurveyKind.CES)
    settings = dict(name=survey.name, texts=survey.texts, default_locale="en", channels=survey.channels,
                    trigger=survey.trigger, sampling_percent=100, recontact_days=None, churn_reasons=[])
    survey_settings.update_survey(workspace, survey, recontact_scope="survey", **settings)
    assert db.session.get(Survey, survey.id).recontact_scope == RecontactScope.SURVEY
    survey_settings.update_survey(workspace, survey, **settings)
    assert db.session.get(Survey, survey.id).recontact_scope == RecontactScope.SURVEY


def test_update_survey_refuses_an_unknown_recontact_scope_naming_the_field(workspace):
    survey = create_survey(workspace, SurveyKind.CES)
    with pytest.raises(InvalidInput) as raised:
        survey_settings.update_survey(workspace, survey, name="CES", texts=survey.texts, default_locale="en",
                                      channels=["widget"], trigger={"type": "page_load"}, sampling_percent=100,
                                      recontact_days=None, churn_reasons=[], recontact_scope="person")
    assert raised.value.fields == {"recontact_scope": ["one of workspace, survey"]}


def test_create_survey_takes_the_recontact_scope(workspace):
    survey = survey_settings.create_survey(workspace, name="Effort", kind="ces", texts={"en": {}},
                                           channels=["widget"], trigger={"type": "page_load"}, sampling_percent=100,
                                           recontact_days=None, churn_reasons=[], recontact_scope="survey")
    assert survey.recontact_scope == RecontactScope.SURVEY


@pytest.mark.parametrize(("scope", "asked"), [(RecontactScope.SURVEY, True), (RecontactScope.WORKSPACE, False)])
def test_recontact_scope_autopilot_member_and_another_survey_sent_meanwhile(workspace, db, scope, asked):
    nps = create_survey(workspace, SurveyKind.NPS, recontact_scope=scope)
    schedule = autopilot_schedules.set_schedule(workspace, nps, channel=Channel.EMAIL, frequency_days=30)
    support = create_survey(workspace, SurveyKind.CSAT, name="Support")
    person = create_person(workspace, email="erin@example.com")
    member, _created = autopilot_schedules.enrol(workspace, schedule, person, start_at=utcnow() + timedelta(days=1))
    sent = _sent(db, *invitations.invite_people(workspace, support, [person]))
    request = autopilot.ask_member(member, now=utcnow() + timedelta(days=1))
    # In the survey scope the support survey does not hold the NPS schedule back; in the workspace one it does.
    assert (request is not None and request.status == RequestStatus.PENDING) is asked
    if not asked:
        assert member.next_survey_at == sent.sent_at + timedelta(days=30)

"""Metrics, unsubscribes, bounces and Autopilot through the official client."""
import json
from datetime import timedelta

import pytest
from delighted import AutopilotConfiguration, AutopilotMembership, Bounce, Metrics, Unsubscribe
from delighted.errors import GeneralAPIError, ResourceValidationError

from feedback_app.models import Person, SurveyKind, utcnow
from feedback_app.services.collection import people
from tests.factories import create_person, create_response, create_survey


def test_nps_metrics_count_each_band(db, api, workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    for score in (10, 9, 9, 8, 3):
        create_response(survey, score=score)
    metrics = Metrics.retrieve(client=api)
    assert metrics == {"nps": 40, "promoter_count": 3, "promoter_percent": 60.0, "passive_count": 1,
                       "passive_percent": 20.0, "detractor_count": 1, "detractor_percent": 20.0,
                       "response_count": 5}


def test_metrics_honour_since_until_and_trend(db, api, workspace):
    nps = create_survey(workspace, SurveyKind.NPS)
    csat = create_survey(workspace, SurveyKind.CSAT, name="Support")
    old = utcnow() - timedelta(days=10)
    create_response(nps, score=0, created_at=old)
    create_response(nps, score=10)
    for score in (5, 4, 3, 1):
        create_response(csat, score=score)
    recent = Metrics.retrieve(client=api, since=int((utcnow() - timedelta(days=1)).timestamp()))
    assert (recent.nps, recent.response_count) == (100, 1)
    assert Metrics.retrieve(client=api, until=int((old + timedelta(hours=1)).timestamp())).nps == -100
    support = Metrics.retrieve(client=api, trend="Support")
    assert (support.csat, support.satisfied_count, support.dissatisfied_count, support.response_count) == (50, 2, 1, 4)


def test_metrics_with_an_unknown_trend_is_422(db, api):
    with pytest.raises(ResourceValidationError) as raised:
        Metrics.retrieve(client=api, trend="404")
    assert "trend" in json.loads(raised.value.response.body)["errors"]


def test_unsubscribe_then_list(db, api, workspace):
    person = create_person(workspace, email="bye@example.com", name="Bye")
    assert Unsubscribe.create(client=api, person_email="Bye@Example.com") == {"ok": True}
    assert Unsubscribe.create(client=api, person_email="bye@example.com") == {"ok": True}  # idempotent
    listed = Unsubscribe.all(client=api)
    assert [(u.person_id, u.email, u.name) for u in listed] == [(str(person.id), "bye@example.com", "Bye")]
    assert isinstance(listed[0].unsubscribed_at, int)
    db.session.expire_all()
    assert db.session.get(Person, person.id).unsubscribed_at is not None


def test_unsubscribe_without_a_valid_email_is_422(db, api):
    with pytest.raises(ResourceValidationError) as raised:
        Unsubscribe.create(client=api, person_email="nope")
    assert "person_email" in json.loads(raised.value.response.body)["errors"]


def test_bounces_are_listed(db, api, workspace):
    create_person(workspace, email="gone@example.com", name="Gone")
    people.record_bounce(workspace, "gone@example.com", reason="550 no such user")
    listed = Bounce.all(client=api, per_page=10)
    assert [(b.email, b.name) for b in listed] == [("gone@example.com", "Gone")]
    assert isinstance(listed[0].bounced_at, int)


def test_autopilot_configuration_follows_the_nps_survey(db, api, workspace):
    create_survey(workspace, SurveyKind.NPS)
    config = AutopilotConfiguration.retrieve("email", client=api)
    assert (config.platform_id, config.active, config.frequency) == ("email", True, workspace.recontact_days * 86400)
    assert AutopilotConfiguration.retrieve("sms", client=api).active is False


def test_autopilot_memberships_add_list_and_remove(db, api, workspace):
    members = AutopilotMembership.forEmail()
    for i in range(3):
        added = members.create(client=api, person_email=f"auto{i}@example.com", properties={"plan": "pro"})
        assert added.person["email"] == f"auto{i}@example.com"
        assert added.next_survey_request["properties"] == {"plan": "pro"}
    listed = [m.person["email"] for m in members.list(client=api, per_page=2).auto_paging_iter()]
    assert listed == ["auto0@example.com", "auto1@example.com", "auto2@example.com"]
    removed = members.delete(client=api, person_email="auto1@example.com")
    assert removed["person"]["email"] == "auto1@example.com"
    assert [m.person["email"] for m in members.list(client=api).auto_paging_iter()] == [
        "auto0@example.com", "auto2@example.com"]


def test_removing_a_non_member_from_autopilot_is_404(db, api, workspace):
    create_person(workspace, email="never@example.com")
    with pytest.raises(GeneralAPIError) as raised:
        AutopilotMembership.forEmail().delete(client=api, person_email="never@example.com")
    assert raised.value.response.status_code == 404

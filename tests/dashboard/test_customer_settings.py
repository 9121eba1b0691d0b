"""Settings > Customers: each setting is saved through its form and takes effect where customers meet it.

The sender name and Reply-To are read at a real SMTP server (aiosmtpd on loopback); the recontact
window in the widget's config answer and in email invitations; the daily limit in the outbox.
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db as _db
from feedback_app.models import (
    AuditEvent,
    FollowUp,
    Notification,
    NotificationStatus,
    RequestStatus,
    Response,
    Role,
    SurveyKind,
    utcnow,
)
from feedback_app.services.accounts import workspace_settings
from feedback_app.services.collection import invitations, targeting as collection
from feedback_app.services.loop import follow_ups
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_person, create_survey, create_user, create_workspace

ORIGIN = "https://shop.example.com"
BASE = "/app/home-co/settings/customers"


@pytest.fixture()
def team(db):
    home = create_workspace("Home Co", allowed_origins=[ORIGIN])
    return {"home": home, "admin": create_user(home, role=Role.ADMIN, email="admin@home.example"),
            "member": create_user(home, role=Role.MEMBER, email="member@home.example")}


def settings_events(workspace):
    return _db.session.scalars(select(AuditEvent).where(AuditEvent.workspace_id == workspace.id,
                                                        AuditEvent.verb == "workspace.settings_changed")).all()


def test_the_page_needs_an_admin(client, login, team):
    login(team["member"])
    assert client.get(BASE).status_code == 403


def test_contact_limits_are_saved_and_written_to_the_audit_log(client, login, team):
    login(team["admin"])
    response = client.post(f"{BASE}/limits", data={"recontact_days": "7", "daily_email_limit": "250"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert (team["home"].recontact_days, team["home"].daily_notification_limit) == (7, 250)
    [event] = settings_events(team["home"])
    assert event.actor_user_id == team["admin"].id
    assert event.data == {"section": "contact_limits", "from": {"recontact_days": 30, "daily_notification_limit": 5000},
                          "to": {"recontact_days": 7, "daily_notification_limit": 250}}


def test_a_bad_limit_shows_the_page_again_with_what_was_typed_and_the_error(client, login, team):
    login(team["admin"])
    response = client.post(f"{BASE}/limits", data={"recontact_days": "7", "daily_email_limit": "-3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="-3"' in page and 'value="7"' in page
    assert "Number must be between 0 and 1000000." in page
    _db.session.expire_all()
    assert team["home"].daily_notification_limit == 5000 and settings_events(team["home"]) == []


@pytest.mark.parametrize(("color", "ok"), [("#4f46e5", True), ("#1F2937", True), ("#ffcc00", False),
                                           ("#777777", False), ("#767676", True), ("red", False), ("#12345", False)])
def test_the_brand_colour_must_be_hex_and_readable_under_white_text(team, color, ok):
    def save():
        return workspace_settings.set_survey_look(team["home"], logo_url="", intro_text="", brand_color=color,
                                                  default_locale="en", by=team["admin"])
    if ok:
        assert save().brand_color == color.lower()
    else:
        with pytest.raises(InvalidInput) as refused:
            save()
        assert "brand_color" in refused.value.fields


def test_contrast_ratio_matches_the_wcag_figures():
    assert workspace_settings.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert workspace_settings.contrast_ratio("#767676", "#fff") == pytest.approx(4.54, abs=0.01)
    assert workspace_settings.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)


def test_a_light_colour_is_refused_beside_its_field_with_the_ratio(client, login, team):
    login(team["admin"])
    response = client.post(f"{BASE}/look", data={"brand_color": "#ffcc00", "default_locale": "en",
                                                 "intro_text": "Two minutes, promised."})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "White text on #ffcc00 has a contrast of 1.5:1" in page
    assert "Two minutes, promised." in page and 'value="#ffcc00"' in page


@pytest.mark.parametrize(("field", "value"), [("logo_url", "http://cdn.example.com/logo.png"),
                                              ("logo_url", "javascript:alert(1)"), ("default_locale", "de")])
def test_a_bad_look_is_refused(team, field, value):
    values = {"logo_url": "", "intro_text": "", "brand_color": "", "default_locale": "en", field: value}
    with pytest.raises(InvalidInput) as refused:
        workspace_settings.set_survey_look(team["home"], by=team["admin"], **values)
    assert field in refused.value.fields


@pytest.mark.parametrize(("field", "value"), [("sender_name", "Acme\r\nBcc: everyone@example.com"),
                                              ("sender_name", "x" * 121), ("reply_to", "not an address")])
def test_a_bad_sender_is_refused(team, field, value):
    values = {"sender_name": "", "reply_to": "", field: value}
    with pytest.raises(InvalidInput) as refused:
        workspace_settings.set_email_identity(team["home"], by=team["admin"], **values)
    assert field in refused.value.fields


def test_sender_name_and_reply_to_are_the_headers_the_smtp_server_receives(client, login, team, smtp):
    login(team["admin"])
    saved = client.post(f"{BASE}/sender", data={"sender_name": "Acme Support", "reply_to": "Help@Acme.example"})
    assert saved.status_code == 302
    survey = create_survey(team["home"])
    invitations.invite_people(team["home"], survey, [create_person(team["home"], email="ann@example.com")])
    invitations.send_due()
    [received] = smtp.received
    assert received.message["From"] == "Acme Support <feedback@localhost>"
    assert received.message["Reply-To"] == "help@acme.example"


def test_without_a_sender_name_the_configured_from_is_kept(team, smtp):
    survey = create_survey(team["home"])
    invitations.invite_people(team["home"], survey, [create_person(team["home"], email="ann@example.com")])
    invitations.send_due()
    [received] = smtp.received
    assert received.message["From"] == "feedback@localhost" and received.message["Reply-To"] is None


def test_the_recontact_window_set_here_decides_the_widget_config(client, login, team):
    survey = create_survey(team["home"])
    visitor = "visitor-0001"
    collection.record_display(team["home"], create_survey(team["home"], SurveyKind.CSAT), visitor_id=visitor)

    def offered():
        answer = client.post(f"/w/api/{team['home'].public_key}/config", json={"visitor_id": visitor},
                             headers={"Origin": ORIGIN})
        return [item["token"] for item in answer.get_json()["surveys"]]

    assert offered() == []  # asked a moment ago, inside the 30 days
    login(team["admin"])
    client.post(f"{BASE}/limits", data={"recontact_days": "0", "daily_email_limit": "5000"})
    assert survey.token in offered()


def test_the_recontact_window_set_here_decides_email_invitations(team):
    survey = create_survey(team["home"])
    person = create_person(team["home"], email="ann@example.com", last_surveyed_at=utcnow() - timedelta(days=5))
    [skipped] = invitations.invite_people(team["home"], survey, [person])
    assert (skipped.status, skipped.status_reason) == (RequestStatus.SKIPPED, "recontact_window")
    workspace_settings.set_contact_limits(team["home"], recontact_days=3, daily_email_limit=5000, by=team["admin"])
    [invited] = invitations.invite_people(team["home"], survey, [person])
    assert invited.status == RequestStatus.PENDING


def test_the_daily_limit_set_here_holds_the_outbox(client, login, team, smtp):
    login(team["admin"])
    client.post(f"{BASE}/limits", data={"recontact_days": "30", "daily_email_limit": "2"})
    survey = create_survey(team["home"])
    people = [create_person(team["home"], email=f"p{number}@example.com") for number in range(3)]
    invitations.invite_people(team["home"], survey, people)
    invitations.send_due()
    assert len(smtp.received) == 2
    held = _db.session.scalars(select(Notification).where(Notification.status == NotificationStatus.QUEUED)).all()
    assert [row.last_error for row in held] == ["daily send limit reached"]


def test_the_look_reaches_the_hosted_page_the_widget_and_the_invitation(client, login, team, smtp):
    login(team["admin"])
    saved = client.post(f"{BASE}/look", data={"logo_url": "https://cdn.example.com/acme.png",
                                              "intro_text": "Two minutes, promised.", "brand_color": "#1F6F43",
                                              "default_locale": "fr"})
    assert saved.status_code == 302
    survey = create_survey(team["home"])
    page = client.get(f"/s/{survey.token}", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "--accent: #1f6f43" in page and 'src="https://cdn.example.com/acme.png"' in page
    assert "Two minutes, promised." in page
    assert "Quelle est la probabilité" in page  # German is not offered: the workspace's default locale
    config = client.post(f"/w/api/{team['home'].public_key}/config", json={"visitor_id": "visitor-0002"},
                         headers={"Origin": ORIGIN, "Accept-Language": "de"}).get_json()
    assert [(item["theme_color"], item["locale"]) for item in config["surveys"]] == [("#1f6f43", "fr")]
    invitations.invite_people(team["home"], survey, [create_person(team["home"], email="ann@example.com")])
    invitations.send_due()
    [received] = smtp.received
    html = received.message.get_body(("html",)).get_content()
    assert "https://cdn.example.com/acme.png" in html and "Two minutes, promised." in html and "#1f6f43" in html


def test_a_survey_with_its_own_colour_keeps_it(client, team):
    workspace_settings.set_survey_look(team["home"], logo_url="", intro_text="", brand_color="#1f6f43",
                                       default_locale="en", by=team["admin"])
    survey = create_survey(team["home"])
    survey.theme_color = "#7c2d12"
    _db.session.commit()
    assert "--accent: #7c2d12" in client.get(f"/s/{survey.token}").get_data(as_text=True)


def test_detractor_routing_is_saved_from_its_form_and_routes_alerts(client, login, team):
    login(team["admin"])
    response = client.post(f"{BASE}/detractor-rules", data={
        "assign_to": "member@home.example", "by_property": "plan = enterprise: admin@home.example",
        "alert_emails": "cs@home.example\nCS@home.example"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert team["home"].detractor_rules == {"assign_to": "member@home.example",
                                            "by_property": {"plan": {"enterprise": "admin@home.example"}},
                                            "alert_emails": ["cs@home.example"]}
    page = client.get(BASE).get_data(as_text=True)
    assert "plan = enterprise: admin@home.example" in page


def test_detractor_routing_to_a_non_member_shows_the_error_beside_the_field(client, login, team):
    login(team["admin"])
    response = client.post(f"{BASE}/detractor-rules", data={"assign_to": "",
                                                            "by_property": "plan = pro: stranger@else.example"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "stranger@else.example is not a member of this workspace." in page
    assert "plan = pro: stranger@else.example" in page
    _db.session.expire_all()
    assert team["home"].detractor_rules == {}


def test_a_malformed_routing_line_is_refused_by_the_form(client, login, team):
    login(team["admin"])
    response = client.post(f"{BASE}/detractor-rules", data={"by_property": "enterprise goes to ann"})
    assert response.status_code == 422
    assert "Write “property = value: email”" in response.get_data(as_text=True)


def test_routing_saved_from_the_form_assigns_the_next_unhappy_answer(client, login, team, smtp):
    login(team["admin"])
    client.post(f"{BASE}/detractor-rules", data={"assign_to": "", "by_property": "plan = pro: member@home.example",
                                                 "alert_emails": "cs@home.example"})
    person = create_person(team["home"], properties={"plan": "pro"})
    collection.answer_link(team["home"], create_survey(team["home"]), score=2, person=person)
    [follow_up] = _db.session.scalars(select(FollowUp)).all()
    assert follow_up.assignee_id == team["member"].id
    assert [received.recipient for received in smtp.received] == ["cs@home.example"]


def test_routing_by_survey_and_escalation_by_score_from_the_form(client, login, team, smtp):
    onboarding, other = create_survey(team["home"], name="Onboarding NPS"), create_survey(team["home"], name="Other")
    login(team["admin"])
    saved = client.post(f"{BASE}/detractor-rules", data={
        "by_survey": "Onboarding NPS: member@home.example", "alert_emails": "cs@home.example",
        "escalate_max_score": "2", "escalate_emails": "lead@home.example"})
    assert saved.status_code == 302
    _db.session.expire_all()
    assert team["home"].detractor_rules["by_survey"] == {str(onboarding.id): "member@home.example"}
    assert "Onboarding NPS: member@home.example" in client.get(BASE).get_data(as_text=True)
    collection.answer_link(team["home"], onboarding, score=5, person=create_person(team["home"]))
    collection.answer_link(team["home"], other, score=1, person=create_person(team["home"]))
    assignees = dict(_db.session.execute(select(Response.survey_id, FollowUp.assignee_id).join(
        FollowUp, FollowUp.response_id == Response.id)).all())
    assert assignees == {onboarding.id: team["member"].id, other.id: None}
    assert sorted(received.recipient for received in smtp.received) == [
        "cs@home.example", "cs@home.example", "lead@home.example"]  # only the 1 is escalated


@pytest.mark.parametrize(("data", "message"), [
    ({"by_survey": "No such survey: member@home.example"}, "No survey is named"),
    ({"escalate_max_score": "3"}, "Give both the highest score and the addresses, or neither."),
    ({"escalate_max_score": "11", "escalate_emails": "lead@home.example"}, "Number must be between 0 and 10.")])
def test_bad_survey_or_escalation_routing_is_refused_by_the_form(client, login, team, data, message):
    login(team["admin"])
    response = client.post(f"{BASE}/detractor-rules", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


@pytest.mark.parametrize("rules", [{"escalate": {"max_score": 11, "alert_emails": ["lead@home.example"]}},
                                   {"escalate": {"max_score": 2}}, {"escalate": {"max_score": True,
                                                                                 "alert_emails": ["a@b.example"]}},
                                   {"by_survey": ["not", "a", "mapping"]}])
def test_the_service_refuses_bad_survey_or_score_rules(team, rules):
    with pytest.raises(InvalidInput):
        follow_ups.set_detractor_rules(team["home"], rules, user=team["admin"])


def test_a_survey_of_another_workspace_cannot_be_routed(team):
    theirs = create_survey(create_workspace("Away Co"))
    with pytest.raises(InvalidInput) as refused:
        follow_ups.set_detractor_rules(team["home"], {"by_survey": {str(theirs.id): "member@home.example"}},
                                       user=team["admin"])
    assert refused.value.fields == {"by_survey": ["unknown survey"]}

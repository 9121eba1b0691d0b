"""Surveys pages: create, edit (texts per locale, channels, trigger, sampling, recontact, churn reasons), embed."""
import contextlib
import io

import pytest
from aiosmtpd.controller import Controller

from feedback_app.extensions import db as _db
from feedback_app.models import RequestStatus, Role, Survey, SurveyKind, SurveyRequest
from tests.factories import create_survey, create_user, create_workspace
from tests.support.processes import free_port

VALID = {"name": "Checkout CSAT", "kind": "csat", "locales": "en, fr", "texts.en.question": "How was checkout?",
         "texts.fr.question": "Le paiement ?",
         "channels": ["widget", "email"], "trigger_type": "url", "trigger_value": "/checkout*",
         "delay_seconds": "2", "sampling_percent": "25", "recontact_days": "60", "churn_reasons": ""}


@pytest.fixture()
def world(db):
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    return {"home": home, "owner": create_user(home, role=Role.OWNER), "viewer": create_user(home, role=Role.VIEWER),
            "survey": create_survey(home, SurveyKind.NPS, name="Product NPS"),
            "away_survey": create_survey(away, SurveyKind.NPS, name="Their NPS")}


def test_list_shows_surveys_and_embed_snippet(client, login, world):
    login(world["owner"])
    page = client.get("/app/home-co/surveys").get_data(as_text=True)
    assert "Product NPS" in page and "Their NPS" not in page
    assert f'data-workspace=&#34;{world["home"].public_key}&#34; async&gt;&lt;/script&gt;' in page  # shown as text
    assert "/w/widget.js" in page


def test_create_survey(client, login, world):
    login(world["owner"])
    response = client.post("/app/home-co/surveys/new", data=VALID)
    assert response.status_code == 302
    survey = _db.session.query(Survey).filter_by(name="Checkout CSAT").one()
    assert survey.kind == SurveyKind.CSAT and survey.sampling_percent == 25 and survey.recontact_days == 60
    assert survey.trigger == {"type": "url", "delay_seconds": 2, "url": "/checkout*"}
    assert survey.texts["en"]["question"] == "How was checkout?" and survey.texts["fr"]["question"] == "Le paiement ?"
    assert survey.channels == ["widget", "email"]


def test_edit_survey_keeps_other_wording_and_shows_preview(client, login, world):
    login(world["owner"])
    survey = world["survey"]
    data = {**VALID, "name": "NPS v2", "locales": "en", "texts.en.question": "Would you recommend us?",
            "trigger_type": "event", "trigger_value": "finished_onboarding"}
    assert client.post(f"/app/home-co/surveys/{survey.id}", data=data).status_code == 302
    _db.session.expire_all()
    assert survey.name == "NPS v2" and list(survey.texts) == ["en"]
    assert survey.texts["en"]["question"] == "Would you recommend us?"
    assert survey.texts["en"]["low_label"] == "Not at all likely"  # the rest of the wording is kept
    assert survey.trigger["event"] == "finished_onboarding"
    page = client.get(f"/app/home-co/surveys/{survey.id}").get_data(as_text=True)
    assert 'data-testid="preview"' in page and 'value="Would you recommend us?"' in page


@pytest.mark.parametrize("change, field", [
    ({"sampling_percent": "140"}, "sampling_percent"), ({"locales": ""}, "locales"),
    ({"locales": "english"}, "locales"), ({"trigger_type": "url", "trigger_value": ""}, "trigger_value"),
    ({"kind": "churn_exit", "churn_reasons": ""}, "churn_reasons"), ({"channels": ["pigeon"]}, "channels"),
])
def test_bad_settings_are_refused_and_store_nothing(client, login, world, change, field):
    login(world["owner"])
    response = client.post("/app/home-co/surveys/new", data={**VALID, **change})
    assert response.status_code == 422
    assert _db.session.query(Survey).filter_by(name="Checkout CSAT").count() == 0


def test_other_workspaces_survey_is_not_found(client, login, world):
    login(world["owner"])
    away = world["away_survey"]
    assert client.get(f"/app/home-co/surveys/{away.id}").status_code == 404
    assert client.post(f"/app/home-co/surveys/{away.id}", data=VALID).status_code == 404
    _db.session.expire_all()
    assert away.name == "Their NPS"


def test_viewer_reads_but_cannot_save(client, login, world):
    login(world["viewer"])
    survey = world["survey"]
    assert 'id="save-survey"' not in client.get(f"/app/home-co/surveys/{survey.id}").get_data(as_text=True)
    assert client.post(f"/app/home-co/surveys/{survey.id}", data=VALID).status_code == 403
    assert client.post("/app/home-co/surveys/new", data=VALID).status_code == 403
    _db.session.expire_all()
    assert survey.name == "Product NPS"


def test_invite_typed_addresses_later(client, login, world):
    login(world["owner"])
    survey = world["survey"]
    response = client.post(f"/app/home-co/surveys/{survey.id}/invitations",
                           data={"emails": "ann@example.com\nbob@example.com\n", "delay_hours": "2"})
    assert response.status_code == 302
    requests = _db.session.query(SurveyRequest).filter_by(survey_id=survey.id).all()
    assert sorted(r.person_id is not None for r in requests) == [True, True]
    assert all(r.status == RequestStatus.PENDING for r in requests)


def test_invite_from_csv_reports_bad_lines(client, login, world, app, monkeypatch):
    login(world["owner"])
    survey = world["survey"]
    csv_file = (io.BytesIO(b"email,name,plan\nann@example.com,Ann,pro\nnot-an-email,Bob,free\n"), "people.csv")
    with aiosmtpd_server() as port:
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        page = client.post(f"/app/home-co/surveys/{survey.id}/invitations", data={"file": csv_file},
                           content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "1 invitation made." in page and "line 3" in page
    assert _db.session.query(SurveyRequest).filter_by(survey_id=survey.id).count() == 1


def test_invitations_to_another_workspaces_survey_are_not_found(client, login, world):
    login(world["owner"])
    response = client.post(f"/app/home-co/surveys/{world['away_survey'].id}/invitations",
                           data={"emails": "ann@example.com"})
    assert response.status_code == 404
    assert _db.session.query(SurveyRequest).count() == 0


def test_viewer_cannot_invite(client, login, world):
    login(world["viewer"])
    response = client.post(f"/app/home-co/surveys/{world['survey'].id}/invitations", data={"emails": "a@example.com"})
    assert response.status_code == 403
    assert _db.session.query(SurveyRequest).count() == 0


class _Accept:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


@contextlib.contextmanager
def aiosmtpd_server():
    """A real SMTP server on loopback that accepts every message."""
    port = free_port()
    controller = Controller(_Accept(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()

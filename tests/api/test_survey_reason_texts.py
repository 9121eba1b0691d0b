"""/api surveys: churn reasons per locale (``churn_reason_texts``), and only the channels and reasons that apply."""
import pytest

from feedback_app.api.openapi import document
from feedback_app.extensions import db as _db
from feedback_app.models import Survey
from tests.factories import create_survey

CHURN = {"name": "Leaving", "kind": "churn_exit", "texts": {"en": {}, "fr": {}},
         "churn_reasons": ["Too expensive", "Missing features"],
         "churn_reason_texts": {"fr": {"Too expensive": "Trop cher", "Missing features": "Il manque des choses"}}}


def test_churn_reasons_round_trip_with_their_texts_per_locale(client, headers):
    created = client.post("/api/surveys", headers=headers, json=CHURN)
    assert created.status_code == 201, created.get_json()
    survey = created.get_json()
    assert survey["churn_reasons"] == ["Too expensive", "Missing features"]
    assert survey["churn_reason_texts"] == {
        "en": {"Too expensive": "Too expensive", "Missing features": "Missing features"},
        "fr": {"Too expensive": "Trop cher", "Missing features": "Il manque des choses"}}
    # The English wording changes; the key, which answers store, stays.
    changed = client.patch(f"/api/surveys/{survey['id']}", headers=headers, json={"churn_reason_texts": {
        "en": {"Too expensive": "Price too high"}, "fr": {"Too expensive": "Trop cher"}}})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["churn_reasons"] == ["Too expensive", "Missing features"]
    assert changed.get_json()["churn_reason_texts"] == {
        "en": {"Too expensive": "Price too high", "Missing features": "Missing features"},
        "fr": {"Too expensive": "Trop cher"}}


def test_the_document_describes_the_reason_texts(app):
    with app.test_request_context():
        spec = document()
    settings = spec["paths"]["/surveys"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert settings["properties"]["churn_reason_texts"]["additionalProperties"]["additionalProperties"][
        "maxLength"] == 200
    assert "churn_reason_texts" in spec["components"]["schemas"]["Survey"]["required"]
    assert settings["properties"]["channels"]["items"]["enum"] == ["widget", "link", "email"]


@pytest.mark.parametrize("body, field", [
    ({**CHURN, "churn_reason_texts": {"de": {"Too expensive": "Zu teuer"}}}, "churn_reason_texts.de"),
    ({**CHURN, "churn_reason_texts": {"fr": {"Bored": "Ennuyé"}}}, "churn_reason_texts.fr.Bored"),
    ({**CHURN, "churn_reason_texts": {"fr": {"Too expensive": "Missing features"}}},
     "churn_reason_texts.fr.Too expensive"),
    ({**CHURN, "churn_reasons": ["Too expensive", "Too expensive"], "churn_reason_texts": {}}, "churn_reasons.1"),
    ({**CHURN, "churn_reasons": []}, "churn_reasons"),
    ({"name": "NPS", "kind": "nps", "churn_reasons": ["Too expensive"]}, "churn_reasons"),
    ({"name": "NPS", "kind": "nps", "channels": ["widget", "api"]}, "channels"),
    ({"name": "NPS", "kind": "nps", "channels": ["import"]}, "channels"),
])
def test_reasons_and_channels_that_do_not_apply_are_refused_with_422(client, headers, body, field):
    response = client.post("/api/surveys", headers=headers, json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert _db.session.query(Survey).count() == 0


def test_changing_a_surveys_channels_to_the_api_is_refused_with_422(client, workspace, headers):
    survey = create_survey(workspace)
    response = client.patch(f"/api/surveys/{survey.id}", headers=headers, json={"channels": ["api"]})
    assert response.status_code == 422 and "channels" in response.get_json()["errors"]
    _db.session.expire_all()
    assert survey.channels == ["widget", "link", "email"]


def test_reasons_for_a_survey_of_another_type_are_refused_naming_the_field(client, workspace, headers):
    survey = create_survey(workspace)  # NPS: its stored type decides, like every value that does not fit it (409)
    response = client.patch(f"/api/surveys/{survey.id}", headers=headers, json={"churn_reasons": ["Too slow"]})
    assert response.status_code == 409
    assert response.get_json()["errors"]["churn_reasons"] == ["only churn-exit surveys have reasons"]
    _db.session.expire_all()
    assert survey.churn_reasons == []


def test_an_answer_names_its_reason_by_key_or_by_any_locales_text(client, workspace, headers):
    survey = client.post("/api/surveys", headers=headers, json=CHURN).get_json()
    client.patch(f"/api/surveys/{survey['id']}", headers=headers, json={"status": "active"})
    stored = [client.post("/api/responses", headers=headers, json={"survey_id": survey["id"], "churn_reason": text})
              for text in ("Trop cher", "Too expensive")]
    assert [answer.status_code for answer in stored] == [201, 201], stored[0].get_json()
    assert [answer.get_json()["churn_reason"] for answer in stored] == ["Too expensive", "Too expensive"]


def test_a_surveys_reasons_from_an_older_form_stay_and_do_not_block_its_other_changes(client, workspace, headers):
    survey = create_survey(workspace, name="Support CSAT")  # an older form stored reasons on every type
    survey.churn_reasons, survey.churn_reason_texts = ["Slow"], {"en": {"Slow": "Slow"}}
    _db.session.commit()
    changed = client.patch(f"/api/surveys/{survey.id}", headers=headers, json={"name": "Support NPS"})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["churn_reasons"] == ["Slow"]


def test_reasons_and_locales_removed_take_their_texts_along(client, headers):
    survey = client.post("/api/surveys", headers=headers, json=CHURN).get_json()
    changed = client.patch(f"/api/surveys/{survey['id']}", headers=headers,
                           json={"churn_reasons": ["Too expensive"], "texts": {"en": survey["texts"]["en"]}})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["churn_reason_texts"] == {"en": {"Too expensive": "Too expensive"}}

"""The widget's JSON API: origins, targeting answers, partial answers, bad input, bots and identity."""
import hashlib
import hmac

import pytest
from sqlalchemy import func, select

from feedback_app.models import Person, Response, SurveyDisplay, SurveyKind
from tests.factories import create_survey, create_user, create_workspace
from tests.widgets.conftest import ORIGIN, new_key


def responses_count(db):
    return db.session.scalar(select(func.count(Response.id)))


def answer_url(workspace, survey):
    return f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses"


def test_loader_is_served_as_javascript(client):
    response = client.get("/w/widget.js")
    assert response.status_code == 200
    assert "javascript" in response.content_type
    assert b"feedbackLoop" in response.data


def test_config_lists_the_survey_with_texts_in_the_browser_language(workspace, post):
    survey = create_survey(workspace, SurveyKind.NPS, trigger={"type": "page_load", "delay_seconds": 2})
    response = post(f"/w/api/{workspace.public_key}/config",
                    {"visitor_id": "visitor-12345", "language": "fr-CA"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    [shown] = response.json["surveys"]
    assert shown["token"] == survey.token
    assert shown["locale"] == "fr"
    assert shown["texts"]["question"].startswith("Quelle est la probabilité")
    assert shown["trigger"] == {"type": "page_load", "delay_seconds": 2}
    assert shown["scale"] == {"min": 0, "max": 10}


def test_preflight_from_an_allowed_origin_is_answered(workspace, client):
    response = client.options(f"/w/api/{workspace.public_key}/config",
                              headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                       "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("origin", ["https://evil.example.net", None, "null"])
def test_a_disallowed_origin_gets_403_and_nothing_is_stored(workspace, post, db, origin):
    survey = create_survey(workspace, SurveyKind.NPS)
    response = post(answer_url(workspace, survey), {"score": 9, "submission_key": new_key()}, origin=origin)
    assert response.status_code == 403
    assert response.json["error"] == "Forbidden"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert responses_count(db) == 0


def test_the_api_is_its_own_app_with_the_app_settings_and_none_of_its_request_hooks(app, workspace, post):
    api = app.extensions["widget_api"]
    assert api is not app and api.config is app.config
    assert not api.before_request_funcs.get(None) and not api.after_request_funcs.get(None)
    assert app.before_request_funcs.get(None)  # the dashboard's CSRF and rate-limit checks, for instance
    survey = create_survey(workspace, SurveyKind.NPS)
    answered = post(answer_url(workspace, survey), {"score": 9, "submission_key": new_key()})
    assert answered.status_code == 202 and answered.json["submission_id"]
    missing = post(f"/w/api/{workspace.public_key}/nothing-here", {})
    assert missing.status_code == 404 and missing.json["error"] == "Not Found"  # JSON errors under the mount


def test_the_score_then_the_comment_make_one_response(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    key = new_key()
    first = post(answer_url(workspace, survey), {"score": 3, "submission_key": key, "visitor_id": "visitor-1234"})
    assert first.status_code == 202, first.json
    second = post(answer_url(workspace, survey),
                  {"score": 3, "comment": "Too slow <b>today</b>", "submission_key": key, "visitor_id": "visitor-1234"})
    assert second.status_code == 202
    [stored] = db.session.scalars(select(Response)).all()
    assert (stored.score, stored.comment, stored.channel) == (3, "Too slow <b>today</b>", "widget")


def test_an_identified_answer_carries_the_person_and_their_properties(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.CSAT)
    identity = {"id": "u-42", "email": "ann@example.com", "name": "Ann", "properties": {"plan": "pro"}}
    response = post(answer_url(workspace, survey), {"score": 5, "submission_key": new_key(), "identity": identity})
    assert response.status_code == 202, response.json
    stored = db.session.scalar(select(Response))
    person = db.session.get(Person, stored.person_id)
    assert (person.external_id, person.email) == ("u-42", "ann@example.com")
    assert stored.properties == {"plan": "pro"}
    assert person.last_surveyed_at is not None


def test_churn_exit_stores_reason_comment_and_what_would_have_kept_them(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.CHURN_EXIT)
    key = new_key()
    first = post(answer_url(workspace, survey), {"churn_reason": "Too expensive", "submission_key": key})
    assert first.status_code == 202
    post(answer_url(workspace, survey), {"churn_reason": "Too expensive", "comment": "Budget cut",
                                         "kept": "A cheaper plan", "submission_key": key})
    stored = db.session.scalar(select(Response))
    assert (stored.churn_reason, stored.comment, stored.answers) == ("Too expensive", "Budget cut",
                                                                     {"kept": "A cheaper plan"})


@pytest.mark.parametrize("kind, body, field", [
    (SurveyKind.NPS, {"score": 11}, "score"),
    (SurveyKind.NPS, {"score": -1}, "score"),
    (SurveyKind.CSAT, {"score": 0}, "score"),
    (SurveyKind.CES, {"score": 8}, "score"),
    (SurveyKind.NPS, {"score": "9"}, "score"),
    (SurveyKind.NPS, {"score": True}, "score"),
    (SurveyKind.NPS, {"score": 9, "comment": ["list"]}, "comment"),
    (SurveyKind.NPS, {"score": 9, "answers": "text"}, "answers"),
    (SurveyKind.NPS, {"score": 9, "answers": {"nope": 1}}, "answers.nope"),
    (SurveyKind.NPS, {}, "score"),
    (SurveyKind.CHURN_EXIT, {"churn_reason": "Bored"}, "churn_reason"),
    (SurveyKind.NPS, {"score": 9, "identity": "ann"}, "identity"),
    (SurveyKind.NPS, {"score": 9, "identity": {"id": "1", "email": "not-an-email"}}, "identity.email"),
    # Acknowledged by main, then never recorded: every column limit is checked before the 202.
    (SurveyKind.NPS, {"score": 9, "identity": {"id": "u", "name": 12345}}, "identity.name"),
    (SurveyKind.NPS, {"score": 9, "identity": {"id": "u" * 129}}, "identity.id"),
    (SurveyKind.NPS, {"score": 9, "identity": {"id": "u", "locale": "x" * 17}}, "identity.locale"),
    (SurveyKind.NPS, {"score": 9, "identity": {"id": "u", "properties": {"p" * 101: 1}}}, "identity.properties"),
    (SurveyKind.NPS, {"score": 9, "display_id": 2**64}, "display_id"),
    (SurveyKind.NPS, {"score": 9, "comment": "c" * 10_001}, "comment"),
    (SurveyKind.CUSTOM, {}, "answers"),
])
def test_bad_answers_get_422_naming_the_field_and_store_nothing(workspace, post, db, kind, body, field):
    survey = create_survey(workspace, kind)
    response = post(answer_url(workspace, survey), {"submission_key": new_key(), **body})
    assert response.status_code == 422, response.json
    assert response.json["error"] == "Unprocessable Entity"
    assert field in response.json["errors"]
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN  # the widget may read why
    assert responses_count(db) == 0
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_a_missing_submission_key_is_refused(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    response = post(answer_url(workspace, survey), {"score": 9})
    assert response.status_code == 422
    assert "submission_key" in response.json["errors"]
    assert responses_count(db) == 0


def test_a_body_that_is_not_json_gets_400(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    response = client.post(answer_url(workspace, survey), data="score=9", headers={"Origin": ORIGIN},
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "JSON" in response.json["message"]
    assert responses_count(db) == 0


def test_an_oversized_body_gets_413(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    response = post(answer_url(workspace, survey), {"score": 9, "submission_key": new_key(), "comment": "x" * 20000})
    assert response.status_code == 413
    assert response.json["error"] == "Request Entity Too Large"
    assert responses_count(db) == 0


def test_an_unknown_survey_or_key_gets_404(workspace, post, db):
    other = create_survey(create_workspace("Other Co", allowed_origins=[ORIGIN]), SurveyKind.NPS)
    assert post(answer_url(workspace, other), {"score": 9, "submission_key": new_key()}).status_code == 404
    assert post(f"/w/api/{workspace.public_key}/surveys/nope/responses",
                {"score": 9, "submission_key": new_key()}).status_code == 404
    assert post("/w/api/pk_unknown/config", {}).status_code == 404
    assert responses_count(db) == 0


def test_the_honeypot_drops_the_answer_quietly(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    response = post(answer_url(workspace, survey), {"score": 9, "submission_key": new_key(),
                                                    "website": "http://spam.example"})
    assert response.status_code == 202
    assert responses_count(db) == 0


def test_a_replayed_submission_never_duplicates(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    body = {"score": 10, "submission_key": new_key()}
    statuses = [post(answer_url(workspace, survey), body).status_code for _ in range(3)]
    assert statuses == [202] * 3
    assert responses_count(db) == 1


@pytest.fixture()
def verified_workspace(workspace, db):
    workspace.require_identity_verification = True
    db.session.commit()
    return workspace


def _signed(workspace, user_id):
    return hmac.new(workspace.identity_secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize("identity", [
    {"id": "u-1"},
    {"id": "u-1", "user_hash": "0" * 64},
    {"email": "ann@example.com"},
])
def test_unsigned_or_wrongly_signed_identities_get_403_when_verification_is_on(
        verified_workspace, post, db, identity):
    survey = create_survey(verified_workspace, SurveyKind.NPS)
    response = post(answer_url(verified_workspace, survey),
                    {"score": 9, "submission_key": new_key(), "identity": identity})
    assert response.status_code == 403
    assert "verified" in response.json["message"]
    assert responses_count(db) == 0


def test_a_signed_identity_is_accepted_when_verification_is_on(verified_workspace, post, db):
    survey = create_survey(verified_workspace, SurveyKind.NPS)
    identity = {"id": "u-1", "user_hash": _signed(verified_workspace, "u-1")}
    response = post(answer_url(verified_workspace, survey), {"score": 9, "submission_key": new_key(),
                                                             "identity": identity})
    assert response.status_code == 202
    assert db.session.scalar(select(Response)).person.external_id == "u-1"


def test_a_display_then_a_dismissal_are_recorded_and_respected(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    visitor = {"visitor_id": "visitor-abcdef"}
    shown = post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/displays", {**visitor, "url": "https://x/"})
    assert shown.status_code == 201
    display_id = shown.json["display_id"]
    assert post(f"/w/api/{workspace.public_key}/displays/{display_id}/dismiss",
                {"visitor_id": "visitor-someone-else"}).status_code == 404
    assert post(f"/w/api/{workspace.public_key}/displays/{display_id}/dismiss", visitor).status_code == 200
    assert db.session.get(SurveyDisplay, display_id).outcome == "dismissed"
    config = post(f"/w/api/{workspace.public_key}/config", visitor)
    assert config.json["surveys"] == []


def test_an_answer_marks_its_display_answered(workspace, post, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    visitor = {"visitor_id": "visitor-abcdef"}
    display_id = post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/displays", visitor).json["display_id"]
    post(answer_url(workspace, survey), {**visitor, "score": 8, "submission_key": new_key(), "display_id": display_id})
    assert db.session.get(SurveyDisplay, display_id).outcome == "answered"


def test_custom_questions_are_answered_by_choice_number_and_stored_as_labels(workspace, post, db):
    from feedback_app.models import QuestionKind
    from feedback_app.models.survey import Question

    survey = create_survey(workspace, SurveyKind.CSAT)
    survey.questions = [Question(key="area", kind=QuestionKind.MULTIPLE_CHOICE, prompts={"en": "Which areas?"},
                                 options={"choices": {"en": ["Billing", "Reports", "Support"]}})]
    db.session.commit()
    config = post(f"/w/api/{workspace.public_key}/config", {"visitor_id": "visitor-12345"}).json
    assert config["surveys"][0]["questions"][0]["choices"] == ["Billing", "Reports", "Support"]
    body = {"score": 4, "submission_key": new_key(), "answers": {"area": [2, 0]}}
    response = post(answer_url(workspace, survey), body)
    assert response.status_code == 202, response.json
    assert db.session.scalar(select(Response.answers)) == {"area": ["Billing", "Support"]}
    bad = post(answer_url(workspace, survey), {"score": 4, "submission_key": new_key(), "answers": {"area": [7]}})
    assert bad.status_code == 422 and "answers.area" in bad.json["errors"]


def test_an_answer_sets_no_cookie_and_a_login_session_still_works(workspace, post, client, db, login):
    survey = create_survey(workspace, SurveyKind.NPS)
    answered = post(answer_url(workspace, survey), {"score": 9, "submission_key": new_key()})
    assert answered.status_code == 202
    assert "Set-Cookie" not in answered.headers
    # The API app keeps no session: its answers depend on the Origin, never on a cookie.
    assert {value.strip() for value in answered.headers["Vary"].split(",")} == {"Origin"}

    user = create_user(workspace)
    assert "session=" in login(user).headers["Set-Cookie"]
    assert client.get(f"/app/{workspace.slug}/").status_code == 200


@pytest.mark.parametrize("raw", ['{"score": NaN, "submission_key": "kkkkkkkkkkkkkkkkkkkk"}',
                                 '{"score": 9, "comment": "x", "identity": {"id": "u", "properties": {"p": Infinity}}}',
                                 '{"score": 1e999}', "[" * 40 + "]" * 40, "not json"])
def test_bodies_json_cannot_round_trip_are_refused_with_400(workspace, client, db, raw):
    survey = create_survey(workspace, SurveyKind.NPS)
    response = client.post(answer_url(workspace, survey), data=raw, content_type="application/json",
                           headers={"Origin": ORIGIN})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert responses_count(db) == 0

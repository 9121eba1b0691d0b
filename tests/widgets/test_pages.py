"""Hosted survey pages and emailed score links, through the test client (no JavaScript involved)."""
import re

import pytest
from sqlalchemy import func, select

from feedback_app.models import Channel, QuestionKind, RequestStatus, Response, SurveyKind
from feedback_app.models.survey import Question
from feedback_app.services.collection import invitations, targeting as collection
from tests.factories import create_person, create_survey


def count(db):
    return db.session.scalar(select(func.count(Response.id)))


def comment_path(page):
    return re.sub(r"^https?://[^/]+", "", page.headers["Location"])


def test_the_public_page_records_the_score_then_the_comment_on_the_same_response(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    page = client.get(f"/s/{survey.token}", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert page.status_code == 200
    assert "Quelle est la probabilité" in page.get_data(as_text=True)
    answered = client.post(f"/s/{survey.token}", data={"score": "4"})
    assert answered.status_code == 303
    comment = client.get(comment_path(answered))
    assert "What disappointed you most" in comment.get_data(as_text=True)
    assert count(db) == 1
    done = client.post(comment_path(answered), data={"comment": "<script>alert(1)</script>"})
    assert done.status_code == 200
    stored = db.session.scalar(select(Response))
    assert (stored.score, stored.comment, stored.channel) == (4, "<script>alert(1)</script>", Channel.LINK)
    assert "<script>alert(1)" not in client.get(comment_path(answered)).get_data(as_text=True)


@pytest.mark.parametrize("score", ["11", "-1", "ten", ""])
def test_a_bad_score_redisplays_the_form_with_422_and_stores_nothing(workspace, client, db, score):
    survey = create_survey(workspace, SurveyKind.NPS)
    response = client.post(f"/s/{survey.token}", data={"score": score})
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    assert count(db) == 0


def test_the_honeypot_stores_nothing(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    assert client.post(f"/s/{survey.token}", data={"score": "9", "website": "spam"}).status_code == 422
    assert count(db) == 0


def test_an_unknown_survey_page_is_a_clear_404_page(client, db):
    response = client.get("/s/not-a-survey")
    assert response.status_code == 404
    assert "Survey not found" in response.get_data(as_text=True)


def test_a_churn_exit_page_needs_a_reason_from_the_list(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.CHURN_EXIT)
    assert client.post(f"/s/{survey.token}", data={"churn_reason": "Bored"}).status_code == 422
    answered = client.post(f"/s/{survey.token}", data={"churn_reason": "Too expensive"})
    client.post(comment_path(answered), data={"comment": "Costs", "kept": "Discount"})
    stored = db.session.scalar(select(Response))
    assert (stored.churn_reason, stored.comment, stored.answers["kept"]) == ("Too expensive", "Costs", "Discount")


def test_a_custom_survey_page_stores_its_questions(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.CUSTOM)
    survey.questions = [
        Question(key="color", kind=QuestionKind.SINGLE_CHOICE, prompts={"en": "Colour?"},
                 options={"choices": {"en": ["Red", "Blue"], "fr": ["Rouge", "Bleu"]}}, required=True, position=0),
        Question(key="stars", kind=QuestionKind.RATING, prompts={"en": "Stars?"}, options={"max": 5}, position=1),
        Question(key="tags", kind=QuestionKind.MULTIPLE_CHOICE, prompts={"en": "Which?"},
                 options={"choices": {"en": ["A", "B", "C"]}}, position=2),
    ]
    db.session.commit()
    assert client.post(f"/s/{survey.token}", data={"stars": "3"}).status_code == 422  # colour is required
    response = client.post(f"/s/{survey.token}", data={"q_color": "1", "q_stars": "4", "q_tags": ["0", "2"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert db.session.scalar(select(Response)).answers == {"color": "Blue", "stars": 4, "tags": ["A", "C"]}


def _sent_request(workspace, survey, **person):
    [request] = invitations.invite_people(workspace, survey, [create_person(workspace, **person)])
    return request


def test_a_score_link_records_at_once_and_a_second_click_changes_the_same_response(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    request = _sent_request(workspace, survey)
    token = invitations.answer_token(request)
    first = client.get(f"/s/r/{token}/9")
    assert first.status_code == 303
    assert db.session.scalar(select(Response)).score == 9
    second = client.get(f"/s/r/{token}/6")
    assert second.status_code == 303
    db.session.expire_all()
    [stored] = db.session.scalars(select(Response)).all()
    assert (stored.score, stored.channel, stored.survey_request_id) == (6, Channel.EMAIL, request.id)
    assert db.session.get(type(request), request.id).status == RequestStatus.ANSWERED
    client.post(comment_path(second), data={"comment": "Okay"})
    db.session.expire_all()
    assert db.session.scalar(select(Response)).comment == "Okay"


def test_a_tampered_token_gets_a_clear_page_and_stores_nothing(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    token = invitations.answer_token(_sent_request(workspace, survey))
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/s/r/{tampered}/9")
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)
    assert count(db) == 0


def test_a_token_made_for_another_purpose_is_refused(workspace, client, db, app):
    survey = create_survey(workspace, SurveyKind.NPS)
    request = _sent_request(workspace, survey)
    from feedback_app.services.tokens import make_token

    forged = make_token("unsubscribe", {"w": workspace.id, "r": request.id})
    assert client.get(f"/s/r/{forged}/9").status_code == 400
    assert count(db) == 0


def test_an_expired_token_is_refused(workspace, client, db, monkeypatch):
    survey = create_survey(workspace, SurveyKind.NPS)
    token = invitations.answer_token(_sent_request(workspace, survey))
    monkeypatch.setattr(invitations, "ANSWER_TOKEN_MAX_AGE", -1)
    response = client.get(f"/s/r/{token}/9")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert count(db) == 0


def test_a_score_out_of_range_in_a_link_stores_nothing(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.CSAT)
    token = invitations.answer_token(_sent_request(workspace, survey))
    response = client.get(f"/s/r/{token}/9")
    assert response.status_code == 422
    assert "between 1 and 5" in response.get_data(as_text=True)
    assert count(db) == 0


def test_a_cancelled_invitation_link_is_closed(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    request = _sent_request(workspace, survey)
    token = invitations.answer_token(request)
    assert invitations.cancel_pending_requests(workspace, invitations.request_parts(request)[2]) == 1
    assert client.get(f"/s/r/{token}/9").status_code == 404
    assert count(db) == 0


def test_a_tampered_comment_token_is_refused(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.NPS)
    answered = client.post(f"/s/{survey.token}", data={"score": "9"})
    path = comment_path(answered)
    response = client.post(path[:-3] + "xyz", data={"comment": "hijack"})
    assert response.status_code == 400
    assert db.session.scalar(select(Response)).comment is None
    assert collection.COMMENT_TOKEN_MAX_AGE > 0

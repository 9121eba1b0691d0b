"""Churn-exit reasons in the visitor's language on the widget and the hosted page, stored under one key."""
import pytest
from sqlalchemy import select

from feedback_app.models import Response, Role, Survey, SurveyKind
from feedback_app.services import demo
from feedback_app.services.insights import reports
from tests.factories import create_survey, create_user
from tests.widgets.conftest import new_key

FRENCH = {"Too expensive": "Trop cher", "Missing features": "Il manque des fonctionnalités"}


@pytest.fixture()
def survey(workspace):
    return create_survey(workspace, SurveyKind.CHURN_EXIT, churn_reason_texts={"fr": FRENCH})


def _config(post, workspace, language):
    response = post(f"/w/api/{workspace.public_key}/config", {"visitor_id": "visitor-12345", "language": language})
    [shown] = response.json["surveys"]
    return shown


def test_widget_config_gives_the_reasons_in_the_visitors_language(workspace, post, survey):
    shown = _config(post, workspace, "fr-FR")
    assert (shown["locale"], shown["churn_reasons"]) == ("fr", ["Trop cher", "Il manque des fonctionnalités"])


def test_widget_config_falls_back_to_the_default_locales_reasons(workspace, post, survey, db):
    survey.churn_reason_texts = {"en": {"Too expensive": "Too expensive", "Missing features": "Missing features"},
                                 "fr": {"Too expensive": "Trop cher"}}  # one French text not written yet
    db.session.commit()
    assert _config(post, workspace, "fr")["churn_reasons"] == ["Trop cher", "Missing features"]
    assert _config(post, workspace, "de")["churn_reasons"] == ["Too expensive", "Missing features"]


def test_a_french_widget_answer_is_stored_under_the_reasons_key(workspace, post, survey, db):
    answered = post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses",
                    {"churn_reason": "Trop cher", "submission_key": new_key(), "language": "fr"})
    assert answered.status_code == 202, answered.json
    assert db.session.scalar(select(Response.churn_reason)) == "Too expensive"


def test_hosted_page_shows_french_reasons_and_stores_the_key(client, survey, db):
    page = client.get(f"/s/{survey.token}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Trop cher" in page and "Il manque des fonctionnalités" in page and "Missing features</label>" not in page
    response = client.post(f"/s/{survey.token}", data={"churn_reason": "Too expensive"},
                           headers={"Accept-Language": "fr"})
    assert response.status_code == 303  # on to the comment step
    stored = db.session.scalar(select(Response))
    assert (stored.churn_reason, stored.locale) == ("Too expensive", "fr")


def test_french_and_english_answers_count_as_one_reason_in_the_overview(workspace, post, survey, db):
    for text in ("Trop cher", "Too expensive", "Missing features"):
        post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses",
             {"churn_reason": text, "submission_key": new_key()})
    report = reports.overview(workspace, reports.make_filters())
    assert [(row["reason"], row["count"]) for row in report["churn_reasons"]] == [
        ("Too expensive", 2), ("Missing features", 1)]


def test_a_reason_renamed_keeps_its_answers_under_its_new_wording(workspace, post, survey, db):
    post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses",
         {"churn_reason": "Too expensive", "submission_key": new_key()})
    survey.churn_reason_texts = {**survey.churn_reason_texts, "en": {"Too expensive": "Price too high",
                                                                     "Missing features": "Missing features"}}
    db.session.commit()
    post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses",
         {"churn_reason": "Price too high", "submission_key": new_key()})
    assert db.session.scalars(select(Response.churn_reason)).all() == ["Too expensive", "Too expensive"]
    report = reports.overview(workspace, reports.make_filters())
    assert [(row["reason"], row["key"], row["count"]) for row in report["churn_reasons"]] == [
        ("Price too high", "Too expensive", 2)]


def test_demo_cancellation_survey_shows_french_visitors_french_reasons(client, db):
    workspace = demo.seed_demo(n_responses=60, seed=1).workspace
    churn = db.session.scalar(select(Survey).where(Survey.workspace_id == workspace.id,
                                                   Survey.kind == SurveyKind.CHURN_EXIT))
    page = client.get(f"/s/{churn.token}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Trop cher" in page and "Je n&#39;en ai plus besoin" in page and "Too expensive</label>" not in page
    stored = set(db.session.scalars(select(Response.churn_reason).where(Response.survey_id == churn.id)))
    assert stored and stored <= set(churn.churn_reasons)  # the answers name the reasons by their English keys


def test_dashboard_names_an_answers_reason_as_the_survey_words_it_now(client, login, workspace, post, survey, db):
    post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses",
         {"churn_reason": "Trop cher", "submission_key": new_key()})
    survey.churn_reason_texts = {**survey.churn_reason_texts, "en": {"Too expensive": "Price too high",
                                                                     "Missing features": "Missing features"}}
    db.session.commit()
    login(create_user(workspace, role=Role.OWNER))
    response_id = db.session.scalar(select(Response.id))
    assert "Churn reason: Price too high" in client.get(
        f"/app/{workspace.slug}/responses/{response_id}").get_data(as_text=True)
    inbox = client.get(f"/app/{workspace.slug}/responses").get_data(as_text=True)
    assert '<td class="comment">Price too high</td>' in inbox

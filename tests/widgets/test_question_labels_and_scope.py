"""The widget and hosted page show a rating's end labels in the visitor's locale; the config honours recontact scope."""
import pytest

from feedback_app.models import RecontactScope, SurveyKind
from feedback_app.services.collection import survey_builder, targeting as collection
from tests.factories import create_survey

LABELS = {"en": {"low": "Hard", "high": "Easy"}, "fr": {"low": "Difficile"}}


@pytest.fixture()
def custom(workspace, db):
    survey = create_survey(workspace, SurveyKind.CUSTOM)  # en (default) and fr
    survey_builder.add_question(workspace, survey, kind="rating", key="ease", scale_max=5, labels=LABELS,
                                prompts={"en": "How easy?", "fr": "Facile ?"})
    return survey


def _config(workspace, post, language, visitor="visitor-12345"):
    response = post(f"/w/api/{workspace.public_key}/config", {"visitor_id": visitor, "language": language})
    assert response.status_code == 200
    return response.json["surveys"]


@pytest.mark.parametrize(("language", "low", "high"), [("fr-FR", "Difficile", "Easy"), ("en-US", "Hard", "Easy"),
                                                       ("de", "Hard", "Easy")])
def test_widget_config_gives_rating_labels_in_the_visitors_locale_else_the_default(
        workspace, post, custom, language, low, high):
    [shown] = _config(workspace, post, language)
    [question] = shown["questions"]
    assert (question["low_label"], question["high_label"]) == (low, high)


def test_hosted_page_shows_rating_labels_in_the_visitors_locale(workspace, client, custom):
    page = client.get(f"/s/{custom.token}", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    ends = page.split('data-testid="ends-q_ease"', 1)[1].split("</div>", 1)[0]
    assert "<span>Difficile</span><span>Easy</span>" in ends


def test_hosted_page_shows_no_ends_for_a_rating_without_labels(workspace, client, db):
    survey = create_survey(workspace, SurveyKind.CUSTOM)
    survey_builder.add_question(workspace, survey, kind="rating", key="stars", scale_max=5,
                                prompts={"en": "Stars?", "fr": "Étoiles ?"})
    page = client.get(f"/s/{survey.token}").get_data(as_text=True)
    assert 'name="q_stars"' in page and "data-testid=\"ends-" not in page


@pytest.mark.parametrize(("scope", "shown"), [(RecontactScope.SURVEY, ["ces"]), (RecontactScope.WORKSPACE, [])])
def test_widget_config_after_an_nps_display_offers_ces_only_in_the_survey_scope(workspace, post, scope, shown):
    nps = create_survey(workspace, SurveyKind.NPS)
    create_survey(workspace, SurveyKind.CES, recontact_scope=scope)
    collection.record_display(workspace, nps, visitor_id="visitor-12345")
    assert [survey["kind"] for survey in _config(workspace, post, "en")] == shown

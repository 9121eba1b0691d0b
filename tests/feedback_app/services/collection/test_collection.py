"""Targeting of the widget: eligibility, sampling, recontact window, locales."""
from datetime import timedelta

import pytest

from feedback_app.models import SurveyKind
from feedback_app.models.base import utcnow
from feedback_app.services.collection import targeting as collection, widget_config
from feedback_app.services.exceptions import NotFound
from tests.factories import create_person, create_survey, create_workspace


@pytest.fixture()
def workspace(db):
    return create_workspace("Target Co")


def test_an_active_widget_survey_is_eligible_for_a_new_visitor(workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    assert collection.eligible_surveys(workspace, visitor_id="visitor-0001") == [survey]


def test_nobody_identified_and_no_visitor_id_gets_nothing(workspace):
    create_survey(workspace, SurveyKind.NPS)
    assert collection.eligible_surveys(workspace) == []


def test_inactive_or_non_widget_surveys_are_not_offered(workspace, db):
    create_survey(workspace, SurveyKind.NPS).is_active = False
    create_survey(workspace, SurveyKind.CSAT, channels=["email"])
    db.session.commit()
    assert collection.eligible_surveys(workspace, visitor_id="visitor-0001") == []


def test_someone_answered_recently_is_not_asked_again_across_surveys(workspace, db):
    create_survey(workspace, SurveyKind.NPS)
    create_survey(workspace, SurveyKind.CSAT)
    person = create_person(workspace, last_surveyed_at=utcnow() - timedelta(days=29))
    assert collection.eligible_surveys(workspace, person=person) == []
    person.last_surveyed_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert len(collection.eligible_surveys(workspace, person=person)) == 2


def test_a_survey_may_set_its_own_recontact_window(workspace):
    churn = create_survey(workspace, SurveyKind.CHURN_EXIT, recontact_days=0)
    create_survey(workspace, SurveyKind.NPS)
    person = create_person(workspace, last_surveyed_at=utcnow() - timedelta(hours=1))
    assert collection.eligible_surveys(workspace, person=person) == [churn]


def test_a_display_counts_as_asking_for_the_window(workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    collection.record_display(workspace, survey, visitor_id="visitor-0001")
    assert collection.eligible_surveys(workspace, visitor_id="visitor-0001") == []
    assert collection.eligible_surveys(workspace, visitor_id="visitor-0002") == [survey]
    later = utcnow() + timedelta(days=31)
    assert collection.eligible_surveys(workspace, visitor_id="visitor-0001", now=later) == [survey]


def test_a_dismissal_is_kept_and_only_the_shown_visitor_may_dismiss(workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    display = collection.record_display(workspace, survey, visitor_id="visitor-0001")
    with pytest.raises(NotFound):
        collection.dismiss_display(workspace, display.id, visitor_id="visitor-0002")
    with pytest.raises(NotFound):
        collection.dismiss_display(create_workspace("Other"), display.id, visitor_id="visitor-0001")
    assert collection.dismiss_display(workspace, display.id, visitor_id="visitor-0001").outcome == "dismissed"


def test_sampling_is_deterministic_and_close_to_its_percentage(workspace, db):
    survey = create_survey(workspace, SurveyKind.NPS, sampling_percent=30)
    picks = [collection.in_sample(survey, f"v{i}") for i in range(2000)]
    assert 0.25 < sum(picks) / len(picks) < 0.35
    assert picks == [collection.in_sample(survey, f"v{i}") for i in range(2000)]
    survey.sampling_percent = 0
    assert not any(collection.in_sample(survey, f"v{i}") for i in range(200))


@pytest.mark.parametrize("candidates, expected", [
    (("fr-CA",), "fr"), (("de", "fr"), "fr"), (("de",), "en"), ((None, "en-GB"), "en"), (("FR",), "fr"),
])
def test_pick_locale_falls_back_in_order(workspace, candidates, expected):
    survey = create_survey(workspace, SurveyKind.NPS)
    assert collection.pick_locale(survey, *candidates) == expected


def test_a_survey_of_another_workspace_is_not_found_by_token(workspace):
    other = create_survey(create_workspace("Other"), SurveyKind.NPS)
    with pytest.raises(NotFound):
        widget_config.widget_survey(workspace, other.token)

"""Survey builder pages: questions added, edited, moved, deleted; status; preview JSON; results; closed pages."""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Role, SurveyKind, SurveyStatus
from feedback_app.services.collection import survey_builder, targeting as collection
from tests.factories import create_response, create_survey, create_user, create_workspace

ROLE = {"kind": "single_choice", "prompts.en": "Your role?", "choices.en": "Dev\nOps", "required": "y"}


@pytest.fixture()
def world(db):
    workspace = create_workspace("Build Co")
    survey = create_survey(workspace, SurveyKind.NPS, name="Product NPS")
    survey.texts = {"en": survey.texts["en"]}
    _db.session.commit()
    return {"workspace": workspace, "survey": survey, "owner": create_user(workspace, role=Role.OWNER),
            "viewer": create_user(workspace, role=Role.VIEWER), "url": f"/app/build-co/surveys/{survey.id}"}


def test_question_added_then_edited(client, login, world):
    login(world["owner"])
    assert client.post(f"{world['url']}/questions/new", data=ROLE).status_code == 302
    [question] = world["survey"].questions
    assert question.options == {"choices": {"en": ["Dev", "Ops"]}} and question.required
    edited = {**ROLE, "prompts.en": "What is your role?", "required": ""}
    assert client.post(f"{world['url']}/questions/{question.id}", data=edited).status_code == 302
    _db.session.expire_all()
    assert question.prompts == {"en": "What is your role?"} and not question.required


def test_bad_question_keeps_what_was_typed_and_names_the_field(client, login, world):
    login(world["owner"])
    response = client.post(f"{world['url']}/questions/new", data={**ROLE, "choices.en": "Only"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "2-20 choices" in page and 'value="Your role?"' in page
    assert world["survey"].questions == []


def test_questions_move_and_delete(client, login, world):
    login(world["owner"])
    for prompt in ("First?", "Second?"):
        client.post(f"{world['url']}/questions/new", data={"kind": "text", "prompts.en": prompt})
    first, second = world["survey"].questions
    client.post(f"{world['url']}/questions/{second.id}/move", data={"direction": "up"})
    _db.session.expire_all()
    assert [q.prompts["en"] for q in world["survey"].questions] == ["Second?", "First?"]
    client.post(f"{world['url']}/questions/{first.id}/delete")
    _db.session.expire_all()
    assert [q.prompts["en"] for q in world["survey"].questions] == ["Second?"]


def test_viewer_cannot_add_questions_or_change_status(client, login, world):
    login(world["viewer"])
    assert client.post(f"{world['url']}/questions/new", data=ROLE).status_code == 403
    assert client.post(f"{world['url']}/status", data={"status": "paused"}).status_code == 403
    _db.session.expire_all()
    assert world["survey"].status == SurveyStatus.ACTIVE and world["survey"].questions == []


def test_status_buttons_pause_and_close(client, login, world):
    login(world["owner"])
    client.post(f"{world['url']}/status", data={"status": "closed"})
    page = client.get(world["url"]).get_data(as_text=True)
    assert 'data-testid="survey-status">Closed' in page and 'id="status-active"' not in page


def test_preview_describes_the_unsaved_texts_and_stores_nothing(client, login, world):
    login(world["owner"])
    data = {"name": "Unsaved", "locales": "en", "texts.en.question": "Typed, not saved?"}
    body = client.post(f"{world['url']}/preview", data=data).get_json()
    assert body["survey"]["texts"]["question"] == "Typed, not saved?" and body["locales"] == ["en"]
    _db.session.expire_all()
    assert world["survey"].texts["en"]["question"] != "Typed, not saved?" and world["survey"].name == "Product NPS"


def test_preview_frame_may_be_framed_by_the_dashboard_only(client, login, world):
    login(world["owner"])
    response = client.get(f"{world['url']}/preview-frame")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert "widget-ui-1.js" in response.get_data(as_text=True)


def test_results_show_counts_and_escaped_texts(client, login, world):
    login(world["owner"])
    survey = survey_builder.add_question(world["workspace"], world["survey"], kind="text",
                                         prompts={"en": "Anything else?"}).survey
    create_response(survey, score=3, answers={"q1": "<img src=x onerror=alert(1)>"})
    page = client.get(world["url"]).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def test_closed_survey_page_says_it_is_closed(client, world):
    survey_builder.set_status(world["workspace"], world["survey"], "closed")
    response = client.get(f"/s/{world['survey'].token}")
    assert response.status_code == 410 and "closed" in response.get_data(as_text=True)


def test_new_dashboard_survey_is_a_draft_and_not_on_its_page(client, login, world):
    login(world["owner"])
    data = {"name": "Draft CSAT", "kind": "csat", "locales": "en", "texts.en.question": "Happy?",
            "channels": ["widget", "link"], "trigger_type": "page_load", "delay_seconds": "0",
            "sampling_percent": "100"}
    assert client.post("/app/build-co/surveys/new", data=data).status_code == 302
    draft = _db.session.query(type(world["survey"])).filter_by(name="Draft CSAT").one()
    assert draft.status == SurveyStatus.DRAFT
    assert client.get(f"/s/{draft.token}").status_code == 409


@pytest.mark.parametrize("score, asked", [(3, True), (10, False)])
def test_hosted_comment_page_asks_a_detractor_question_after_a_detractor_score(client, world, score, asked):
    survey_builder.add_question(world["workspace"], world["survey"], kind="text", prompts={"en": "What broke?"},
                                logic={"score_groups": ["detractor"]})
    response = collection.answer_link(world["workspace"], world["survey"], score=score)
    page = client.get(f"/s/c/{collection.comment_token(response)}").get_data(as_text=True)
    assert ("What broke?" in page) is asked


SURVEY_FORM = {"name": "Effort", "kind": "nps", "locales": "en", "texts.en.question": "Easy?", "channels": ["widget"],
               "trigger_type": "page_load", "delay_seconds": "0", "sampling_percent": "100"}


def test_survey_form_saves_the_recontact_scope_and_shows_it(client, login, world):
    login(world["owner"])
    response = client.post(world["url"], data={**SURVEY_FORM, "recontact_scope": "survey"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert world["survey"].recontact_scope.value == "survey"
    page = client.get(world["url"]).get_data(as_text=True)
    assert '<option selected value="survey">' in page or '<option value="survey" selected>' in page


def test_survey_form_refuses_an_unknown_recontact_scope(client, login, world):
    login(world["owner"])
    response = client.post(world["url"], data={**SURVEY_FORM, "recontact_scope": "everyone"})
    assert response.status_code == 422
    _db.session.expire_all()
    assert world["survey"].recontact_scope.value == "workspace"


RATING = {"kind": "rating", "prompts.en": "How easy?", "prompts.fr": "Facile ?", "scale_max": "5",
          "labels.en.low": "Hard", "labels.en.high": "Easy", "labels.fr.low": "Difficile", "labels.fr.high": ""}


def _bilingual(world):
    survey = world["survey"]
    survey.texts = {**survey.texts, "fr": {"question": "Recommanderiez-vous ?"}}
    _db.session.commit()
    return survey


def test_question_form_saves_rating_labels_per_locale_and_shows_them_again(client, login, world):
    login(world["owner"])
    survey = _bilingual(world)
    assert client.post(f"{world['url']}/questions/new", data=RATING).status_code == 302
    [question] = survey.questions
    assert question.options == {"max": 5, "labels": {"en": {"low": "Hard", "high": "Easy"}, "fr": {"low": "Difficile"}}}
    page = client.get(f"{world['url']}/questions/{question.id}").get_data(as_text=True)
    assert 'value="Difficile"' in page and 'value="Easy"' in page


def test_question_form_names_a_label_too_long_beside_its_field(client, login, world):
    login(world["owner"])
    _bilingual(world)
    response = client.post(f"{world['url']}/questions/new", data={**RATING, "labels.fr.high": "x" * 201})
    assert response.status_code == 422 and 'value="How easy?"' in response.get_data(as_text=True)
    assert world["survey"].questions == []


def test_question_preview_describes_the_unsaved_question_and_stores_nothing(client, login, world):
    login(world["owner"])
    _bilingual(world)
    body = client.post(f"{world['url']}/questions/preview", data={**RATING, "preview_locale": "fr"}).get_json()
    [question] = body["survey"]["questions"]
    assert (question["prompt"], question["low_label"], question["high_label"]) == ("Facile ?", "Difficile", "Easy")
    assert body["locales"] == ["en", "fr"]
    _db.session.expire_all()
    assert world["survey"].questions == []


def test_question_preview_of_a_saved_question_shows_the_edit_in_its_place(client, login, world):
    login(world["owner"])
    for prompt in ("First?", "Second?"):
        client.post(f"{world['url']}/questions/new", data={"kind": "text", "prompts.en": prompt})
    first, _second = world["survey"].questions
    body = client.post(f"{world['url']}/questions/{first.id}/preview",
                       data={"kind": "text", "prompts.en": "First, edited?"}).get_json()
    assert [q["prompt"] for q in body["survey"]["questions"]] == ["First, edited?", "Second?"]
    _db.session.expire_all()
    assert first.prompts == {"en": "First?"}


def test_question_page_has_the_live_preview(client, login, world):
    login(world["owner"])
    page = client.get(f"{world['url']}/questions/new").get_data(as_text=True)
    assert f'data-preview-url="{world["url"]}/questions/preview"' in page and "survey-preview.js" in page

"""Delighted's CSV export uploaded as it is: tags, notes and additional questions kept, read back through /v1."""
import base64
import io

import pytest

from feedback_app.models import Question, QuestionKind, Response, Role, SurveyKind
from feedback_app.services.accounts import api_keys
from feedback_app.services.collection import imports
from tests.factories import create_survey, create_user, create_workspace

HEADER = "Response ID,Date,Score,Comment,Name,Email,Tags,Notes,Plan,What could we do better?,Which features do you use?"
EXPORT = HEADER + '''
501,2025-04-01 10:00:00 -0700,4,Slow exports,Ann Lee,ann@example.com,"billing,exports","Called her back
Refund sent",pro,Faster exports,"Reports, Exports"
502,2025-04-02 10:00:00 -0700,10,,Bob,bob@example.com,,,free,,Reports
'''


@pytest.fixture()
def workspace(db):
    return create_workspace("Moving Co")


@pytest.fixture()
def survey(db, workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    # The additional question this survey was given here, named as Delighted's column heads it.
    db.session.add(Question(survey_id=survey.id, key="features", kind=QuestionKind.MULTIPLE_CHOICE, position=1,
                            prompts={"en": "Which features do you use?"},
                            options={"choices": {"en": ["Reports", "Exports", "Alerts"]}}))
    db.session.commit()
    return survey


def _upload(client, workspace, survey, text=EXPORT):
    return client.post(f"/app/{workspace.slug}/data/import", data={
        "file": (io.BytesIO(text.encode()), "delighted-export.csv"), "survey_id": str(survey.id), "mapping": ""},
        content_type="multipart/form-data")


def test_export_upload_keeps_tags_notes_and_additional_answers(client, login, workspace, survey, db):
    login(create_user(workspace, role=Role.MEMBER))
    page = _upload(client, workspace, survey)
    assert page.status_code == 200 and "Imported <strong>2</strong> responses" in page.get_data(as_text=True)
    ann = db.session.query(Response).filter_by(external_id="501").one()
    assert sorted(tag.name for tag in ann.tags) == ["billing", "exports"]
    assert [note.text for note in ann.notes] == ["Called her back", "Refund sent"]
    assert ann.answers == {"features": ["Reports", "Exports"], "What could we do better?": "Faster exports"}
    assert ann.properties == {"Plan": "pro"}  # the question columns are answers, not properties
    bob = db.session.query(Response).filter_by(external_id="502").one()
    assert (bob.answers, [t.name for t in bob.tags], bob.notes) == ({"features": ["Reports"]}, [], [])


def test_imported_export_reads_back_through_v1_as_delighted_served_it(client, workspace, survey, db):
    imports.import_text(workspace, survey, EXPORT)
    _, raw_key = api_keys.create_api_key(workspace)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{raw_key}:".encode()).decode()}
    listed = client.get("/v1/survey_responses.json", headers=auth).get_json()
    ann = next(item for item in listed if item["score"] == 4)
    assert ann["tags"] == ["billing", "exports"]
    assert [note["text"] for note in ann["notes"]] == ["Called her back", "Refund sent"]
    answers = {answer["id"]: answer for answer in ann["additional_answers"]}
    assert answers["features"]["value"] == {"select_many": ["Reports", "Exports"]}
    assert answers["features"]["question"]["text"] == "Which features do you use?"
    assert answers["What could we do better?"]["value"] == {"free_response": "Faster exports"}


def test_a_bad_answer_to_a_scale_question_is_refused_by_line(db, workspace, survey):
    db.session.add(Question(survey_id=survey.id, key="ease", kind=QuestionKind.CES, position=2,
                            prompts={"en": "How easy was it?"}))
    db.session.commit()
    text = "Response ID,Score,How easy was it?\n601,9,6\n602,9,very\n603,9,12\n"
    report = imports.import_text(workspace, survey, text)
    assert report.created == 1 and [line for line, _ in report.errors] == [3, 4]
    assert "ease" in report.errors[0][1] and "ease" in report.errors[1][1]
    assert db.session.query(Response).filter_by(external_id="601").one().answers == {"ease": 6}


def test_mapped_csv_can_name_notes_and_answers(db, workspace, survey):
    text = "ref,nps,remark,feature\nr1,8,Asked for a call,Alerts\n"
    mapping = imports.parse_mapping(["ref=external_id", "nps=score", "remark=notes", "feature=answer:features"])
    assert imports.import_text(workspace, survey, text, mapping=mapping).created == 1
    response = db.session.query(Response).filter_by(external_id="r1").one()
    assert [note.text for note in response.notes] == ["Asked for a call"]
    assert response.answers == {"features": ["Alerts"]}

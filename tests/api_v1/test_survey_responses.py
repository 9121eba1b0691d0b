"""Survey responses through the official client: create, list by page and cursor, retrieve, update."""
import json
from datetime import timedelta

import pytest
from delighted import SurveyResponse
from delighted.errors import GeneralAPIError, ResourceValidationError
from delighted.resource import ListObject

from feedback_app.models import Response, SurveyKind, utcnow
from tests.factories import create_person, create_response, create_survey, create_workspace


@pytest.fixture()
def nps(workspace):
    return create_survey(workspace, SurveyKind.NPS, name="NPS")


def test_create_response_returns_delighted_fields(db, api, workspace, nps):
    person = create_person(workspace, properties={"plan": "pro"})
    created = SurveyResponse.create(client=api, person=str(person.id), score=9, comment="Great <b>app</b>",
                                    person_properties={"seat": "3"}, additional_answers=[
                                        {"question_id": "why", "value": {"free_response": "speed"}}])
    assert (created.person, created.score, created.comment, created.survey_type) == (str(person.id), 9,
                                                                                     "Great <b>app</b>", "nps")
    assert created.person_properties == {"plan": "pro", "seat": "3"}
    assert created.permalink == f"http://feedback.test/responses/{created.id}"
    assert created.additional_answers[0]["value"] == {"free_response": "speed"}
    assert isinstance(created.created_at, int) and created.tags == [] and created.notes == []
    stored = db.session.get(Response, int(created.id))
    assert (stored.workspace_id, stored.survey_id, stored.channel) == (workspace.id, nps.id, "api")


@pytest.mark.parametrize("fields, bad_field", [
    ({"score": 11}, "score"),
    ({"score": "high"}, "score"),
    ({"score": 5, "person": "999999"}, "person"),
    ({"score": 5, "person_properties": "x"}, "person_properties"),
    # Names to scalars, as the document says and people's properties are stored (found by schemathesis).
    ({"score": 0, "person_properties": {"FS": [-114474], "k": [[384491, -4.2e176]]}}, "person_properties"),
    ({"score": 5, "properties": {"plan": {"nested": True}}}, "properties"),
    ({"score": 5, "additional_answers": [{"question_id": "q" * 101, "value": {"free_response": "ok"}}]},
     "additional_answers"),
    ({"score": 5, "additional_answers": [{"question_id": "q1", "value": {"free_response": "x" * 1001}}]},
     "additional_answers"),
    ({}, "score"),
])
def test_create_response_refuses_bad_fields_and_stores_nothing(db, api, workspace, nps, fields, bad_field):
    fields.setdefault("person", str(create_person(workspace).id))
    with pytest.raises(ResourceValidationError) as raised:
        SurveyResponse.create(client=api, **fields)
    assert bad_field in json.loads(raised.value.response.body)["errors"]
    assert db.session.query(Response).count() == 0


def test_create_response_on_an_empty_workspace_creates_the_nps_survey(db, api, workspace):
    person = create_person(workspace)
    created = SurveyResponse.create(client=api, person=str(person.id), score=3)
    assert created.survey_type == "nps"


def _responses(survey, count, *, start=None):
    start = start or utcnow() - timedelta(days=30)
    return [create_response(survey, score=i % 11, created_at=start + timedelta(hours=i),
                            updated_at=start + timedelta(hours=i)) for i in range(count)]


def test_list_pages_by_number_like_delighted(db, api, nps):
    made = _responses(nps, 5)
    pages = [[r.id for r in SurveyResponse.all(client=api, per_page=2, page=page)] for page in (1, 2, 3)]
    assert pages == [[str(made[0].id), str(made[1].id)], [str(made[2].id), str(made[3].id)], [str(made[4].id)]]


def test_auto_paging_iter_follows_the_link_header_through_every_response(db, api, nps):
    made = _responses(nps, 7)
    listing = ListObject(SurveyResponse, SurveyResponse.path, {"per_page": 3}, api)
    assert [r.id for r in listing.auto_paging_iter()] == [str(r.id) for r in made]


def test_list_filters_by_time_order_and_trend(db, api, workspace, nps):
    made = _responses(nps, 4)
    other = create_survey(workspace, SurveyKind.CSAT, name="Support CSAT")
    create_response(other, score=5)
    since = int(made[2].created_at.timestamp())
    assert [r.id for r in SurveyResponse.all(client=api, since=since, trend=str(nps.id))] == [
        str(made[2].id), str(made[3].id)]
    assert [r.id for r in SurveyResponse.all(client=api, order="desc", trend=str(nps.id), per_page=2)] == [
        str(made[3].id), str(made[2].id)]
    assert [r.survey_type for r in SurveyResponse.all(client=api, trend="Support CSAT")] == ["csat"]


def test_list_filters_by_person_and_expands_the_person(db, api, workspace, nps):
    ann = create_person(workspace, email="ann@example.com", name="Ann")
    create_response(nps, person=ann, score=10)
    create_response(nps, person=create_person(workspace), score=2)
    listed = SurveyResponse.all(client=api, person_email="ann@example.com", expand=["person"])
    assert len(listed) == 1 and listed[0].person.email == "ann@example.com" and listed[0].person.id == str(ann.id)
    assert [r.score for r in SurveyResponse.all(client=api, person_id=ann.id)] == [10]


def test_list_refuses_bad_parameters_naming_them(db, api, nps):
    with pytest.raises(ResourceValidationError) as raised:
        SurveyResponse.all(client=api, per_page=1000, order="sideways", since="yesterday", trend="No such survey")
    errors = json.loads(raised.value.response.body)["errors"]
    assert {"per_page", "order", "since"} <= set(errors)


def test_retrieve_and_update_with_save(db, api, workspace, nps):
    response = create_response(nps, person=create_person(workspace), score=4, comment="slow")
    fetched = SurveyResponse.retrieve(str(response.id), client=api, expand=["person"])
    fetched.tags = ["billing", "slow"]
    fetched.notes = ["Called the customer"]
    fetched.score = 6
    saved = fetched.save(client=api)
    assert (saved.score, saved.tags) == (6, ["billing", "slow"])
    assert [n["text"] for n in saved.notes] == ["Called the customer"]
    again = SurveyResponse.retrieve(str(response.id), client=api)
    again.comment = "slow, now better"
    assert [n["text"] for n in again.save(client=api).notes] == ["Called the customer"]  # not added twice


def test_another_workspaces_response_is_404(db, api):
    foreign = create_response(create_survey(create_workspace()), score=5)
    with pytest.raises(GeneralAPIError) as raised:
        SurveyResponse.retrieve(str(foreign.id), client=api)
    assert raised.value.response.status_code == 404


def test_list_by_update_time(db, api, workspace, nps):
    made = _responses(nps, 3)
    before_update = int(utcnow().timestamp()) - 1
    first = SurveyResponse.retrieve(str(made[0].id), client=api)
    first.tags = ["revisited"]
    first.save(client=api)
    changed = SurveyResponse.all(client=api, updated_since=before_update, order="desc:updated_at")
    assert [r.id for r in changed] == [str(made[0].id)]
    assert [r.id for r in SurveyResponse.all(client=api, order="asc:updated_at")][-1] == str(made[0].id)

"""Dashboard pages over HTTP: login, roles, per-workspace isolation (404) and CSRF."""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import ResponseNote, ResponseTag, Role, SurveyKind
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace


@pytest.fixture()
def world(db):
    """Two workspaces, each with a survey, a person and a response; an owner logged in to the first."""
    home, away = create_workspace("Home Co"), create_workspace("Away Co")
    data = {"home": home, "away": away}
    for prefix, workspace in (("home", home), ("away", away)):
        survey = create_survey(workspace, SurveyKind.NPS)
        person = create_person(workspace, name=f"{prefix} person", properties={"plan": "pro"})
        response = create_response(survey, person=person, score=2, comment=f"{prefix} comment")
        data.update({f"{prefix}_survey": survey, f"{prefix}_person": person, f"{prefix}_response": response})
    data["owner"] = create_user(home, role=Role.OWNER)
    return data


def test_pages_need_login(client, world):
    response = client.get("/app/home-co/responses")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", [
    "/app/home-co/", "/app/home-co/?granularity=week&channel=api&segment_key=plan&segment_value=pro",
    "/app/home-co/responses", "/app/home-co/responses?score_group=detractor&q=home",
    "/app/home-co/responses/export.csv", "/app/home-co/responses/{home_response}",
    "/app/home-co/people", "/app/home-co/people?q=home", "/app/home-co/people/{home_person}",
    "/app/home-co/people/{home_person}/export.json",
])
def test_pages_render_for_a_member(client, login, world, path):
    login(world["owner"])
    response = client.get(path.format(**{k: getattr(v, "id", None) for k, v in world.items()}))
    assert response.status_code == 200


def test_overview_shows_figures(client, login, world):
    login(world["owner"])
    page = client.get("/app/home-co/").get_data(as_text=True)
    assert 'data-testid="nps">-100<' in page
    assert 'data-testid="chart-nps"' in page


def test_overview_date_inputs_show_the_period_in_use(client, login, world):
    from feedback_app.services.insights import reports

    login(world["owner"])
    page = client.get("/app/home-co/").get_data(as_text=True)
    default = reports.make_filters()
    assert f'name="start" type="date" value="{default.start.isoformat()}"' in page
    assert f'name="end" type="date" value="{default.end.isoformat()}"' in page


def test_inbox_lists_only_this_workspace(client, login, world):
    login(world["owner"])
    page = client.get("/app/home-co/responses").get_data(as_text=True)
    assert "home comment" in page and "away comment" not in page


def test_bad_filters_are_unprocessable(client, login, world):
    login(world["owner"])
    assert client.get("/app/home-co/?start=yesterday").status_code == 422
    assert client.get("/app/home-co/responses?score_group=angry").status_code == 422
    assert client.get("/app/home-co/responses?after=forged").status_code == 422


@pytest.mark.parametrize("path", [
    "/app/away-co/", "/app/away-co/responses", "/app/away-co/people",
    "/app/home-co/responses/{away_response}", "/app/home-co/people/{away_person}",
    "/app/home-co/people/{away_person}/export.json",
    "/app/home-co/?survey={away_survey}", "/app/home-co/responses?survey={away_survey}",
    "/app/home-co/responses/export.csv?survey={away_survey}",
])
def test_other_workspaces_ids_are_not_found(client, login, world, path):
    login(world["owner"])
    response = client.get(path.format(**{k: getattr(v, "id", None) for k, v in world.items()}))
    assert response.status_code == 404


@pytest.mark.parametrize("action, data", [
    ("tags", {"name": "x"}), ("notes", {"text": "x"}), ("assignee", {"assignee": ""}),
    ("tags/remove", {"name": "x"}),
])
def test_writes_on_other_workspaces_responses_are_not_found(client, login, world, action, data):
    login(world["owner"])
    response = client.post(f"/app/home-co/responses/{world['away_response'].id}/{action}", data=data)
    assert response.status_code == 404
    assert _db.session.query(ResponseTag).count() == 0
    assert _db.session.query(ResponseNote).count() == 0


def test_erasing_another_workspaces_person_is_not_found(client, login, world):
    login(world["owner"])
    assert client.post(f"/app/home-co/people/{world['away_person'].id}/delete").status_code == 404
    assert _db.session.get(type(world["away_person"]), world["away_person"].id) is not None


def test_member_tags_notes_and_assigns(client, login, world):
    login(world["owner"])
    rid = world["home_response"].id
    client.post(f"/app/home-co/responses/{rid}/tags", data={"name": "Urgent"})
    client.post(f"/app/home-co/responses/{rid}/notes", data={"text": "Called back"})
    client.post(f"/app/home-co/responses/{rid}/assignee", data={"assignee": str(world["owner"].id)})
    page = client.get(f"/app/home-co/responses/{rid}").get_data(as_text=True)
    assert ">urgent<" in page and "Called back" in page
    assert client.get("/app/home-co/responses?tag=urgent").get_data(as_text=True).count("data-response-id") == 1


def test_viewer_reads_but_cannot_change(client, login, world):
    viewer = create_user(world["home"], role=Role.VIEWER)
    login(viewer)
    rid = world["home_response"].id
    page = client.get(f"/app/home-co/responses/{rid}")
    assert page.status_code == 200 and 'id="add-tag"' not in page.get_data(as_text=True)
    assert client.post(f"/app/home-co/responses/{rid}/tags", data={"name": "x"}).status_code == 403
    assert client.post(f"/app/home-co/responses/{rid}/notes", data={"text": "x"}).status_code == 403
    assert client.get(f"/app/home-co/people/{world['home_person'].id}/export.json").status_code == 403
    assert client.post(f"/app/home-co/people/{world['home_person'].id}/delete").status_code == 403
    assert _db.session.query(ResponseTag).count() == 0


def test_export_is_csv_with_formulas_neutralised(client, login, world):
    create_response(world["home_survey"], score=1, comment="=HYPERLINK(\"http://evil\")")
    login(world["owner"])
    response = client.get("/app/home-co/responses/export.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK" in text and "away comment" not in text


def test_person_erasure_keeps_the_score(client, login, world):
    login(world["owner"])
    person, response = world["home_person"], world["home_response"]
    assert client.post(f"/app/home-co/people/{person.id}/delete").status_code == 302
    _db.session.expire_all()
    kept = _db.session.get(type(response), response.id)
    assert kept.score == 2 and kept.person_id is None and kept.comment is None


def test_form_post_without_csrf_token_is_refused(app, client, world, monkeypatch):
    # The session's app, with CSRF on for this test only: a second app would replace the
    # default Celery app that later tests' tasks run in.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/auth/login", data={"email": world["owner"].email, "password": "correct horse battery",
                                     "csrf_token": token})
    assert client.get("/app/home-co/").status_code == 200  # logged in
    response = client.post(f"/app/home-co/responses/{world['home_response'].id}/tags", data={"name": "x"})
    assert response.status_code == 400
    assert _db.session.query(ResponseTag).count() == 0
    page = client.get(f"/app/home-co/responses/{world['home_response'].id}").get_data(as_text=True)
    form_token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(f"/app/home-co/responses/{world['home_response'].id}/tags",
                           data={"name": "x", "csrf_token": form_token})
    assert response.status_code == 302
    assert _db.session.query(ResponseTag).count() == 1

"""The import and export page: upload with a line-by-line report, download, roles, isolation, CSRF."""
import io
import json

import pytest

from feedback_app import create_app
from feedback_app.models import Response, Role
from tests.factories import create_survey, create_user, create_workspace

CSV = "Response ID,Date,Score,Comment,Name,Email\n7,2025-02-01,10,<b>bold</b>,Ann,ann@example.com\n8,2025-02-02,99,,,\n"


@pytest.fixture()
def workspace(db):
    return create_workspace()


def _upload(client, workspace, survey, text=CSV, mapping=""):
    return client.post(f"/app/{workspace.slug}/data/import", data={
        "file": (io.BytesIO(text.encode()), "export.csv"), "survey_id": str(survey.id), "mapping": mapping},
        content_type="multipart/form-data")


def test_member_imports_and_sees_the_report_escaped(client, login, workspace, db):
    survey = create_survey(workspace)
    login(create_user(workspace, role=Role.MEMBER))
    page = _upload(client, workspace, survey)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Imported <strong>1</strong> responses" in html
    assert "<td>3</td>" in html and "between 0 and 10" in html
    assert db.session.query(Response).one().comment == "<b>bold</b>"
    again = _upload(client, workspace, survey).get_data(as_text=True)
    assert "Imported <strong>0</strong> responses; 1 were already there" in again


def test_bad_mapping_is_shown_on_the_form_and_stores_nothing(client, login, workspace, db):
    survey = create_survey(workspace)
    login(create_user(workspace, role=Role.MEMBER))
    page = _upload(client, workspace, survey, mapping="Score=shoe_size")
    assert page.status_code == 422 and "Bad mapping" in page.get_data(as_text=True)
    assert db.session.query(Response).count() == 0


def test_viewer_cannot_import(client, login, workspace, db):
    survey = create_survey(workspace)
    login(create_user(workspace, role=Role.VIEWER))
    assert _upload(client, workspace, survey).status_code == 403
    assert db.session.query(Response).count() == 0


def test_outsider_gets_404_and_anonymous_goes_to_login(client, login, workspace):
    assert client.get(f"/app/{workspace.slug}/data/").status_code == 302
    login(create_user(create_workspace()))
    assert client.get(f"/app/{workspace.slug}/data/").status_code == 404


def test_export_downloads_json_of_the_chosen_survey(client, login, workspace):
    survey = create_survey(workspace)
    login(create_user(workspace, role=Role.MEMBER))
    _upload(client, workspace, survey)
    download = client.get(f"/app/{workspace.slug}/data/export", query_string={
        "format": "json", "survey_id": survey.id, "since": "2025-02-01", "until": "2025-02-01"})
    assert download.mimetype == "application/json"
    assert [item["comment"] for item in json.loads(download.get_data())] == ["<b>bold</b>"]


def test_import_without_csrf_token_is_refused(database_url, db, workspace):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True})
    survey = create_survey(workspace)
    user = create_user(workspace, role=Role.ADMIN)
    client = app.test_client()
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    client.post("/auth/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": token})
    assert _upload(client, workspace, survey).status_code == 400
    assert db.session.query(Response).count() == 0
    with app.app_context():
        db.engine.dispose()  # this app's pool would otherwise outlive the test database


def test_upload_with_probe_cells_reports_each_by_line_and_imports_the_rest(client, login, workspace, db):
    from tests.feedback_app.services.collection.test_imports import BAD_CELLS, MAPPING, _csv_with

    survey = create_survey(workspace)
    login(create_user(workspace, role=Role.MEMBER))
    text = _csv_with([(column, value) for column, value, _ in BAD_CELLS.values()])
    page = _upload(client, workspace, survey, text=text, mapping="\n".join(MAPPING))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Imported <strong>2</strong> responses" in html
    assert [f"<tr><td>{line}</td>" in html for line in range(3, 3 + len(BAD_CELLS))] == [True] * len(BAD_CELLS)
    assert db.session.query(Response).count() == 2


def test_every_dashboard_tab_links_the_import_and_export_page(client, login, workspace):
    login(create_user(workspace, role=Role.VIEWER))
    for path in ("", "themes", "responses", "data/"):
        page = client.get(f"/app/{workspace.slug}/{path}").get_data(as_text=True)
        nav = page[page.index('<nav class="tabs"'):page.index("</nav>", page.index('<nav class="tabs"'))]
        assert f'href="/app/{workspace.slug}/data/"' in nav and "Import / export" in nav, path

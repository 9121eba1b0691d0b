"""Identity verification in Settings and on the command line: switched on, its secret shown and rotated, admins only."""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Role, SurveyKind, Workspace
from feedback_app.services.collection import widget_identity
from tests.factories import create_survey, create_user, create_workspace

ORIGIN = "https://shop.example.com"


@pytest.fixture()
def team(db):
    home = create_workspace("Home Co", allowed_origins=[ORIGIN])
    return {"home": home, "admin": create_user(home, role=Role.ADMIN),
            "member": create_user(home, role=Role.MEMBER)}


def _workspace():
    _db.session.expire_all()
    return _db.session.get(Workspace, _db.session.query(Workspace.id).filter_by(slug="home-co").scalar())


def test_an_admin_switches_verification_on_and_then_unsigned_widget_identities_are_refused(client, login, team):
    survey = create_survey(team["home"], SurveyKind.NPS)
    login(team["admin"])
    page = client.get("/app/home-co/settings/widget").get_data(as_text=True)
    assert team["home"].identity_secret in page and "Verification is off" in page
    assert client.post("/app/home-co/settings/widget/verification", data={"enabled": "y"}).status_code == 302
    assert _workspace().require_identity_verification
    answer = {"score": 9, "submission_key": "k" * 20, "identity": {"id": "u-1", "email": "u@example.com"}}
    url = f"/w/api/{team['home'].public_key}/surveys/{survey.token}/responses"
    assert client.post(url, json=answer, headers={"Origin": ORIGIN}).status_code == 403
    signed = {**answer["identity"], "user_hash": widget_identity.identity_signature(_workspace(), "u-1")}
    assert client.post(url, json={**answer, "identity": signed}, headers={"Origin": ORIGIN}).status_code == 202


def test_rotating_the_secret_stops_old_signatures(client, login, team):
    team["home"].require_identity_verification = True
    _db.session.commit()
    old = widget_identity.identity_signature(team["home"], "u-1")
    login(team["admin"])
    assert client.post("/app/home-co/settings/widget/secret", data={"confirmed": "1"}).status_code == 302
    workspace = _workspace()
    assert widget_identity.identity_signature(workspace, "u-1") != old
    assert workspace.identity_secret in client.get("/app/home-co/settings/widget").get_data(as_text=True)


def test_members_neither_see_nor_change_the_secret(client, login, team):
    login(team["member"])
    assert client.get("/app/home-co/settings/widget").status_code == 403
    assert client.post("/app/home-co/settings/widget/verification", data={"enabled": "y"}).status_code == 403
    assert client.post("/app/home-co/settings/widget/secret").status_code == 403
    assert not _workspace().require_identity_verification


def test_the_command_line_switches_verification_and_prints_the_secret_last(runner, team):
    result = runner.invoke(args=["workspace", "identity-verification", "--workspace", "Home Co", "--on",
                                 "--rotate-secret"])
    assert result.exit_code == 0, result.output
    workspace = _workspace()
    assert workspace.require_identity_verification
    assert result.output.strip().splitlines()[-1] == workspace.identity_secret
    off = runner.invoke(args=["workspace", "identity-verification", "--workspace", "Home Co", "--off"])
    assert "is off" in off.output and not _workspace().require_identity_verification

"""Allowed origins: a bad one keeps what was typed and says why, and the CLI checks them with the same function."""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Role, Workspace
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.collection.origins import clean_origins
from tests.factories import create_user, create_workspace


@pytest.fixture()
def admin(db):
    return create_user(create_workspace("Home Co"), role=Role.ADMIN)


def test_a_bad_origin_shows_the_form_again_with_the_text_and_the_message(client, login, admin):
    login(admin)
    typed = "https://app.example.com\nftp://files.example.com"
    response = client.post("/app/home-co/settings/origins", data={"allowed_origins": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "https://app.example.com\nftp://files.example.com</textarea>" in page
    assert "Not an origin like https://app.example.com: &#39;ftp://files.example.com&#39;." in page
    assert 'data-testid="members"' in page  # the whole settings page, not a bare error page
    _db.session.expire_all()
    assert _db.session.query(Workspace).one().allowed_origins == []


def test_good_origins_are_saved_normalised(client, login, admin):
    login(admin)
    response = client.post("/app/home-co/settings/origins", data={"allowed_origins": "HTTPS://App.Example.com/\n"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.query(Workspace).one().allowed_origins == ["https://app.example.com"]


def test_every_bad_origin_is_named_at_once():
    with pytest.raises(InvalidInput) as refused:
        clean_origins(["https://ok.example", "app.example.com", "https://x.example/path"])
    assert refused.value.fields == {"allowed_origins": ["not an origin: app.example.com",
                                                        "not an origin: https://x.example/path"]}


def test_the_cli_refuses_a_bad_origin_like_the_dashboard(runner, db):
    result = runner.invoke(args=["workspace", "create", "Cli Co", "--origin", "https://ok.example",
                                 "--origin", "javascript:alert(1)"])
    assert result.exit_code != 0
    assert "Not an origin like https://app.example.com: 'javascript:alert(1)'." in result.output
    assert _db.session.query(Workspace).count() == 0


def test_the_cli_stores_origins_normalised(runner, db):
    result = runner.invoke(args=["workspace", "create", "Cli Co", "--origin", "https://Shop.Example:8443/"])
    assert result.exit_code == 0, result.output
    assert _db.session.query(Workspace).one().allowed_origins == ["https://shop.example:8443"]

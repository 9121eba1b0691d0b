"""Settings > Team: a refused invitation shows the address typed again with the reason beside it."""
import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db as _db
from feedback_app.models import Role, TeamInvitation
from tests.factories import create_user, create_workspace

URL = "/app/home-co/settings/invitations"


@pytest.fixture()
def admin(db):
    return create_user(create_workspace("Home Co"), role=Role.ADMIN, email="admin@home.example")


def _error_beside_the_field(page):
    form = page[page.index('data-testid="invite"'):]
    return form[form.index("</form>"):].split('data-testid="invite-error">', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize(("email", "status", "reason"), [
    ("not-an-email", 422, "Invalid email address."),
    ("admin@home.example", 409, "admin@home.example is already on the team; change their role in the list.")])
def test_refused_invitation_keeps_the_address_with_its_reason_beside_it(client, login, admin, email, status, reason):
    login(admin)
    answer = client.post(URL, data={"email": email, "role": "member"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == status
    assert f'value="{email}"' in page and _error_beside_the_field(page) == reason
    assert _db.session.scalar(select(func.count()).select_from(TeamInvitation)) == 0

"""Users, memberships, passwords and roles."""
import pytest

from feedback_app.models import Role
from feedback_app.services.accounts import users as accounts
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.factories import PASSWORD, create_user, create_workspace


def test_create_user_stores_a_hash_not_the_password(db):
    user = create_user(email="Someone@Example.com")
    assert user.email == "someone@example.com"
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [("not-an-email", PASSWORD, "email"), ("ok@example.com", "short", "password")],
)
def test_create_user_validates_input(db, email, password, field):
    with pytest.raises(InvalidInput) as raised:
        accounts.create_user(email, password=password)
    assert field in raised.value.fields


def test_create_user_refuses_taken_email(db):
    create_user(email="x@example.com")
    with pytest.raises(Conflict):
        create_user(email="X@example.com")


def test_authenticate_accepts_right_password_only(db):
    user = create_user(email="x@example.com")
    assert accounts.authenticate("x@example.com", PASSWORD) == user
    assert accounts.authenticate("x@example.com", "wrong password!") is None
    assert accounts.authenticate("nobody@example.com", PASSWORD) is None


def test_authenticate_refuses_deactivated_user(db):
    user = create_user(email="x@example.com")
    user.is_active_account = False
    db.session.commit()
    assert accounts.authenticate("x@example.com", PASSWORD) is None


def test_require_role_hides_workspace_from_outsiders(db):
    workspace = create_workspace()
    outsider = create_user()
    with pytest.raises(NotFound):
        accounts.require_role(outsider, workspace, Role.VIEWER)


def test_require_role_refuses_lower_role(db):
    workspace = create_workspace()
    viewer = create_user(workspace, role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        accounts.require_role(viewer, workspace, Role.MEMBER)
    assert accounts.require_role(viewer, workspace, Role.VIEWER) == Role.VIEWER


def test_add_member_changes_existing_role(db):
    workspace = create_workspace()
    user = create_user(workspace, role=Role.VIEWER)
    accounts.add_member(workspace, user, role=Role.ADMIN)
    assert accounts.role_in(user, workspace) == Role.ADMIN


def test_workspaces_of_lists_only_memberships(db):
    mine, other = create_workspace("Mine"), create_workspace("Other")
    user = create_user(mine)
    assert accounts.workspaces_of(user) == [mine]
    assert other not in accounts.workspaces_of(user)

"""A workspace's rows by id, or NotFound: another workspace's row is answered as a missing one."""
import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import selectinload

from feedback_app.models import Person, Response, WebhookDelivery, Workspace
from feedback_app.services.exceptions import NotFound
from feedback_app.services.ownership import check_owned, owned
from tests.factories import create_person, create_response, create_survey, create_workspace


def test_owned_returns_the_workspaces_row(db):
    workspace = create_workspace()
    person = create_person(workspace, email="a@example.com")
    assert owned(Person, workspace, person.id) is person


def test_owned_answers_another_workspaces_row_as_a_missing_one(db):
    mine, theirs = create_workspace(), create_workspace()
    their_person = create_person(theirs, email="a@example.com")
    with pytest.raises(NotFound) as other:
        owned(Person, mine, their_person.id)
    with pytest.raises(NotFound) as missing:
        owned(Person, mine, their_person.id + 1000)
    assert str(other.value) == str(missing.value) == "No such person."
    assert other.value.status == missing.value.status == 404


@pytest.mark.parametrize("model, what, message", [
    (WebhookDelivery, None, "No such webhook delivery."),  # the model's name in words
    (Person, "customer", "No such customer."),
])
def test_owned_names_what_it_did_not_find(db, model, what, message):
    with pytest.raises(NotFound, match=f"^{message}$"):
        owned(model, create_workspace(), 1, what=what)


def test_owned_loads_what_the_options_say(db):
    workspace = create_workspace()
    workspace_id, response_id = workspace.id, create_response(create_survey(workspace), score=9).id
    db.session.expunge_all()  # forget what creating it loaded
    workspace = db.session.get(Workspace, workspace_id)
    response = owned(Response, workspace, response_id, options=[selectinload(Response.tags)])
    assert "tags" not in inspect(response).unloaded


def test_check_owned_passes_the_workspaces_rows(db):
    workspace = create_workspace()
    check_owned(workspace, create_survey(workspace), create_person(workspace, email="a@example.com"))


def test_check_owned_refuses_another_workspaces_row_naming_its_model(db):
    mine, theirs = create_workspace(), create_workspace()
    with pytest.raises(NotFound, match="^No such survey.$"):
        check_owned(mine, create_survey(mine), create_survey(theirs))


def test_check_owned_refuses_none_with_the_noun_given(db):
    with pytest.raises(NotFound, match="^No such action.$"):
        check_owned(create_workspace(), None, what="action")

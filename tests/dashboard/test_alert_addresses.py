"""Detractor alert addresses: a line that is not an address is refused beside its own field, naming it."""
import pytest

from feedback_app.models import Role
from feedback_app.services.loop import follow_ups
from feedback_app.services.exceptions import InvalidInput
from tests.factories import create_user, create_workspace

URL = "/app/home-co/settings/customers/detractor-rules"


@pytest.fixture()
def admin(db):
    return create_user(create_workspace("Home Co"), role=Role.ADMIN)


@pytest.mark.parametrize(("data", "field"), [
    ({"alert_emails": "cs@home.example\nnot an address"}, "alert_emails"),
    ({"escalate_max_score": "2", "escalate_emails": "lead@home.example\nnope"}, "escalate_emails")])
def test_alert_address_that_is_not_one_is_refused_beside_its_field(client, login, admin, data, field):
    login(admin)
    answer = client.post(URL, data=data)
    page = answer.get_data(as_text=True)
    bad = data[field].splitlines()[-1]
    assert answer.status_code == 422
    message = f"&#39;{bad}&#39; is not an email address (one address per line)."
    # Beside the field (the error paragraph follows its textarea), and the text typed is kept.
    assert page.index(f'name="{field}"') < page.index(message) and data[field].splitlines()[0] in page


@pytest.mark.parametrize(("rules", "field"), [
    ({"alert_emails": ["ok@home.example", "bad"]}, "alert_emails"),
    ({"escalate": {"max_score": 2, "alert_emails": ["bad"]}}, "escalate")])
def test_the_service_names_the_bad_alert_address_and_its_rule(admin, rules, field):
    workspace = create_workspace("Other Co")
    with pytest.raises(InvalidInput) as refused:
        follow_ups.set_detractor_rules(workspace, rules, user=admin)
    assert refused.value.fields == {field: ["'bad' is not an email address"]}
    assert refused.value.message == "'bad' is not an email address."

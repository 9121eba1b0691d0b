"""After shipping, the action page says how many customers are emailed and names why others are not, in words."""
import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import Role, SurveyKind
from feedback_app.services.loop import actions
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace
from tests.loop import smtp_server
from tests.loop.data import create_theme, link

smtp = smtp_server.smtp  # shipping sends the emails (tasks run eagerly)


@pytest.fixture()
def world(db):
    home = create_workspace("Home Co")
    survey = create_survey(home, SurveyKind.NPS)
    theme = create_theme(home, label="Slow exports")
    ann = create_response(survey, person=create_person(home, name="Ann", email="ann@example.com"), score=2,
                          comment="Exports take ages")
    nobody = create_response(survey, person=create_person(home, email=None, external_id="u-9"), score=3,
                             comment="Exports are slow")
    link(theme, ann, nobody)
    action = actions.create_action(home, title="Faster exports", theme=theme, public_message="Exports are faster.")
    _db.session.commit()
    return {"action": action, "owner": create_user(home, role=Role.OWNER)}


def test_shipping_counts_emails_apart_from_customers_without_an_address(client, login, world, smtp):
    # It said "2 customer email(s) written" while one of the two had no address and got nothing.
    login(world["owner"])
    page = client.post(f"/app/home-co/actions/{world['action'].id}/status",
                       data={"status": "shipped", "confirmed": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "Now shipped; 1 customer email queued, 1 customer not reachable." in page
    assert "Skipped: no email (1)" in page and "no_email" not in page
    assert smtp.per_recipient() == {"ann@example.com": 1}

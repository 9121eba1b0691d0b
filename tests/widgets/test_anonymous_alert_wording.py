"""The team's alert about an anonymous unhappy answer starts its sentence with a capital.

Seen on a fresh demo: a detractor's answer on the hosted page emailed "an anonymous customer answered 3 to ...".
"""
from feedback_app.models import Role, SurveyKind
from tests.factories import create_survey, create_user, create_workspace


def test_an_anonymous_detractor_is_an_anonymous_customer_at_the_start_of_the_alert(client, db, smtp):
    workspace = create_workspace("Alert Co")
    create_user(workspace, role=Role.OWNER, email="owner@alert.example")
    survey = create_survey(workspace, SurveyKind.NPS, name="Product NPS")
    assert client.post(f"/s/{survey.token}", data={"score": "3"}).status_code in (302, 303)
    [alert] = smtp.messages_to("owner@alert.example")
    assert alert.subject == "[Alert Co] Unhappy customer: 3 from an anonymous customer"
    text = alert.message.get_body(("plain",)).get_content()
    html = alert.message.get_body(("html",)).get_content()
    assert text.startswith('An anonymous customer answered 3 to "Product NPS".')
    assert "<strong>An anonymous customer</strong> answered" in html

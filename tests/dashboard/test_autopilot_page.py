"""A survey's Autopilot page: members set its schedules and put people on them; the person page shows them."""
import pytest

from feedback_app.models import AutopilotMember, AutopilotSchedule, Channel, Role, SurveyKind
from tests.factories import create_person, create_survey, create_user, create_workspace


@pytest.fixture()
def team(db):
    home = create_workspace("Home Co")
    return {"home": home, "member": create_user(home, role=Role.MEMBER),
            "viewer": create_user(home, role=Role.VIEWER), "survey": create_survey(home, SurveyKind.NPS)}


def _path(team, rest=""):
    return f"/app/home-co/surveys/{team['survey'].id}/autopilot{rest}"


def test_a_member_sets_a_schedule_and_enrols_people_who_then_see_it_on_their_page(client, login, team, db):
    login(team["member"])
    answer = client.post(_path(team, "/email"), data={"email-frequency_days": "60", "email-is_active": "y"})
    assert answer.status_code == 302
    schedule = db.session.query(AutopilotSchedule).one()
    assert (schedule.channel, schedule.frequency_days, schedule.is_active) == (Channel.EMAIL, 60, True)
    existing = create_person(team["home"], email="known@example.com")
    client.post(_path(team, "/email/members"), data={"email-members-emails": "known@example.com\nnew@example.com"})
    assert db.session.query(AutopilotMember).count() == 2
    page = client.get(_path(team)).get_data(as_text=True)
    assert "2 members · every 60 days" in page and "new@example.com" in page
    person_page = client.get(f"/app/home-co/people/{existing.id}").get_data(as_text=True)
    assert "every 60 days" in person_page and "next " in person_page


def test_addresses_that_are_not_emails_are_named_and_nobody_is_added(client, login, team, db):
    login(team["member"])
    client.post(_path(team, "/widget"), data={"widget-frequency_days": "30", "widget-is_active": "y"})
    answer = client.post(_path(team, "/widget/members"),
                         data={"widget-members-emails": "fine@example.com, not-an-address"}, follow_redirects=True)
    assert "Not email addresses: not-an-address." in answer.get_data(as_text=True)
    assert db.session.query(AutopilotMember).count() == 0


def test_a_viewer_sees_the_page_but_cannot_change_it(client, login, team, db):
    login(team["viewer"])
    assert client.get(_path(team)).status_code == 200
    assert client.post(_path(team, "/email"), data={"email-frequency_days": "30"}).status_code == 403
    assert db.session.query(AutopilotSchedule).count() == 0


def test_a_channel_the_survey_is_not_offered_on_is_404(client, login, team):
    login(team["member"])
    assert client.post(_path(team, "/link"), data={"link-frequency_days": "30"}).status_code == 404

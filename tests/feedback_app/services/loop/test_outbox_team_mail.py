"""Mail to the team is sent to an address a customer unsubscribed (or bounced) with; customer mail is not."""
import pytest

from feedback_app.models import NotificationKind, NotificationStatus, Role, SurveyKind
from feedback_app.services.accounts import team_invites
from feedback_app.services.collection import people, responses
from feedback_app.services.loop import follow_ups, outbox
from tests.factories import create_person, create_survey, create_user, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp  # the recording SMTP server fixture

ADDRESS = "sam@acme.example"  # a team member's address, which is also a customer's


@pytest.fixture(params=["unsubscribed", "bounced"])
def suppressed_team(db, request):
    """Return ``(workspace, owner)``: the owner's address is suppressed as a customer's."""
    workspace = create_workspace()
    owner = create_user(workspace, role=Role.OWNER, email=ADDRESS)
    customer = create_person(workspace, email=ADDRESS)
    if request.param == "unsubscribed":
        people.unsubscribe(workspace, customer.email)
    else:
        people.record_bounce(workspace, customer.email, reason="550 no such user")
    return workspace, owner


def test_detractor_alert_reaches_a_team_address_a_customer_suppressed(db, suppressed_team, smtp):
    workspace, _owner = suppressed_team
    survey = create_survey(workspace, SurveyKind.NPS)
    responses.record_response(workspace, survey, channel="api", score=1, comment="It broke")
    [alert] = smtp.messages_to(ADDRESS)
    assert "Unhappy customer" in alert.subject


def test_alert_digest_reaches_a_team_address_a_customer_suppressed(app, db, suppressed_team, smtp, monkeypatch):
    workspace, _owner = suppressed_team
    monkeypatch.setitem(app.config, "DETRACTOR_ALERTS_PER_HOUR", 1)
    survey = create_survey(workspace, SurveyKind.NPS)
    for n in range(3):
        responses.record_response(workspace, survey, channel="api", score=0, comment=f"Flood {n}")
    assert follow_ups.send_alert_digests() == 2
    kinds = [notification.kind for notification in outbox.list_notifications(workspace)
             if notification.status == NotificationStatus.SENT]
    assert sorted(kinds) == [NotificationKind.DETRACTOR_ALERT, NotificationKind.DETRACTOR_DIGEST]
    assert len(smtp.messages_to(ADDRESS)) == 2


def test_team_invitation_reaches_an_address_a_customer_suppressed(db, suppressed_team, smtp):
    workspace, owner = suppressed_team
    people.unsubscribe(workspace, "lee@acme.example")
    team_invites.invite_member(workspace, "lee@acme.example", Role.MEMBER, by=owner)
    [invitation] = smtp.messages_to("lee@acme.example")
    assert "/auth/invitations/" in invitation.message.get_body(("plain",)).get_content()


def test_customer_mail_to_a_suppressed_address_is_still_skipped(db, suppressed_team, smtp):
    workspace, _owner = suppressed_team
    customer = people.find_person(workspace, email=ADDRESS)
    notification = outbox.queue_notification(workspace, kind=NotificationKind.SURVEY_INVITATION, person=customer)
    assert notification.status == NotificationStatus.SKIPPED
    assert notification.skip_reason in ("unsubscribed", "bounced")
    assert smtp.count() == 0

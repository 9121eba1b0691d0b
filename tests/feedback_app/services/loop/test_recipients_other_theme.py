"""The recipient rule's theme check in the app: a complaint more typical of another theme is not told about this one.

A comment belongs to every theme within 90% of its best similarity, so one complaint can be
linked to several themes. Its customer hears about an action on a theme only if its confidence
there is at least its confidence in any other active theme (``analysis.recipients.notify_decision``).
"""
from feedback_app.models import ActionStatus, LinkSource, ThemeStatus
from feedback_app.services.loop import actions
from tests.factories import create_survey, create_workspace
from tests.loop import smtp_server
from tests.loop.data import create_theme, link, person_with_response

smtp = smtp_server.smtp
MESSAGE = "Exports now take seconds."


def _two_themes(db, *, here, there, there_source=LinkSource.AUTO, there_status=ThemeStatus.ACTIVE):
    workspace = create_workspace()
    survey = create_survey(workspace)
    exports = create_theme(workspace, label="Slow exports")
    billing = create_theme(workspace, label="Billing errors", status=there_status)
    _, response = person_with_response(workspace, survey, email="both@example.com", score=2,
                                       comment="Exports are slow and the invoice was wrong")
    link(exports, response, similarity=here)
    link(billing, response, similarity=there, source=there_source)
    action = actions.create_action(workspace, title="Faster exports", theme=exports, public_message=MESSAGE)
    return workspace, action, response


def _why(workspace, action):
    [row] = actions.preview_notifications(workspace, action)
    return row["outcome"], row["why"]


def test_a_complaint_more_typical_of_another_theme_is_not_told(db, smtp):
    workspace, action, _ = _two_themes(db, here=0.6, there=0.9)
    assert _why(workspace, action) == ("not_told", "closer to another theme")
    counts = actions.preview_counts(workspace, action)
    assert counts["not_told_reasons"] == {"closer to another theme": 1}
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    assert smtp.count() == 0


def test_a_complaint_most_typical_of_the_action_theme_is_told(db, smtp):
    workspace, action, _ = _two_themes(db, here=0.9, there=0.6)
    assert _why(workspace, action) == ("will_send", "complained")
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)
    assert smtp.per_recipient() == {"both@example.com": 1}


def test_a_theme_marked_as_noise_does_not_count_as_another_theme(db, smtp):
    workspace, action, _ = _two_themes(db, here=0.6, there=0.9, there_status=ThemeStatus.NOISE)
    assert _why(workspace, action) == ("will_send", "complained")


def test_an_excluded_link_to_another_theme_does_not_count(db, smtp):
    workspace, action, _ = _two_themes(db, here=0.6, there=0.9, there_source=LinkSource.EXCLUDED)
    assert _why(workspace, action) == ("will_send", "complained")


def test_a_team_link_elsewhere_outweighs_an_analysis_link_here(db, smtp):
    workspace, action, _ = _two_themes(db, here=0.95, there=None, there_source=LinkSource.MANUAL)
    assert _why(workspace, action) == ("not_told", "closer to another theme")


def test_a_response_the_team_linked_to_the_action_is_told_whatever_its_themes(db, smtp):
    workspace, action, response = _two_themes(db, here=0.6, there=0.9)
    exports = action.theme_id
    both = actions.create_action(workspace, title="Fixed for you", theme=exports, response_ids=[response.id],
                                 public_message=MESSAGE)
    assert _why(workspace, both) == ("will_send", "complained")

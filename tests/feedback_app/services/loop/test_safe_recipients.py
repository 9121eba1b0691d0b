"""Safe recipients with the real analysis: praise and complaints about support share a theme; only complainers hear.

The responses are realistic comments (the demo corpus's support complaints, and praise of the same
support team), analysed by a real full run; the action's emails are counted at a real aiosmtpd server.
"""
import itertools

import pytest
from sqlalchemy import select

from feedback_app.models import ActionStatus, Polarity, Response, ResponseTheme
from feedback_app.services.insights import analysis_runs
from feedback_app.services.loop import actions
from feedback_app.services.demo_corpus import TOPICS
from tests.factories import create_person, create_response, create_survey, create_workspace
from tests.loop import smtp_server

smtp = smtp_server.smtp

SUPPORT_PRAISE = [
    "Support answered my ticket in minutes and solved it, thank you!",
    "The support team was fantastic and fixed my problem the same day.",
    "Customer service was quick and really helpful.",
    "Great support, they called me back within the hour.",
    "The support chat answered right away and was so friendly.",
    "Best customer support I have had, helpful and fast.",
]
OTHER_TOPICS = ("sync", "pricing", "ease")


def _comments(topic, count):
    pairs = itertools.product(TOPICS[topic]["openings"], TOPICS[topic]["details"])
    return [f"{opening} {detail}".strip() for opening, detail in itertools.islice(pairs, count)]


@pytest.fixture()
def analysed(db):
    """A workspace of complaints and praise about support among other topics, after one real full run."""
    workspace = create_workspace("Support Co")
    survey = create_survey(workspace)
    written = {"complaint": [], "praise": []}
    for index, comment in enumerate(_comments("support", 12)):
        person = create_person(workspace, email=f"complained-{index}@example.com")
        written["complaint"].append(create_response(survey, person=person, score=index % 4, comment=comment))
    for index, comment in enumerate(SUPPORT_PRAISE):
        person = create_person(workspace, email=f"praised-{index}@example.com")
        written["praise"].append(create_response(survey, person=person, score=9 + index % 2, comment=comment))
    for topic in OTHER_TOPICS:
        low, high = TOPICS[topic]["scores"]
        for index, comment in enumerate(_comments(topic, 8)):
            create_response(survey, person=create_person(workspace), score=low + index % (high - low + 1),
                            comment=comment)
    run = analysis_runs.create_run(workspace)
    analysis_runs.execute_analysis_run(run.id)
    return workspace, written


def _links(db, theme_id):
    return db.session.execute(select(ResponseTheme.response_id, ResponseTheme.polarity, ResponseTheme.similarity)
                              .where(ResponseTheme.theme_id == theme_id)).all()


def _support_theme(db, written):
    """Return the theme id holding most of the support complaints."""
    ids = [response.id for response in written["complaint"]]
    theme_ids = db.session.scalars(select(ResponseTheme.theme_id).where(ResponseTheme.response_id.in_(ids))).all()
    return max(set(theme_ids), key=theme_ids.count)


@pytest.mark.slow
def test_shipping_on_a_theme_of_praise_and_complaints_emails_no_one_who_only_praised(db, analysed, smtp):
    workspace, written = analysed
    theme_id = _support_theme(db, written)
    links = _links(db, theme_id)
    by_response = {response_id: (polarity, similarity) for response_id, polarity, similarity in links}
    praised_in_theme = [r for r in written["praise"] if r.id in by_response]
    # The premise: the real analysis put praise of support in the same theme as the complaints.
    assert praised_in_theme, "the analysis separated praise from complaints: nothing to prove here"
    assert {by_response[r.id][0] for r in praised_in_theme} == {Polarity.PRAISE}
    assert all(similarity is not None and 0 <= similarity <= 1 for _, similarity in by_response.values())

    action = actions.create_action(workspace, title="Faster support", theme=theme_id,
                                   public_message="We hired two more people for support: answers within a day.")
    preview = {row["email"]: row for row in actions.preview_notifications(workspace, action)}
    actions.set_action_status(workspace, action, ActionStatus.SHIPPED)

    received = smtp.per_recipient()
    praisers = {db.session.get(Response, r.id).person.email for r in written["praise"]}
    assert not praisers & set(received)
    assert received and set(received.values()) == {1}
    for email in received:  # everyone emailed complained, with a confident match
        assert preview[email]["why"] == "complained"
    for response in praised_in_theme:
        assert preview[response.person.email]["why"] == "praised this"
        assert preview[response.person.email]["outcome"] == "not_told"
    told = {email for email, row in preview.items() if row["outcome"] == "will_send"}
    assert told == set(received)

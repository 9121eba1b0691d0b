"""Builders for close-the-loop tests: themes, linked responses and people in every reachability state."""
import itertools

from feedback_app.extensions import db
from feedback_app.models import LinkSource, ResponseTheme, Theme
from feedback_app.services.collection import people
from tests.factories import create_person, create_response

_phones = itertools.count(1_000_000)


def create_theme(workspace, label="Slow exports", **kwargs):
    theme = Theme(workspace_id=workspace.id, key=f"t{label}{kwargs.pop('key', '')}", label=label, **kwargs)
    db.session.add(theme)
    db.session.commit()
    return theme


# A confident match, as the analysis gives a comment close to its theme: the recipient rule tells
# a complaining customer only above the workspace's least confidence (0.5 by default).
CONFIDENT = 0.9


def link(theme, *responses, source=LinkSource.AUTO, similarity=CONFIDENT):
    for response in responses:
        db.session.add(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=theme.workspace_id,
                                     source=source, similarity=similarity))
    db.session.commit()


def person_with_response(workspace, survey, *, state="reachable", comment="Exports take forever", score=4,
                         **person_fields):
    """Return ``(person, response)``; ``state`` is reachable, unsubscribed, bounced or no_email."""
    if state == "no_email":
        person_fields.setdefault("email", None)
        person_fields.setdefault("phone_number", f"+3360{next(_phones)}")
    person = create_person(workspace, **person_fields)
    if state == "unsubscribed":
        people.unsubscribe(workspace, person.email)
    elif state == "bounced":
        people.record_bounce(workspace, person.email, reason="550 no such user")
    response = create_response(survey, person=person, score=score, comment=comment)
    return person, response


def build_population(workspace, survey, *, reachable, unsubscribed=0, bounced=0, no_email=0, second_responses=0):
    """Create people in each state, one response each (plus a second for the first ``second_responses``).

    Rows are added in bulk so that a thousand take a second. Return ``(people by state, responses)``.
    """
    from feedback_app.models import Bounce, Person, Response, Unsubscribe, utcnow

    token = next(_phones)
    states = {"reachable": reachable, "unsubscribed": unsubscribed, "bounced": bounced, "no_email": no_email}
    by_state, everyone = {}, []
    for state, count in states.items():
        by_state[state] = []
        for index in range(count):
            fields = {"email": f"{state}-{index}-{token}@example.com", "name": f"Person {index}"}
            if state == "no_email":
                fields = {"email": None, "phone_number": f"+33{token}{index:05d}", "name": f"Person {index}"}
            if state == "unsubscribed":
                fields["unsubscribed_at"] = utcnow()
            if state == "bounced":
                fields["bounced_at"] = utcnow()
            person = Person(workspace_id=workspace.id, **fields)
            by_state[state].append(person)
            everyone.append(person)
    db.session.add_all(everyone)
    db.session.flush()
    for person in by_state["unsubscribed"]:
        db.session.add(Unsubscribe(workspace_id=workspace.id, person_id=person.id, email=person.email))
    for person in by_state["bounced"]:
        db.session.add(Bounce(workspace_id=workspace.id, person_id=person.id, email=person.email, reason="550"))
    responses = [Response(workspace_id=workspace.id, survey_id=survey.id, person_id=person.id, channel="email",
                          score=3, comment=f"Exports are slow ({person.id})") for person in everyone]
    responses += [Response(workspace_id=workspace.id, survey_id=survey.id, person_id=person.id, channel="email",
                           score=5, comment="Still slow") for person in everyone[:second_responses]]
    db.session.add_all(responses)
    db.session.commit()
    return by_state, responses

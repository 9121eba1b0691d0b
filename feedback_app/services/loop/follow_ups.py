"""Detractor inner loop: an unhappy answer opens a follow-up for the team and alerts them within a minute.

An NPS 0-6 or CSAT 1-2 response (new, or updated to that score) gets one :class:`FollowUp`,
assigned by the workspace's ``detractor_rules``::

    {
        "assign_to": "ann@acme.com",                        # default assignee (a member)
        "by_property": {"plan": {"enterprise": "bob@acme.com"}},  # first matching property wins
        "by_survey": {"12": "cy@acme.com"},                 # then the survey's assignee
        "alert_emails": ["cs@acme.com"],                    # who gets the alert email
        "escalate": {"max_score": 2, "alert_emails": ["lead@acme.com"]},  # also told of the lowest scores
    }

The alert email goes to ``alert_emails``, else to the assignee, else to the workspace's owners
and admins, through the outbox; a score at or under ``escalate.max_score`` alerts its addresses
too. The ``follow_up.created`` event is emitted too: a webhook endpoint subscribed to it is the
webhook alert.

History is not news: an imported response, or one dated more than a day ago, opens no follow-up
and alerts no one. A flood is not news either: past ``DETRACTOR_ALERTS_PER_HOUR`` alerts in a
workspace within the hour, new follow-ups wait for the next digest, one email that lists them
(:func:`send_alert_digests`, every few minutes).
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from feedback_app.extensions import db
from feedback_app.models import (
    Channel,
    FollowUp,
    Membership,
    NotificationKind,
    Person,
    Response,
    Role,
    Survey,
    SurveyKind,
    User,
    Workspace,
    utcnow,
)
from feedback_app.services.loop import mail, outbox
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.events import emit
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import check_owned
from feedback_app.services.transaction import transactional

# Scores that need a personal reply: NPS detractors and the two lowest CSAT answers.
UNHAPPY_SCORES = {SurveyKind.NPS: range(0, 7), SurveyKind.CSAT: range(1, 3)}
RULE_KEYS = ("assign_to", "by_property", "by_survey", "alert_emails", "escalate")
MAX_ALERT_EMAILS = 20
HISTORY_AGE = timedelta(days=1)  # an answer dated earlier than this is history, not a customer waiting
DIGEST_MAX_LISTED = 50


def is_unhappy(survey_kind, score):
    """Return whether ``score`` on a survey of ``survey_kind`` calls for a follow-up."""
    return score is not None and score in UNHAPPY_SCORES.get(survey_kind, ())


def _member(workspace, email, field):
    try:
        address = normalize_email(email)
    except (InvalidInput, AttributeError, TypeError):
        raise InvalidInput(f"{email!r} is not an email address.", fields={field: ["not an email address"]}) from None
    user = db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        User.email == address, Membership.workspace_id == workspace.id))
    if user is None:
        raise InvalidInput(f"{address} is not a member of this workspace.", fields={field: ["not a member"]})
    return user


def clean_rules(workspace, rules):
    """Return ``rules`` checked and normalised (see the module docstring for the shape).

    :raises InvalidInput: for an unknown key, an address that is not an email, or an assignee
        who is not a member of the workspace.
    """
    if not isinstance(rules, dict):
        raise InvalidInput("Detractor rules must be an object.", fields={"detractor_rules": ["not an object"]})
    unknown = sorted(set(rules) - set(RULE_KEYS))
    if unknown:
        raise InvalidInput(f"Unknown rule keys: {', '.join(unknown)}.",
                           fields={key: ["unknown key"] for key in unknown})
    cleaned = {}
    if rules.get("assign_to"):
        cleaned["assign_to"] = _member(workspace, rules["assign_to"], "assign_to").email
    by_property = _clean_by_property(workspace, rules.get("by_property") or {})
    if by_property:
        cleaned["by_property"] = by_property
    by_survey = _clean_by_survey(workspace, rules.get("by_survey") or {})
    if by_survey:
        cleaned["by_survey"] = by_survey
    alert_emails = _clean_alert_emails(rules.get("alert_emails") or [])
    if alert_emails:
        cleaned["alert_emails"] = alert_emails
    escalate = _clean_escalate(rules.get("escalate") or {})
    if escalate:
        cleaned["escalate"] = escalate
    return cleaned


def _clean_by_survey(workspace, by_survey):
    if not isinstance(by_survey, dict):
        raise InvalidInput("by_survey maps a survey id to an assignee email.",
                           fields={"by_survey": ["must be {survey id: email}"]})
    owned = {str(survey_id) for survey_id in db.session.scalars(
        select(Survey.id).where(Survey.workspace_id == workspace.id))}
    unknown = sorted(str(key) for key in by_survey if str(key) not in owned)
    if unknown:
        raise InvalidInput(f"No survey {', '.join(unknown)} in this workspace.",
                           fields={"by_survey": ["unknown survey"]})
    return {str(key): _member(workspace, email, "by_survey").email for key, email in by_survey.items()}


def _clean_escalate(escalate):
    if not escalate:
        return {}
    max_score = escalate.get("max_score") if isinstance(escalate, dict) else None
    if isinstance(max_score, bool) or not isinstance(max_score, int) or not 0 <= max_score <= 10:
        raise InvalidInput("escalate needs a max_score from 0 to 10 and alert_emails.",
                           fields={"escalate": ["max_score must be a whole number from 0 to 10"]})
    addresses = _clean_alert_emails(escalate.get("alert_emails") or [], "escalate")
    if not addresses:
        raise InvalidInput("Name who is alerted of the lowest scores.", fields={"escalate": ["no address"]})
    return {"max_score": max_score, "alert_emails": addresses}


def _clean_by_property(workspace, by_property):
    if not isinstance(by_property, dict) or not all(isinstance(v, dict) for v in by_property.values()):
        raise InvalidInput("by_property maps a property to {value: assignee email}.",
                           fields={"by_property": ["must be {property: {value: email}}"]})
    return {
        str(prop): {str(value): _member(workspace, email, "by_property").email for value, email in values.items()}
        for prop, values in by_property.items()
    }


def _clean_alert_emails(alert_emails, field="alert_emails"):
    if isinstance(alert_emails, str):
        alert_emails = [alert_emails]
    if not isinstance(alert_emails, list) or len(alert_emails) > MAX_ALERT_EMAILS:
        raise InvalidInput(f"Alerts go to a list of at most {MAX_ALERT_EMAILS} addresses.",
                           fields={field: [f"a list of at most {MAX_ALERT_EMAILS} addresses"]})
    addresses = []
    for address in alert_emails:
        try:
            addresses.append(normalize_email(address))
        except (InvalidInput, AttributeError, TypeError):  # not text, or not an address
            raise InvalidInput(f"{str(address)[:254]!r} is not an email address.",
                               fields={field: [f"{str(address)[:254]!r} is not an email address"]}) from None
    return list(dict.fromkeys(addresses))


@transactional
def set_detractor_rules(workspace, rules, *, user=None):
    """Replace the workspace's detractor rules.

    :raises InvalidInput: as :func:`clean_rules`; nothing is stored then.
    """
    cleaned = clean_rules(workspace, rules)
    record_event("workspace.detractor_rules_changed", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 target=workspace, data={"from": workspace.detractor_rules, "to": cleaned})
    workspace.detractor_rules = cleaned
    return workspace


def assignee_for(workspace, rules, properties, survey_id=None):
    wanted = None
    for prop, values in (rules.get("by_property") or {}).items():
        value = properties.get(prop)
        if value is not None and str(value) in values:
            wanted = values[str(value)]
            break
    wanted = wanted or (rules.get("by_survey") or {}).get(str(survey_id)) or rules.get("assign_to")
    if not wanted:
        return None
    # Rules were checked when saved, but the member may have left since: then nobody is assigned.
    return db.session.scalar(select(User).join(Membership, Membership.user_id == User.id).where(
        User.email == wanted, Membership.workspace_id == workspace.id))


def alert_addresses(workspace, rules, assignee, score=None):
    escalate = rules.get("escalate") or {}
    escalated = list(escalate.get("alert_emails") or []) if score is not None and score <= escalate.get(
        "max_score", -1) else []
    if rules.get("alert_emails"):
        usual = list(rules["alert_emails"])
    elif assignee is not None:
        usual = [assignee.email]
    else:
        usual = list(db.session.scalars(select(User.email).join(Membership, Membership.user_id == User.id).where(
            Membership.workspace_id == workspace.id, Membership.role.in_([Role.OWNER, Role.ADMIN]))
            .order_by(User.email)))
    return list(dict.fromkeys(usual + escalated))


@transactional
def open_follow_up(response_id):
    """Open the follow-up of an unhappy response and queue the team's alert; return it (or ``None``).

    Idempotent: the response's follow-up is created once (unique per response) and alerted
    once, however many times its events arrive. Called by the worker with an id.

    :param response_id: the :class:`Response` id.
    """
    response = db.session.get(Response, response_id)
    if response is None or not is_unhappy(response.survey.kind, response.score) or is_history(response):
        return None
    workspace = db.session.get(Workspace, response.workspace_id)
    rules = workspace.detractor_rules or {}
    person = db.session.get(Person, response.person_id) if response.person_id else None
    properties = {**(getattr(person, "properties", None) or {}), **(response.properties or {})}
    assignee = assignee_for(workspace, rules, properties, response.survey_id)
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    # Two events for one response (created, then updated with a comment) may race: the unique
    # response id lets exactly one of them open the follow-up and send the alert.
    created = db.session.execute(dialect.insert(FollowUp).values(
        workspace_id=workspace.id, response_id=response.id, assignee_id=getattr(assignee, "id", None),
        status="open", created_at=utcnow(), updated_at=utcnow()).on_conflict_do_nothing().returning(FollowUp.id)
    ).scalar()
    if created is None:
        return db.session.scalar(select(FollowUp).where(FollowUp.response_id == response.id))
    follow_up = db.session.get(FollowUp, created)
    if alerts_in_the_last_hour(workspace) < current_app.config["DETRACTOR_ALERTS_PER_HOUR"]:
        for address in alert_addresses(workspace, rules, assignee, response.score):
            outbox.queue_notification(workspace, kind=NotificationKind.DETRACTOR_ALERT, person=None,
                                      to_address=address, response=response, _commit=False)
        follow_up.alerted_at = utcnow()
    emit("follow_up.created", workspace_id=workspace.id, follow_up_id=follow_up.id, response_id=response.id)
    return follow_up


def is_history(response):
    """Return whether ``response`` is history, not news: imported, or dated more than ``HISTORY_AGE`` ago."""
    created_at = response.created_at
    return response.channel == Channel.IMPORT or (created_at is not None and created_at < utcnow() - HISTORY_AGE)


def alerts_in_the_last_hour(workspace):
    return db.session.scalar(select(func.count(FollowUp.id)).where(
        FollowUp.workspace_id == workspace.id, FollowUp.alerted_at >= utcnow() - timedelta(hours=1)))


@transactional
def send_alert_digests():
    """Queue one digest email per workspace listing the follow-ups that waited past the hourly alert limit.

    A digest lists the follow-ups it marks: those whose ``alerted_at`` is its own ``created_at``.
    :return: how many follow-ups the digests covered.
    """
    waiting = db.session.execute(select(FollowUp.workspace_id, func.count(FollowUp.id)).where(
        FollowUp.alerted_at.is_(None), FollowUp.status == "open").group_by(FollowUp.workspace_id)).all()
    covered = 0
    for workspace_id, count in waiting:
        workspace = db.session.get(Workspace, workspace_id)
        stamp = utcnow()
        db.session.execute(update(FollowUp).where(
            FollowUp.workspace_id == workspace_id, FollowUp.alerted_at.is_(None), FollowUp.status == "open"
        ).values(alerted_at=stamp))
        for address in alert_addresses(workspace, workspace.detractor_rules or {}, None):
            notification = outbox.queue_notification(workspace, kind=NotificationKind.DETRACTOR_DIGEST, person=None,
                                                     to_address=address, _commit=False)
            notification.created_at = stamp
        covered += count
    return covered


def list_follow_ups(workspace, *, status="open", assignee_id=None):
    """Return the workspace's follow-ups of ``status`` (``open``, ``done`` or ``None`` for all), oldest first."""
    query = select(FollowUp).where(FollowUp.workspace_id == workspace.id)
    if status is not None:
        query = query.where(FollowUp.status == status)
    if assignee_id is not None:
        query = query.where(FollowUp.assignee_id == assignee_id)
    return db.session.scalars(query.order_by(FollowUp.created_at, FollowUp.id)).all()


@transactional
def resolve_follow_up(workspace, follow_up, *, user=None):
    """Mark ``follow_up`` done (the customer got their reply); doing it again changes nothing.

    :raises NotFound: if it is not one of this workspace's.
    """
    check_owned(workspace, follow_up, what="follow-up")
    if follow_up.status != "done":
        follow_up.status, follow_up.resolved_at = "done", utcnow()
        record_event("follow_up.resolved", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                     target=follow_up)
    return follow_up


def render_detractor_alert(notification):
    """Return the team's alert email about an unhappy response."""
    from feedback_app.services.loop.action_emails import render_email_template

    response = db.session.get(Response, notification.response_id) if notification.response_id else None
    workspace = db.session.get(Workspace, notification.workspace_id)
    person = db.session.get(Person, response.person_id) if response is not None and response.person_id else None
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.response_id == getattr(response, "id", None)))
    assignee_id = getattr(follow_up, "assignee_id", None)
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    who = (person.name or person.email) if person is not None else "an anonymous customer"
    score = getattr(response, "score", None)
    context = {
        # The alert's first sentence starts with who answered: "An anonymous customer", never "an ...".
        "workspace_name": workspace.name, "who": who,
        "who_first": who if person is not None else "An anonymous customer",
        "email": getattr(person, "email", None), "score": score,
        "survey_name": response.survey.name if response is not None else "",
        "comment": getattr(response, "comment", None),
        "assignee": assignee.email if assignee is not None else None, "response_id": getattr(response, "id", None),
        "dashboard_url": response_url(workspace, response) if response is not None else workspace_url(),
    }
    return mail.Email(
        subject=f"[{workspace.name}] Unhappy customer: {score} from {who}",
        text=render_email_template("email/detractor_alert.txt", **context),
        html=render_email_template("email/detractor_alert.html", **context),
        headers={"Auto-Submitted": "auto-generated"},
    )


def render_alert_digest(notification):
    """Return the team's digest of the unhappy responses that came past the hourly alert limit."""
    from feedback_app.services.loop.action_emails import render_email_template

    workspace = db.session.get(Workspace, notification.workspace_id)
    covered = select(FollowUp).where(FollowUp.workspace_id == workspace.id,
                                     FollowUp.alerted_at == notification.created_at)
    total = db.session.scalar(select(func.count()).select_from(covered.subquery()))
    follow_ups = db.session.scalars(covered.order_by(FollowUp.id).limit(DIGEST_MAX_LISTED)).all()
    rows = []
    for follow_up in follow_ups:
        response = db.session.get(Response, follow_up.response_id)
        person = db.session.get(Person, response.person_id) if response.person_id else None
        rows.append({"who": (person.name or person.email) if person is not None else "an anonymous customer",
                     "score": response.score, "comment": response.comment, "url": response_url(workspace, response)})
    customers = "1 unhappy customer" if total == 1 else f"{total} unhappy customers"
    context = {"workspace_name": workspace.name, "rows": rows, "total": total, "customers": customers,
               "more": total - len(rows), "follow_ups_url": workspace_url() + f"app/{workspace.slug}/follow-ups"}
    return mail.Email(
        subject=f"[{workspace.name}] {customers} {'is' if total == 1 else 'are'} waiting for a reply",
        text=render_email_template("email/detractor_digest.txt", **context),
        html=render_email_template("email/detractor_digest.html", **context),
        headers={"Auto-Submitted": "auto-generated"},
    )


def workspace_url():
    """Return the base URL of the dashboard, for links in team emails."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + "/"


def response_url(workspace, response):
    """Return the dashboard page of ``response``, for links in team emails."""
    return workspace_url() + f"app/{workspace.slug}/responses/{response.id}"

"""Targeting and intake for the in-app widget: who is asked which survey now, and their answers.

Targeting rules, in order: the survey is active and offered on the widget channel; the person
(or anonymous visitor) was not asked within the recontact window (a display, a dismissal or an
answer all count as being asked: of any survey for a survey in ``workspace`` recontact scope,
of this survey only for one in ``survey`` scope); they fall inside the survey's sample; a survey
on a running widget Autopilot schedule is shown only to its members whose next survey time has
come (:func:`autopilot_schedules.paced_for_widget`). The trigger itself (page load, URL, named
event) is evaluated in the browser.
"""
import hashlib
import re
from datetime import timedelta, timezone

from sqlalchemy import func, or_, select

from feedback_app.extensions import db
from feedback_app.models import Channel, RecontactScope, Response, Survey, SurveyDisplay, Workspace
from feedback_app.models.base import utcnow
from feedback_app.services import tokens
from feedback_app.services.collection import autopilot_schedules, responses, survey_builder
from feedback_app.services.integrations import api_queries
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.transaction import transactional

VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def get_live_workspace(workspace_id):
    """Return the workspace with ``workspace_id`` unless it was deleted.

    :raises NotFound: for an unknown or deleted workspace.
    """
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None or workspace.deleted_at is not None:
        raise NotFound("Unknown widget key.")
    return workspace


def recontact_days(workspace, survey):
    """Return the recontact window of ``survey`` in days (its own, else the workspace's)."""
    return survey.recontact_days if survey.recontact_days is not None else workspace.recontact_days


def in_sample(survey, subject):
    """Return whether ``subject`` (person id or visitor id) falls in the survey's sample.

    Deterministic, so that reloading the page does not roll the dice again.
    """
    if survey.sampling_percent >= 100:
        return True
    digest = hashlib.sha256(f"{survey.id}:{subject}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < survey.sampling_percent


def survey_scoped(survey):
    """Return whether only asks of ``survey`` itself hold it back (its recontact scope is ``survey``)."""
    return getattr(survey, "recontact_scope", None) == RecontactScope.SURVEY


def _aware(moment):
    # Aggregates bypass the column type: SQLite hands back naive UTC datetimes.
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment


def _display_clauses(person, visitor_id):
    clauses = []
    if person is not None:
        clauses.append(SurveyDisplay.person_id == person.id)
    if visitor_id:
        clauses.append(SurveyDisplay.visitor_id == visitor_id)
    return clauses


def last_asked_at(workspace, *, person=None, visitor_id=None, survey=None):
    """Return when this person or visitor was last asked anything, or ``None``.

    :param survey: the survey about to ask; when its recontact scope is ``survey``, only asks of
        that survey count (:func:`last_asked_per_survey`).
    """
    if survey is not None and survey_scoped(survey):
        return last_asked_per_survey(workspace, person=person, visitor_id=visitor_id).get(survey.id)
    clauses = _display_clauses(person, visitor_id)
    latest = None
    if clauses:
        latest = _aware(db.session.scalar(select(func.max(SurveyDisplay.created_at)).where(
            SurveyDisplay.workspace_id == workspace.id, or_(*clauses))))
    if person is not None:
        # Answers here, and surveys sent before the person came here (Delighted's last_sent_at).
        latest = max((moment for moment in (latest, person.last_surveyed_at, person.last_sent_at) if moment),
                     default=None)
    return latest


def last_asked_per_survey(workspace, *, person=None, visitor_id=None):
    """Return ``{survey_id: when this person or visitor was last asked it}`` (displays and answers).

    Delighted's ``last_sent_at`` (sent before the person came here) was a send of Delighted's one
    survey: it counts for the survey ``/v1`` speaks for (``api_queries.default_survey``).
    """
    clauses = _display_clauses(person, visitor_id)
    latest = {}

    def note(survey_id, moment):
        moment = _aware(moment)
        if moment is not None and (survey_id not in latest or latest[survey_id] < moment):
            latest[survey_id] = moment

    if clauses:
        for survey_id, moment in db.session.execute(
                select(SurveyDisplay.survey_id, func.max(SurveyDisplay.created_at))
                .where(SurveyDisplay.workspace_id == workspace.id, or_(*clauses)).group_by(SurveyDisplay.survey_id)):
            note(survey_id, moment)
    if person is not None:
        for survey_id, moment in db.session.execute(
                select(Response.survey_id, func.max(Response.created_at))
                .where(Response.workspace_id == workspace.id, Response.person_id == person.id)
                .group_by(Response.survey_id)):
            note(survey_id, moment)
        if person.last_sent_at is not None:
            default = api_queries.default_survey(workspace)
            if default is not None:
                note(default.id, person.last_sent_at)
    return latest


def asked_within_window(workspace, survey, asked, now):
    """Return whether a person last asked at ``asked`` (``None``: never) is inside ``survey``'s recontact window."""
    return asked is not None and asked > now - timedelta(days=recontact_days(workspace, survey))


def eligible_surveys(workspace, *, person=None, visitor_id=None, properties=None, now=None):
    """Return the widget surveys this person or visitor may be shown now, oldest first.

    :param visitor_id: the widget's anonymous browser id, used when nobody is identified.
    :param properties: the properties the page identified the visitor with, over the person's stored ones;
        a survey's targeting rules are checked against them.
    """
    if person is None and not visitor_id:
        return []
    if person is not None and person.anonymized_at is not None:
        return []
    now = now or utcnow()
    asked = last_asked_at(workspace, person=person, visitor_id=visitor_id)
    subject = f"p{person.id}" if person is not None else f"v{visitor_id}"
    surveys = db.session.scalars(select(Survey).where(Survey.workspace_id == workspace.id, Survey.is_active)
                                 .order_by(Survey.id)).all()
    # Surveys in the survey recontact scope look at their own asks only.
    per_survey = last_asked_per_survey(workspace, person=person, visitor_id=visitor_id) if any(
        survey_scoped(survey) for survey in surveys) else {}
    properties = {**(getattr(person, "properties", None) or {}), **(properties or {})}
    chosen = []
    for survey in surveys:
        if Channel.WIDGET not in (survey.channels or ()) or not survey_builder.matches_targeting(survey, properties):
            continue
        if asked_within_window(workspace, survey, per_survey.get(survey.id) if survey_scoped(survey) else asked, now):
            continue
        if in_sample(survey, subject):
            chosen.append(survey)
    return autopilot_schedules.paced_for_widget(workspace, chosen, person=person, now=now)


def pick_locale(survey, *candidates):
    """Return the first candidate locale the survey has texts for, else its default locale.

    :param candidates: locales in order of preference (``"fr-CA"`` matches ``"fr"``).
    """
    available = survey.texts or {}
    for candidate in candidates:
        if not candidate:
            continue
        candidate = str(candidate).replace("_", "-")
        for option in (candidate, candidate.split("-")[0].lower()):
            if option in available:
                return option
    return survey.default_locale if survey.default_locale in available else next(iter(available), "en")


@transactional
def record_display(workspace, survey, *, person=None, visitor_id=None, page_url=None):
    """Record that the widget showed ``survey``; it counts as asking for the recontact window.

    :raises InvalidInput: when neither a person nor a valid visitor id is given.
    """
    visitor_id = clean_visitor_id(visitor_id)
    if person is None and visitor_id is None:
        raise InvalidInput("A visitor id is required.", fields={"visitor_id": ["required"]})
    display = SurveyDisplay(workspace_id=workspace.id, survey_id=survey.id, person_id=getattr(person, "id", None),
                            visitor_id=visitor_id, page_url=(page_url or "")[:2000] or None)
    db.session.add(display)
    autopilot_schedules.note_widget_display(workspace, survey, person)
    return display


def _owned_display(workspace, display_id, *, person=None, visitor_id=None):
    try:
        display_id = int(display_id)
    except (TypeError, ValueError):
        raise NotFound("Unknown display.") from None
    display = db.session.get(SurveyDisplay, display_id)
    if display is None or display.workspace_id != workspace.id:
        raise NotFound("Unknown display.")
    # Only the browser that was shown the survey may close it.
    same_person = person is not None and display.person_id == person.id
    same_visitor = visitor_id is not None and display.visitor_id == visitor_id
    if not (same_person or same_visitor):
        raise NotFound("Unknown display.")
    return display


def _visitors_display(workspace, display_id, *, person=None, visitor_id=None):
    # An answer counts whatever display id came with it; only the visitor's own display is closed.
    if display_id is None:
        return None
    try:
        return _owned_display(workspace, display_id, person=person, visitor_id=visitor_id)
    except NotFound:
        return None


@transactional
def dismiss_display(workspace, display_id, *, person=None, visitor_id=None):
    """Mark a display dismissed; the person is then left alone for the recontact window.

    :raises NotFound: when the display is not this visitor's in this workspace.
    """
    display = _owned_display(workspace, display_id, person=person, visitor_id=clean_visitor_id(visitor_id))
    if display.outcome == "shown":
        display.outcome = "dismissed"
    return display


def clean_visitor_id(value):
    """Return ``value`` if it looks like a widget visitor id, else ``None``."""
    return value if isinstance(value, str) and VISITOR_ID.match(value) else None


def mark_answered(workspace, display_id, *, person=None, visitor_id=None):
    """Mark the visitor's own display ``display_id`` answered (an answer counts whatever display id came with it)."""
    display = _visitors_display(workspace, display_id, person=person, visitor_id=visitor_id)
    if display is not None:
        display.outcome = "answered"


COMMENT_TOKEN_MAX_AGE = 7 * 24 * 3600  # the comment page stays open a week after the score


def get_link_survey(token):
    """Return the active survey whose hosted page is ``/s/<token>``.

    :raises NotFound: for an unknown token or a survey not offered as a link.
    :raises SurveyNotOpen: for a draft or paused survey (409), a closed one (410), saying so.
    """
    survey = db.session.scalar(select(Survey).where(Survey.token == str(token)))
    if survey is None or Channel.LINK not in (survey.channels or ()):
        raise NotFound("This survey does not exist or is closed.")
    workspace = db.session.get(Workspace, survey.workspace_id)
    if workspace is None or workspace.deleted_at is not None:
        raise NotFound("This survey does not exist or is closed.")
    survey_builder.require_open(survey)
    return survey


def workspace_of(survey):
    """Return the workspace that owns ``survey``."""
    return db.session.get(Workspace, survey.workspace_id)


@transactional
def answer_link(workspace, survey, *, score=None, churn_reason=None, answers=None, person=None,
                survey_request=None, channel=Channel.LINK, locale=None, submission_key=None):
    """Record the first step of a hosted-page or email answer (the score or churn reason).

    :raises InvalidInput: for a score out of range or an unknown reason.
    :raises SurveyNotOpen: when the survey is not active (410 once it is closed), saying so.
    """
    survey_builder.require_open(survey)
    properties = dict(person.properties or {}) if person is not None else {}
    return responses.record_response(
        workspace, survey, channel=channel, score=score, churn_reason=churn_reason, answers=answers or None,
        person=person, survey_request=survey_request, properties=properties, locale=locale,
        submission_key=submission_key, _commit=False)


def comment_token(response):
    """Return the signed token of the comment page that completes ``response``."""
    return tokens.make_token("survey-comment", {"w": response.workspace_id, "r": response.id})


def response_from_comment_token(token):
    """Return ``(workspace, response)`` named by a comment-page token.

    :raises InvalidToken: for a forged, altered or expired token.
    :raises NotFound: when the response no longer exists.
    """
    payload = tokens.read_token("survey-comment", token, max_age=COMMENT_TOKEN_MAX_AGE)
    workspace = db.session.get(Workspace, payload.get("w"))
    if workspace is None or workspace.deleted_at is not None:
        raise NotFound("This answer no longer exists.")
    return workspace, responses.get_response(workspace, payload.get("r"))


@transactional
def complete_response(workspace, response, *, comment=None, kept=None, answers=None):
    """Add the comment (and extra answers) to the response its score started.

    :raises InvalidInput: for answers that do not fit the survey's questions.
    """
    answers = dict(answers or {})
    if kept:
        answers["kept"] = kept.strip()
    return responses.update_response(workspace, response, comment=comment if comment else response.comment,
                                     answers=answers, _commit=False)

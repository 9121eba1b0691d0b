"""Targeting and intake for the in-app widget: who is asked which survey now, and their answers.

Targeting rules, in order: the survey is active and offered on the widget channel; the person
(or anonymous visitor) was not asked anything within the recontact window (across every
survey: a display, a dismissal or an answer all count as being asked); they fall inside the
survey's sample. The trigger itself (page load, URL, named event) is evaluated in the browser.
"""
import hashlib
import hmac
import re
from datetime import timedelta, timezone

from sqlalchemy import func, or_, select

from feedback_app.extensions import db
from feedback_app.models import Channel, Survey, SurveyDisplay, SurveyKind, Workspace
from feedback_app.models.base import utcnow
from feedback_app.services import people, responses, tokens
from feedback_app.services.exceptions import InvalidInput, NotFound, PermissionDenied
from feedback_app.services.transaction import transactional

VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
MAX_COMMENT = 5000
MAX_PROPERTIES = 50


def get_live_workspace(workspace_id):
    """Return the workspace with ``workspace_id`` unless it was deleted.

    :raises NotFound: for an unknown or deleted workspace.
    """
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None or workspace.deleted_at is not None:
        raise NotFound("Unknown widget key.")
    return workspace


def identity_signature(workspace, user_id):
    """Return the hex HMAC-SHA256 of ``user_id`` the host app must send as ``user_hash``."""
    return hmac.new(workspace.identity_secret.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()


def check_identity(workspace, identity):
    """Validate an identity sent by the widget and return it cleaned, or ``None`` if anonymous.

    :param identity: ``{"id", "email", "name", "locale", "properties", "user_hash"}``, all optional.
    :raises InvalidInput: on wrong types.
    :raises PermissionDenied: when verification is on and the identity is unsigned or wrongly signed.
    """
    if identity in (None, {}):
        return None
    if not isinstance(identity, dict):
        raise InvalidInput("The identity must be an object.", fields={"identity": ["must be an object"]})
    problems = {}
    for key in ("id", "email", "name", "locale", "user_hash"):
        value = identity.get(key)
        if value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
            problems[key] = ["must be a string"]
    properties = identity.get("properties") or {}
    if not isinstance(properties, dict) or len(properties) > MAX_PROPERTIES:
        problems["properties"] = [f"must be an object of at most {MAX_PROPERTIES} keys"]
    if problems:
        raise InvalidInput("The identity is not valid.", fields={f"identity.{k}": v for k, v in problems.items()})
    user_id = str(identity["id"]) if identity.get("id") not in (None, "") else None
    if workspace.require_identity_verification:
        # Only the host app knows the secret, so a visitor cannot claim someone else's id; an
        # email alone cannot be verified and is refused too.
        expected = identity_signature(workspace, user_id) if user_id else None
        given = str(identity.get("user_hash") or "")
        if expected is None or not hmac.compare_digest(expected, given.lower()):
            raise PermissionDenied("This identity is not verified: sign the user id with the workspace secret.")
    cleaned = {"external_id": user_id, "email": identity.get("email") or None, "name": identity.get("name") or None,
               "locale": identity.get("locale") or None, "properties": properties}
    if not (cleaned["external_id"] or cleaned["email"]):
        return None
    return cleaned


def identify(workspace, identity, *, _commit=True):
    """Return the person for a cleaned identity (created or updated), or ``None`` if anonymous.

    :raises InvalidInput: on a malformed email.
    """
    if identity is None:
        return None
    return people.upsert_person(workspace, email=identity["email"], external_id=identity["external_id"],
                                name=identity["name"], locale=identity["locale"],
                                properties=identity["properties"], _commit=_commit)


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


def last_asked_at(workspace, *, person=None, visitor_id=None):
    """Return when this person or visitor was last asked anything, or ``None``."""
    clauses = []
    if person is not None:
        clauses.append(SurveyDisplay.person_id == person.id)
    if visitor_id:
        clauses.append(SurveyDisplay.visitor_id == visitor_id)
    latest = None
    if clauses:
        latest = db.session.scalar(select(func.max(SurveyDisplay.created_at)).where(
            SurveyDisplay.workspace_id == workspace.id, or_(*clauses)))
        if latest is not None and latest.tzinfo is None:  # aggregates bypass the column type
            latest = latest.replace(tzinfo=timezone.utc)
    if person is not None and person.last_surveyed_at and (latest is None or person.last_surveyed_at > latest):
        latest = person.last_surveyed_at
    return latest


def eligible_surveys(workspace, *, person=None, visitor_id=None, now=None):
    """Return the widget surveys this person or visitor may be shown now, oldest first.

    :param visitor_id: the widget's anonymous browser id, used when nobody is identified.
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
    chosen = []
    for survey in surveys:
        if Channel.WIDGET not in (survey.channels or ()):
            continue
        if asked is not None and asked > now - timedelta(days=recontact_days(workspace, survey)):
            continue
        if in_sample(survey, subject):
            chosen.append(survey)
    return chosen


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


def parse_answer(survey, data, *, answers=None):
    """Check the types of a widget answer and return the keyword arguments for the response.

    :param data: the JSON object the widget posted.
    :param answers: the custom questions' answers, already turned into stored values by the
        widget's question types (``{key: value}``); checked again by the response write path.
    :raises InvalidInput: naming each field with a wrong type or size.
    """
    problems = {}
    score = data.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int)):
        problems["score"] = ["must be a whole number"]
    comment = data.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT):
        problems["comment"] = [f"must be text of at most {MAX_COMMENT} characters"]
    churn_reason = data.get("churn_reason")
    if churn_reason is not None and not isinstance(churn_reason, str):
        problems["churn_reason"] = ["must be a string"]
    key = data.get("submission_key")
    if not isinstance(key, str) or not SUBMISSION_KEY.match(key):
        problems["submission_key"] = ["must be 16-40 letters, digits, '-' or '_'"]
    answers = dict(answers or {})
    kept = data.get("kept")
    if survey.kind == SurveyKind.CHURN_EXIT and kept not in (None, ""):
        # "What would have kept you?" is part of every churn-exit survey, not a configured question.
        if not isinstance(kept, str) or len(kept) > MAX_COMMENT:
            problems["kept"] = [f"must be text of at most {MAX_COMMENT} characters"]
        else:
            answers["kept"] = kept.strip()
    if problems:
        raise InvalidInput("The answer is not valid.", fields=problems)
    if survey.kind != SurveyKind.CUSTOM and score is None and churn_reason is None:
        needed = "churn_reason" if survey.kind == SurveyKind.CHURN_EXIT else "score"
        raise InvalidInput(f"The {needed.replace('_', ' ')} is required.", fields={needed: ["required"]})
    return {"score": score, "comment": (comment or "").strip() or None, "churn_reason": churn_reason,
            "answers": answers, "submission_key": f"w{survey.id}-{key}"}


WIDGET_ANSWER_FIELDS = ("score", "comment", "churn_reason", "kept", "submission_key", "display_id", "identity",
                        "visitor_id")


def check_widget_answer(workspace, survey, data, *, answers=None):
    """Raise whatever :func:`submit_answer` would refuse in this answer, writing nothing.

    :raises InvalidInput: on wrong types or values out of the survey's range.
    :raises PermissionDenied: for an unverified identity when verification is required.
    """
    identity = check_identity(workspace, data.get("identity"))
    if identity is not None:
        people.check_person_fields(email=identity["email"], properties=identity["properties"])
    fields = parse_answer(survey, data, answers=answers)
    responses.validate_fields(survey, score=fields["score"], comment=fields["comment"],
                              churn_reason=fields["churn_reason"], answers=fields["answers"])
    responses.require_churn_reason(survey, fields["churn_reason"])
    display_id = data.get("display_id")
    if display_id is not None and (isinstance(display_id, bool) or not isinstance(display_id, int)):
        raise InvalidInput("The display id must be a whole number.", fields={"display_id": ["not an integer"]})


@transactional
def submit_answer(workspace, survey, data, *, answers=None, locales=()):
    """Record (or complete) a widget answer through the single response write path.

    The widget posts the score the moment it is given and the comment later with the same
    ``submission_key``, which updates that response instead of adding one; retries are safe.

    :param data: the posted JSON object: ``score``, ``comment``, ``churn_reason``, ``kept``,
        ``submission_key``, ``display_id``, ``identity``, ``visitor_id``.
    :param answers: custom answers as stored values (see :func:`parse_answer`).
    :param locales: the visitor's languages in order of preference (after the person's own).
    :raises InvalidInput: on wrong types or values out of the survey's range.
    :raises PermissionDenied: for an unverified identity when verification is required.
    """
    person = identify(workspace, check_identity(workspace, data.get("identity")), _commit=False)
    visitor_id = clean_visitor_id(data.get("visitor_id"))
    fields = parse_answer(survey, data, answers=answers)
    locale = pick_locale(survey, getattr(person, "locale", None), *locales)
    properties = dict(person.properties or {}) if person is not None else {}
    response = responses.record_response(
        workspace, survey, person=person, channel=Channel.WIDGET, properties=properties,
        locale=locale, _commit=False, **fields)
    display = _visitors_display(workspace, data.get("display_id"), person=person, visitor_id=visitor_id)
    if display is not None:
        display.outcome = "answered"
    return response


COMMENT_TOKEN_MAX_AGE = 7 * 24 * 3600  # the comment page stays open a week after the score


def get_link_survey(token):
    """Return the active survey whose hosted page is ``/s/<token>``.

    :raises NotFound: for an unknown token or a survey closed to links.
    """
    survey = db.session.scalar(select(Survey).where(Survey.token == str(token)))
    if survey is None or not survey.is_active or Channel.LINK not in (survey.channels or ()):
        raise NotFound("This survey does not exist or is closed.")
    workspace = db.session.get(Workspace, survey.workspace_id)
    if workspace is None or workspace.deleted_at is not None:
        raise NotFound("This survey does not exist or is closed.")
    return survey


def workspace_of(survey):
    """Return the workspace that owns ``survey``."""
    return db.session.get(Workspace, survey.workspace_id)


@transactional
def answer_link(workspace, survey, *, score=None, churn_reason=None, answers=None, person=None,
                survey_request=None, channel=Channel.LINK, locale=None, submission_key=None):
    """Record the first step of a hosted-page or email answer (the score or churn reason).

    :raises InvalidInput: for a score out of range or an unknown reason.
    """
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

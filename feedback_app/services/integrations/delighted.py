"""Delighted's write semantics over the spine: people with scheduled surveys, responses, suppressions.

Delighted had one survey per project; here it is the workspace's NPS survey, its first active one
if any (:func:`feedback_app.services.integrations.api_queries.default_survey`), created on first use so that
code written for Delighted works on an empty workspace. A paused (or closed, or draft) NPS survey is still
the team's: responses recorded through ``/v1`` go into it, as the API and imports record into any survey,
while a ``/v1`` send of it is refused with a 409 that says why; a second "NPS" survey the team did not make
is never created beside it. A function taking Delighted's shapes says so
(``record_response_from_delighted``); where Delighted adds only its way of naming a person, the
caller finds them with :func:`find_person_by_identifier` and calls the owner's verb.
"""
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Channel, Person, SurveyKind, SurveyStatus, utcnow
from feedback_app.services.collection import invitations, people, responses, surveys, widget_config
from feedback_app.services.integrations import delighted_properties
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.integrations.api_queries import default_survey
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound
from feedback_app.services.pages import MAX_ID
from feedback_app.services.transaction import transactional

MAX_DELAY_SECONDS = 365 * 24 * 3600
MAX_QUESTION_ID_LENGTH = 100  # an additional answer's, as the /v1 document says
MAX_ANSWER_LENGTH = 1000


def _as_id(value):
    text = str(value).strip()
    # ASCII digits only: "³".isdigit() is true but int("³") fails.
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID else None


# What a team can do so that /v1 sends its survey again, by the survey's status.
_SEND_AGAIN = {SurveyStatus.PAUSED: "Make it active again", SurveyStatus.DRAFT: "Publish it",
               SurveyStatus.CLOSED: "Create a new NPS survey"}


def ensure_default_survey(workspace):
    """Return the workspace's Delighted survey, whatever its status; create one named "NPS" if it has no NPS survey."""
    return default_survey(workspace) or surveys.new_survey(workspace, name="NPS", kind=SurveyKind.NPS,
                                                           _commit=False)


def _check_sendable(survey):
    """Raise :class:`Conflict` naming ``survey``'s status unless it is active: a paused survey sends no email."""
    if not survey.is_active:
        raise Conflict(f'The NPS survey "{survey.name}" is {survey.status.value}, so no survey is sent. '
                       f"{_SEND_AGAIN[survey.status]}, or pass send=false to store the person only.",
                       fields={"send": [f"the survey is {survey.status.value}"]})


@transactional
def create_person(workspace, *, email=None, phone_number=None, name=None, properties=None, send=True, delay=0,
                  channel="email", locale=None, email_update=None, phone_number_update=None, last_sent_at=None):
    """Create or update a person by email or phone number and, unless ``send`` is false, schedule a survey.

    :param delay: seconds to wait before the survey is sent (Delighted's ``delay``).
    :param channel: ``"email"``; Delighted's ``"sms"`` is refused because this platform sends no SMS.
    :param email_update: the new address of the person found by ``email`` (a new person gets it).
    :param phone_number_update: the new number of the person found by ``phone_number``.
    :param last_sent_at: when they were last surveyed elsewhere (an aware datetime): the recontact
        window counts from it, so the survey this call sends may be skipped for it.
    :param properties: the person's properties; Delighted's special ones
        (:data:`delighted_properties.SPECIAL_PROPERTIES`) set the wording of the survey sent instead.
    The survey request comes from ``invitations.invite_people``: it may be ``skipped`` (an
    unsubscribed person, or one asked within the recontact window), with the reason on it.

    :return: ``(person, survey_request or None)``.
    :raises InvalidInput: naming each bad field.
    :raises Conflict: naming ``send`` when the Delighted survey is not active (paused, closed or a draft).
    """
    _check_person_fields(email=email, phone_number=phone_number, send=send, delay=delay, channel=channel,
                         email_update=email_update, phone_number_update=phone_number_update,
                         last_sent_at=last_sent_at)
    properties, special = delighted_properties.split_properties(properties)
    locale = locale or properties.pop("locale", None)
    survey = ensure_default_survey(workspace) if send or special else None
    if survey is not None:
        if send:
            _check_sendable(survey)
        delighted_properties.check_for_survey(survey, special, sends=send)
    email, phone_number = _move_identifiers(workspace, email=email, phone_number=phone_number,
                                            email_update=email_update, phone_number_update=phone_number_update)
    person = people.upsert_person(workspace, email=email, phone_number=phone_number, name=name, locale=locale,
                                  properties=properties, _commit=False)
    if last_sent_at is not None and (person.last_sent_at is None or person.last_sent_at < last_sent_at):
        person.last_sent_at = last_sent_at
    request = None
    if send:
        (request,) = invitations.invite_people(workspace, survey, [person], delay_seconds=delay,
                                               properties={**properties, **special} or None, _commit=False)
        request.properties = {**request.properties, **special}  # a survey already pending takes them too
    return person, request


def _check_person_fields(*, email, phone_number, send, delay, channel, email_update, phone_number_update,
                         last_sent_at):
    """Raise one :class:`InvalidInput` naming every bad field of a ``POST /v1/people``."""
    problems = {}
    if channel not in ("email", "sms"):
        problems["channel"] = ["must be email or sms"]
    elif channel == "sms":
        problems["channel"] = ["SMS is not offered here: this platform sends surveys by email only"]
    if email_update and not email:
        problems["email_update"] = ["needs email, the address it replaces"]
    if phone_number_update and not phone_number:
        problems["phone_number_update"] = ["needs phone_number, the number it replaces"]
    if last_sent_at is not None and last_sent_at > utcnow():
        problems["last_sent_at"] = ["must not be in the future"]
    if isinstance(delay, bool) or not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_SECONDS:
        problems["delay"] = [f"must be a whole number of seconds from 0 to {MAX_DELAY_SECONDS}"]
    if not (email or phone_number):
        problems["email"] = ["an email or a phone number is required"]
    if send and channel == "email" and not email and "email" not in problems:
        problems["email"] = ["required to send an emailed survey (or pass send=false)"]
    if problems:
        raise InvalidInput("SMS is not offered here." if channel == "sms" else "The person is not valid.",
                           fields=problems)


def _move_identifiers(workspace, *, email, phone_number, email_update, phone_number_update):
    """Give the person found by ``email`` / ``phone_number`` their new ones; return the identifiers to upsert with.

    :raises InvalidInput: naming ``email_update`` / ``phone_number_update`` when the new value is
        malformed or already another person's.
    """
    changes = (("email", email, email_update), ("phone_number", phone_number, phone_number_update))
    current = {"email": email, "phone_number": phone_number}
    for field, old, new in changes:
        if not new:
            continue
        if field == "email":
            try:
                old, new = normalize_email(old), normalize_email(new)
            except InvalidInput:
                raise InvalidInput("The new email address is not valid.",
                                   fields={"email_update": ["must be an email address"]}) from None
        else:
            old, new = old.strip(), new.strip()
        person, holder = (people.find_person(workspace, **{field: value}) for value in (old, new))
        if holder is not None and holder is not person:
            raise InvalidInput(f"Another person already has this {field.replace('_', ' ')}.",
                               fields={f"{field}_update": ["already another person's"]})
        if person is not None:
            setattr(person, field, new)
        current[field] = new
    db.session.flush()
    return current["email"], current["phone_number"]


def web_snippet_survey_token(public_key):
    """Return the public token of the survey Delighted's web snippet shows, or ``None`` if there is none.

    It is the Delighted survey when it is active and the widget offers it.

    :raises NotFound: for an unknown widget key or a deleted workspace.
    """
    survey = default_survey(widget_config.workspace_by_public_key(public_key))
    shown = survey is not None and survey.is_active and Channel.WIDGET in (survey.channels or ())
    return survey.token if shown else None


def find_person_by_identifier(workspace, identifier):
    """Return the person named by a Delighted identifier: ``"123"``, ``"email:a@b.c"`` or ``"phone_number:+1..."``.

    :raises NotFound: if the workspace has no such person.
    """
    kind, _, value = identifier.partition(":")
    if not value:
        kind, value = "id", identifier
    person = None
    if kind == "id" and _as_id(value) is not None:
        person = db.session.scalar(
            select(Person).where(Person.workspace_id == workspace.id, Person.id == _as_id(value)))
    elif kind == "email":
        person = people.find_person(workspace, email=value.strip().lower())
    elif kind == "phone_number":
        person = people.find_person(workspace, phone_number=value.strip())
    if person is None:
        raise NotFound("No such person.")
    return person


def _answers_from_delighted(additional_answers):
    if additional_answers is None:
        return None
    if isinstance(additional_answers, dict):
        return additional_answers
    if not isinstance(additional_answers, list):
        raise InvalidInput("additional_answers must be a list.", fields={"additional_answers": ["not a list"]})
    answers = {}
    for item in additional_answers:
        key = isinstance(item, dict) and (item.get("question_id") or item.get("id"))
        if not key:
            raise InvalidInput("Each additional answer needs a question_id and a value.",
                               fields={"additional_answers": ["each item needs question_id and value"]})
        if len(str(key)) > MAX_QUESTION_ID_LENGTH:
            raise InvalidInput(f"A question_id is at most {MAX_QUESTION_ID_LENGTH} characters.",
                               fields={"additional_answers": ["question_id too long"]})
        value = item.get("value")
        if isinstance(value, dict):  # Delighted's {"free_response": ...} / {"scale": ...} / {"select_one": ...}
            value = next(iter(value.values()), None)
        if isinstance(value, str) and len(value) > MAX_ANSWER_LENGTH:
            raise InvalidInput(f"An additional answer is at most {MAX_ANSWER_LENGTH} characters.",
                               fields={"additional_answers": ["value too long"]})
        answers[str(key)] = value
    return answers


def _scalar_properties(field, value):
    # Stored as a person's properties are: names to scalars, checked by the people service.
    if value is None:
        return None
    try:
        return people.clean_properties(value)
    except InvalidInput as error:
        problems = [problem for found in error.fields.values() for problem in found]
        raise InvalidInput(str(error), fields={field: problems}) from None


@transactional
def record_response_from_delighted(workspace, *, person_id, score, comment=None, person_properties=None,
                                   properties=None, additional_answers=None, survey=None):
    """Record a response for the person ``person_id`` to ``survey`` (default: the Delighted survey).

    The Delighted survey takes it paused or closed too: pausing stops asking customers, not the API.

    :raises InvalidInput: naming each bad field (``person``, ``score``, ``comment``...).
    """
    if person_id in (None, ""):
        raise InvalidInput("The person is required.", fields={"person": ["required"]})
    if score is None:
        raise InvalidInput("The score is required.", fields={"score": ["required"]})
    person = db.session.scalar(select(Person).where(
        Person.workspace_id == workspace.id, Person.id == _as_id(person_id))) if _as_id(person_id) else None
    if person is None:
        raise InvalidInput("No such person.", fields={"person": ["no person with this id"]})
    person_properties, properties = (_scalar_properties(field, value) for field, value in (
        ("person_properties", person_properties), ("properties", properties)))
    survey = survey or ensure_default_survey(workspace)
    snapshot = {**(person.properties or {}), **(properties or {}), **(person_properties or {})}
    return responses.record_response(workspace, survey, channel=Channel.API, score=score, comment=comment,
                                     person=person, answers=_answers_from_delighted(additional_answers),
                                     properties=snapshot, _commit=False)


def _new_notes(response, notes):
    if notes is None:
        return None
    if not isinstance(notes, list):
        raise InvalidInput("notes must be a list.", fields={"notes": ["not a list"]})
    existing = {note.text for note in response.notes}
    texts = []
    for note in notes:
        # The client sends back the notes it read (objects with an id): only new text is added.
        if isinstance(note, dict):
            if note.get("id") is not None:
                continue
            note = note.get("text")
        if isinstance(note, str) and note.strip() in existing:
            continue
        texts.append(note)
    return texts


@transactional
def update_response_from_delighted(workspace, response_id, *, fields):
    """Apply a Delighted ``PUT`` to response ``response_id``: score, comment, tags, notes, person_properties.

    Other keys the client sends back (``id``, ``permalink``, ``created_at``...) are ignored.

    :raises NotFound: if the workspace has no such response.
    :raises InvalidInput: naming each bad field.
    """
    response = responses.get_response(workspace, response_id)
    changes = {key: fields[key] for key in ("score", "comment") if key in fields}
    if "tags" in fields:
        tags = fields["tags"]
        if not isinstance(tags, list):
            raise InvalidInput("tags must be a list.", fields={"tags": ["not a list"]})
        changes["tags"] = [tag.get("name") if isinstance(tag, dict) else tag for tag in tags]
    response = responses.update_response(workspace, response, notes=_new_notes(response, fields.get("notes")),
                                         _commit=False, **changes)
    person_properties = fields.get("person_properties")
    if person_properties is not None:
        if not isinstance(person_properties, dict):
            raise InvalidInput("person_properties must be an object.", fields={"person_properties": ["not an object"]})
        response.properties = {**(response.properties or {}), **person_properties}
    return response


@transactional
def unsubscribe_person_email(workspace, email):
    """Unsubscribe ``email`` (Delighted's ``person_email``) from every survey email.

    :raises InvalidInput: for a missing or bad email.
    """
    if not email:
        raise InvalidInput("person_email is required.", fields={"person_email": ["required"]})
    try:
        return people.unsubscribe(workspace, email, source="api", _commit=False)
    except InvalidInput as error:
        raise InvalidInput(error.message, fields={"person_email": error.fields.get("email", ["not valid"])}) from None

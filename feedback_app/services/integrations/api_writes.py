"""Writes of the native API that compose spine services into one transaction.

They sort the services' refusals the way the OpenAPI document can promise them: 422 for a value
the schema does not allow, 404 for an id that names nothing, 409 for a well-formed value that
the stored data does not take (a score outside that survey's scale, a reason it does not offer,
an identifier another row holds, a status change the action's state forbids). Each function is
the owner's verb ``_from_api``: the owner does the work; this adds the ids the /api takes in and
the status codes it promises out.
"""
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Action, Channel, Response, Survey, Theme
from feedback_app.services.collection import people, responses
from feedback_app.services.loop import action_emails, actions
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound
from feedback_app.services.ownership import owned
from feedback_app.services.transaction import transactional


def _check_fits_survey(survey, *, score=None, churn_reason=None, answers=None, new=False):
    # The schema cannot know a survey's scale, reasons or questions: say 409, not 422, when a
    # well-formed value does not fit this survey.
    try:
        responses.validate_fields(survey, score=score, churn_reason=churn_reason,
                                  answers=answers if isinstance(answers, dict) else None)
        if new:
            responses.require_churn_reason(survey, churn_reason)
    except InvalidInput as error:
        raise Conflict(error.message, fields=error.fields) from None


def check_one_person(workspace, *, email=None, phone_number=None, external_id=None):
    """Refuse identifiers that name two different people.

    ``people.upsert_person`` matches on the first identifier found and sets the others, which
    breaks a unique constraint (a 500) when another person holds one of them.

    :raises Conflict: naming the identifiers, when they belong to different people.
    """
    try:
        email = normalize_email(email) if email else None
    except InvalidInput:
        return  # the write itself refuses the address, naming it
    identifiers = {"email": email, "phone_number": (phone_number or "").strip(),
                   "external_id": str(external_id or "").strip()}
    matches = {}
    for field, value in identifiers.items():
        if value:
            person = people.find_person(workspace, **{field: value})
            if person is not None:
                matches[field] = person.id
    if len(set(matches.values())) > 1:
        raise Conflict(f"{' and '.join(sorted(matches))} belong to different people.",
                       fields={field: ["belongs to another person than the other identifiers"] for field in matches})


@transactional
def upsert_person_from_api(workspace, *, email=None, phone_number=None, external_id=None, name=None,
                           locale=None, properties=None):
    """Create or update the person named by ``email``, ``phone_number`` or ``external_id``.

    :raises Conflict: naming the identifiers when they belong to two different people.
    :raises InvalidInput: for a bad email or properties, or when no identifier is given.
    """
    check_one_person(workspace, email=email, phone_number=phone_number, external_id=external_id)
    return people.upsert_person(workspace, email=email, phone_number=phone_number, external_id=external_id,
                                name=name, locale=locale, properties=properties, _commit=False)


@transactional
def record_response_from_api(workspace, *, survey_id, score=None, comment=None, person=None, answers=None,
                             churn_reason=None, locale=None, external_id=None):
    """Record a response to ``survey_id``; ``person`` (email, external_id, name, properties) is found or created.

    :raises NotFound: for an unknown ``survey_id``.
    :raises InvalidInput: naming each bad field.
    :raises Conflict: for a score, reason or answer the survey does not take, an ``external_id``
        another response has, or a person's identifiers that belong to different people.
    """
    survey = owned(Survey, workspace, survey_id)
    _check_fits_survey(survey, score=score, churn_reason=churn_reason, answers=answers, new=True)
    customer = None
    if person is not None and not isinstance(person, dict):  # false, 0 or text is refused; {} names nobody
        raise InvalidInput("person must be an object.", fields={"person": ["not an object"]})
    if person:
        for key, limit in people.PERSON_FIELD_LIMITS.items():
            value = person.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > limit
                                      or (key == "email" and not value.strip())):
                raise InvalidInput(f"person.{key} must be text of at most {limit} characters.",
                                   fields={f"person.{key}": [f"text of at most {limit} characters"]})
        customer = upsert_person_from_api(workspace, email=person.get("email"),
                                          external_id=person.get("external_id"),
                                          phone_number=person.get("phone_number"), name=person.get("name"),
                                          properties=person.get("properties"), _commit=False)
    return responses.record_response(workspace, survey, channel=Channel.API, score=score, comment=comment,
                                     person=customer, answers=answers, churn_reason=churn_reason, locale=locale,
                                     external_id=external_id, _commit=False)


@transactional
def update_response_from_api(workspace, response_id, *, changes, note=None):
    """Change a response's score, comment, answers or tags and add a note.

    :raises NotFound: if the workspace has no such response.
    :raises InvalidInput: naming each bad field.
    :raises Conflict: for a score or answer the response's survey does not take.
    """
    response = responses.get_response(workspace, response_id)
    _check_fits_survey(response.survey, score=changes.get("score"), answers=changes.get("answers"))
    return responses.update_response(workspace, response, notes=[note] if note is not None else None, _commit=False,
                                     **changes)


@transactional
def create_action_from_api(workspace, *, theme_id=None, response_ids=(), **fields):
    """Plan an action on a theme and/or responses (see :func:`feedback_app.services.loop.actions.create_action`).

    :raises NotFound: for a ``theme_id`` or a response id the workspace does not have.
    :raises InvalidInput: naming each bad field.
    """
    if theme_id is not None:
        owned(Theme, workspace, theme_id)
    wanted = set(response_ids)
    found = set(db.session.scalars(select(Response.id).where(Response.workspace_id == workspace.id,
                                                             Response.id.in_(wanted)))) if wanted else set()
    if wanted - found:
        raise NotFound(f"No such responses: {sorted(wanted - found)[:20]}.",
                       fields={"response_ids": [f"unknown ids: {sorted(wanted - found)[:20]}"]})
    default_text, others = actions.split_public_messages(workspace, fields.pop("public_messages", None))
    if default_text is not None:
        fields["public_message"] = default_text
    return actions.create_action(workspace, theme=theme_id, response_ids=sorted(wanted), public_messages=others,
                                 _commit=False, **fields)


@transactional
def update_action_from_api(workspace, action_id, **fields):
    """Change an action's texts and due date; ``public_messages`` sets only the languages it names.

    ``{"fr": "..."}`` writes the French text and keeps the others; ``null`` or ``""`` clears
    one (customers of that language then get the default locale's). The default locale's
    entry is ``public_message``; given both, the ``public_messages`` entry wins.

    :raises NotFound: if the workspace has no such action.
    :raises InvalidInput: naming each bad field (``public_messages.de`` for a language not offered).
    """
    action = owned(Action, workspace, action_id)
    default_text, others = actions.split_public_messages(workspace, fields.pop("public_messages", None))
    if default_text is not None:
        fields["public_message"] = default_text
    if others is not None:
        # A text kept under the default locale (written before the workspace changed it) would
        # win over public_message in the emails: the default locale's text is public_message.
        default = action_emails.language_of(workspace, None)
        kept = {language: text for language, text in (action.public_messages or {}).items() if language != default}
        fields["public_messages"] = {**kept, **others}
    return actions.update_action(workspace, action, _commit=False, **fields)


@transactional
def set_action_status_from_api(workspace, action_id, status):
    """Move action ``action_id`` to ``status``.

    :raises NotFound: if the workspace has no such action.
    :raises Conflict: when the action's state forbids the move (shipping without a public message).
    """
    action = owned(Action, workspace, action_id)
    try:
        return actions.set_action_status(workspace, action, status, _commit=False)
    except InvalidInput as error:
        raise Conflict(error.message, fields=error.fields) from None

"""Writes of the native API that compose spine services into one transaction."""
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Channel, Response
from feedback_app.services import people, responses
from feedback_app.services.accounts import normalize_email
from feedback_app.services.api_queries import get_survey
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound
from feedback_app.services.transaction import transactional

PERSON_FIELD_LIMITS = {"email": 254, "external_id": 128, "phone_number": 32, "name": 200}


def _check_one_person(workspace, **identifiers):
    # upsert_person matches on the first identifier found and sets the others, which fails on the
    # unique constraint (a 500) when another person holds one of them: say which, as a 409.
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
def upsert_person(workspace, *, email=None, phone_number=None, external_id=None, name=None, locale=None,
                  properties=None):
    """Create or update the person named by ``email``, ``phone_number`` or ``external_id``.

    :raises Conflict: naming the identifiers when they belong to two different people.
    :raises InvalidInput: for a bad email or properties, or when no identifier is given.
    """
    _check_one_person(workspace, email=normalize_email(email) if email else None,
                      phone_number=(phone_number or "").strip(), external_id=str(external_id or "").strip())
    return people.upsert_person(workspace, email=email, phone_number=phone_number, external_id=external_id,
                                name=name, locale=locale, properties=properties, _commit=False)


@transactional
def create_response(workspace, *, survey_id, score=None, comment=None, person=None, answers=None,
                    churn_reason=None, locale=None, external_id=None):
    """Record a response to ``survey_id``; ``person`` (email, external_id, name, properties) is found or created.

    :raises InvalidInput: naming each bad field, including an unknown ``survey_id``.
    :raises Conflict: for an ``external_id`` another response has, or a person's identifiers that
        belong to different people.
    """
    try:
        survey = get_survey(workspace, survey_id)
    except NotFound:
        raise InvalidInput("No such survey.", fields={"survey_id": ["no survey with this id"]}) from None
    customer = None
    if person:
        if not isinstance(person, dict):
            raise InvalidInput("person must be an object.", fields={"person": ["not an object"]})
        for key, limit in PERSON_FIELD_LIMITS.items():
            value = person.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > limit):
                raise InvalidInput(f"person.{key} must be text of at most {limit} characters.",
                                   fields={f"person.{key}": [f"text of at most {limit} characters"]})
        customer = upsert_person(workspace, email=person.get("email"), external_id=person.get("external_id"),
                                 phone_number=person.get("phone_number"), name=person.get("name"),
                                 properties=person.get("properties"), _commit=False)
    if external_id and db.session.scalar(select(Response.id).where(Response.workspace_id == workspace.id,
                                                                   Response.external_id == external_id)):
        raise Conflict("A response with this external_id exists.", fields={"external_id": ["already used"]})
    return responses.record_response(workspace, survey, channel=Channel.API, score=score, comment=comment,
                                     person=customer, answers=answers, churn_reason=churn_reason, locale=locale,
                                     external_id=external_id, _commit=False)


@transactional
def update_response(workspace, response_id, *, changes, note=None):
    """Change a response's score, comment, answers or tags and add a note.

    :raises NotFound: if the workspace has no such response.
    :raises InvalidInput: naming each bad field.
    """
    response = responses.get_response(workspace, response_id)
    return responses.update_response(workspace, response, notes=[note] if note is not None else None, _commit=False,
                                     **changes)

"""Writes of the native API that compose spine services into one transaction."""
from feedback_app.models import Channel
from feedback_app.services import people, responses
from feedback_app.services.api_queries import get_survey
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.transaction import transactional

PERSON_FIELD_LIMITS = {"email": 254, "external_id": 128, "phone_number": 32, "name": 200}


@transactional
def create_response(workspace, *, survey_id, score=None, comment=None, person=None, answers=None,
                    churn_reason=None, locale=None, external_id=None):
    """Record a response to ``survey_id``; ``person`` (email, external_id, name, properties) is found or created.

    :raises InvalidInput: naming each bad field, including an unknown ``survey_id``.
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
        customer = people.upsert_person(workspace, email=person.get("email"), external_id=person.get("external_id"),
                                        phone_number=person.get("phone_number"), name=person.get("name"),
                                        properties=person.get("properties"), _commit=False)
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

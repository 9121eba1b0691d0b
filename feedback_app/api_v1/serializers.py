"""Delighted's JSON shapes: string ids, unix-second timestamps, the field names its clients read."""
from flask import current_app

SURVEY_TYPES = {"nps": "nps", "csat": "csat", "ces": "ces7", "churn_exit": "churn_exit", "custom": "custom"}


def unix(moment):
    """Return ``moment`` as whole unix seconds, or ``None``."""
    return None if moment is None else int(moment.timestamp())


def person_json(person, summary=None):
    """Return a person as Delighted lists them."""
    summary = summary or {}
    return {
        "id": str(person.id),
        "email": person.email,
        "name": person.name,
        "phone_number": person.phone_number,
        "created_at": unix(person.created_at),
        # Sent here, or (imported from Delighted) there before: unix seconds compare whatever the zone.
        "last_sent_at": max((unix(moment) for moment in (summary.get("last_sent_at"), person.last_sent_at)
                             if moment is not None), default=None),
        "last_responded_at": unix(person.last_surveyed_at),
        "next_survey_scheduled_at": unix(summary.get("next_scheduled_at")),
    }


def created_person_json(person, survey_request):
    """Return the body of ``POST /v1/people``: the person and when their survey is scheduled."""
    return {
        "id": str(person.id),
        "email": person.email,
        "name": person.name,
        "phone_number": person.phone_number,
        "created_at": unix(person.created_at),
        # A skipped request (unsubscribed, asked recently) schedules nothing.
        "survey_scheduled_at": unix(survey_request.scheduled_at)
        if survey_request is not None and survey_request.status == "pending" else None,
    }


def _additional_answers(response):
    questions = {question.key: question for question in response.survey.questions}
    answers = []
    for key, value in (response.answers or {}).items():
        question = questions.get(key)
        kind = question.kind.value if question is not None else "free_response"
        shape = "free_response" if isinstance(value, str) else "select_many" if isinstance(value, list) else "scale"
        answers.append({"id": key, "value": {shape: value},
                        "question": {"id": key, "type": kind,
                                     "text": (question.prompts or {}).get("en") if question is not None else None}})
    return answers


def response_json(response, *, expand=()):
    """Return a survey response as Delighted did; ``expand`` may hold ``"person"``."""
    person = response.person
    if "person" in expand and person is not None:
        person_value = person_json(person)
    else:
        person_value = None if response.person_id is None else str(response.person_id)
    return {
        "id": str(response.id),
        "person": person_value,
        "survey_type": SURVEY_TYPES.get(response.survey.kind.value, response.survey.kind.value),
        "score": response.score,
        "comment": response.comment,
        "permalink": f"{current_app.config['PUBLIC_URL'].rstrip('/')}/responses/{response.id}",
        "created_at": unix(response.created_at),
        "updated_at": unix(response.updated_at),
        "person_properties": response.properties or {},
        "notes": [{"id": str(note.id), "text": note.text, "user_email": None, "created_at": unix(note.created_at)}
                  for note in response.notes],
        "tags": [tag.name for tag in response.tags],
        "additional_answers": _additional_answers(response),
    }


def suppression_json(row, name, moment_field):
    """Return an unsubscribe or a bounce as Delighted listed them."""
    return {
        "person_id": None if row.person_id is None else str(row.person_id),
        "email": row.email,
        "name": name,
        moment_field: unix(row.created_at),
    }

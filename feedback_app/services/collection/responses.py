"""Responses: the single write path for answers from every channel, and their team annotations."""
import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from analysis.scales import SCALES
from feedback_app.extensions import db
from feedback_app.models import (
    Channel,
    QuestionKind,
    RequestStatus,
    Response,
    ResponseNote,
    ResponseTag,
    SurveyKind,
    utcnow,
)
from feedback_app.services.collection import churn_reasons
from feedback_app.services.events import emit
from feedback_app.services.exceptions import Conflict, InvalidInput, NotFound
from feedback_app.services.ownership import check_owned, owned
from feedback_app.services.transaction import insert_unless_taken, transactional

SCORE_RANGES = {kind_enum(kind): (scale.low, scale.high)
                for kind, scale in SCALES.items() for kind_enum in (SurveyKind, QuestionKind)}
MAX_COMMENT_LENGTH = 10_000
MAX_TAG_LENGTH = 100
_UNSET = object()


def validate_score(survey, score):
    """Return ``score`` as an int within the survey's scale (or ``None``).

    :raises InvalidInput: if it is not a whole number in range.
    """
    if score is None:
        return None
    # ASCII digits only: str.isdigit() also accepts "³" or "٣", which int() then refuses.
    is_integer_text = isinstance(score, str) and re.fullmatch(r"-?[0-9]{1,9}", score.strip()) is not None
    if isinstance(score, bool) or not (isinstance(score, int) or is_integer_text):
        raise InvalidInput(f"The score must be a whole number, got {score!r}.", fields={"score": ["not an integer"]})
    score = int(score)
    low, high = SCORE_RANGES.get(survey.kind, (0, 10))
    if not low <= score <= high:
        raise InvalidInput(f"The score must be between {low} and {high} for this survey, got {score}.",
                           fields={"score": [f"must be between {low} and {high}"]})
    return score


def _validate_comment(comment):
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise InvalidInput("The comment must be text.", fields={"comment": ["not text"]})
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidInput(f"The comment is longer than {MAX_COMMENT_LENGTH} characters.",
                           fields={"comment": ["too long"]})
    return comment.strip() or None


def _validate_churn_reason(survey, churn_reason):
    # Stored as the reason's key, whichever of its texts was picked: French and English answers count together.
    if churn_reason is None:
        return None
    key = churn_reasons.reason_key(survey, churn_reason)
    if key is None:
        raise InvalidInput(f"Unknown reason {churn_reason!r}.",
                           fields={"churn_reason": [f"one of: {', '.join(survey.churn_reasons or [])}"]})
    return key


def _validate_answer(question, value):
    kind = question.kind
    if kind in SCORE_RANGES or kind == QuestionKind.RATING:
        low, high = SCORE_RANGES.get(kind, (1, int((question.options or {}).get("max", 5))))
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f"must be a whole number from {low} to {high}"
    elif kind == QuestionKind.TEXT:
        if not isinstance(value, str) or len(value) > MAX_COMMENT_LENGTH:
            return "must be text"
    else:
        choices = {choice for labels in ((question.options or {}).get("choices") or {}).values() for choice in labels}
        picked = value if kind == QuestionKind.MULTIPLE_CHOICE else [value]
        if not isinstance(picked, list) or not all(isinstance(item, str) and item in choices for item in picked):
            return "must be one of the offered choices"
    return None


def validate_answers(survey, answers):
    """Return ``answers`` checked against the survey's questions (free keys allowed for API imports).

    :raises InvalidInput: naming every answer that does not fit its question.
    """
    if answers is None:
        return {}
    if not isinstance(answers, dict):
        raise InvalidInput("Answers must be an object of question keys to values.",
                           fields={"answers": ["not an object"]})
    problems = {}
    questions = {question.key: question for question in survey.questions}
    for key, value in answers.items():
        question = questions.get(key)
        if question is not None and value is not None:
            problem = _validate_answer(question, value)
            if problem:
                problems[f"answers.{key}"] = [problem]
        elif question is None and not isinstance(value, (str, int, float, bool, list, type(None))):
            problems[f"answers.{key}"] = ["must be text, a number, true/false or a list"]
    if problems:
        raise InvalidInput("Some answers are not valid.", fields=problems)
    return answers


def validate_fields(survey, *, score=None, comment=None, churn_reason=None, answers=None):
    """Return ``(score, comment, churn_reason, answers)`` cleaned as :func:`record_response` stores them.

    :raises InvalidInput: naming each field that does not fit ``survey``.
    """
    return (validate_score(survey, score), _validate_comment(comment), _validate_churn_reason(survey, churn_reason),
            validate_answers(survey, answers))


def require_churn_reason(survey, churn_reason):
    """Refuse a new churn-exit answer without its reason.

    :raises InvalidInput: if ``survey`` is a churn-exit survey and no reason is given.
    """
    if survey.kind == SurveyKind.CHURN_EXIT and churn_reason is None:
        raise InvalidInput("Please pick a reason.", fields={"churn_reason": ["required"]})


def require_content(survey, *, score=None, comment=None, churn_reason=None, answers=None):
    """Refuse a new answer with nothing in it (no score, comment, reason or answer).

    :raises InvalidInput: naming ``answers`` for a custom survey, else the survey's main field.
    """
    if score is None and comment is None and churn_reason is None and not answers:
        field = {SurveyKind.CUSTOM: "answers", SurveyKind.CHURN_EXIT: "churn_reason"}.get(survey.kind, "score")
        raise InvalidInput("The answer is empty: answer at least one question.", fields={field: ["required"]})


def _existing_response(workspace, submission_key, survey_request):
    if submission_key:
        found = db.session.scalar(select(Response).where(Response.submission_key == submission_key))
        if found is not None and found.workspace_id == workspace.id:
            return found
    if survey_request is not None:
        return db.session.scalar(select(Response).where(Response.survey_request_id == survey_request.id))
    return None


@transactional
def record_response(workspace, survey, *, channel, score=None, comment=None, person=None, answers=None,
                    properties=None, churn_reason=None, locale=None, survey_request=None, submission_key=None,
                    external_id=None, created_at=None):
    """Store an answer, or update the one it continues; the only way responses are created.

    A response already stored with the same ``submission_key`` (a retry, or the comment that
    follows a score) or for the same ``survey_request`` (an email link clicked again) is
    updated with the given fields instead of creating a second one, also when it was stored by
    a concurrent request a moment before.

    :raises InvalidInput: for a score out of the survey's range, a bad comment, answers that
        do not fit the questions, a churn reason the survey does not offer, or a survey or
        person of another workspace.
    :raises Conflict: for an ``external_id`` another response of the workspace has.
    """
    if survey.workspace_id != workspace.id or (person is not None and person.workspace_id != workspace.id):
        raise NotFound("No such survey.")
    score, comment, churn_reason, answers = validate_fields(
        survey, score=score, comment=comment, churn_reason=churn_reason, answers=answers)
    changes = {"score": score, "comment": comment, "churn_reason": churn_reason, "answers": answers}
    response = _existing_response(workspace, submission_key, survey_request)
    if response is not None:
        return _continue_response(workspace, response, changes)
    require_churn_reason(survey, churn_reason)
    require_content(survey, score=score, comment=comment, churn_reason=churn_reason, answers=answers)
    now = utcnow()
    response = Response(
        workspace_id=workspace.id, survey_id=survey.id, person_id=getattr(person, "id", None),
        survey_request_id=getattr(survey_request, "id", None), channel=Channel(channel), score=score,
        comment=comment, churn_reason=churn_reason, answers=answers,
        properties=dict(properties if properties is not None else getattr(person, "properties", None) or {}),
        locale=locale or getattr(person, "locale", None), submission_key=submission_key, external_id=external_id,
        created_at=created_at or now, updated_at=created_at or now,
    )
    # A unique key taken: a concurrent request stored this answer first (same submission key or
    # survey request), which this one continues, or another response has the external id.
    taken = insert_unless_taken(response)
    if taken is not None:
        stored = _existing_response(workspace, submission_key, survey_request)
        if stored is not None:
            return _continue_response(workspace, stored, changes)
        if external_id and db.session.scalar(select(Response.id).where(
                Response.workspace_id == workspace.id, Response.external_id == external_id)):
            raise Conflict("A response with this external_id exists.", fields={"external_id": ["already used"]})
        raise taken
    if person is not None and (person.last_surveyed_at is None or person.last_surveyed_at < response.created_at):
        person.last_surveyed_at = response.created_at
    if survey_request is not None:
        survey_request.status = RequestStatus.ANSWERED
        survey_request.answered_at = now
    db.session.flush()
    emit("response.created", workspace_id=workspace.id, response_id=response.id)
    return response


def _continue_response(workspace, response, changes):
    # Only the fields this request gives change the stored answer.
    return update_response(workspace, response, **{field: value if value not in (None, {}) else _UNSET
                                                   for field, value in changes.items()}, _commit=False)


def get_response(workspace, response_id, *, with_notes=False):
    """Return ``workspace``'s response ``response_id``.

    :param with_notes: load its notes and tags too (the response's page shows them).
    :raises NotFound: if there is none in this workspace.
    """
    options = (selectinload(Response.tags), selectinload(Response.notes)) if with_notes else ()
    return owned(Response, workspace, response_id, options=options)


def _set_tags(response, tags):
    names = []
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip() or len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(f"Tags must be non-empty text of at most {MAX_TAG_LENGTH} characters.",
                               fields={"tags": [f"bad tag {tag!r}"]})
        if tag.strip() not in names:
            names.append(tag.strip())
    response.tags = [ResponseTag(name=name, workspace_id=response.workspace_id) for name in names]


@transactional
def update_response(workspace, response, *, score=_UNSET, comment=_UNSET, answers=_UNSET, churn_reason=_UNSET,
                    tags=None, notes=None, author=None):
    """Change a stored response: its answers, or the team's tags (replaced) and notes (added).

    :raises InvalidInput: for values that would not be accepted by :func:`record_response`.
    :raises NotFound: if the response belongs to another workspace.
    """
    check_owned(workspace, response)
    survey = response.survey
    if score is not _UNSET:
        response.score = validate_score(survey, score)
    if comment is not _UNSET:
        response.comment = _validate_comment(comment)
        response.analyzed_at = None  # new words: sentiment and themes must be computed again
    if answers is not _UNSET:
        response.answers = {**(response.answers or {}), **validate_answers(survey, answers)}
    if churn_reason is not _UNSET:
        response.churn_reason = _validate_churn_reason(survey, churn_reason)
    if tags is not None:
        _set_tags(response, tags)
    for text in notes or ():
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("A note must be non-empty text.", fields={"notes": ["empty"]})
        response.notes.append(ResponseNote(text=text.strip()[:MAX_COMMENT_LENGTH],
                                           author_id=getattr(author, "id", None)))
    response.updated_at = utcnow()
    db.session.flush()
    emit("response.updated", workspace_id=workspace.id, response_id=response.id)
    return response

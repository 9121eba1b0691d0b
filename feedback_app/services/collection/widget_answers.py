"""A widget answer, checked once: the typed value the request validates, the web process stages and the worker records.

The request runs :func:`validate` on the posted JSON and refuses there (4xx) anything the
worker could not record: wrong types, values out of the survey's range, text longer than its
column, an unverified identity. What passes is a :class:`WidgetAnswer`, staged as its
:meth:`~WidgetAnswer.to_payload` and turned back by :meth:`~WidgetAnswer.from_payload`, so the
worker records exactly what was checked instead of parsing the raw fields again.
"""
import re
from dataclasses import dataclass, field

from feedback_app.models import Channel, SurveyKind
from feedback_app.services.collection import responses, targeting as collection, widget_identity
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.collection.widget_identity import Identity

SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
MAX_COMMENT = responses.MAX_COMMENT_LENGTH
MAX_LOCALES = 8
MAX_DISPLAY_ID = 2**63 - 1
PAYLOAD_VERSION = 2


@dataclass(frozen=True)
class WidgetAnswer:
    """Everything of one widget answer that is stored, already checked against its survey."""

    submission_key: str
    score: int | None = None
    comment: str | None = None
    churn_reason: str | None = None
    answers: dict = field(default_factory=dict)
    display_id: int | None = None
    visitor_id: str | None = None
    identity: Identity | None = None
    locales: tuple = ()

    def to_payload(self):
        """Return this answer as the JSON object stored in ``widget_submissions``."""
        return {"version": PAYLOAD_VERSION, "submission_key": self.submission_key, "score": self.score,
                "comment": self.comment, "churn_reason": self.churn_reason, "answers": self.answers,
                "display_id": self.display_id, "visitor_id": self.visitor_id,
                "identity": self.identity.to_dict() if self.identity is not None else None,
                "locales": list(self.locales)}

    @classmethod
    def from_payload(cls, payload):
        """Return the answer stored by :meth:`to_payload`."""
        values = {key: value for key, value in payload.items() if key != "version"}
        return cls(**{**values, "identity": Identity.from_dict(values.get("identity")),
                      "locales": tuple(values.get("locales") or ())})


def _text(data, key, problems):
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_COMMENT:
        problems[key] = [f"must be text of at most {MAX_COMMENT} characters"]
        return None
    return value.strip() or None


def _fields(survey, data, answers):
    problems = {}
    score = data.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int)):
        problems["score"] = ["must be a whole number"]
    comment = _text(data, "comment", problems)
    kept = _text(data, "kept", problems) if survey.kind == SurveyKind.CHURN_EXIT else None
    churn_reason = data.get("churn_reason")
    if churn_reason is not None and not isinstance(churn_reason, str):
        problems["churn_reason"] = ["must be a string"]
    key = data.get("submission_key")
    if not isinstance(key, str) or not SUBMISSION_KEY.match(key):
        problems["submission_key"] = ["must be 16-40 letters, digits, '-' or '_'"]
    display_id = data.get("display_id")
    if display_id is not None and (isinstance(display_id, bool) or not isinstance(display_id, int)
                                   or not 0 < display_id <= MAX_DISPLAY_ID):
        problems["display_id"] = ["must be a display id"]
    if problems:
        raise InvalidInput("The answer is not valid.", fields=problems)
    answers = dict(answers or {})
    if kept:
        # "What would have kept you?" is part of every churn-exit survey, not a configured question.
        answers["kept"] = kept
    return score, comment, churn_reason, answers, f"w{survey.id}-{key}", display_id


def validate(workspace, survey, data, *, answers=None, locales=()):
    """Return the :class:`WidgetAnswer` in ``data``, or refuse what the worker could not record.

    :param data: the JSON object the widget posted: ``score``, ``comment``, ``churn_reason``,
        ``kept``, ``submission_key``, ``display_id``, ``identity``, ``visitor_id``.
    :param answers: the custom questions' answers, already turned into stored values by the
        widget's question types (``{key: value}``).
    :param locales: the visitor's languages in order of preference.
    :raises InvalidInput: naming each field of the wrong type, size or range.
    :raises PermissionDenied: for an unverified identity when verification is required.
    """
    identity = widget_identity.check_identity(workspace, data.get("identity"))
    score, comment, churn_reason, answers, submission_key, display_id = _fields(survey, data, answers)
    score, comment, churn_reason, answers = responses.validate_fields(
        survey, score=score, comment=comment, churn_reason=churn_reason, answers=answers)
    responses.require_content(survey, score=score, comment=comment, churn_reason=churn_reason, answers=answers)
    if survey.kind not in (SurveyKind.CUSTOM, SurveyKind.CHURN_EXIT) and score is None:
        raise InvalidInput("The score is required.", fields={"score": ["required"]})
    responses.require_churn_reason(survey, churn_reason)
    wanted = [str(locale)[:16] for locale in locales if locale and widget_identity.LOCALE.match(str(locale))]
    return WidgetAnswer(submission_key=submission_key, score=score, comment=comment, churn_reason=churn_reason,
                        answers=answers, display_id=display_id, identity=identity,
                        visitor_id=collection.clean_visitor_id(data.get("visitor_id")),
                        locales=tuple(wanted[:MAX_LOCALES]))


def record(workspace, survey, answer, *, chunk=None):
    """Record (or complete) ``answer`` through the single response write path, in the caller's transaction.

    The widget posts the score the moment it is given and the comment later with the same
    submission key, which updates that response instead of adding one; retries are safe.

    :param chunk: an :class:`~feedback_app.services.collection.answer_recording.Chunk`: the answer joins it
        instead, and is written with the chunk's others, set-based, by ``chunk.write()``.
    """
    if chunk is not None:
        return chunk.add(workspace, survey, answer)
    person = widget_identity.person_for_answer(workspace, answer.identity)
    locale = collection.pick_locale(survey, getattr(person, "locale", None), *answer.locales)
    properties = dict(person.properties or {}) if person is not None else {}
    response = responses.record_response(
        workspace, survey, person=person, channel=Channel.WIDGET, properties=properties, locale=locale,
        score=answer.score, comment=answer.comment, churn_reason=answer.churn_reason, answers=answer.answers,
        submission_key=answer.submission_key, _commit=False)
    collection.mark_answered(workspace, answer.display_id, person=person, visitor_id=answer.visitor_id)
    return response

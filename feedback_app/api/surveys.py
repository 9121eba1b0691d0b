"""Survey builder operations of the native API: create, change and delete surveys and their questions.

Registered on the API blueprint of ``feedback_app.api.routes``; ``feedback_app.api.survey_schemas``
describes them in ``/api/openapi.json``. Top-level fields are read with :class:`Params`
(422 naming the field); what they hold is checked by the survey services, which name the
nested field (``texts.fr.question``, ``prompts.de``, ``logic.choices``): 422 for a new survey,
409 on an existing one, where the stored kind, locales and questions decide.
"""
import contextlib

from flask import g, jsonify

from feedback_app.api import serializers as out
from feedback_app.api.params import body_params
from feedback_app.api.routes import bp
from feedback_app.models import Channel, QuestionKind, RecontactScope, Survey, SurveyKind, SurveyStatus
from feedback_app.services.collection import survey_builder, survey_settings
from feedback_app.services.exceptions import Conflict, InvalidInput
from feedback_app.services.ownership import owned

SURVEY_FIELDS = ("name", "texts", "channels", "trigger", "sampling_percent", "recontact_days", "recontact_scope",
                 "churn_reasons", "churn_reason_texts", "targeting")
QUESTION_FIELDS = ("kind", "prompts", "choices", "scale_max", "required", "logic", "labels")


def _whole_numbers(value):
    # JSON Schema counts 3.0 as an integer; the services take Python ints.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_numbers(item) for key, item in value.items()}
    return value


def _survey_fields(params, *, partial):
    fields = {}
    if "name" in params.values or not partial:
        fields["name"] = params.text("name", max_length=200)
        if fields["name"] is None and "name" not in params.problems:
            params.problems["name"] = ["required, 1-200 characters"]
    for name in ("channels", "churn_reasons"):
        if name in params.values:
            fields[name] = params.text_list(name, max_length=200)
    if fields.get("channels") is not None:  # the document lists the channels customers answer on: 422 for others
        params.problems.update(survey_settings.channel_problems(fields["channels"]))
    for name, kind in (("texts", dict), ("trigger", dict), ("targeting", list), ("churn_reason_texts", dict)):
        if name in params.values:
            fields[name] = _whole_numbers(params.values.get(name))
            if not isinstance(fields[name], kind):
                params.problems[name] = ["must be an object" if kind is dict else "must be a list"]
    fields.update(_audience_fields(params))
    return fields


def _audience_fields(params):
    fields = {}
    if "sampling_percent" in params.values:
        fields["sampling_percent"] = params.integer("sampling_percent", low=0, high=100)
    if "recontact_days" in params.values:
        fields["recontact_days"] = params.integer("recontact_days", low=0, high=3650, nullable=True)
    if "recontact_scope" in params.values:
        fields["recontact_scope"] = params.choice("recontact_scope", [scope.value for scope in RecontactScope],
                                                  default=None)
    return fields


@contextlib.contextmanager
def fits_stored_survey():
    """Answer 409 (naming the field) for a well-formed body that does not fit the stored survey.

    What is refused there depends on what is stored (its kind, locales and questions), which the
    document cannot say: like every write of this API that meets stored data refusing it, 409.
    """
    try:
        yield
    except InvalidInput as error:
        raise Conflict(error.message, fields=error.fields) from None


def _settings_of(survey):
    return {"name": survey.name, "texts": survey.texts or {}, "channels": list(survey.channels or []),
            "trigger": survey.trigger or {}, "sampling_percent": survey.sampling_percent,
            "recontact_days": survey.recontact_days, "recontact_scope": survey.recontact_scope.value,
            # Reason texts are left out: without new ones the service keeps those of the reasons and locales kept.
            "churn_reasons": list(survey.churn_reasons or []), "targeting": list(survey.targeting or [])}


@bp.post("/surveys")
def create_survey():
    """Create a draft survey over the default wording of its kind."""
    params = body_params(text_numbers=False)
    kind = params.choice("kind", [kind.value for kind in SurveyKind], default=None)
    if "kind" not in params.values:
        params.problems["kind"] = ["required"]
    fields = _survey_fields(params, partial=False)
    params.check()
    defaults = {"texts": {"en": {}}, "channels": [Channel.WIDGET.value, Channel.LINK.value, Channel.EMAIL.value],
                "trigger": {"type": "page_load", "delay_seconds": 5}, "sampling_percent": 100,
                "recontact_days": None, "recontact_scope": RecontactScope.WORKSPACE.value, "churn_reasons": [],
                "churn_reason_texts": {}, "targeting": []}
    survey = survey_settings.create_survey(g.workspace, kind=kind, **{**defaults, **fields})
    return jsonify(out.survey_json(survey)), 201


@bp.patch("/surveys/<id:survey_id>")
def update_survey(survey_id):
    """Change a survey's settings or status; fields left out keep their value."""
    survey = owned(Survey, g.workspace, survey_id)
    params = body_params(text_numbers=False)
    status = params.choice("status", [status.value for status in SurveyStatus], default=None)
    fields = _survey_fields(params, partial=True)
    params.check()
    with fits_stored_survey():
        if fields:
            settings = {**_settings_of(survey), **fields}
            default_locale = survey.default_locale if survey.default_locale in settings["texts"] else next(
                iter(settings["texts"] or {}), "")
            survey_settings.update_survey(g.workspace, survey, default_locale=default_locale, **settings)
        if status is not None:
            survey_builder.set_status(g.workspace, survey, status)
    return jsonify(out.survey_json(survey))


@bp.delete("/surveys/<id:survey_id>")
def delete_survey(survey_id):
    """Delete a survey that has no responses (close one that has)."""
    survey_builder.delete_survey(g.workspace, owned(Survey, g.workspace, survey_id))
    return "", 204


def _question_fields(params, *, partial):
    fields = {}
    for name in QUESTION_FIELDS:
        if name in params.values or (not partial and name in ("kind", "prompts")):
            fields[name] = _whole_numbers(params.values.get(name))
    if "kind" in fields:
        fields["kind"] = params.choice("kind", [kind.value for kind in QuestionKind], default=None)
        if fields["kind"] is None and "kind" not in params.problems:
            params.problems["kind"] = ["required"]
    if "required" in fields and not isinstance(fields["required"], bool):
        params.problems["required"] = ["must be true or false"]
    if fields.get("labels") is not None and not _labels_fit_document(fields["labels"]):
        params.problems["labels"] = [f"an object of {{low, high}} texts of at most {survey_builder.MAX_LABEL} "
                                     "characters per locale"]
    return fields


def _labels_fit_document(labels):
    # The shape the document allows (422 otherwise); the survey's locales and the question's kind are 409s.
    def fits(text):
        return text is None or isinstance(text, str) and len(text) <= survey_builder.MAX_LABEL and "\x00" not in text

    return isinstance(labels, dict) and all(
        isinstance(locale, str) and survey_settings.LOCALE.match(locale) and isinstance(ends, dict)
        and set(ends) <= set(survey_builder.LABEL_ENDS) and all(fits(text) for text in ends.values())
        for locale, ends in labels.items())


def _question_of(question):
    options = question.options or {}
    # Labels of a locale the survey no longer has are left behind rather than refused.
    locales = question.survey.texts or {}
    return {"kind": question.kind.value, "prompts": question.prompts or {}, "choices": options.get("choices"),
            "scale_max": options.get("max"), "required": question.required, "logic": question.logic or {},
            "labels": {locale: ends for locale, ends in (options.get("labels") or {}).items() if locale in locales}}


@bp.post("/surveys/<id:survey_id>/questions")
def create_question(survey_id):
    """Add a follow-up question at the end of a survey."""
    survey = owned(Survey, g.workspace, survey_id)
    params = body_params(text_numbers=False)
    fields = _question_fields(params, partial=False)
    key = params.values.get("key")
    params.check()
    with fits_stored_survey():
        question = survey_builder.add_question(g.workspace, survey, key=key, **fields)
    return jsonify(out.question_json(question)), 201


@bp.patch("/surveys/<id:survey_id>/questions/<id:question_id>")
def update_question(survey_id, question_id):
    """Change a question, or move it to another ``position``; fields left out keep their value."""
    survey = owned(Survey, g.workspace, survey_id)
    question = survey_builder.get_question(survey, question_id)
    params = body_params(text_numbers=False)
    fields = _question_fields(params, partial=True)
    position = params.integer("position", low=0, high=survey_builder.MAX_QUESTIONS - 1)
    params.check()
    with fits_stored_survey():
        if fields:
            stored = _question_of(question)
            if fields.get("kind") not in (None, *survey_builder.SCALE_KINDS):
                stored["labels"] = None  # a question that stops being a scale leaves its end labels
            survey_builder.update_question(g.workspace, question, **{**stored, **fields})
        if position is not None:
            survey_builder.move_question(g.workspace, question, position=position)
    return jsonify(out.question_json(question))


@bp.delete("/surveys/<id:survey_id>/questions/<id:question_id>")
def delete_question(survey_id, question_id):
    """Delete a question; answers already given keep it under its key."""
    survey = owned(Survey, g.workspace, survey_id)
    survey_builder.delete_question(g.workspace, survey_builder.get_question(survey, question_id))
    return "", 204

"""The OpenAPI description of the survey builder's operations (``feedback_app.api.surveys``).

Its constants are the services' own limits and patterns, so that the document and the checks agree.
"""
from feedback_app.api.bodies import NOT_BLANK_TEXT, SAFE_TEXT
from feedback_app.models import QuestionKind, RecontactScope, SurveyKind, SurveyStatus
from feedback_app.services.collection import churn_reasons, survey_builder, survey_settings

LOCALE_NAME = {"pattern": survey_settings.LOCALE.pattern}
TEXT_1000 = {"type": "string", "maxLength": survey_settings.MAX_TEXT, "pattern": SAFE_TEXT}
TEXTS = {"type": "object", "propertyNames": LOCALE_NAME, "minProperties": 1, "additionalProperties": {
    "type": "object", "propertyNames": {"pattern": survey_settings.TEXT_KEY.pattern},
    "additionalProperties": TEXT_1000}}
DELAY = {"type": "integer", "minimum": 0, "maximum": survey_settings.MAX_DELAY_SECONDS}
PATH_PATTERN = {"type": "string", "pattern": survey_settings.URL_PATTERN.pattern}
EVENT_NAME = {"type": "string", "maxLength": 200, "pattern": NOT_BLANK_TEXT}
TRIGGER = {"oneOf": [
    {"type": "object", "additionalProperties": False, "required": ["type"],
     "properties": {"type": {"const": "page_load"}, "delay_seconds": DELAY, "url": PATH_PATTERN}},
    {"type": "object", "additionalProperties": False, "required": ["type", "url"],
     "properties": {"type": {"const": "url"}, "delay_seconds": DELAY, "url": PATH_PATTERN}},
    {"type": "object", "additionalProperties": False, "required": ["type", "event"],
     "properties": {"type": {"const": "event"}, "delay_seconds": DELAY, "url": PATH_PATTERN, "event": EVENT_NAME}},
]}
PROPERTY_NAME = {"type": "string", "pattern": survey_builder.PROPERTY_NAME.pattern}
TARGETING = {"type": "array", "maxItems": survey_builder.MAX_TARGETING_RULES, "items": {"oneOf": [
    {"type": "object", "additionalProperties": False, "required": ["property", "operator", "value"],
     "properties": {"property": PROPERTY_NAME, "operator": {"enum": ["equals", "not_equals"]},
                    "value": {"type": "string", "maxLength": survey_builder.MAX_LABEL, "pattern": NOT_BLANK_TEXT}}},
    {"type": "object", "additionalProperties": False, "required": ["property", "operator"],
     "properties": {"property": PROPERTY_NAME, "operator": {"enum": ["is_set", "is_not_set"]},
                    "value": {"type": "null"}}},
]}}
CHANNELS = {"type": "array", "minItems": 1,
            "description": "where customers answer it; the API and imports take answers on every survey",
            "items": {"enum": [channel.value for channel in survey_settings.ANSWER_CHANNELS]}}
REASON_KEY = {"type": "string", "maxLength": churn_reasons.MAX_REASON_LENGTH, "pattern": SAFE_TEXT}
REASONS = {"type": "array", "maxItems": churn_reasons.MAX_REASONS, "items": REASON_KEY, "description": (
    "A churn-exit survey's reasons, by key, in order (other types have none). Answers store the key, and "
    "may name a reason by its key or by its text in any locale. A reason without its default-locale text in "
    "churn_reason_texts gets its key as that text.")}
REASON_TEXTS = {"type": "object", "propertyNames": LOCALE_NAME, "description": (
    "Each reason's text per locale, by key; a locale without a reason's text shows the default locale's."),
    "additionalProperties": {"type": "object", "propertyNames": REASON_KEY, "additionalProperties": {
        "type": "string", "maxLength": churn_reasons.MAX_REASON_LENGTH, "pattern": SAFE_TEXT}}}
SURVEY_SETTINGS = {
    "name": {"type": "string", "maxLength": 200, "pattern": NOT_BLANK_TEXT}, "texts": TEXTS, "channels": CHANNELS,
    "trigger": TRIGGER, "sampling_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "recontact_days": {"type": ["integer", "null"], "minimum": 0, "maximum": 3650},
    "recontact_scope": {"enum": [scope.value for scope in RecontactScope],
                        "description": "workspace: being asked any survey within the recontact window holds this "
                                       "one back; survey: only being asked this survey does"},
    "churn_reasons": REASONS, "churn_reason_texts": REASON_TEXTS, "targeting": TARGETING}
PROMPTS = {"type": "object", "propertyNames": LOCALE_NAME, "minProperties": 1, "additionalProperties": {
    "type": "string", "maxLength": survey_builder.MAX_PROMPT, "pattern": NOT_BLANK_TEXT}}
CHOICES = {"type": ["object", "null"], "propertyNames": LOCALE_NAME, "additionalProperties": {
    "type": "array", "minItems": 2, "maxItems": survey_builder.MAX_CHOICES, "uniqueItems": True,
    "items": {"type": "string", "maxLength": survey_builder.MAX_LABEL, "pattern": NOT_BLANK_TEXT}}}
LOGIC = {"oneOf": [
    {"type": "object", "maxProperties": 0},
    {"type": "object", "additionalProperties": False, "required": ["score_groups"], "properties": {
        "score_groups": {"type": "array", "minItems": 1, "uniqueItems": True,
                         "items": {"enum": list(survey_builder.SCORE_GROUPS)}}}},
    {"type": "object", "additionalProperties": False, "required": ["question", "choices"], "properties": {
        "question": {"type": "string", "pattern": survey_builder.QUESTION_KEY.pattern},
        "choices": {"type": "array", "minItems": 1, "uniqueItems": True,
                    "items": {"type": "integer", "minimum": 0, "maximum": survey_builder.MAX_CHOICES - 1}}}},
]}
LABEL_TEXT = {"type": ["string", "null"], "maxLength": survey_builder.MAX_LABEL, "pattern": SAFE_TEXT}
LABELS = {"type": ["object", "null"], "propertyNames": LOCALE_NAME, "description": (
    "A scale question's end labels per locale; a locale without its own shows the default locale's."),
    "additionalProperties": {"type": "object", "additionalProperties": False,
                             "properties": {end: LABEL_TEXT for end in survey_builder.LABEL_ENDS}}}
QUESTION_SETTINGS = {
    "kind": {"enum": [kind.value for kind in QuestionKind]}, "prompts": PROMPTS, "choices": CHOICES,
    "scale_max": {"type": ["integer", "null"], "minimum": survey_builder.SCALE_MAX_RANGE[0],
                  "maximum": survey_builder.SCALE_MAX_RANGE[1]},
    "required": {"type": "boolean"}, "logic": LOGIC, "labels": LABELS}
QUESTION_SCHEMA = {"type": "object", "required": ["id", "key", "position", *QUESTION_SETTINGS], "properties": {
    "id": {"type": "integer"}, "key": {"type": "string"}, "position": {"type": "integer"},
    **{**QUESTION_SETTINGS, "kind": {"type": "string"}, "prompts": {"type": "object"},
       "logic": {"type": "object"}, "choices": {"type": ["object", "null"]},
       "scale_max": {"type": ["integer", "null"]}, "labels": {"type": "object"}}}}
SURVEY_EXTRA_SCHEMA = {
    "status": {"type": "string", "enum": [status.value for status in SurveyStatus]}, "texts": {"type": "object"},
    "trigger": {"type": "object"}, "targeting": {"type": "array", "items": {"type": "object"}},
    "sampling_percent": {"type": "integer"}, "recontact_days": {"type": ["integer", "null"]},
    "recontact_scope": {"type": "string", "enum": [scope.value for scope in RecontactScope]},
    "churn_reason_texts": {"type": "object", "additionalProperties": {"type": "object"}},
    "questions": {"type": "array", "items": {"$ref": "#/components/schemas/Question"}}}
STATUS_NOTE = ("Surveys start as drafts; status moves draft -> active -> paused <-> active -> closed (409 for "
               "another move, or for a survey not ready to publish). On an existing survey, values that do not "
               "fit what it stores (its kind, locales or questions: a locale it lacks, a logic naming no "
               "earlier choice question) are refused with 409 naming the field; a body off this document, "
               "and a new survey's values, with 422.")
CONFLICT = {"409": {"$ref": "#/components/responses/Conflict"}}


def schemas(survey):
    """Return the ``Survey`` schema (``survey``) with the builder's fields, and the ``Question`` schema."""
    return {"Survey": {**survey, "properties": {**survey["properties"], **SURVEY_EXTRA_SCHEMA},
                       "required": [*survey["required"], *SURVEY_EXTRA_SCHEMA]},
            "Question": QUESTION_SCHEMA}


def add_paths(paths, operation, json_of, ref, path_param, no_content):
    """Return the OpenAPI ``paths`` built by ``feedback_app.api.openapi`` with the survey builder's operations."""
    def body(properties, required=()):
        # Other fields are ignored but, like every body of the API, must be storable JSON (no NUL).
        return {"type": "object", "properties": properties, "required": list(required),
                "propertyNames": {"pattern": SAFE_TEXT}, "additionalProperties": ref("JsonValue")}

    survey, question = path_param("survey_id"), path_param("question_id")
    paths["/surveys"]["post"] = {**operation("Create a draft survey", {"201": json_of(ref("Survey"), "Created")},
                                             body=body({**SURVEY_SETTINGS, "kind": {"enum": [
                                                 kind.value for kind in SurveyKind]}}, ["name", "kind"])),
                                 "description": STATUS_NOTE}
    paths["/surveys/{survey_id}"]["patch"] = {**operation(
        "Change a survey or its status", {"200": json_of(ref("Survey"))}, parameters=[survey],
        body=body({**SURVEY_SETTINGS, "status": {"enum": [status.value for status in SurveyStatus]}}),
        not_found=True, body_required=False), "description": STATUS_NOTE}
    paths["/surveys/{survey_id}"]["delete"] = {**operation(
        "Delete a survey without responses", {**no_content, **CONFLICT}, parameters=[survey], not_found=True),
        "description": "A survey with responses is refused with 409: close it instead."}
    paths["/surveys/{survey_id}/questions"] = {"post": operation(
        "Add a question", {"201": json_of(ref("Question"), "Created")}, parameters=[survey], not_found=True,
        body=body({**QUESTION_SETTINGS, "key": {"type": "string", "pattern": survey_builder.QUESTION_KEY.pattern}},
                  ["kind", "prompts"]))}
    paths["/surveys/{survey_id}/questions/{question_id}"] = {
        "patch": operation("Change or move a question", {"200": json_of(ref("Question"))},
                           parameters=[survey, question], not_found=True, body_required=False,
                           body=body({**QUESTION_SETTINGS, "position": {
                               "type": "integer", "minimum": 0, "maximum": survey_builder.MAX_QUESTIONS - 1}})),
        "delete": {**operation("Delete a question", {**no_content, **CONFLICT}, parameters=[survey, question],
                               not_found=True),
                   "description": "409 while another question is shown by this one's choices."}}
    return paths

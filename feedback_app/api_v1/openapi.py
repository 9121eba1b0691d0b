"""A hand-written OpenAPI 3.1 document of ``/v1``: Delighted's documented endpoints as this app serves them.

Not served (Delighted published none); ``tests/api_v1/test_openapi_contract.py`` and
``bench/fuzz_api.py`` run schemathesis against it, so that the Delighted-compatible routes answer
what their documentation promises and never a 5xx.
"""
from feedback_app.api.bodies import NOT_BLANK_TEXT, SAFE_TEXT
from feedback_app.api.openapi import JSON_VALUE, JSON_VALUE_SCHEMA, URI_TOO_LONG
from feedback_app.api.params import FALSE_WORDS, TRUE_WORDS
from feedback_app.services.collection.people import (
    MAX_EMAIL_LENGTH,
    MAX_LOCALE_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PHONE_LENGTH,
    MAX_PROPERTIES,
    MAX_PROPERTY_LENGTH,
    MAX_PROPERTY_NAME_LENGTH,
)
from feedback_app.services.collection.responses import MAX_COMMENT_LENGTH, MAX_TAG_LENGTH
from feedback_app.services.integrations.delighted import MAX_ANSWER_LENGTH, MAX_DELAY_SECONDS, MAX_QUESTION_ID_LENGTH
from feedback_app.services.pages import CURSOR_PATTERN, MAX_ID, MAX_PAGE_NUMBER, MAX_PER_PAGE

MAX_UNIX = 253402300799  # 9999-12-31T23:59:59Z, the last second a datetime holds
NOT_BLANK = NOT_BLANK_TEXT


def _text(max_length=2000):
    return {"type": "string", "maxLength": max_length, "pattern": SAFE_TEXT}


def _maybe(schema):
    return {**schema, "type": [schema["type"], "null"]}


UNIX = {"type": "integer", "minimum": 0, "maximum": MAX_UNIX}
# Properties kept as given (on a response's snapshot, an Autopilot request): any storable JSON.
FREE_PROPERTIES = {"type": ["object", "null"], "propertyNames": {"pattern": SAFE_TEXT},
                   "additionalProperties": JSON_VALUE}
ID_TEXT = {"type": "string", "pattern": "^[0-9]+$"}
PERSON_ID = {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID},
                       {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"}]}  # Delighted's ids are strings
EMAIL = {"type": "string", "format": "email",
         "description": f"an address email can be sent to: at most {MAX_EMAIL_LENGTH} characters, "
                        "no special-use domain (.test)"}
PROPERTIES = {"type": ["object", "null"], "maxProperties": MAX_PROPERTIES,
              "propertyNames": {"pattern": SAFE_TEXT, "maxLength": MAX_PROPERTY_NAME_LENGTH},
              "additionalProperties": {"anyOf": [_text(MAX_PROPERTY_LENGTH), {"type": ["number", "boolean", "null"]}]}}
PERSON = {"type": "object", "required": ["id", "email", "name", "phone_number", "created_at"], "properties": {
    "id": ID_TEXT, "email": _maybe({"type": "string"}), "name": _maybe({"type": "string"}),
    "phone_number": _maybe({"type": "string"}), "created_at": {"type": "integer"},
    "last_sent_at": _maybe({"type": "integer"}), "last_responded_at": _maybe({"type": "integer"}),
    "next_survey_scheduled_at": _maybe({"type": "integer"}), "survey_scheduled_at": _maybe({"type": "integer"})}}
SURVEY_RESPONSE = {"type": "object", "required": [
    "id", "person", "survey_type", "score", "comment", "permalink", "created_at", "updated_at",
    "person_properties", "notes", "tags", "additional_answers"], "properties": {
    "id": ID_TEXT, "person": {"anyOf": [ID_TEXT, {"type": "null"}, {"$ref": "#/components/schemas/Person"}]},
    "survey_type": {"type": "string"}, "score": _maybe({"type": "integer"}), "comment": _maybe({"type": "string"}),
    "permalink": {"type": "string"}, "created_at": {"type": "integer"}, "updated_at": {"type": "integer"},
    "person_properties": {"type": "object"}, "notes": {"type": "array", "items": {"type": "object"}},
    "tags": {"type": "array", "items": {"type": "string"}},
    "additional_answers": {"type": "array", "items": {"type": "object"}}}}
SUPPRESSION = {"type": "object", "required": ["person_id", "email", "name"], "properties": {
    "person_id": _maybe(ID_TEXT), "email": {"type": "string"}, "name": _maybe({"type": "string"}),
    "unsubscribed_at": {"type": "integer"}, "bounced_at": {"type": "integer"}}}
ERROR = {"type": "object", "required": ["error", "message"], "properties": {
    "error": {"type": "string"}, "message": {"type": "string"},
    "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}
OK = {"type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(name, schema):
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _path(name, schema=None):
    return {"name": name, "in": "path", "required": True, "schema": schema or _text(MAX_EMAIL_LENGTH)}


ERRORS = {**{str(code): _json(_ref("Error"), "Error") for code in (400, 401, 406, 422, 429)}, "414": URI_TOO_LONG}
NOT_FOUND = {"404": _json(_ref("Error"), "Not found")}
PAGING = [_query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
          _query("page_info", {"type": "string", "pattern": CURSOR_PATTERN})]
NUMBERED = [_query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
            _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER})]
PERIOD = [_query("since", UNIX), _query("until", UNIX)]
PLATFORM = _path("platform", {"type": "string", "enum": ["email"]})


def _operation(summary, answers, *, parameters=(), body=None, not_found=False, body_required=True):
    # A write may name an id that does not exist (404) or meet stored data that refuses it (409).
    operation = {"summary": summary, "parameters": list(parameters),
                 "responses": {**answers, **ERRORS, **(NOT_FOUND if not_found or body else {}),
                               **({"409": _json(_ref("Error"), "Conflict")} if body else {})}}
    if body is not None:
        schema = {"type": "object", "propertyNames": {"pattern": SAFE_TEXT}, "additionalProperties": JSON_VALUE,
                  **body}
        operation["requestBody"] = {"required": body_required,
                                    "content": {"application/json": {"schema": schema}}}
    return operation


def _any_case(words):
    return "|".join("".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word) for word in words)


# Delighted read send=false from forms too: true/false, 1/0, yes/no, on/off, in any case.
SEND = {"anyOf": [{"type": "boolean"}, {"type": "integer", "enum": [0, 1]},
                  {"type": "string", "pattern": f"^({_any_case(TRUE_WORDS + FALSE_WORDS)})$"}]}
SEND_FALSE = {"anyOf": [{"const": False}, {"type": "integer", "enum": [0]},
                        {"type": "string", "pattern": f"^({_any_case(FALSE_WORDS)})$"}]}
# A person is named by an email, or by a phone number alone when no survey is sent (send=false):
# surveys go by email only here.
NEW_PERSON = {"anyOf": [{"required": ["email"], "properties": {"email": EMAIL}},
                        {"required": ["phone_number", "send"], "properties": {
                            "phone_number": {**_text(MAX_PHONE_LENGTH), "pattern": NOT_BLANK}, "send": SEND_FALSE}}],
              "properties": {
    "email": _maybe(EMAIL), "phone_number": _maybe(_text(MAX_PHONE_LENGTH)), "name": _maybe(_text(MAX_NAME_LENGTH)),
    "properties": PROPERTIES,
    "send": SEND, "delay": {"type": "integer", "minimum": 0, "maximum": MAX_DELAY_SECONDS},
    "channel": {"type": "string", "enum": ["email"]}, "locale": _maybe(_text(MAX_LOCALE_LENGTH)),
    "email_update": _maybe(EMAIL), "phone_number_update": _maybe(_text(MAX_PHONE_LENGTH)),
    "last_sent_at": {**UNIX, "description": "when last surveyed elsewhere; not in the future"}}}
NEW_RESPONSE = {"required": ["person", "score"], "properties": {
    "person": PERSON_ID, "score": {"type": "integer", "minimum": 0, "maximum": 10},
    "comment": _maybe(_text(MAX_COMMENT_LENGTH)),
    "person_properties": PROPERTIES, "properties": PROPERTIES,
    "additional_answers": {"type": ["array", "null"], "items": {
        "type": "object", "required": ["question_id", "value"], "properties": {
            "question_id": {**_text(MAX_QUESTION_ID_LENGTH), "pattern": NOT_BLANK},
            "value": {"type": "object", "maxProperties": 1, "additionalProperties": _text(MAX_ANSWER_LENGTH)}}}}}}
RESPONSE_CHANGES = {"properties": {
    "score": {"type": ["integer", "null"], "minimum": 0, "maximum": 10}, "comment": _maybe(_text(MAX_COMMENT_LENGTH)),
    "person_properties": FREE_PROPERTIES,
    "tags": {"type": "array", "items": {**_text(MAX_TAG_LENGTH), "pattern": NOT_BLANK}},
    "notes": {"type": ["array", "null"],
              "items": {"type": "string", "pattern": NOT_BLANK,
                        "description": f"cut to {MAX_COMMENT_LENGTH:,} characters"}}}}
RESPONSE_FILTERS = PAGING + PERIOD + [
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_NUMBER}),
    _query("order", {"type": "string", "enum": ["asc", "desc", "asc:created_at", "desc:created_at",
                                                "asc:updated_at", "desc:updated_at"]}),
    _query("updated_since", UNIX), _query("updated_until", UNIX),
    _query("person_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
    _query("person_email", _text(MAX_EMAIL_LENGTH)),
    _query("expand[]", {"type": "array", "items": {"type": "string", "enum": ["person"]}})]
MEMBER_NAMED = {"properties": {"person_email": _maybe(EMAIL), "person_id": PERSON_ID},
                "anyOf": [{"required": ["person_email"], "properties": {"person_email": EMAIL}},
                          {"required": ["person_id"], "properties": {"person_id": PERSON_ID}}]}
# Autopilot keeps the properties with the next survey request, as given.
MEMBER = {**MEMBER_NAMED, "properties": {**MEMBER_NAMED["properties"], "person_name": _maybe(_text(MAX_NAME_LENGTH)),
                                         "properties": FREE_PROPERTIES}}


def paths():
    """Return the ``paths`` object: the endpoints the official Delighted clients call."""
    return {
        "/people.json": {
            "post": _operation("Create or update a person and schedule a survey", {"200": _json(_ref("Person"))},
                               body=NEW_PERSON),
            "get": _operation("List people", {"200": _json({"type": "array", "items": _ref("Person")})},
                              parameters=PAGING + PERIOD + [_query("email", _text(MAX_EMAIL_LENGTH)),
                                                            _query("phone_number", _text(MAX_PHONE_LENGTH))])},
        "/people/{identifier}.json": {"delete": _operation(
            "Erase a person by id, email:... or phone_number:...", {"202": _json(OK, "Accepted")},
            parameters=[_path("identifier")], not_found=True)},
        "/people/{email}/survey_requests/pending.json": {"delete": _operation(
            "Cancel a person's pending surveys", {"200": _json(OK)}, parameters=[_path("email")], not_found=True)},
        "/survey_responses.json": {
            "post": _operation("Record a response", {"201": _json(_ref("SurveyResponse"), "Created")},
                               body=NEW_RESPONSE),
            "get": _operation("List responses", {"200": _json({"type": "array", "items": _ref("SurveyResponse")})},
                              parameters=RESPONSE_FILTERS)},
        "/survey_responses/{response_id}.json": {
            "get": _operation("Show a response", {"200": _json(_ref("SurveyResponse"))},
                              parameters=[_path("response_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
                                          RESPONSE_FILTERS[-1]], not_found=True),
            "put": _operation("Change a response", {"200": _json(_ref("SurveyResponse"))},
                              parameters=[_path("response_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID})],
                              body=RESPONSE_CHANGES, not_found=True, body_required=False)},
        "/metrics.json": {"get": _operation(
            "NPS, CSAT or CES of a period", {"200": _json({"type": "object", "additionalProperties": {
                "type": "number"}})}, parameters=PERIOD)},
        "/unsubscribes.json": {
            "post": _operation("Unsubscribe an email", {"200": _json(OK)},
                               body={"required": ["person_email"], "properties": {"person_email": EMAIL}}),
            "get": _operation("List unsubscribes", {"200": _json({"type": "array", "items": _ref("Suppression")})},
                              parameters=NUMBERED + PERIOD)},
        "/bounces.json": {"get": _operation(
            "List bounces", {"200": _json({"type": "array", "items": _ref("Suppression")})},
            parameters=NUMBERED + PERIOD)},
        "/autopilot/{platform}.json": {"get": _operation(
            "Show the Autopilot configuration", {"200": _json({"type": "object", "required": [
                "platform_id", "active", "frequency"]})}, parameters=[PLATFORM], not_found=True)},
        "/autopilot/{platform}/memberships.json": {
            "post": _operation("Enrol a person in Autopilot", {"200": _json({"type": "object"})},
                               parameters=[PLATFORM], body=MEMBER, not_found=True),
            "get": _operation("List Autopilot members", {"200": _json({"type": "array", "items": {"type": "object"}})},
                              parameters=[PLATFORM] + PAGING, not_found=True),
            "delete": _operation("Take a person out of Autopilot", {"200": _json({"type": "object"})},
                                 parameters=[PLATFORM], body=MEMBER_NAMED, not_found=True)},
    }


def document():
    """Return the whole OpenAPI 3.1 document of ``/v1``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "feedback-loop Delighted-compatible API", "version": "1.0.0",
                 "description": "Delighted's v1 REST API. Authenticate with HTTP Basic: the API key as user name."},
        "servers": [{"url": "/v1"}],
        "security": [{"basic": []}],
        "paths": paths(),
        "components": {"schemas": {"Person": PERSON, "SurveyResponse": SURVEY_RESPONSE, "Suppression": SUPPRESSION,
                                   "Error": ERROR, "JsonValue": JSON_VALUE_SCHEMA},
                       "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}},
    }

"""The OpenAPI 3 document of the native API, served at ``/api/openapi.json``.

Written by hand next to the routes it describes; ``tests/api/test_openapi_contract.py`` runs
schemathesis against it so that the document and the code cannot drift apart silently.
"""
from feedback_app.api import survey_schemas
from feedback_app.api.bodies import NOT_BLANK_TEXT, SAFE_TEXT, SPACES
from feedback_app.models import ActionStatus, SurveyKind
from feedback_app.services.loop.action_emails import LANGUAGES
from feedback_app.services.collection import people
from feedback_app.services.pages import CURSOR_PATTERN, MAX_ID
from feedback_app.services.integrations.delighted_events import EVENT_TYPES as DELIGHTED_EVENTS
from feedback_app.services.events import EVENT_NAMES
from feedback_app.services.integrations.webhooks import WEBHOOK_FORMATS
from feedback_app.services.collection.imports import FIELDS


def _nullable(schema):
    return {**schema, "type": [schema["type"], "null"]}


def text(max_length=2000, *, blank=True):
    """Return the schema of a text input: storable characters, at most ``max_length`` of them."""
    return {"type": "string", "maxLength": max_length, "pattern": SAFE_TEXT if blank else NOT_BLANK_TEXT}


# Any JSON document the API stores: storable text and finite numbers.
JSON_VALUE = {"$ref": "#/components/schemas/JsonValue"}
JSON_VALUE_SCHEMA = {"anyOf": [
    {"type": ["string"], "pattern": SAFE_TEXT}, {"type": ["number", "boolean", "null"]},
    {"type": "array", "items": JSON_VALUE},
    {"type": "object", "propertyNames": {"pattern": SAFE_TEXT}, "additionalProperties": JSON_VALUE}]}
FREE_OBJECT = {"type": ["object", "null"], "propertyNames": {"pattern": SAFE_TEXT},
               "additionalProperties": JSON_VALUE}


STRING, INTEGER, BOOLEAN, OBJECT = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "object"}
DATETIME = {"type": "string", "format": "date-time"}
NUMBER = {"type": "number"}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
WEBHOOK_FORMAT = {"type": "string", "enum": list(WEBHOOK_FORMATS)}
DELIGHTED_EVENT_TYPES = list(DELIGHTED_EVENTS.values())


def _object(properties, required=None):
    return {"type": "object", "properties": properties, "required": required or list(properties)}


SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": STRING, "message": STRING,
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": STRING}}}},
    "Survey": _object({"id": INTEGER, "name": STRING, "kind": {"type": "string", "enum": [k.value for k in SurveyKind]},
                       "is_active": BOOLEAN, "channels": {"type": "array", "items": STRING},
                       "default_locale": STRING, "churn_reasons": {"type": "array", "items": STRING},
                       "created_at": DATETIME}),
    "Person": _object({"id": INTEGER, "email": _nullable(STRING), "phone_number": _nullable(STRING),
                       "external_id": _nullable(STRING), "name": _nullable(STRING), "locale": _nullable(STRING),
                       "properties": OBJECT, "unsubscribed": BOOLEAN, "created_at": DATETIME,
                       "last_surveyed_at": _nullable(DATETIME)}),
    "Response": _object({
        "id": INTEGER, "survey_id": INTEGER, "person_id": _nullable(INTEGER), "channel": STRING,
        "score": _nullable(INTEGER), "comment": _nullable(STRING), "churn_reason": _nullable(STRING),
        "answers": OBJECT, "properties": OBJECT, "locale": _nullable(STRING), "external_id": _nullable(STRING),
        "sentiment": _nullable(STRING), "tags": {"type": "array", "items": STRING},
        "notes": {"type": "array", "items": _object({"id": INTEGER, "text": STRING, "created_at": DATETIME})},
        "created_at": DATETIME, "updated_at": DATETIME}),
    "Theme": _object({"id": INTEGER, "label": STRING, "key_phrases": {"type": "array", "items": STRING},
                      "status": STRING, "priority": _nullable({"type": "number"}),
                      "response_count": _nullable(INTEGER), "created_at": DATETIME, "updated_at": DATETIME}),
    "Action": _object({"id": INTEGER, "title": STRING, "description": STRING, "public_message": STRING,
                       "public_messages": {
                           "type": "object", "propertyNames": {"enum": list(LANGUAGES)}, "additionalProperties": STRING,
                           "description": "the public message in each language it is written in, the workspace's "
                                          "default locale included (that one is also `public_message`)"},
                       "theme_id": _nullable(INTEGER), "status": {"type": "string",
                                                                  "enum": [s.value for s in ActionStatus]},
                       "due_date": _nullable({"type": "string", "format": "date"}), "shipped_at": _nullable(DATETIME),
                       "created_at": DATETIME}),
    "Trend": _object({
        "property": STRING, "granularity": {"type": "string", "enum": ["day", "week", "month"]},
        "values": {"type": "array", "items": _object({
            "value": STRING, "nps": _nullable(NUMBER), "responses": INTEGER, "promoters": INTEGER,
            "detractors": INTEGER, "points": {"type": "array", "items": _object({
                "period": {"type": "string", "format": "date"}, "nps": _nullable(NUMBER), "responses": INTEGER,
                "promoters": INTEGER, "detractors": INTEGER})}})},
        "other_values": INTEGER, "other_responses": INTEGER}),
    "LoopMetrics": _object({"since": DATETIME, "responses": INTEGER, "told": INTEGER,
                            "share_told": _nullable(NUMBER), "median_seconds_to_notification": _nullable(NUMBER)}),
    "AuditEvent": _object({"id": INTEGER, "verb": STRING, "actor_user_id": _nullable(INTEGER),
                           "actor_api_key_id": _nullable(INTEGER), "target_type": _nullable(STRING),
                           "target_id": _nullable(INTEGER), "data": OBJECT, "created_at": DATETIME}),
    "Notification": _object({"id": INTEGER, "kind": STRING, "status": STRING, "person_id": _nullable(INTEGER),
                             "action_id": _nullable(INTEGER), "skip_reason": _nullable(STRING), "attempts": INTEGER,
                             "sent_at": _nullable(DATETIME), "created_at": DATETIME}),
    "Webhook": {**_object({"id": INTEGER, "url": STRING, "format": WEBHOOK_FORMAT,
                           "events": {"type": "array", "items": STRING}, "is_active": BOOLEAN, "created_at": DATETIME}),
                "properties": {"id": INTEGER, "url": STRING, "format": WEBHOOK_FORMAT,
                               "events": {"type": "array", "items": STRING},
                               "is_active": BOOLEAN, "created_at": DATETIME,
                               "secret": {"type": "string", "description": "HMAC key; only in the create answer"}}},
    "Delivery": _object({"id": INTEGER, "endpoint_id": INTEGER, "event": STRING, "payload": OBJECT,
                         "status": {"type": "string", "enum": ["pending", "succeeded", "failed"]},
                         "attempts": INTEGER, "response_status": _nullable(INTEGER), "last_error": _nullable(STRING),
                         "next_attempt_at": DATETIME, "delivered_at": _nullable(DATETIME), "created_at": DATETIME}),
}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description="OK"):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(name):
    return _json(_object({"data": {"type": "array", "items": _ref(name)}, "next_cursor": _nullable(STRING)}))


ERRORS = {code: {"$ref": f"#/components/responses/{name}"} for code, name in (
    ("400", "BadRequest"), ("401", "Unauthorized"), ("406", "NotAcceptable"), ("414", "URITooLong"),
    ("422", "InvalidInput"), ("429", "TooManyRequests"))}
# Answered by the HTTP server (gunicorn) before the app, as a page: a request line over 4 KiB.
URI_TOO_LONG = {"description": "URITooLong", "content": {"text/html": {"schema": STRING}}}
NOT_FOUND = {"404": {"$ref": "#/components/responses/NotFound"}}
CONFLICT = {"409": {"$ref": "#/components/responses/Conflict"}}


def _query(name, schema, description=""):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path(name):
    return {"name": name, "in": "path", "required": True, "schema": ID}


PAGING = [_query("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}),
          _query("cursor", {"type": "string", "pattern": CURSOR_PATTERN}, "next_cursor of the previous page")]


def _operation(summary, responses, *, parameters=(), body=None, not_found=False, body_required=True):
    # Every write may meet stored data that refuses it (409), and name an id that does not exist (404).
    operation = {"summary": summary, "parameters": list(parameters),
                 "responses": {**responses, **ERRORS, **(NOT_FOUND if not_found or body else {}),
                               **(CONFLICT if body else {})}}
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    return operation


RESPONSE_FILTERS = [
    _query("since", DATETIME), _query("until", DATETIME), _query("updated_since", DATETIME),
    _query("survey_id", ID), _query("person_id", ID), _query("min_score", {"type": "integer", "minimum": 0,
                                                                           "maximum": 10}),
    _query("max_score", {"type": "integer", "minimum": 0, "maximum": 10}), _query("tag", text(100)),
    _query("order", {"type": "string", "enum": ["asc", "desc"]})]

EMAIL = {"type": ["string", "null"], "format": "email",
         "description": f"an address email can be sent to: at most {people.MAX_EMAIL_LENGTH} characters, "
                        "no special-use domain (.test)"}
ANSWERS = {**FREE_OBJECT, "additionalProperties": {"anyOf": [
    {"type": "string", "pattern": SAFE_TEXT}, {"type": ["number", "boolean", "null"]},
    {"type": "array", "items": JSON_VALUE}]}}


def body(properties, **schema):
    """Return the schema of a JSON request body: ``properties``, other fields ignored but storable."""
    return {"type": "object", "properties": properties, "propertyNames": {"pattern": SAFE_TEXT},
            "additionalProperties": JSON_VALUE, **schema}


PROPERTY_VALUE = {"anyOf": [{"type": "string", "maxLength": people.MAX_PROPERTY_LENGTH, "pattern": SAFE_TEXT},
                            {"type": ["number", "boolean", "null"]}]}
PROPERTIES = {**FREE_OBJECT, "propertyNames": {"pattern": SAFE_TEXT, "maxLength": people.MAX_PROPERTY_NAME_LENGTH},
              "maxProperties": people.MAX_PROPERTIES,
              "additionalProperties": PROPERTY_VALUE}
SCORE = {"type": ["integer", "null"], "minimum": 0, "maximum": 10}
# A person is named by at least one of these, not blank.
IDENTIFIED = [{"required": [name], "properties": {name: {"type": "string", "pattern": NOT_BLANK_TEXT}}}
              for name in ("email", "phone_number", "external_id")]
PERSON_FIELDS = {"email": EMAIL, "external_id": _nullable(text(people.MAX_EXTERNAL_ID_LENGTH)),
                 "phone_number": _nullable(text(people.MAX_PHONE_LENGTH)),
                 "name": _nullable(text(people.MAX_NAME_LENGTH)), "properties": PROPERTIES}
NEW_RESPONSE = body({
    "survey_id": ID, "score": SCORE, "comment": _nullable(text(10_000)), "churn_reason": _nullable(text(200)),
    "locale": _nullable(text(16)), "external_id": _nullable(text(128)), "answers": ANSWERS,
    "person": {**body(PERSON_FIELDS), "type": ["object", "null"], "anyOf": [{"maxProperties": 0}, *IDENTIFIED]}},
    required=["survey_id"])
RESPONSE_CHANGES = body({
    "score": SCORE, "comment": _nullable(text(10_000)), "answers": ANSWERS,
    "tags": {"type": "array", "items": text(100, blank=False)}, "note": _nullable(text(10_000))})
NEW_PERSON = body({**PERSON_FIELDS, "locale": _nullable(text(people.MAX_LOCALE_LENGTH))}, anyOf=IDENTIFIED)
PUBLIC_MESSAGES = {
    "type": ["object", "null"], "propertyNames": {"enum": list(LANGUAGES)},
    "additionalProperties": _nullable(text(10_000)),
    "description": "the public message (what changed, in the email to customers) per language: customers get the "
                   "one of their language, else the workspace's default locale's. The default locale's entry is "
                   "`public_message` (this entry wins when both are given); `null` or empty clears a language. "
                   "A change names only the languages it changes. Another language is a 422 naming "
                   "`public_messages.<language>`."}
ACTION_TEXTS = {
    "description": _nullable(text(10_000)), "public_message": _nullable(text(10_000)),
    "public_messages": PUBLIC_MESSAGES, "due_date": _nullable({"type": "string", "format": "date"})}
NEW_ACTION = body({
    "title": text(200, blank=False), **ACTION_TEXTS, "theme_id": _nullable(ID),
    "response_ids": {"type": ["array", "null"], "items": ID}},
    required=["title"])
ACTION_CHANGES = body({"title": text(200, blank=False), **ACTION_TEXTS})
NEW_STATUS = body({"status": {"type": "string", "enum": [s.value for s in ActionStatus]}}, required=["status"])
NEW_WEBHOOK = body({
    "url": {"type": "string", "format": "uri", "pattern": "^https?://[^/?#]", "maxLength": 2000},
    # Native event names, or Delighted's with format "delighted"; the server checks the pair.
    "events": {"type": "array", "items": {"type": "string", "enum": list(EVENT_NAMES) + list(DELIGHTED_EVENT_TYPES)},
               "minItems": 1},
    "format": WEBHOOK_FORMAT},
    required=["url", "events"])
NO_CONTENT = {"204": {"description": "Done"}}
MAPPING_PAIR = rf"^[^=\x00]*[^=\x00{SPACES}][^=\x00]*=({'|'.join(FIELDS)})(:[^\x00]*)?$"


def paths():
    """Return the ``paths`` object: every route of ``feedback_app.api.routes`` but the document itself."""
    return {
        "/surveys": {"get": _operation("List surveys", {"200": _page_of("Survey")}, parameters=PAGING)},
        "/surveys/{survey_id}": {"get": _operation("Show a survey", {"200": _json(_ref("Survey"))},
                                                   parameters=[_path("survey_id")], not_found=True)},
        "/responses": {
            "get": _operation("List responses", {"200": _page_of("Response")}, parameters=PAGING + RESPONSE_FILTERS),
            "post": _operation("Record a response", {"201": _json(_ref("Response"), "Created")}, body=NEW_RESPONSE)},
        "/exports/responses": {"get": _operation(
            "Download responses as CSV or JSON",
            {"200": {"description": "The file", "content": {"text/csv": {"schema": STRING},
                                                            "application/json": {"schema": {"type": "array",
                                                                                            "items": OBJECT}}}}},
            parameters=[_query("format", {"type": "string", "enum": ["csv", "json"]}), _query("since", DATETIME),
                        _query("until", DATETIME), _query("survey_id", ID)])},
        "/imports": {"post": {
            "summary": "Import a CSV file of responses", "parameters": [],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "additionalProperties": False, "properties": {
                    # Any bytes: UTF-8 is read, else Windows-1252. Described by its media type rather than
                    # `format: binary`, which schemathesis' stateful phase judges invalid in every body
                    # it completes from a link (a survey id from GET /surveys), accepted or not.
                    "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                    # A form value is text on the wire: the id as a number is written as its digits.
                    "survey_id": {"anyOf": [ID, {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"}]},
                    "mapping": {"type": "array", "items": {"type": "string", "pattern": MAPPING_PAIR},
                                "description": "COLUMN=FIELD pairs; without them the file is read as "
                                               "Delighted's export"}}}}}},
            "responses": {"200": _json(_object({
                "created": INTEGER, "duplicates": INTEGER,
                "errors": {"type": "array", "items": _object({"line": INTEGER, "reason": STRING})}})),
                **ERRORS, **NOT_FOUND}}},
        "/responses/{response_id}": {
            "get": _operation("Show a response", {"200": _json(_ref("Response"))},
                              parameters=[_path("response_id")], not_found=True),
            "patch": _operation("Change a response", {"200": _json(_ref("Response"))},
                                parameters=[_path("response_id")], body=RESPONSE_CHANGES, not_found=True,
                                body_required=False)},
        "/people": {
            "get": _operation("List people", {"200": _page_of("Person")},
                              parameters=PAGING + [_query("email", text(people.MAX_EMAIL_LENGTH))]),
            "post": _operation("Create or update a person", {"200": _json(_ref("Person"))}, body=NEW_PERSON)},
        "/people/{person_id}": {
            "get": _operation("Show a person", {"200": _json(_ref("Person"))}, parameters=[_path("person_id")],
                              not_found=True),
            "delete": _operation("Erase a person", NO_CONTENT, parameters=[_path("person_id")], not_found=True)},
        "/themes": {"get": _operation("List themes", {"200": _page_of("Theme")}, parameters=PAGING)},
        "/themes/{theme_id}": {"get": _operation("Show a theme", {"200": _json(_ref("Theme"))},
                                                 parameters=[_path("theme_id")], not_found=True)},
        "/actions": {
            "get": _operation("List actions", {"200": _page_of("Action")}, parameters=PAGING + [
                _query("status", {"type": "string", "enum": [s.value for s in ActionStatus]})]),
            "post": _operation("Plan an action", {"201": _json(_ref("Action"), "Created")}, body=NEW_ACTION)},
        "/actions/{action_id}": {
            "get": _operation("Show an action", {"200": _json(_ref("Action"))}, parameters=[_path("action_id")],
                              not_found=True),
            "patch": _operation("Change an action's texts (public messages per language) and due date",
                                {"200": _json(_ref("Action"))}, parameters=[_path("action_id")],
                                body=ACTION_CHANGES, not_found=True, body_required=False)},
        "/actions/{action_id}/status": {"post": _operation(
            "Change an action's status", {"200": _json(_ref("Action"))}, parameters=[_path("action_id")],
            body=NEW_STATUS, not_found=True)},
        "/notifications": {"get": _operation("List notifications", {"200": _page_of("Notification")},
                                             parameters=PAGING + [_query("status", {"type": "string", "enum": [
                                                 "queued", "sending", "sent", "failed", "skipped"]})])},
        "/audit-events": {"get": _operation(
            "List the audit log, newest first: the workspace's changes and its members' logins and resets",
            {"200": _page_of("AuditEvent")}, parameters=PAGING + [
                _query("verb", text(64), "one verb (user.logged_in), or a family ending in a dot (user.)"),
                _query("actor_user_id", ID), _query("since", DATETIME), _query("until", DATETIME)])},
        "/loop-metrics": {"get": _operation(
            "Close-the-loop figures", {"200": _json(_ref("LoopMetrics"))},
            parameters=[_query("days", {"type": "integer", "minimum": 1, "maximum": 3660})])},
        "/trends": {"get": _operation(
            "NPS per period of each value of a person property (Delighted's Trends)", {"200": _json(_ref("Trend"))},
            parameters=[{**_query("property", text(100, blank=False), "the person property, e.g. plan"),
                         "required": True},
                        _query("days", {"type": "integer", "minimum": 1, "maximum": 3 * 366}),
                        _query("granularity", {"type": "string", "enum": ["day", "week", "month"]}),
                        _query("survey_id", ID)], not_found=True)},
        "/webhooks": {
            "get": _operation("List webhook endpoints", {"200": _page_of("Webhook")}),
            "post": _operation("Subscribe a URL to events", {"201": _json(_ref("Webhook"), "Created")},
                               body=NEW_WEBHOOK)},
        "/webhooks/{endpoint_id}": {"delete": _operation("Delete a webhook endpoint", NO_CONTENT,
                                                         parameters=[_path("endpoint_id")], not_found=True)},
        "/webhooks/{endpoint_id}/deliveries": {"get": _operation(
            "List an endpoint's deliveries", {"200": _page_of("Delivery")}, parameters=[_path("endpoint_id")],
            not_found=True)},
        "/webhook-deliveries/{delivery_id}/replay": {"post": _operation(
            "Send a logged delivery again", {"201": _json(_ref("Delivery"), "Created")},
            parameters=[_path("delivery_id")], not_found=True)},
    }


def document():
    """Return the whole OpenAPI 3.0 document."""
    error = _json(_ref("Error"), "Error")
    return {
        "openapi": "3.1.0",
        "info": {"title": "feedback-loop API", "version": "1.0.0",
                 "description": "Native API. Authenticate with `Authorization: Bearer <API key>` (or HTTP Basic with "
                                "the key as user name). Lists are pages of `data` with a `next_cursor`."},
        "servers": [{"url": "/api"}],
        "security": [{"bearer": []}, {"basic": []}],
        "paths": survey_schemas.add_paths(paths(), _operation, _json, _ref, _path, NO_CONTENT),
        "components": {
            "schemas": {**SCHEMAS, "JsonValue": JSON_VALUE_SCHEMA, **survey_schemas.schemas(SCHEMAS["Survey"])},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "basic": {"type": "http", "scheme": "basic"}},
            "responses": {**{name: {**error, "description": name} for name in (
                "BadRequest", "Unauthorized", "NotAcceptable", "InvalidInput", "TooManyRequests", "NotFound",
                "Conflict")}, "URITooLong": URI_TOO_LONG},
        },
    }

"""Who a widget visitor is: the identity the host page sends, its verification, and the person it names.

The host page tells the widget who is logged in (``id``, ``email``, ``name``, ``locale``,
``properties``). Anyone can run that JavaScript with other values, so:

- with identity verification on, only signed fields identify a person: ``user_hash`` is the
  HMAC-SHA256 of the id with the workspace's identity secret, ``email_hash`` that of the email.
  An unsigned email is ignored. The person is found by their verified id only (or by a signed
  email), so a visitor can never reach someone else's record; name, locale and properties then
  describe the verified person's own record;
- with verification off, an identity describes only the person it creates: it never re-keys or
  changes a person who existed before (their id, email, name, locale or properties), and an
  email held by a person known under another id does not make the visitor that person, so a
  stranger cannot rewrite a customer's record, or answer as them, by sending their email.

Either way a person is only created when they answer (:func:`person_for_answer`); showing
surveys (:func:`find_visitor`) only looks people up.
"""
import hashlib
import hmac
import re
from dataclasses import dataclass, field

from feedback_app.extensions import db
from feedback_app.models import Person, Workspace
from feedback_app.models.base import utcnow
from feedback_app.models.workspace import new_signing_secret
from feedback_app.services.collection import people
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import InvalidInput, PermissionDenied
from feedback_app.services.transaction import transactional

LOCALE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}$")
IDENTITY_KEYS = ("id", "email", "name", "locale", "properties", "user_hash", "email_hash")


@dataclass(frozen=True)
class Identity:
    """A checked identity: every value fits its column; ``verified`` when its id (and email) were signed."""

    external_id: str | None = None
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    properties: dict = field(default_factory=dict)
    verified: bool = False

    def to_dict(self):
        return {"external_id": self.external_id, "email": self.email, "name": self.name, "locale": self.locale,
                "properties": self.properties, "verified": self.verified}

    @classmethod
    def from_dict(cls, data):
        return None if data is None else cls(**data)


def identity_signature(workspace, value):
    """Return the hex HMAC-SHA256 of ``value`` (an id or an email) that the host app sends to prove it."""
    return hmac.new(workspace.identity_secret.encode(), str(value).encode(), hashlib.sha256).hexdigest()


def _signed(workspace, value, given):
    return isinstance(given, str) and hmac.compare_digest(identity_signature(workspace, value), given.strip().lower())


def _text(raw, key, problems, *, max_length, allow_int=False):
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not (isinstance(value, str) or (allow_int and isinstance(value, int))):
        problems[key] = ["must be a string"]
        return None
    value = str(value).strip()
    if len(value) > max_length:
        problems[key] = [f"must be at most {max_length} characters"]
    elif any(ord(character) < 32 for character in value):
        problems[key] = ["must not contain control characters"]
    return value or None


def _checked_fields(raw):
    problems = {}
    # The people columns' sizes: a value that would not fit is refused before the answer is
    # acknowledged, instead of failing later in the worker.
    values = {"external_id": _text(raw, "id", problems, max_length=people.MAX_EXTERNAL_ID_LENGTH, allow_int=True),
              "email": _text(raw, "email", problems, max_length=people.MAX_EMAIL_LENGTH),
              "name": _text(raw, "name", problems, max_length=people.MAX_NAME_LENGTH),
              "locale": _text(raw, "locale", problems, max_length=people.MAX_LOCALE_LENGTH)}
    if values["locale"] is not None and "locale" not in problems and not LOCALE.match(values["locale"]):
        problems["locale"] = ["must be a language tag such as en or fr-CA"]
    for key in ("user_hash", "email_hash"):
        _text(raw, key, problems, max_length=128)
    try:
        values["properties"] = people.clean_properties(raw.get("properties"))
    except InvalidInput as error:
        problems["properties"] = [error.message]
    if values["email"] is not None and "email" not in problems:
        try:
            values["email"] = normalize_email(values["email"])
        except InvalidInput:
            problems["email"] = ["must be an email address"]
    if problems:
        raise InvalidInput("The identity is not valid.", fields={f"identity.{k}": v for k, v in problems.items()})
    return values


def check_identity(workspace, raw):
    """Return the identity the widget sent, checked and cleaned, or ``None`` if the visitor is anonymous.

    :param raw: ``{"id", "email", "name", "locale", "properties", "user_hash", "email_hash"}``, all optional.
    :raises InvalidInput: naming each field of the wrong type or size.
    :raises PermissionDenied: when verification is on and the id is unsigned or wrongly signed.
    """
    if raw in (None, {}):
        return None
    if not isinstance(raw, dict):
        raise InvalidInput("The identity must be an object.", fields={"identity": ["must be an object"]})
    values = _checked_fields(raw)
    if workspace.require_identity_verification:
        # Only the host app knows the secret: a visitor cannot claim another id, and an email
        # counts only when the host signed it too.
        if values["external_id"] is None or not _signed(workspace, values["external_id"], raw.get("user_hash")):
            raise PermissionDenied("This identity is not verified: sign the user id with the workspace secret.")
        if values["email"] is not None and not _signed(workspace, str(raw.get("email")).strip(), raw.get("email_hash")):
            values["email"] = None
        values["verified"] = True
    if not (values["external_id"] or values["email"]):
        return None
    return Identity(**values)


def _lookup(workspace, identity):
    person = people.find_person(workspace, external_id=identity.external_id)
    if person is not None or not identity.email:
        return person
    by_email = people.find_person(workspace, email=identity.email)
    # A record known under another id is someone else: the email alone does not make them the visitor.
    return by_email if by_email is not None and by_email.external_id is None else None


def find_visitor(workspace, identity):
    """Return the existing person ``identity`` names, or ``None``; never creates or changes anyone."""
    return None if identity is None else _lookup(workspace, identity)


def person_for_answer(workspace, identity):
    """Return the person who answers with ``identity`` (found or created), or ``None`` if anonymous.

    Runs inside the caller's transaction (the worker recording an answer).
    """
    if identity is None:
        return None
    person = _lookup(workspace, identity)
    created = person is None
    if created:
        person = Person(workspace_id=workspace.id, properties={})
        if identity.email and people.is_unsubscribed(workspace, identity.email):
            person.unsubscribed_at = utcnow()
    _apply(workspace, person, identity, created=created)
    if created:
        db.session.add(person)
    db.session.flush()
    return person


def _apply(workspace, person, identity, *, created):
    # Keys are only filled in, never replaced, and only when no one else holds them; an
    # unverified identity changes nothing of a person who existed before it.
    if not (created or identity.verified):
        return
    if person.external_id is None and identity.external_id and \
            people.find_person(workspace, external_id=identity.external_id) is None:
        person.external_id = identity.external_id
    if person.email is None and identity.email and people.find_person(workspace, email=identity.email) is None:
        person.email = identity.email
    person.name = identity.name or person.name
    person.locale = identity.locale or person.locale
    person.properties = {**(person.properties or {}), **identity.properties}


@transactional
def set_identity_verification(workspace, enabled, *, by=None):
    """Switch identity verification on or off for ``workspace``'s widget."""
    workspace = db.session.get(Workspace, workspace.id)
    if workspace.require_identity_verification != bool(enabled):
        workspace.require_identity_verification = bool(enabled)
        record_event("workspace.identity_verification_changed", workspace_id=workspace.id,
                     user_id=getattr(by, "id", None), data={"enabled": bool(enabled)})
    return workspace


@transactional
def rotate_identity_secret(workspace, *, by=None):
    """Give ``workspace`` a new identity secret; signatures made with the old one stop verifying."""
    workspace = db.session.get(Workspace, workspace.id)
    workspace.identity_secret = new_signing_secret()
    record_event("workspace.identity_secret_rotated", workspace_id=workspace.id, user_id=getattr(by, "id", None))
    return workspace

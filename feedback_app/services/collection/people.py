"""Customers: find, search or create them, their history and export, suppress their email, forget them."""
import math

from sqlalchemy import select, update

from feedback_app.extensions import db
from feedback_app.models import Bounce, Notification, Person, Response, SurveyRequest, Unsubscribe, utcnow
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.events import emit
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import check_owned
from feedback_app.services.transaction import insert_unless_taken, transactional

MAX_PROPERTIES = 100
MAX_PROPERTY_LENGTH = 1000
MAX_PROPERTY_NAME_LENGTH = 100


def _length(column):
    return column.type.length


# The longest identifiers and name a person keeps: their columns' lengths, which the APIs check and their
# documents state (a longer value is refused with 422, not cut, since it names someone).
MAX_EMAIL_LENGTH = _length(Person.__table__.c.email)
MAX_EXTERNAL_ID_LENGTH = _length(Person.__table__.c.external_id)
MAX_PHONE_LENGTH = _length(Person.__table__.c.phone_number)
MAX_NAME_LENGTH = _length(Person.__table__.c.name)
MAX_LOCALE_LENGTH = _length(Person.__table__.c.locale)
PERSON_FIELD_LIMITS = {"email": MAX_EMAIL_LENGTH, "external_id": MAX_EXTERNAL_ID_LENGTH,
                       "phone_number": MAX_PHONE_LENGTH, "name": MAX_NAME_LENGTH}


def clean_properties(properties):
    """Return ``properties`` checked as a person's properties are stored (names to scalar values).

    :raises InvalidInput: for a non-object, too many or too long names or values, or a number
        that is not finite (JSON cannot hold NaN or infinity).
    """
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        raise InvalidInput("Properties must be an object of names to values.", fields={"properties": ["not an object"]})
    if len(properties) > MAX_PROPERTIES:
        raise InvalidInput(f"At most {MAX_PROPERTIES} properties.", fields={"properties": ["too many"]})
    cleaned = {}
    for key, value in properties.items():
        if not isinstance(value, (str, int, float, bool)) and value is not None:
            raise InvalidInput(f"Property {key!r} must be text, a number or true/false.",
                               fields={"properties": [f"{key}: not a scalar"]})
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(f"Property {key!r} must be a finite number.",
                               fields={"properties": [f"{key}: not finite"]})
        if isinstance(value, str) and len(value) > MAX_PROPERTY_LENGTH:
            raise InvalidInput(f"Property {key!r} is longer than {MAX_PROPERTY_LENGTH} characters.",
                               fields={"properties": [f"{key}: too long"]})
        if len(str(key)) > MAX_PROPERTY_NAME_LENGTH or "\x00" in str(key):
            raise InvalidInput(f"Property names are at most {MAX_PROPERTY_NAME_LENGTH} characters.",
                               fields={"properties": [f"{str(key)[:MAX_PROPERTY_NAME_LENGTH]}: name too long"]})
        cleaned[str(key)] = value
    return cleaned


def check_person_fields(*, email=None, properties=None):
    """Raise what :func:`upsert_person` would raise for ``email`` and ``properties``, writing nothing.

    :raises InvalidInput: for a malformed email or properties.
    """
    if email:
        normalize_email(email)
    clean_properties(properties)


def find_person(workspace, *, email=None, phone_number=None, external_id=None):
    """Return the person with the first identifier that matches (external id, email, phone), or ``None``."""
    identifiers = ((Person.external_id, external_id), (Person.email, email), (Person.phone_number, phone_number))
    for column, value in identifiers:
        if value:
            person = db.session.scalar(select(Person).where(Person.workspace_id == workspace.id, column == value))
            if person is not None:
                return person
    return None


def search_people(workspace, query, *, after_id=None, limit=50):
    """Return up to ``limit`` people whose email, name or external id contains ``query``, by id.

    :param after_id: the last id of the previous page (keyset pagination).
    """
    statement = select(Person).where(Person.workspace_id == workspace.id)
    query = (query or "").strip()
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(Person.email.ilike(pattern, escape="\\") | Person.name.ilike(pattern, escape="\\")
                                    | Person.external_id.ilike(pattern, escape="\\"))
    if after_id:
        statement = statement.where(Person.id > after_id)
    return db.session.scalars(statement.order_by(Person.id).limit(limit)).all()


def person_history(workspace, person, *, limit=200):
    """Return the person's latest responses and notifications, newest first.

    :raises NotFound: if ``person`` is not in ``workspace``.
    """
    check_owned(workspace, person)
    responses = db.session.scalars(
        select(Response).where(Response.workspace_id == workspace.id, Response.person_id == person.id)
        .order_by(Response.created_at.desc(), Response.id.desc()).limit(limit)
    ).all()
    notifications = db.session.scalars(
        select(Notification).where(Notification.workspace_id == workspace.id, Notification.person_id == person.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).all()
    return {"responses": responses, "notifications": notifications}


def person_export(workspace, person):
    """Return everything stored about ``person`` as JSON-able data (GDPR access request).

    :raises NotFound: if ``person`` is not in ``workspace``.
    """
    history = person_history(workspace, person, limit=None)

    def when(value):
        return value.isoformat() if value else None

    return {
        "person": {"id": person.id, "email": person.email, "phone_number": person.phone_number,
                   "external_id": person.external_id, "name": person.name, "locale": person.locale,
                   "properties": person.properties, "created_at": when(person.created_at),
                   "unsubscribed_at": when(person.unsubscribed_at), "bounced_at": when(person.bounced_at),
                   "last_surveyed_at": when(person.last_surveyed_at)},
        "responses": [{"id": r.id, "survey": r.survey.name, "created_at": when(r.created_at), "score": r.score,
                       "comment": r.comment, "churn_reason": r.churn_reason, "answers": r.answers,
                       "properties": r.properties, "channel": r.channel.value} for r in history["responses"]],
        "notifications": [{"id": n.id, "kind": n.kind.value, "status": n.status.value, "to_address": n.to_address,
                           "created_at": when(n.created_at), "sent_at": when(n.sent_at)}
                          for n in history["notifications"]],
    }


@transactional
def upsert_person(workspace, *, email=None, phone_number=None, external_id=None, name=None, locale=None,
                  properties=None):
    """Find the person by external id, email or phone number and update them, or create them.

    Given properties are merged over the stored ones; other fields change only when given.

    :raises InvalidInput: for a bad email or properties, or when no identifier is given.
    """
    email = normalize_email(email) if email else None
    phone_number = (phone_number or "").strip() or None
    external_id = str(external_id).strip() if external_id not in (None, "") else None
    if not (email or phone_number or external_id):
        raise InvalidInput("A person needs an email, a phone number or an id.", fields={"email": ["required"]})
    properties = clean_properties(properties)
    identifiers = {"email": email, "phone_number": phone_number, "external_id": external_id}
    person = find_person(workspace, **identifiers) or _insert_person(workspace, identifiers)
    for field, value in (("email", email), ("phone_number", phone_number), ("external_id", external_id),
                         ("name", name), ("locale", locale)):
        if value:
            setattr(person, field, value[:200] if field == "name" else value)
    if properties:
        person.properties = {**(person.properties or {}), **properties}
    db.session.flush()
    return person


def _insert_person(workspace, identifiers):
    """Insert a person with ``identifiers``; return them, or the person a concurrent request inserted first."""
    person = Person(workspace_id=workspace.id, properties={}, **identifiers)
    if identifiers["email"] and is_unsubscribed(workspace, identifiers["email"]):
        person.unsubscribed_at = utcnow()
    taken = insert_unless_taken(person)
    if taken is None:
        return person
    found = find_person(workspace, **identifiers)
    if found is None:
        raise taken
    return found


def is_unsubscribed(workspace, email):
    """Return whether ``email`` asked ``workspace`` never to email it."""
    return db.session.scalar(
        select(Unsubscribe.id).where(Unsubscribe.workspace_id == workspace.id, Unsubscribe.email == email)
    ) is not None


@transactional
def unsubscribe(workspace, email, *, source="link"):
    """Record that ``email`` must not be emailed again by ``workspace``; repeating it changes nothing.

    :raises InvalidInput: for a bad email.
    """
    email = normalize_email(email)
    person = find_person(workspace, email=email)
    existing = db.session.scalar(
        select(Unsubscribe).where(Unsubscribe.workspace_id == workspace.id, Unsubscribe.email == email)
    )
    if person is not None and person.unsubscribed_at is None:
        person.unsubscribed_at = utcnow()
    if existing is not None:
        return existing
    record = Unsubscribe(workspace_id=workspace.id, email=email, person_id=getattr(person, "id", None), source=source)
    db.session.add(record)
    record_event("person.unsubscribed", workspace_id=workspace.id, target=person, data={"source": source})
    db.session.flush()
    emit("person.unsubscribed", workspace_id=workspace.id, unsubscribe_id=record.id)
    return record


@transactional
def record_bounce(workspace, email, *, reason=""):
    """Record a hard bounce for ``email``; the person is never emailed again.

    :raises InvalidInput: for a bad email.
    """
    email = normalize_email(email)
    person = find_person(workspace, email=email)
    if person is not None and person.bounced_at is None:
        person.bounced_at = utcnow()
    bounce = Bounce(workspace_id=workspace.id, email=email, person_id=getattr(person, "id", None), reason=reason[:2000])
    db.session.add(bounce)
    db.session.flush()
    return bounce


@transactional
def delete_person(workspace, person, *, user=None):
    """Erase ``person``'s personal data everywhere and keep their scores anonymously (GDPR erasure).

    Comments and answers are removed too because customers write names and emails in them;
    the unsubscribe record stays so that a re-imported address is still never emailed.
    """
    check_owned(workspace, person)
    db.session.execute(
        update(Response)
        .where(Response.workspace_id == workspace.id, Response.person_id == person.id)
        .values(person_id=None, comment=None, answers={}, properties={})
    )
    db.session.execute(
        update(Notification).where(Notification.person_id == person.id).values(to_address=None, person_id=None)
    )
    db.session.execute(update(Unsubscribe).where(Unsubscribe.person_id == person.id).values(person_id=None))
    db.session.execute(update(Bounce).where(Bounce.person_id == person.id).values(person_id=None))
    db.session.execute(SurveyRequest.__table__.delete().where(SurveyRequest.person_id == person.id))
    record_event("person.erased", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 data={"person_id": person.id})
    db.session.delete(person)
    db.session.flush()

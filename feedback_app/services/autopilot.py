"""Delighted's Autopilot (recurring surveys) over our survey requests.

The configuration is the Delighted survey (the first active NPS survey): it is active when that
survey is, and its frequency is the recontact window. A membership is a survey request of that
survey marked ``properties["autopilot"] = "email"``; leaving Autopilot cancels it. Only the
email platform exists here: this platform sends no SMS.
"""
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import Person, RequestStatus, SurveyRequest
from feedback_app.services import delighted, invitations, people
from feedback_app.services.api_queries import default_survey, keyset_page
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.transaction import transactional

PLATFORMS = ("email", "sms")
MARK = "autopilot"


def _unix(moment):
    return None if moment is None else int(moment.timestamp())


def _check_platform(platform, *, writable=False):
    if platform not in PLATFORMS:
        raise NotFound("No such Autopilot platform.")
    if writable and platform != "email":
        raise InvalidInput("Only email Autopilot is available here.", fields={"platform": ["sms is not supported"]})


def configuration(workspace, platform):
    """Return Delighted's Autopilot configuration document for ``platform``.

    :raises NotFound: for a platform other than ``email`` and ``sms``.
    """
    _check_platform(platform)
    survey = default_survey(workspace)
    days = (survey.recontact_days if survey is not None and survey.recontact_days else workspace.recontact_days)
    return {
        "platform_id": platform,
        "active": platform == "email" and survey is not None and survey.is_active,
        "frequency": days * 86400,
        "created_at": _unix(getattr(survey, "created_at", None)),
        "updated_at": _unix(getattr(survey, "updated_at", None)),
    }


def _membership_json(request, person):
    return {
        "person": {"id": str(person.id), "name": person.name, "email": person.email,
                   "phone_number": person.phone_number, "created_at": _unix(person.created_at)},
        "next_survey_request": {
            "id": str(request.id), "created_at": _unix(request.created_at),
            "survey_scheduled_at": _unix(request.scheduled_at),
            "properties": {key: value for key, value in (request.properties or {}).items() if key != MARK},
        } if request.status == RequestStatus.PENDING else None,
    }


def _memberships_query(workspace, platform):
    return (select(SurveyRequest).where(SurveyRequest.workspace_id == workspace.id,
                                        SurveyRequest.properties[MARK].as_string() == platform,
                                        SurveyRequest.status != RequestStatus.CANCELLED))


def _person(workspace, *, email=None, person_id=None, name=None, create=False):
    if person_id is not None:
        return people.get_person(workspace, person_id)
    if not email:
        raise InvalidInput("Name the person.", fields={"person_email": ["person_email or person_id is required"]})
    if create:
        return people.upsert_person(workspace, email=email, name=name, _commit=False)
    person = people.find_person(workspace, email=email.strip().lower())
    if person is None:
        raise NotFound("No such person.")
    return person


@transactional
def add_membership(workspace, platform, *, email=None, person_id=None, name=None, properties=None):
    """Enrol a person (created if new) in Autopilot; return the membership document.

    :raises InvalidInput: without a person, or for SMS.
    :raises NotFound: for an unknown ``person_id``.
    """
    _check_platform(platform, writable=True)
    person = _person(workspace, email=email, person_id=person_id, name=name, create=True)
    survey = delighted.ensure_default_survey(workspace)
    existing = db.session.scalar(_memberships_query(workspace, platform).where(SurveyRequest.person_id == person.id))
    if existing is None:
        (existing,) = invitations.invite_people(workspace, survey, [person], _commit=False)
    existing.properties = {**(properties or {}), MARK: platform}
    db.session.flush()
    return _membership_json(existing, person)


def list_memberships(workspace, platform, *, per_page=20, cursor=None, person_id=None, email=None):
    """Return ``(memberships, next_cursor)`` of Autopilot, oldest first.

    :raises NotFound: for an unknown platform.
    :raises InvalidInput: for a bad cursor.
    """
    _check_platform(platform)
    query = _memberships_query(workspace, platform)
    if person_id is not None:
        query = query.where(SurveyRequest.person_id == person_id)
    if email:
        query = query.join(Person, Person.id == SurveyRequest.person_id).where(Person.email == email.strip().lower())
    page = keyset_page(query, time_column=SurveyRequest.created_at, id_column=SurveyRequest.id, per_page=per_page,
                       cursor=cursor, cursor_field="page_info")
    persons = {person.id: person for person in db.session.scalars(
        select(Person).where(Person.id.in_([request.person_id for request in page.items])))}
    return [_membership_json(request, persons[request.person_id]) for request in page.items], page.next_cursor


@transactional
def remove_membership(workspace, platform, *, email=None, person_id=None):
    """Take a person out of Autopilot: their pending Autopilot survey is cancelled.

    :raises NotFound: if the person is unknown or not a member.
    """
    _check_platform(platform, writable=True)
    person = _person(workspace, email=email, person_id=person_id)
    requests = db.session.scalars(_memberships_query(workspace, platform)
                                  .where(SurveyRequest.person_id == person.id)).all()
    if not requests:
        raise NotFound("This person is not in Autopilot.")
    for request in requests:
        request.status = RequestStatus.CANCELLED
        request.status_reason = "removed from Autopilot"
    document = _membership_json(requests[0], person)
    document.pop("next_survey_request")
    return document

"""Autopilot: recurring surveys. The periodic job asks each due email member, and Delighted's /v1 documents.

A schedule (:mod:`feedback_app.services.collection.autopilot_schedules`) re-asks its members every
``frequency_days``. For email, :func:`run_due` (a periodic job) invites every member whose
``next_survey_at`` has come, and moves it one frequency on; a member asked anything within the
recontact window (another survey, the widget, an answer) is asked when that window ends instead.
The widget paces its schedules itself (``collection.eligible_surveys``).

Delighted's Autopilot had one survey: here it is the Delighted survey (the first active NPS
survey) and its email schedule, created on first enrolment with the recontact window as its
frequency. Its requests are marked ``properties["autopilot"] = "email"``. This platform sends no SMS.
"""
from datetime import timedelta

from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import (
    AutopilotMember,
    AutopilotSchedule,
    Channel,
    Person,
    RequestStatus,
    Survey,
    SurveyRequest,
    Workspace,
    utcnow,
)
from feedback_app.services.collection import autopilot_schedules, invitations, people, targeting as collection
from feedback_app.services.integrations import delighted
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.integrations.api_queries import default_survey
from feedback_app.services.pages import decode_cursor, keyset_page
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.transaction import transactional
from feedback_app.services.ownership import owned

PLATFORMS = ("email", "sms")
MARK = "autopilot"
BATCH_SIZE = 200  # members asked per transaction


def _unix(moment):
    return None if moment is None else int(moment.timestamp())


@transactional
def ask_member(member, *, now=None):
    """Invite ``member`` of an email schedule now, unless the recontact window holds them; return the request.

    The member's next survey moves one frequency on, or to the end of the recontact window.
    """
    now = now or utcnow()
    schedule = db.session.get(AutopilotSchedule, member.schedule_id)
    workspace, survey = db.session.get(Workspace, schedule.workspace_id), db.session.get(Survey, schedule.survey_id)
    person = db.session.get(Person, member.person_id)
    if not survey.is_active or Channel.EMAIL not in (survey.channels or ()):
        member.next_survey_at = now + timedelta(days=schedule.frequency_days)
        return None
    window_ends = invitations.recontact_ends_at(workspace, survey, person)
    if window_ends is not None and window_ends > now:
        member.next_survey_at = window_ends
        return None
    (request,) = invitations.invite_people(workspace, survey, [person], properties={**member.properties, MARK: "email"},
                                           _commit=False)
    member.last_request_id = request.id
    if request.status == RequestStatus.PENDING:
        autopilot_schedules.advance(schedule, member, now)
    else:  # unsubscribed or bounced: nothing was sent; try again next period
        member.next_survey_at = now + timedelta(days=schedule.frequency_days)
    return request


def run_due(*, now=None):
    """Ask every email member whose next survey time has come, a batch per transaction; return how many were invited.

    Each member's next time moves past ``now``, so every batch takes new members and the loop ends.
    """
    invited = 0
    while True:
        now_of_batch = now or utcnow()
        members = db.session.scalars(
            select(AutopilotMember).join(AutopilotSchedule, AutopilotSchedule.id == AutopilotMember.schedule_id)
            .where(AutopilotSchedule.channel == Channel.EMAIL, AutopilotSchedule.is_active.is_(True),
                   AutopilotMember.next_survey_at <= now_of_batch)
            .order_by(AutopilotMember.next_survey_at, AutopilotMember.id).limit(BATCH_SIZE)).all()
        if not members:
            return invited
        invited += _ask_batch(members, now_of_batch)


@transactional
def _ask_batch(members, now):
    requests = [ask_member(member, now=now, _commit=False) for member in members]
    return sum(1 for request in requests if request is not None and request.status == RequestStatus.PENDING)


def _check_platform(platform, *, writable=False):
    if platform not in PLATFORMS:
        raise NotFound("No such Autopilot platform.")
    if writable and platform != "email":
        raise InvalidInput("Only email Autopilot is available here: SMS is not offered.",
                           fields={"platform": ["sms is not offered"]})


def _email_schedule(workspace, *, create=False):
    survey = delighted.ensure_default_survey(workspace) if create else default_survey(workspace)
    if survey is None:
        return None, None
    schedule = autopilot_schedules.find_schedule(workspace, survey, Channel.EMAIL)
    if schedule is None and create:
        schedule = autopilot_schedules.set_schedule(workspace, survey, channel=Channel.EMAIL,
                                                    frequency_days=max(1, collection.recontact_days(workspace, survey)),
                                                    _commit=False)
    return survey, schedule


def configuration(workspace, platform):
    """Return Delighted's Autopilot configuration document for ``platform``.

    Before the first enrolment it shows the schedule that enrolment will create.

    :raises NotFound: for a platform other than ``email`` and ``sms``.
    """
    _check_platform(platform)
    survey, schedule = _email_schedule(workspace)
    days = schedule.frequency_days if schedule is not None else (
        collection.recontact_days(workspace, survey) if survey is not None else workspace.recontact_days)
    active = survey is not None and survey.is_active and (schedule is None or schedule.is_active)
    return {
        "platform_id": platform,
        "active": platform == "email" and active,
        "frequency": days * 86400,
        "created_at": _unix(getattr(schedule or survey, "created_at", None)),
        "updated_at": _unix(getattr(schedule or survey, "updated_at", None)),
    }


def _pending_request(member):
    request = db.session.get(SurveyRequest, member.last_request_id) if member.last_request_id else None
    return request if request is not None and request.status == RequestStatus.PENDING else None


def membership_json(member, person):
    """Return a membership as Delighted did: the person and their next survey request (pending or planned)."""
    request = _pending_request(member)
    if request is not None:
        next_request = {"id": str(request.id), "created_at": _unix(request.created_at),
                        "survey_scheduled_at": _unix(request.scheduled_at),
                        "properties": {key: value for key, value in (request.properties or {}).items() if key != MARK}}
    else:  # the next one is made when its time comes
        next_request = {"id": None, "created_at": None, "survey_scheduled_at": _unix(member.next_survey_at),
                        "properties": dict(member.properties or {})}
    return {
        "person": {"id": str(person.id), "name": person.name, "email": person.email,
                   "phone_number": person.phone_number, "created_at": _unix(person.created_at)},
        "next_survey_request": next_request,
    }


def _person(workspace, *, email=None, person_id=None, name=None, create=False):
    if email:
        email = normalize_email(email)  # a malformed address is refused, also beside a person_id
    if person_id is not None:
        return owned(Person, workspace, person_id)
    if not email:
        raise InvalidInput("Name the person.", fields={"person_email": ["person_email or person_id is required"]})
    if create:
        return people.upsert_person(workspace, email=email, name=name, _commit=False)
    person = people.find_person(workspace, email=email)
    if person is None:
        raise NotFound("No such person.")
    return person


@transactional
def add_membership(workspace, platform, *, email=None, person_id=None, name=None, properties=None):
    """Enrol a person (created if new) in the Delighted survey's email Autopilot; return the membership document.

    A new member is asked at once (unless the recontact window holds them), then every frequency.

    :raises InvalidInput: without a person, or for SMS.
    :raises NotFound: for an unknown ``person_id``.
    """
    _check_platform(platform, writable=True)
    person = _person(workspace, email=email, person_id=person_id, name=name, create=True)
    _survey, schedule = _email_schedule(workspace, create=True)
    member, created = autopilot_schedules.enrol(workspace, schedule, person, properties=properties, _commit=False)
    pending = _pending_request(member)
    if created:
        ask_member(member, _commit=False)
    elif pending is not None and properties is not None:
        pending.properties = {**properties, MARK: platform}
    db.session.flush()
    return membership_json(member, person)


def _members_query(workspace, schedule):
    return select(AutopilotMember).where(AutopilotMember.workspace_id == workspace.id,
                                         AutopilotMember.schedule_id == schedule.id)


def list_memberships(workspace, platform, *, per_page=20, cursor=None, person_id=None, email=None):
    """Return ``(memberships, next_cursor)`` of the email Autopilot, oldest first.

    :raises NotFound: for an unknown platform.
    :raises InvalidInput: for a bad cursor.
    """
    _check_platform(platform)
    if cursor is not None:
        decode_cursor(cursor, field="page_info")  # refused also when there is nothing to list
    _survey, schedule = _email_schedule(workspace)
    if schedule is None or platform != "email":
        return [], None
    query = _members_query(workspace, schedule)
    if person_id is not None:
        query = query.where(AutopilotMember.person_id == person_id)
    if email:
        query = query.join(Person, Person.id == AutopilotMember.person_id).where(Person.email == email.strip().lower())
    page = keyset_page(query, time_column=AutopilotMember.created_at, id_column=AutopilotMember.id,
                       per_page=per_page, cursor=cursor, cursor_field="page_info")
    persons = {person.id: person for person in db.session.scalars(
        select(Person).where(Person.id.in_([member.person_id for member in page.items])))}
    return [membership_json(member, persons[member.person_id]) for member in page.items], page.next_cursor


@transactional
def remove_membership(workspace, platform, *, email=None, person_id=None):
    """Take a person out of Autopilot: the membership ends and its pending survey is cancelled.

    :raises NotFound: if the person is unknown or not a member.
    """
    _check_platform(platform, writable=True)
    person = _person(workspace, email=email, person_id=person_id)
    _survey, schedule = _email_schedule(workspace)
    member = autopilot_schedules.leave(workspace, schedule, person, _commit=False)
    pending = _pending_request(member)
    if pending is not None:
        pending.status, pending.status_reason = RequestStatus.CANCELLED, "removed from Autopilot"
    document = membership_json(member, person)
    document.pop("next_survey_request")
    return document

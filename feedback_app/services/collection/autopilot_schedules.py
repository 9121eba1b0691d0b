"""Autopilot schedules as data: a survey re-asked on one channel every N days, its members, and when each is next.

Nothing here sends anything: :func:`feedback_app.services.collection.autopilot.run_due` asks the due email
members, and the widget's targeting (:mod:`feedback_app.services.collection.targeting`) asks
:func:`paced_for_widget` which widget members are due. This module imports neither of them, so
that targeting can use it without an import cycle.
"""
import re
from datetime import timedelta

from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import AutopilotMember, AutopilotSchedule, Channel, Person, Survey, utcnow
from feedback_app.services.collection import people
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.ownership import check_owned
from feedback_app.services.transaction import transactional

CHANNELS = (Channel.EMAIL, Channel.WIDGET)
FREQUENCY_DAYS = (30, 60, 90, 180, 365)  # the choices Delighted's Autopilot offered
MAX_FREQUENCY_DAYS = 3650
MAX_ENROL = 1000  # addresses pasted at once in the dashboard


def find_schedule(workspace, survey, channel):
    """Return ``survey``'s schedule on ``channel``, or ``None``."""
    return db.session.scalar(select(AutopilotSchedule).where(
        AutopilotSchedule.workspace_id == workspace.id, AutopilotSchedule.survey_id == survey.id,
        AutopilotSchedule.channel == channel))


def survey_schedules(workspace, survey):
    """Return ``survey``'s schedules, email first."""
    return db.session.scalars(select(AutopilotSchedule).where(
        AutopilotSchedule.workspace_id == workspace.id, AutopilotSchedule.survey_id == survey.id)
        .order_by(AutopilotSchedule.channel)).all()


@transactional
def set_schedule(workspace, survey, *, channel, frequency_days, is_active=True, user=None):
    """Create or change ``survey``'s schedule on ``channel``; return it.

    :param frequency_days: how many days pass between two surveys of one member.
    :raises InvalidInput: for a channel other than email or widget, a survey not offered on it,
        or a frequency that is not a whole number of 1 to 3650 days.
    :raises NotFound: for a survey of another workspace.
    """
    check_owned(workspace, survey)
    try:
        channel = Channel(channel)
    except ValueError:
        channel = None
    if channel not in CHANNELS:
        raise InvalidInput("Autopilot runs on email or the widget.", fields={"channel": ["must be email or widget"]})
    if channel not in (survey.channels or ()):
        raise InvalidInput(f"This survey is not offered on {channel}.", fields={"channel": ["not a survey channel"]})
    if isinstance(frequency_days, bool) or not isinstance(frequency_days, int) \
            or not 1 <= frequency_days <= MAX_FREQUENCY_DAYS:
        raise InvalidInput(f"The frequency is a whole number of 1 to {MAX_FREQUENCY_DAYS} days.",
                           fields={"frequency_days": ["out of range"]})
    schedule = find_schedule(workspace, survey, channel)
    if schedule is None:
        schedule = AutopilotSchedule(workspace_id=workspace.id, survey_id=survey.id, channel=channel)
        db.session.add(schedule)
    schedule.frequency_days, schedule.is_active = frequency_days, bool(is_active)
    db.session.flush()
    record_event("autopilot.schedule_set", workspace_id=workspace.id, user_id=getattr(user, "id", None),
                 target=survey, data={"channel": str(channel), "frequency_days": frequency_days,
                                      "active": bool(is_active)})
    return schedule


def find_member(schedule, person):
    """Return ``person``'s membership of ``schedule``, or ``None``."""
    return db.session.scalar(select(AutopilotMember).where(
        AutopilotMember.schedule_id == schedule.id, AutopilotMember.person_id == person.id))


@transactional
def enrol(workspace, schedule, person, *, properties=None, start_at=None):
    """Put ``person`` on ``schedule`` (first asked at ``start_at``, default now); return ``(member, created)``.

    A member already on it keeps their next time; given ``properties`` replace theirs.

    :raises NotFound: for a person or schedule of another workspace.
    :raises InvalidInput: for properties that are not an object.
    """
    check_owned(workspace, person, schedule, what="person")
    if properties is not None and not isinstance(properties, dict):
        raise InvalidInput("Properties must be an object.", fields={"properties": ["not an object"]})
    member = find_member(schedule, person)
    created = member is None
    if created:
        member = AutopilotMember(workspace_id=workspace.id, schedule_id=schedule.id, person_id=person.id,
                                 properties={}, next_survey_at=start_at or utcnow())
        db.session.add(member)
    if properties is not None:
        member.properties = dict(properties)
    db.session.flush()
    return member, created


@transactional
def leave(workspace, schedule, person):
    """Take ``person`` off ``schedule``; return the membership removed.

    :raises NotFound: if the person is not on it.
    """
    member = find_member(schedule, person) if schedule is not None else None
    if member is None or member.workspace_id != workspace.id:
        raise NotFound("This person is not in Autopilot.")
    db.session.delete(member)
    db.session.flush()
    return member


def advance(schedule, member, now):
    """Record that ``schedule`` asked ``member`` at ``now``: they are next asked one frequency later."""
    member.last_surveyed_at = now
    member.next_survey_at = now + timedelta(days=schedule.frequency_days)


def person_memberships(workspace, person):
    """Return ``[(member, schedule, survey)]`` of every schedule ``person`` is on, by next survey time."""
    return db.session.execute(
        select(AutopilotMember, AutopilotSchedule, Survey)
        .join(AutopilotSchedule, AutopilotSchedule.id == AutopilotMember.schedule_id)
        .join(Survey, Survey.id == AutopilotSchedule.survey_id)
        .where(AutopilotMember.workspace_id == workspace.id, AutopilotMember.person_id == person.id)
        .order_by(AutopilotMember.next_survey_at)).all()


def _widget_schedules(workspace, surveys):
    return {schedule.survey_id: schedule for schedule in db.session.scalars(select(AutopilotSchedule).where(
        AutopilotSchedule.workspace_id == workspace.id, AutopilotSchedule.channel == Channel.WIDGET,
        AutopilotSchedule.is_active.is_(True), AutopilotSchedule.survey_id.in_([s.id for s in surveys])))}


def paced_for_widget(workspace, surveys, *, person=None, now=None):
    """Return the ``surveys`` the widget may show now: a survey on a widget schedule only to its due members.

    Anonymous visitors are on no schedule, so they are never shown a scheduled survey.
    """
    schedules = _widget_schedules(workspace, surveys) if surveys else {}
    if not schedules:
        return list(surveys)
    now = now or utcnow()
    due = set()
    if person is not None:
        due = set(db.session.scalars(select(AutopilotMember.schedule_id).where(
            AutopilotMember.person_id == person.id, AutopilotMember.next_survey_at <= now,
            AutopilotMember.schedule_id.in_([schedule.id for schedule in schedules.values()]))))
    return [survey for survey in surveys if survey.id not in schedules or schedules[survey.id].id in due]


def note_widget_display(workspace, survey, person, *, now=None):
    """Advance ``person``'s widget schedule of ``survey`` after the widget showed it to them (if they are on one)."""
    if person is None:
        return
    schedule = _widget_schedules(workspace, [survey]).get(survey.id)
    member = find_member(schedule, person) if schedule is not None else None
    if member is not None:
        advance(schedule, member, now or utcnow())


def schedule_members(workspace, schedule, *, limit=100):
    """Return ``(count, [(member, person)])``: how many people ``schedule`` has, and the next ``limit`` to be asked."""
    query = select(AutopilotMember).where(AutopilotMember.workspace_id == workspace.id,
                                          AutopilotMember.schedule_id == schedule.id)
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(select(AutopilotMember, Person).join(Person, Person.id == AutopilotMember.person_id)
                              .where(AutopilotMember.workspace_id == workspace.id,
                                     AutopilotMember.schedule_id == schedule.id)
                              .order_by(AutopilotMember.next_survey_at, AutopilotMember.id).limit(limit)).all()
    return count, rows


@transactional
def enrol_emails(workspace, schedule, text):
    """Put the people whose addresses ``text`` lists (one per line or comma-separated) on ``schedule``.

    People are created when new; each is first asked as soon as the schedule runs.

    :return: how many people were added (already members are not counted).
    :raises InvalidInput: naming the addresses that are not valid, writing nothing.
    """
    addresses = [item.strip() for item in re.split(r"[\s,;]+", text or "") if item.strip()]
    if not addresses:
        raise InvalidInput("List at least one email address.", fields={"emails": ["empty"]})
    if len(addresses) > MAX_ENROL:
        raise InvalidInput(f"At most {MAX_ENROL} addresses at once.", fields={"emails": ["too many"]})
    bad = []
    for address in addresses:
        try:
            normalize_email(address)
        except InvalidInput:
            bad.append(address)
    if bad:
        raise InvalidInput("Not email addresses: " + ", ".join(bad[:10]) + ".", fields={"emails": bad[:10]})
    added = 0
    for address in addresses:
        person = people.upsert_person(workspace, email=address, _commit=False)
        added += enrol(workspace, schedule, person, _commit=False)[1]
    return added

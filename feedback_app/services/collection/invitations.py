"""Emailed surveys: invite people (list, API, CSV), send and remind through the outbox, and answer by link.

An invitation is a :class:`SurveyRequest`. It is sent by the worker once its ``scheduled_at``
has passed (``send_due``, a batch of requests per transaction); the email itself is an outbox
notification, so it is written in the same transaction as the request's new status and
delivered after commit, in the outbox's batches. Every score
in the email is a link carrying a signed token bound to that request: the first click stores
the response, later clicks change the same one.
"""
import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta, timezone

from flask import current_app, has_request_context, url_for
from sqlalchemy import select, update

from feedback_app.extensions import db
from feedback_app.models import (
    Channel,
    NotificationKind,
    NotificationStatus,
    Person,
    RequestStatus,
    Survey,
    SurveyRequest,
    Workspace,
    utcnow,
)
from feedback_app.services import events, tokens
from feedback_app.services.collection import people, survey_builder, targeting as collection
from feedback_app.services.integrations import delighted_properties
from feedback_app.services.loop import action_emails, mail, outbox
from feedback_app.services.accounts.users import normalize_email
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import InvalidInput, NotFound
from feedback_app.services.ownership import check_owned
from feedback_app.services.collection.responses import SCORE_RANGES
from feedback_app.services.collection.survey_look import survey_look
from feedback_app.services.transaction import transactional

ANSWER_TOKEN_MAX_AGE = 30 * 24 * 3600  # score links work for a month after the invitation
MAX_DELAY_SECONDS = 90 * 24 * 3600
MAX_CSV_ROWS = 50_000
CSV_COLUMNS = ("email", "name", "external_id", "locale")


@dataclass
class InviteReport:
    """What a CSV upload did: the requests made and the rows left out, with their line numbers."""

    requests: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # [(line number, reason)]

    @property
    def invited(self):
        return len(self.requests)


def _person_for(workspace, entry):
    if isinstance(entry, Person):
        check_owned(workspace, entry)
        return entry
    if not isinstance(entry, dict):
        raise InvalidInput("Each person must be an object with an email.", fields={"people": ["not an object"]})
    return people.upsert_person(workspace, email=entry.get("email"), name=entry.get("name"),
                                external_id=entry.get("external_id"), locale=entry.get("locale"),
                                properties=entry.get("properties"), _commit=False)


def last_contacted_at(workspace, person, *, exclude_id=None, survey=None):
    """Return when ``person`` was last asked anything (an email sent, a widget shown, an answer), or ``None``.

    :param exclude_id: a survey request not to count (the one being sent).
    :param survey: the survey about to ask; when its recontact scope is ``survey``, only asks of that survey count.
    """
    query = select(SurveyRequest.sent_at).where(
        SurveyRequest.workspace_id == workspace.id, SurveyRequest.person_id == person.id,
        SurveyRequest.sent_at.is_not(None))
    if survey is not None and collection.survey_scoped(survey):
        query = query.where(SurveyRequest.survey_id == survey.id)
    if exclude_id is not None:
        query = query.where(SurveyRequest.id != exclude_id)
    sent = db.session.scalar(query.order_by(SurveyRequest.sent_at.desc()).limit(1))
    # Widget displays and answers count too.
    shown = collection.last_asked_at(workspace, person=person, survey=survey)
    return max((moment for moment in (sent, shown) if moment is not None), default=None)


def recontact_ends_at(workspace, survey, person, *, exclude_id=None):
    """Return when ``survey`` may ask ``person`` again under the recontact window, or ``None`` if never asked.

    The survey's recontact scope says which asks count: any survey's (``workspace``) or its own (``survey``).
    """
    last = last_contacted_at(workspace, person, exclude_id=exclude_id, survey=survey)
    return None if last is None else last + timedelta(days=collection.recontact_days(workspace, survey))


def _recently_asked(workspace, survey, person, now, *, exclude_id=None):
    """Return whether ``person`` was asked within the survey's recontact window (in its recontact scope)."""
    ends = recontact_ends_at(workspace, survey, person, exclude_id=exclude_id)
    return ends is not None and ends > now


def _check_survey(workspace, survey):
    check_owned(workspace, survey)
    if not survey.is_active or Channel.EMAIL not in (survey.channels or ()):
        raise InvalidInput("This survey is not open to email invitations.", fields={"survey": ["not emailable"]})


@transactional
def invite_people(workspace, survey, people_list, *, delay_seconds=0, properties=None, user=None):
    """Create one invitation per person, sent by the worker after ``delay_seconds``.

    A person with a pending invitation to this survey keeps it (no duplicate); unsubscribed or
    bounced people and people asked within the recontact window get a ``skipped`` request
    with the reason, so the caller can report it.

    :param people_list: :class:`Person` rows or ``{"email", "name", "external_id", "locale", "properties"}``.
    :param properties: stored on each request (e.g. the order it is about).
    :raises InvalidInput: for a bad delay, a survey closed to email or a bad person entry.
    :raises NotFound: for a survey or person of another workspace.
    """
    _check_survey(workspace, survey)
    if isinstance(delay_seconds, bool) or not isinstance(delay_seconds, int) \
            or not 0 <= delay_seconds <= MAX_DELAY_SECONDS:
        raise InvalidInput(f"The delay must be 0 to {MAX_DELAY_SECONDS} seconds.", fields={"delay": ["out of range"]})
    if properties is not None and not isinstance(properties, dict):
        raise InvalidInput("Properties must be an object.", fields={"properties": ["not an object"]})
    now = utcnow()
    made = []
    for entry in people_list:
        person = _person_for(workspace, entry)
        pending = db.session.scalar(select(SurveyRequest).where(
            SurveyRequest.workspace_id == workspace.id, SurveyRequest.survey_id == survey.id,
            SurveyRequest.person_id == person.id, SurveyRequest.status == RequestStatus.PENDING))
        if pending is not None:
            made.append(pending)
            continue
        request = SurveyRequest(workspace_id=workspace.id, survey_id=survey.id, person_id=person.id,
                                channel=Channel.EMAIL, properties=dict(properties or {}),
                                scheduled_at=now + timedelta(seconds=delay_seconds))
        reason = _skip_reason(workspace, survey, person, now)
        if reason:
            request.status, request.status_reason = RequestStatus.SKIPPED, reason
        db.session.add(request)
        made.append(request)
    db.session.flush()
    record_event("survey.invited", workspace_id=workspace.id, user_id=getattr(user, "id", None), target=survey,
                 data={"requests": len(made), "delay_seconds": delay_seconds})
    due_now = [r.id for r in made if r.status == RequestStatus.PENDING and r.scheduled_at <= now]
    _send_after_commit(due_now, delay_seconds)
    return made


def _skip_reason(workspace, survey, person, now, *, exclude_id=None):
    if not person.email:
        return "no_email"
    if person.unsubscribed_at is not None or person.anonymized_at is not None:
        return "unsubscribed"
    if person.bounced_at is not None:
        return "bounced"
    if _recently_asked(workspace, survey, person, now, exclude_id=exclude_id):
        return "recontact_window"
    return None


def _send_after_commit(request_ids, delay_seconds):
    # Sent by the worker after the commit (one task per commit and delay, not per invitation: it
    # sends every request due then); a lost message is picked up by the periodic sweep.
    if request_ids:
        events.after_commit("invitations.due", delay_seconds)


def invite_from_csv(workspace, survey, file_or_text, *, user=None):
    """Invite every person listed in a CSV (header row with ``email``; ``name``, ``external_id``, ``locale``
    and any other column become properties). Bad rows are reported with their line number; good rows
    are invited.

    :param file_or_text: the CSV as text, bytes or a file object.
    :return: an :class:`InviteReport`.
    :raises InvalidInput: when the file is not a CSV with an ``email`` column, or is too large.
    """
    _check_survey(workspace, survey)
    if hasattr(file_or_text, "read"):
        file_or_text = file_or_text.read()
    if isinstance(file_or_text, bytes):
        try:
            file_or_text = file_or_text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput("The file must be UTF-8 text.", fields={"file": ["not UTF-8"]}) from None
    reader = csv.DictReader(io.StringIO(file_or_text.lstrip("\ufeff")))
    columns = [name.strip().lower() for name in reader.fieldnames or []]
    if "email" not in columns:
        raise InvalidInput("The CSV needs a header row with an email column.", fields={"file": ["no email column"]})
    reader.fieldnames = columns
    report, entries, seen = InviteReport(), [], set()
    for row in reader:
        if len(entries) >= MAX_CSV_ROWS:
            raise InvalidInput(f"At most {MAX_CSV_ROWS} rows per file.", fields={"file": ["too many rows"]})
        entry, problem = _csv_entry(row, seen)
        if problem:
            report.errors.append((reader.line_num, problem))
        else:
            seen.add(entry["email"])
            entries.append((reader.line_num, entry))
    report.requests = _invite_entries(workspace, survey, entries, report, user=user)
    return report


def _csv_entry(row, seen):
    """Return ``(person entry, None)`` for a good CSV row, or ``(None, reason)``."""
    if None in row:
        return None, "more values than columns"
    raw = (row.get("email") or "").strip()
    if not raw:
        return None, "missing email"
    try:
        email = normalize_email(raw)
    except InvalidInput:
        return None, f"not a valid email: {raw!r}"
    if email in seen:
        return None, f"{email} appears twice"
    extra = {k: v for k, v in row.items() if k and k not in CSV_COLUMNS and v not in (None, "")}
    return {"email": email, "name": (row.get("name") or "").strip() or None,
            "external_id": (row.get("external_id") or "").strip() or None,
            "locale": (row.get("locale") or "").strip() or None, "properties": extra}, None


@transactional
def _invite_entries(workspace, survey, entries, report, *, user=None):
    made = []
    for line, entry in entries:
        try:
            with db.session.begin_nested():
                made.extend(invite_people(workspace, survey, [entry], user=user, _commit=False))
        except InvalidInput as error:
            report.errors.append((line, error.message))
    return made


@transactional
def cancel_pending_requests(workspace, person):
    """Cancel the invitations not yet sent to ``person``; return how many were cancelled.

    :raises NotFound: for a person of another workspace.
    """
    check_owned(workspace, person)
    result = db.session.execute(
        update(SurveyRequest)
        .where(SurveyRequest.workspace_id == workspace.id, SurveyRequest.person_id == person.id,
               SurveyRequest.status == RequestStatus.PENDING)
        .values(status=RequestStatus.CANCELLED, status_reason="cancelled", updated_at=utcnow())
    )
    return result.rowcount


def _claim(request_id, now):
    """Move a due pending request to ``sent`` in one statement, so two workers never both send it."""
    result = db.session.execute(
        update(SurveyRequest)
        .where(SurveyRequest.id == request_id, SurveyRequest.status == RequestStatus.PENDING,
               SurveyRequest.scheduled_at <= now)
        .values(status=RequestStatus.SENT, sent_at=now, updated_at=now)
    )
    return result.rowcount == 1


@transactional
def send_request(request_id, *, now=None):
    """Queue the invitation email of a due pending request; return the request, or ``None`` if not due.

    Suppressions and the recontact window are checked again now, since time passed since the invite.
    """
    now = now or utcnow()
    if not _claim(request_id, now):
        return None
    request = db.session.get(SurveyRequest, request_id)
    db.session.refresh(request)
    workspace, survey, person = request_parts(request)
    reason = _skip_reason(workspace, survey, person, now, exclude_id=request.id) if person else "no_email"
    if reason is None:
        notification = outbox.queue_notification(workspace, kind=NotificationKind.SURVEY_INVITATION, person=person,
                                                 survey_request=request, _commit=False)
        reason = notification.skip_reason if notification.status == NotificationStatus.SKIPPED else None
    if reason:
        request.status, request.status_reason, request.sent_at = RequestStatus.SKIPPED, reason, None
    return request


@transactional
def send_reminder(request_id, *, now=None):
    """Queue the one reminder of a sent, unanswered request; return whether one was queued."""
    now = now or utcnow()
    request = db.session.get(SurveyRequest, request_id)
    if request is None or request.status != RequestStatus.SENT or request.reminded_at is not None:
        return False
    result = db.session.execute(update(SurveyRequest).where(
        SurveyRequest.id == request_id, SurveyRequest.reminded_at.is_(None),
        SurveyRequest.status == RequestStatus.SENT).values(reminded_at=now))
    if result.rowcount != 1:
        return False
    workspace, _survey, person = request_parts(request)
    outbox.queue_notification(workspace, kind=NotificationKind.SURVEY_REMINDER, person=person,
                              survey_request=request, _commit=False)
    return True


def send_due(*, now=None):
    """Queue the emails of every due invitation and reminder, a batch of requests per transaction.

    Each transaction holds up to ``FEEDBACK_EMAIL_BATCH_SIZE`` requests, and its commit
    enqueues one outbox batch for their emails.

    :return: ``(invitations queued, reminders queued)``.
    """
    size = current_app.config["EMAIL_BATCH_SIZE"]
    invited = reminded = 0
    while True:
        pending, reminders = due_requests(now=now, limit=size)
        if not pending and not reminders:
            return invited, reminded
        taken, invited_now, reminded_now = _send_batch(pending, reminders, now=now)
        if not taken and not reminded_now:
            return invited, reminded  # all taken by another worker meanwhile: it sends the rest
        invited, reminded = invited + invited_now, reminded + reminded_now


@transactional
def _send_batch(pending, reminders, *, now=None):
    """Queue the emails of ``pending`` requests and ``reminders``; return (requests taken, invitations, reminders)."""
    requests = [request for request_id in pending if (request := send_request(request_id, now=now, _commit=False))]
    invited = sum(1 for request in requests if request.status == RequestStatus.SENT)
    reminded = sum(1 for request_id in reminders if send_reminder(request_id, now=now, _commit=False))
    return len(requests), invited, reminded


def due_requests(*, now=None, limit=1000):
    """Return ``(ids of pending requests due, ids of sent requests due a reminder)``."""
    now = now or utcnow()
    pending = db.session.scalars(select(SurveyRequest.id).where(
        SurveyRequest.status == RequestStatus.PENDING, SurveyRequest.scheduled_at <= now)
        .order_by(SurveyRequest.scheduled_at).limit(limit)).all()
    candidates = db.session.execute(select(SurveyRequest.id, SurveyRequest.sent_at, Survey.reminder_days).join(
        Survey, Survey.id == SurveyRequest.survey_id).where(
        SurveyRequest.status == RequestStatus.SENT, SurveyRequest.reminded_at.is_(None),
        Survey.reminder_days.is_not(None), SurveyRequest.sent_at <= now)
        .order_by(SurveyRequest.sent_at).limit(limit)).all()
    reminders = [row.id for row in candidates
                 if row.reminder_days and _aware(row.sent_at) <= now - timedelta(days=row.reminder_days)]
    return pending, reminders


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def request_parts(survey_request):
    """Return the workspace, survey and person of ``survey_request`` (it has no relationships)."""
    return (db.session.get(Workspace, survey_request.workspace_id), db.session.get(Survey, survey_request.survey_id),
            db.session.get(Person, survey_request.person_id))


def answer_token(survey_request):
    """Return the signed token of an invitation's links (score links and its survey page)."""
    return tokens.make_token("survey-answer", {"w": survey_request.workspace_id, "r": survey_request.id})


def request_from_token(token):
    """Return the survey request a link token is bound to.

    :raises InvalidToken: for a forged, altered or expired token.
    :raises NotFound: when the invitation was cancelled or no longer exists.
    :raises SurveyNotOpen: when its survey takes no answers now (409; 410 once closed), as the hosted page says.
    """
    payload = tokens.read_token("survey-answer", token, max_age=ANSWER_TOKEN_MAX_AGE)
    request = db.session.scalar(select(SurveyRequest).where(
        SurveyRequest.id == payload.get("r"), SurveyRequest.workspace_id == payload.get("w")))
    if request is None or request.status in (RequestStatus.CANCELLED, RequestStatus.SKIPPED):
        raise NotFound("This invitation is no longer open.")
    # Before the page shows its form, not only once it is answered.
    survey_builder.require_open(db.session.get(Survey, request.survey_id))
    return request


def record_email_score(token, score):
    """Store the score clicked in an invitation (or change it on a later click); return the response.

    :raises InvalidToken: for a forged, altered or expired token.
    :raises InvalidInput: for a score outside the survey's scale.
    """
    request = request_from_token(token)
    workspace, survey, person = request_parts(request)
    return collection.answer_link(workspace, survey, score=score, person=person, survey_request=request,
                                  channel=Channel.EMAIL, locale=collection.pick_locale(survey, person.locale))


def _public_url(endpoint, **values):
    """Return the absolute link to ``endpoint`` under ``PUBLIC_URL`` (workers render outside requests)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def _render_invitation(notification, *, reminder):
    request = db.session.get(SurveyRequest, notification.survey_request_id)
    workspace, survey, person = request_parts(request)
    locale = collection.pick_locale(survey, getattr(person, "locale", None), workspace.default_locale)
    texts = (survey.texts or {}).get(locale, {})
    look = survey_look(survey, workspace, locale)
    subject, question, intro = delighted_properties.email_wording(request, survey, locale, texts)
    texts = {**texts, "question": question}
    token = answer_token(request)
    low, high = SCORE_RANGES.get(survey.kind, (None, None))
    scores = [] if low is None else [
        (value, _public_url("widgets.score_link", token=token, score=value)) for value in range(low, high + 1)]
    unsubscribe = action_emails.unsubscribe_url(workspace, notification.to_address)
    context = {"workspace_name": workspace.name, "name": getattr(person, "name", None) or "", "texts": texts,
               "scores": scores, "survey_url": _public_url("widgets.request_page", token=token),
               "unsubscribe_url": unsubscribe, "reminder": reminder, "locale": locale,
               "color": look.color, "look": look, "intro": intro}
    # Never the survey's name: that is the team's own label (a custom survey's title may be empty).
    subject = subject or texts.get("question") or f"{look.strings['survey']} · {workspace.name}"
    if reminder:
        subject = look.strings["email_reminder"] + subject
    render = action_emails.render_email_template
    return mail.Email(
        subject=subject,
        text=render("widgets/email/invitation.txt", **context),
        html=render("widgets/email/invitation.html", **context),  # autoescaped: names are customer text
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Content-Language": locale, "Auto-Submitted": "auto-generated"},
    )


def render_invitation(notification):
    """Return the invitation email: the scale itself, each score a signed link."""
    return _render_invitation(notification, reminder=False)


def render_reminder(notification):
    """Return the one reminder sent when an invitation got no answer after ``survey.reminder_days``."""
    return _render_invitation(notification, reminder=True)

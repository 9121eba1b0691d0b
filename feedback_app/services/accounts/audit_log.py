"""Reading the audit log of a workspace: its own events and its members' account events, newest first."""
from datetime import timedelta

from sqlalchemy import and_, or_, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, Membership, User
from feedback_app.services.pages import keyset_page
from feedback_app.services.insights.reports import day_start


def _of_workspace(workspace):
    # Logins, password resets and sessions belong to no workspace: a member's show in each of theirs.
    members = select(Membership.user_id).where(Membership.workspace_id == workspace.id)
    return or_(AuditEvent.workspace_id == workspace.id,
               and_(AuditEvent.workspace_id.is_(None), AuditEvent.target_type == "User",
                    AuditEvent.target_id.in_(members)))


def list_audit_events(workspace, *, per_page=50, cursor=None, verb=None, actor_user_id=None, since=None, until=None):
    """Return a :class:`pages.Page` of the workspace's audit events, newest first.

    :param verb: only this verb (``user.logged_in``), or a family ending in ``.`` (``user.``).
    :param actor_user_id: only what this user did.
    :param since: only events at or after this aware datetime.
    :param until: only events before this aware datetime.
    :raises InvalidInput: for a bad cursor.
    """
    query = select(AuditEvent).where(_of_workspace(workspace))
    if verb:
        query = query.where(AuditEvent.verb.startswith(verb, autoescape=True) if verb.endswith(".")
                            else AuditEvent.verb == verb)
    if actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == actor_user_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    return keyset_page(query, time_column=AuditEvent.created_at, id_column=AuditEvent.id, per_page=per_page,
                       cursor=cursor, descending=True)


def verbs_in_use(workspace):
    """Return the verbs found in the workspace's audit log, sorted (the page's filter choices)."""
    return db.session.scalars(select(AuditEvent.verb).where(_of_workspace(workspace)).distinct()
                              .order_by(AuditEvent.verb)).all()


def emails_of(events):
    """Return ``{user id: email}`` of the actors and user targets of ``events``, in one query."""
    ids = {event.actor_user_id for event in events} | {event.target_id for event in events
                                                       if event.target_type == "User"}
    ids.discard(None)
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.email).where(User.id.in_(ids))).all())


def day_bounds(start, end):
    """Return ``(since, until)`` datetimes covering the days ``start``..``end`` (either may be ``None``), UTC."""
    return (day_start(start) if start else None), (day_start(end + timedelta(days=1)) if end else None)

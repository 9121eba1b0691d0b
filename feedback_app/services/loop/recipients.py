"""Who is told when an action ships: ``analysis.recipients.notify_decision`` applied to each person, and exclusions.

The preview, "notify now" and shipping all ask :func:`action_decisions`, so what the team sees
before shipping is exactly who is written to. A person is told when one of their responses that
belongs to the action is a complaint whose membership confidence reaches the workspace's
``notify_min_confidence`` and is at least its confidence in any other theme it belongs to, and
the team has not excluded them.
"""
import math
from dataclasses import dataclass

from sqlalchemy import case, delete, func, literal, select
from sqlalchemy.orm import aliased

from analysis.recipients import (
    REASON_COMPLAINED,
    REASON_NEUTRAL,
    REASON_OTHER_THEME,
    REASON_PRAISED,
    REASON_WEAK_MATCH,
    notify_decision,
)
from feedback_app.extensions import db
from feedback_app.models import (ActionExclusion, ActionResponse, LinkSource, Person, Response, ResponseTheme, Survey,
                                 Theme, ThemeStatus)
from feedback_app.services.loop import action_emails
from feedback_app.services.insights.analysis_data import SCALE_OF_KIND
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import check_owned
from feedback_app.services.transaction import transactional

REASON_EXCLUDED = "excluded by the team"
REASONS = (REASON_COMPLAINED, REASON_PRAISED, REASON_WEAK_MATCH, REASON_OTHER_THEME, REASON_NEUTRAL, REASON_EXCLUDED)
# A link the team made (directly to the action, or a response moved into the theme by hand) is certain.
TEAM_CONFIDENCE = 1.0
# When none of a person's responses tells them, the reason shown is the first of these that applies:
# "weak match" and "closer to another theme" say they did complain, which is what the team most needs to check.
UNTOLD_ORDER = (REASON_WEAK_MATCH, REASON_OTHER_THEME, REASON_PRAISED, REASON_NEUTRAL)
MAX_EXCLUDED = 10_000


@dataclass(frozen=True)
class Decision:
    """Whether ``person_id`` is told about an action, why, and the response the email quotes."""

    person_id: int
    response_id: int
    notify: bool
    reason: str


def decide(workspace, *, sentiment_score, confidence, score=None, kind=None, other_confidence=None):
    """Return ``(notify, reason)`` for one response: the only call of the analysis rule in the app.

    :param confidence: membership confidence (0-1) of the response in the action's feedback, ``None`` if unknown.
    :param kind: the survey's kind, which gives the score's scale.
    :param other_confidence: its highest confidence in any other active theme, ``None`` if it is in no other.
    """
    scale = SCALE_OF_KIND.get(kind) if kind is not None else None
    return notify_decision(sentiment_score, confidence, score, scale, min_confidence=workspace.notify_min_confidence,
                           other_confidence=other_confidence)


def _link_confidence():
    return case((ResponseTheme.source == LinkSource.MANUAL, TEAM_CONFIDENCE), else_=ResponseTheme.similarity)


def _elsewhere(workspace, action):
    """Return the subquery (response_id, other) of each response's best confidence in active themes not the action's.

    Links without a confidence are left out: they say nothing about which theme fits better.
    """
    ids = action_emails.theme_ids(workspace, action)
    mine = aliased(ResponseTheme)
    in_action = select(mine.response_id).where(mine.workspace_id == workspace.id, mine.theme_id.in_(ids), mine.in_theme)
    return (select(ResponseTheme.response_id, func.max(_link_confidence()).label("other"))
            .join(Theme, Theme.id == ResponseTheme.theme_id)
            .where(ResponseTheme.workspace_id == workspace.id, ResponseTheme.in_theme,
                   ResponseTheme.response_id.in_(in_action), ResponseTheme.theme_id.not_in(ids),
                   Theme.status == ThemeStatus.ACTIVE, _link_confidence().is_not(None))
            .group_by(ResponseTheme.response_id).subquery())


def _candidate_rows(workspace, action, person_ids):
    """Return the action's rows (response id, person id, order, has comment, sentiment, score, kind, confidence,
    other confidence).

    One row per way a response belongs to the action. ``order`` is the row's rank by the
    response's time: reading the times themselves as datetimes costs more than the rule. A
    response linked directly to the action was chosen by the team: its other themes do not count.
    """
    direct, themed = action_emails.link_conditions(workspace, action)
    has_comment = case((func.coalesce(Response.comment, "") != "", True), else_=False).label("has_comment")
    columns = (Response.id.label("response_id"), Response.person_id, Response.created_at, has_comment,
               Response.sentiment_score, Response.score, Survey.kind)
    own = (Response.workspace_id == workspace.id, Response.person_id.is_not(None))
    if person_ids is not None:
        own = (*own, Response.person_id.in_(list(person_ids)))
    elsewhere = _elsewhere(workspace, action)
    directly = (select(*columns, literal(TEAM_CONFIDENCE).label("confidence"), literal(None).label("other"))
                .join(ActionResponse, ActionResponse.response_id == Response.id)
                .join(Survey, Survey.id == Response.survey_id).where(*direct, *own))
    through_theme = (select(*columns, _link_confidence().label("confidence"), elsewhere.c.other)
                     .join(ResponseTheme, ResponseTheme.response_id == Response.id)
                     .join(Survey, Survey.id == Response.survey_id)
                     .outerjoin(elsewhere, elsewhere.c.response_id == Response.id).where(*themed, *own))
    both = directly.union_all(through_theme).subquery()
    ordered = (select(both.c.response_id, both.c.person_id, both.c.has_comment, both.c.sentiment_score,
                      both.c.score, both.c.kind, both.c.confidence, both.c.other)
               .order_by(both.c.created_at, both.c.response_id))
    return [(row[0], row[1], position, *row[2:]) for position, row in enumerate(db.session.execute(ordered))]


def _most_confident(rows):
    """Keep each response once, with the highest confidence it has (unknown counts as lowest).

    A direct link (confidence 1.0, no other theme) wins over a theme link of the same response.
    """
    best = {}
    for row in rows:
        kept = best.get(row[0])
        if kept is None or _confidence(row[7]) > _confidence(kept[7]):
            best[row[0]] = row
    return best.values()


def _confidence(value):
    return -1.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _quoted(rows):
    """Return the response the email quotes: the latest with a comment, else the latest."""
    return max(rows, key=lambda row: (bool(row[3]), row[2], row[0]))[0]


def excluded_person_ids(workspace, action):
    """Return the set of people the team keeps out of ``action``'s emails."""
    return set(db.session.scalars(select(ActionExclusion.person_id).where(
        ActionExclusion.action_id == action.id, ActionExclusion.workspace_id == workspace.id)))


def action_decisions(workspace, action, *, person_ids=None):
    """Return ``{person id: Decision}`` for everyone whose feedback belongs to ``action``, by person id.

    :param person_ids: only these people (a preview page); ``None`` for everyone.
    """
    by_person = {}
    for row in _most_confident(_candidate_rows(workspace, action, person_ids)):
        notify, reason = decide(workspace, sentiment_score=row[4], confidence=row[7], score=row[5], kind=row[6],
                                other_confidence=None if row[8] is None else float(row[8]))
        by_person.setdefault(row[1], []).append((row, notify, reason))
    excluded = excluded_person_ids(workspace, action)
    decisions = {}
    for person_id in sorted(by_person):
        judged = by_person[person_id]
        if len(judged) == 1 and person_id not in excluded:  # most people: one response, nothing to choose
            row, notify, reason = judged[0]
            decisions[person_id] = Decision(person_id, row[0], notify, reason)
            continue
        told = [row for row, notify, _ in judged if notify]
        if person_id in excluded:
            decisions[person_id] = Decision(person_id, _quoted([row for row, _, _ in judged]), False, REASON_EXCLUDED)
        elif told:
            decisions[person_id] = Decision(person_id, _quoted(told), True, REASON_COMPLAINED)
        else:
            reasons = {reason for _, _, reason in judged}
            reason = next(reason for reason in UNTOLD_ORDER if reason in reasons)
            decisions[person_id] = Decision(person_id, _quoted([row for row, _, r in judged if r == reason]), False,
                                            reason)
    return decisions


def told(workspace, action, *, person_ids=None):
    """Return ``[(person, response)]`` of the people :func:`action_decisions` tells, by person id."""
    decisions = [decision for decision in action_decisions(workspace, action, person_ids=person_ids).values()
                 if decision.notify]
    return with_rows(workspace, decisions)


def with_rows(workspace, decisions, *, chunk=5000):
    """Return ``[(person, response)]`` for ``decisions``, in their order (loaded in chunks of ids)."""
    people, responses = {}, {}
    for start in range(0, len(decisions), chunk):
        part = decisions[start:start + chunk]
        people.update((p.id, p) for p in db.session.scalars(select(Person).where(
            Person.workspace_id == workspace.id, Person.id.in_([d.person_id for d in part]))))
        responses.update((r.id, r) for r in db.session.scalars(select(Response).where(
            Response.workspace_id == workspace.id, Response.id.in_([d.response_id for d in part]))))
    return [(people[d.person_id], responses[d.response_id]) for d in decisions if d.person_id in people]


@transactional
def set_excluded(workspace, action, person_ids, *, excluded=True, user=None):
    """Keep ``person_ids`` out of ``action``'s emails (or let them back in with ``excluded=False``).

    Only people whose feedback belongs to the action can be excluded. Someone already emailed
    stays emailed: exclusion only stops notifications not written yet.

    :raises InvalidInput: for ids that are not whole numbers or not people of this action.
    :raises NotFound: if ``action`` is not the workspace's.
    """
    check_owned(workspace, action, what="action")
    try:
        wanted = {int(person_id) for person_id in person_ids or ()}
    except (TypeError, ValueError):
        raise InvalidInput("Person ids must be whole numbers.", fields={"person_ids": ["not integers"]}) from None
    if not wanted or len(wanted) > MAX_EXCLUDED:
        raise InvalidInput(f"Choose 1 to {MAX_EXCLUDED} people.", fields={"person_ids": ["1 to 10000 people"]})
    belonging = set(db.session.scalars(select(Person.id).where(
        Person.workspace_id == workspace.id, Person.id.in_(list(wanted)),
        Person.id.in_(action_emails.recipient_ids(workspace, action)))))
    unknown = sorted(wanted - belonging)
    if unknown:
        raise InvalidInput(f"These people have no feedback in this action: {unknown[:20]}.",
                           fields={"person_ids": [f"not people of this action: {unknown[:20]}"]})
    current = excluded_person_ids(workspace, action)
    if excluded:
        db.session.add_all(ActionExclusion(action_id=action.id, person_id=person_id, workspace_id=workspace.id,
                                           excluded_by_id=getattr(user, "id", None))
                           for person_id in sorted(wanted - current))
    else:
        db.session.execute(delete(ActionExclusion).where(ActionExclusion.action_id == action.id,
                                                         ActionExclusion.person_id.in_(list(wanted))))
    record_event("action.recipients_excluded" if excluded else "action.recipients_included",
                 workspace_id=workspace.id, user_id=getattr(user, "id", None), target=action,
                 data={"person_ids": sorted(wanted)})
    return action


def check_min_confidence(value):
    """Return ``value`` as a float in [0, 1].

    :raises InvalidInput: for anything else (text, NaN, out of range).
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not 0.0 <= number <= 1.0:  # NaN fails both comparisons
        raise InvalidInput("The least confidence must be a number from 0 to 1.",
                           fields={"notify_min_confidence": ["a number from 0 to 1"]})
    return number


@transactional
def set_notify_min_confidence(workspace, value, *, user=None):
    """Set the least membership confidence for telling a customer about an action (0-1).

    :raises InvalidInput: if ``value`` is not a number from 0 to 1.
    """
    number = check_min_confidence(value)
    record_event("workspace.notify_min_confidence_changed", workspace_id=workspace.id,
                 user_id=getattr(user, "id", None), target=workspace,
                 data={"from": workspace.notify_min_confidence, "to": number})
    workspace.notify_min_confidence = number
    return workspace

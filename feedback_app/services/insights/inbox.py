"""The responses inbox: filtered, keyset-paginated lists; tags, notes and assignment; CSV export."""
import csv
import io
import json
from dataclasses import dataclass

from sqlalchemy import and_, exists, literal, or_, select
from sqlalchemy.orm import selectinload

from analysis.scales import SCALES
from feedback_app.extensions import db
from feedback_app.models import (
    FollowUp,
    Membership,
    Response,
    ResponseNote,
    ResponseTag,
    ResponseTheme,
    Survey,
    SurveyKind,
    Theme,
)
from feedback_app.services.collection import responses
from feedback_app.services.insights import reports
from feedback_app.services.pages import keyset_page
from feedback_app.services.accounts.audit import record_event
from feedback_app.services.exceptions import InvalidInput
from feedback_app.services.ownership import owned
from feedback_app.services.collection.exports import neutralize_formula
from feedback_app.services.transaction import transactional

PAGE_SIZE = 50
EXPORT_BATCH = 1000
# Score ranges of each group by survey kind: NPS's promoters/passives/detractors, and the
# usual satisfied/neutral/unsatisfied split of the 1-5 CSAT and 1-7 CES scales.
# The inbox names every scale's good / neutral / bad groups with NPS's words.
SCORE_GROUPS = {
    name: {SurveyKind(kind): scale.groups[index] for kind, scale in SCALES.items()}
    for index, name in enumerate(SCALES["nps"].labels)
}
SENTIMENTS = ("positive", "neutral", "negative")
EXPORT_COLUMNS = ["id", "created_at", "survey", "channel", "score", "comment", "churn_reason", "sentiment",
                  "person_email", "person_name", "tags", "properties"]


@dataclass(frozen=True)
class InboxFilters:
    """The inbox's filters: the overview's (date, survey, channel, segment) and its own."""

    report: reports.ReportFilters
    score_group: str | None = None
    sentiment: str | None = None
    theme_id: int | None = None
    tag: str | None = None
    q: str | None = None
    assignee_id: int | None = None

    def as_args(self):
        args = {key: value for key, value in self.report.as_args().items() if key != "granularity"}
        args.update(score_group=self.score_group, sentiment=self.sentiment, theme=self.theme_id, tag=self.tag,
                    q=self.q, assignee=self.assignee_id)
        return {key: value for key, value in args.items() if value not in (None, "")}


def score_group_of(kind, score):
    """Return ``"promoter"``, ``"passive"``, ``"detractor"`` or ``None`` for a score of a survey kind."""
    if score is None:
        return None
    for group, ranges in SCORE_GROUPS.items():
        low_high = ranges.get(kind)
        if low_high and low_high[0] <= score <= low_high[1]:
            return group
    return None


def make_inbox_filters(report_filters, *, score_group=None, sentiment=None, theme_id=None, tag=None, q=None,
                       assignee_id=None):
    """Return checked :class:`InboxFilters`.

    :raises InvalidInput: for an unknown score group or sentiment.
    """
    problems = {}
    if score_group and score_group not in (*SCORE_GROUPS, "unscored"):
        problems["score_group"] = [f"one of {', '.join((*SCORE_GROUPS, 'unscored'))}"]
    if sentiment and sentiment not in SENTIMENTS:
        problems["sentiment"] = [f"one of {', '.join(SENTIMENTS)}"]
    if problems:
        raise InvalidInput("The filters are not valid.", fields=problems)
    return InboxFilters(report=report_filters, score_group=score_group or None, sentiment=sentiment or None,
                        theme_id=theme_id, tag=(tag or "").strip() or None, q=(q or "").strip() or None,
                        assignee_id=assignee_id)


def _score_group_condition(workspace, group):
    if group == "unscored":
        return Response.score.is_(None)
    kinds = db.session.execute(select(Survey.id, Survey.kind).where(Survey.workspace_id == workspace.id)).all()
    alternatives = []
    for kind, (low, high) in SCORE_GROUPS[group].items():
        ids = [survey_id for survey_id, survey_kind in kinds if survey_kind == kind]
        if ids:
            alternatives.append(and_(Response.survey_id.in_(ids), Response.score.between(low, high)))
    return or_(*alternatives) if alternatives else literal(False)


def _escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conditions(workspace, filters):
    report = filters.report
    if report.survey_id is not None:
        owned(Survey, workspace, report.survey_id)
    if filters.theme_id is not None:
        owned(Theme, workspace, filters.theme_id)
    conditions = reports.response_conditions(workspace, report, start=report.start, end=report.end)
    if filters.score_group:
        conditions.append(_score_group_condition(workspace, filters.score_group))
    if filters.sentiment:
        conditions.append(Response.sentiment == filters.sentiment)
    if filters.theme_id:
        conditions.append(exists().where(ResponseTheme.response_id == Response.id,
                                         ResponseTheme.theme_id == filters.theme_id,
                                         ResponseTheme.in_theme))
    if filters.tag:
        conditions.append(exists().where(ResponseTag.response_id == Response.id, ResponseTag.name == filters.tag))
    if filters.q:
        conditions.append(Response.comment.ilike(f"%{_escape_like(filters.q)}%", escape="\\"))
    if filters.assignee_id:
        conditions.append(Response.assignee_id == filters.assignee_id)
    return conditions


def _page(workspace, filters, *, after, limit):
    statement = (select(Response).where(*_conditions(workspace, filters))
                 .options(selectinload(Response.tags), selectinload(Response.person), selectinload(Response.survey)))
    return keyset_page(statement, time_column=Response.created_at, id_column=Response.id, per_page=limit,
                       cursor=after, descending=True, cursor_field="after")


def list_responses(workspace, filters, *, after=None, limit=PAGE_SIZE):
    """Return a :class:`~feedback_app.services.pages.Page` of ``workspace``'s responses matching ``filters``,
    newest first.

    :param after: the cursor of the previous page's last response.
    :raises InvalidInput: for a forged cursor.
    :raises NotFound: if a filter names another workspace's survey or theme.
    """
    return _page(workspace, filters, after=after, limit=limit)


def themes_of(workspace, response_ids):
    """Return ``{response id: [Theme]}`` of the given responses (links the team excluded left out)."""
    if not response_ids:
        return {}
    rows = db.session.execute(
        select(ResponseTheme.response_id, Theme).join(Theme, Theme.id == ResponseTheme.theme_id)
        .where(ResponseTheme.workspace_id == workspace.id, ResponseTheme.response_id.in_(response_ids),
               ResponseTheme.in_theme)
    ).all()
    result = {}
    for response_id, theme in rows:
        result.setdefault(response_id, []).append(theme)
    return result


def _clean_tag(name):
    name = " ".join((name or "").split()).lower()
    if not name or len(name) > 100:
        raise InvalidInput("A tag has 1 to 100 characters.", fields={"name": ["1-100 characters"]})
    return name


@transactional
def tag_response(workspace, response_id, name, *, user):
    """Add the tag ``name`` (lower-cased, spaces collapsed) to a response; adding it twice is harmless.

    :raises NotFound: if the response is not in ``workspace``.
    :raises InvalidInput: for an empty or too long tag.
    """
    response = responses.get_response(workspace, response_id, with_notes=True)
    name = _clean_tag(name)
    if name not in {tag.name for tag in response.tags}:
        response.tags.append(ResponseTag(name=name, workspace_id=workspace.id))
        record_event("response.tagged", workspace_id=workspace.id, user_id=user.id, target=response,
                     data={"tag": name})
    return response


@transactional
def untag_response(workspace, response_id, name, *, user):
    """Remove the tag ``name`` from a response.

    :raises NotFound: if the response is not in ``workspace``.
    """
    response = responses.get_response(workspace, response_id, with_notes=True)
    for tag in list(response.tags):
        if tag.name == name:
            response.tags.remove(tag)
            record_event("response.untagged", workspace_id=workspace.id, user_id=user.id, target=response,
                         data={"tag": name})
    return response


@transactional
def add_note(workspace, response_id, text, *, user):
    """Add a team note to a response.

    :raises NotFound: if the response is not in ``workspace``.
    :raises InvalidInput: for an empty note or one over 5,000 characters.
    """
    response = responses.get_response(workspace, response_id, with_notes=True)
    text = (text or "").strip()
    if not text or len(text) > 5000:
        raise InvalidInput("A note has 1 to 5,000 characters.", fields={"text": ["1-5000 characters"]})
    note = ResponseNote(response_id=response.id, author_id=user.id, text=text)
    response.notes.append(note)
    db.session.flush()
    record_event("response.noted", workspace_id=workspace.id, user_id=user.id, target=response)
    return note


def _check_member(workspace, user_id):
    if user_id is None:
        return
    member = db.session.scalar(select(Membership.id).where(Membership.workspace_id == workspace.id,
                                                           Membership.user_id == user_id))
    if member is None:
        raise InvalidInput("The assignee must be a member of this workspace.", fields={"assignee": ["not a member"]})


@transactional
def assign_response(workspace, response_id, assignee_id, *, user):
    """Make ``assignee_id`` (a member of ``workspace``, or ``None``) responsible for a response.

    :raises NotFound: if the response is not in ``workspace``.
    :raises InvalidInput: if the assignee is not a member of ``workspace``.
    """
    response = responses.get_response(workspace, response_id, with_notes=True)
    _check_member(workspace, assignee_id)
    previous, response.assignee_id = response.assignee_id, assignee_id
    record_event("response.assigned", workspace_id=workspace.id, user_id=user.id, target=response,
                 data={"from": previous, "to": assignee_id})
    return response


def export_csv(workspace, filters):
    """Yield the CSV of every response matching ``filters``, a batch of rows at a time.

    Reads by keyset in batches so an export of a million rows holds one batch in memory.

    :raises NotFound: if a filter names another workspace's survey or theme.
    """
    _conditions(workspace, filters)  # check the filters before the first byte is sent
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    after = None
    while True:
        page = _page(workspace, filters, after=after, limit=EXPORT_BATCH)
        for response in page.items:
            person = response.person
            writer.writerow([neutralize_formula(value) for value in (
                response.id, response.created_at.isoformat(), response.survey.name, response.channel.value,
                response.score, response.comment, response.churn_reason, response.sentiment,
                person.email if person else None, person.name if person else None,
                ";".join(tag.name for tag in response.tags),
                json.dumps(response.properties or {}, ensure_ascii=False, sort_keys=True),
            )])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if page.next_cursor is None:
            return
        after = page.next_cursor
        db.session.expunge_all()  # keep memory flat across batches


def follow_up_queue(workspace, *, status="open", after_id=None, limit=PAGE_SIZE):
    """Return ``[(FollowUp, Response)]`` of ``status``, oldest first, after the follow-up ``after_id``.

    Follow-up ids grow with their creation, so the id alone is the keyset.
    """
    statement = (select(FollowUp, Response).join(Response, Response.id == FollowUp.response_id)
                 .where(FollowUp.workspace_id == workspace.id, Response.workspace_id == workspace.id,
                        FollowUp.status == status)
                 .options(selectinload(Response.person), selectinload(Response.survey)))
    if after_id:
        statement = statement.where(FollowUp.id > after_id)
    return db.session.execute(statement.order_by(FollowUp.id).limit(limit)).all()


@transactional
def assign_follow_up(workspace, follow_up_id, assignee_id, *, user):
    """Make a member (or nobody) the owner of a follow-up.

    :raises NotFound: if the follow-up is not in ``workspace``.
    :raises InvalidInput: if the assignee is not a member of ``workspace``.
    """
    follow_up = owned(FollowUp, workspace, follow_up_id, what="follow-up")
    _check_member(workspace, assignee_id)
    previous, follow_up.assignee_id = follow_up.assignee_id, assignee_id
    record_event("follow_up.assigned", workspace_id=workspace.id, user_id=user.id, target=follow_up,
                 data={"from": previous, "to": assignee_id})
    return follow_up

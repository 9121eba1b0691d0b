"""Responses inbox service: filters, keyset pages, tags, notes, assignment and the CSV export."""
import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from feedback_app.extensions import db as _db
from feedback_app.models import (
    AuditEvent,
    LinkSource,
    ResponseNote,
    ResponseTag,
    ResponseTheme,
    Role,
    SurveyKind,
    Theme,
)
from feedback_app.services.collection import responses
from feedback_app.services.collection import exports
from feedback_app.services.insights import inbox, reports
from feedback_app.services.exceptions import InvalidInput, NotFound
from tests.factories import create_person, create_response, create_survey, create_user, create_workspace

TODAY = date(2026, 3, 31)


def at(day, minutes=0):
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc) + timedelta(minutes=minutes)


def filters(**kwargs):
    report_keys = {"survey_id", "channel", "segment_key", "segment_value", "start", "end"}
    report = reports.make_filters(today=TODAY, start=kwargs.pop("start", date(2026, 1, 1)),
                                  **{k: kwargs.pop(k) for k in list(kwargs) if k in report_keys})
    return inbox.make_inbox_filters(report, **kwargs)


@pytest.fixture()
def workspace(db):
    return create_workspace("Inbox Co")


@pytest.fixture()
def user(workspace):
    return create_user(workspace, role=Role.MEMBER)


def test_score_groups_follow_the_survey_kind(workspace):
    nps = create_survey(workspace, SurveyKind.NPS)
    csat = create_survey(workspace, SurveyKind.CSAT)
    expected = {}
    for score, group in ((10, "promoter"), (7, "passive"), (6, "detractor")):
        expected[create_response(nps, score=score, created_at=at(TODAY)).id] = group
    for score, group in ((4, "promoter"), (3, "passive"), (2, "detractor")):
        expected[create_response(csat, score=score, created_at=at(TODAY)).id] = group
    unscored = create_response(nps, comment="no score", created_at=at(TODAY))

    for group in ("promoter", "passive", "detractor"):
        found = {r.id for r in inbox.list_responses(workspace, filters(score_group=group)).items}
        assert found == {rid for rid, g in expected.items() if g == group}
    assert [r.id for r in inbox.list_responses(workspace, filters(score_group="unscored")).items] == [unscored.id]


def test_ces_groups_agree_between_the_inbox_and_the_api_metrics(workspace):
    from feedback_app.services.integrations import api_queries

    ces = create_survey(workspace, SurveyKind.CES)
    scores = {1: "detractor", 3: "detractor", 4: "passive", 5: "promoter", 7: "promoter"}
    ids = {create_response(ces, score=score, created_at=at(TODAY)).id: group for score, group in scores.items()}
    counts = {group: len(inbox.list_responses(workspace, filters(score_group=group)).items)
              for group in ("promoter", "passive", "detractor")}
    assert counts == {group: list(ids.values()).count(group) for group in counts}
    metrics = api_queries.survey_metrics(workspace, ces)
    assert (metrics["agree_count"], metrics["neutral_count"], metrics["disagree_count"]) == (
        counts["promoter"], counts["passive"], counts["detractor"])


def test_filters_by_sentiment_theme_tag_search_and_segment(workspace, user):
    nps = create_survey(workspace, SurveyKind.NPS)
    sync = create_response(nps, score=2, comment="Sync lost my 100% data", sentiment="negative",
                           properties={"plan": "pro"}, created_at=at(TODAY))
    other = create_response(nps, score=9, comment="Lovely", sentiment="positive", properties={"plan": "free"},
                            created_at=at(TODAY))
    theme = Theme(workspace_id=workspace.id, key="sync", label="Sync")
    _db.session.add(theme)
    _db.session.flush()
    _db.session.add_all([ResponseTheme(response_id=sync.id, theme_id=theme.id, workspace_id=workspace.id),
                         ResponseTheme(response_id=other.id, theme_id=theme.id, workspace_id=workspace.id,
                                       source=LinkSource.EXCLUDED)])
    _db.session.commit()
    inbox.tag_response(workspace, other.id, "Billing", user=user)

    def ids(**kwargs):
        return [r.id for r in inbox.list_responses(workspace, filters(**kwargs)).items]

    assert ids(sentiment="negative") == [sync.id]
    assert ids(theme_id=theme.id) == [sync.id]
    assert ids(tag="billing") == [other.id]
    assert ids(q="SYNC") == [sync.id]
    assert ids(q="100%") == [sync.id]
    assert ids(q="_") == []  # LIKE wildcards are searched literally
    assert ids(segment_key="plan", segment_value="free") == [other.id]


def test_keyset_pages_cover_every_response_once_in_order(workspace):
    nps = create_survey(workspace, SurveyKind.NPS)
    made = [create_response(nps, score=i % 11, created_at=at(TODAY, minutes=i // 2)) for i in range(23)]
    seen, cursor = [], None
    while True:
        page = inbox.list_responses(workspace, filters(), after=cursor, limit=5)
        seen += [r.id for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = [r.id for r in sorted(made, key=lambda r: (r.created_at, r.id), reverse=True)]
    assert seen == expected


def test_forged_cursor_is_invalid_input(workspace):
    with pytest.raises(InvalidInput):
        inbox.list_responses(workspace, filters(), after="not-a-cursor")


def test_filters_naming_another_workspace_are_not_found(workspace):
    other = create_workspace("Other Co")
    theme = Theme(workspace_id=other.id, key="x", label="X")
    _db.session.add(theme)
    _db.session.commit()
    with pytest.raises(NotFound):
        inbox.list_responses(workspace, filters(theme_id=theme.id))
    with pytest.raises(NotFound):
        inbox.list_responses(workspace, filters(survey_id=create_survey(other).id))


def test_tag_note_and_assign_are_recorded_and_audited(workspace, user):
    response = create_response(create_survey(workspace), score=3, created_at=at(TODAY))
    colleague = create_user(workspace, role=Role.VIEWER)

    inbox.tag_response(workspace, response.id, "  Needs   Reply ", user=user)
    inbox.tag_response(workspace, response.id, "needs reply", user=user)
    inbox.add_note(workspace, response.id, "Called them back", user=user)
    inbox.assign_response(workspace, response.id, colleague.id, user=user)

    assert [t.name for t in _db.session.query(ResponseTag).all()] == ["needs reply"]
    assert [n.text for n in _db.session.query(ResponseNote).all()] == ["Called them back"]
    assert responses.get_response(workspace, response.id, with_notes=True).assignee_id == colleague.id
    verbs = [e.verb for e in _db.session.query(AuditEvent).order_by(AuditEvent.id) if e.verb.startswith("response.")]
    assert verbs == ["response.tagged", "response.noted", "response.assigned"]
    inbox.untag_response(workspace, response.id, "needs reply", user=user)
    assert _db.session.query(ResponseTag).count() == 0


def test_writes_refuse_bad_input_and_other_workspaces(workspace, user):
    response = create_response(create_survey(workspace), score=3, created_at=at(TODAY))
    outsider = create_user(create_workspace("Other Co"))
    with pytest.raises(InvalidInput):
        inbox.tag_response(workspace, response.id, "   ", user=user)
    with pytest.raises(InvalidInput):
        inbox.add_note(workspace, response.id, "", user=user)
    with pytest.raises(InvalidInput):
        inbox.assign_response(workspace, response.id, outsider.id, user=user)
    foreign = create_response(create_survey(create_workspace("Third Co")), score=1, created_at=at(TODAY))
    with pytest.raises(NotFound):
        inbox.tag_response(workspace, foreign.id, "x", user=user)
    assert _db.session.query(ResponseTag).count() == 0
    assert _db.session.query(ResponseNote).count() == 0


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+1", "'+1"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("fine", "fine"), (None, None), (7, 7),
])
def test_cells_that_would_run_as_formulas_are_neutralised(value, expected):
    assert exports.neutralize_formula(value) == expected


def test_export_csv_holds_the_filtered_set_formula_safe(workspace, monkeypatch):
    monkeypatch.setattr(inbox, "EXPORT_BATCH", 3)  # several batches with a handful of rows
    nps = create_survey(workspace, SurveyKind.NPS)
    person = create_person(workspace, name="=cmd|' /C calc'!A0")
    for i in range(7):
        create_response(nps, person=person, score=0, comment=f"=1+{i}", created_at=at(TODAY, minutes=i))
    create_response(nps, score=10, comment="happy", created_at=at(TODAY))

    text = "".join(inbox.export_csv(workspace, filters(score_group="detractor")))
    rows = list(csv.DictReader(io.StringIO(text)))

    assert len(rows) == 7
    assert {row["comment"] for row in rows} == {f"'=1+{i}" for i in range(7)}
    assert rows[0]["person_name"].startswith("'=")

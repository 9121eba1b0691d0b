"""The overview's daily rollup stays equal to the raw computation over the responses, whatever writes them."""
from datetime import date, datetime, timedelta, timezone

import pytest

from feedback_app.models import Response, ResponseDayCount, SurveyKind
from feedback_app.services.collection import imports, people, responses
from feedback_app.services.insights import reports
from tests.factories import create_person, create_response, create_survey, create_workspace, utc_at

TODAY = date(2026, 3, 31)
REASONS = ["Too expensive", "Missing features"]


@pytest.fixture()
def workspace(db):
    return create_workspace("Rollup Co")


@pytest.fixture()
def surveys(workspace):
    kinds = (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES, SurveyKind.CHURN_EXIT)
    return {kind: create_survey(workspace, kind, churn_reasons=REASONS) for kind in kinds}


def _rows(read_rows, workspace, filters):
    rows = read_rows(workspace, filters, start=filters.start, end=filters.end)
    return sorted(((reports.as_date(day), survey_id, score, reason, count)
                   for day, survey_id, score, reason, count in rows), key=repr)


def _overview_from(read_rows, workspace, filters, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(reports, "_rollup_count_rows", read_rows)
        report = reports.overview(workspace, filters)
    # Reasons with equal counts come in the order the rows did; the order of the query is not a figure.
    report["churn_reasons"].sort(key=lambda row: (-row["count"], row["reason"]))
    return report


def assert_rollup_matches_raw(workspace, monkeypatch, **filter_args):
    filters = reports.make_filters(today=TODAY, start=TODAY - timedelta(days=44), **filter_args)
    assert _rows(reports._rollup_count_rows, workspace, filters) == _rows(reports._raw_count_rows, workspace, filters)
    assert (_overview_from(reports._rollup_count_rows, workspace, filters, monkeypatch)
            == _overview_from(reports._raw_count_rows, workspace, filters, monkeypatch))


def _seed(surveys):
    nps, csat, ces, churn = (surveys[kind] for kind in (SurveyKind.NPS, SurveyKind.CSAT, SurveyKind.CES,
                                                        SurveyKind.CHURN_EXIT))
    for index in range(40):
        day = TODAY - timedelta(days=index % 30)
        channel = ("widget", "email", "link", "api")[index % 4]
        create_response(nps, score=index % 11, channel=channel, created_at=utc_at(day))
        create_response(csat, score=1 + index % 5, channel=channel, created_at=utc_at(day, 23, 59))
        create_response(ces, score=1 + index % 7, channel=channel, created_at=utc_at(day, 0, 1))
        create_response(churn, churn_reason=REASONS[index % 2], channel=channel, created_at=utc_at(day))
    create_response(nps, comment="no score yet", created_at=utc_at(TODAY))


def test_rollup_matches_raw_after_inserts(workspace, surveys, monkeypatch):
    _seed(surveys)
    assert_rollup_matches_raw(workspace, monkeypatch)
    assert_rollup_matches_raw(workspace, monkeypatch, granularity="week", channel="email")
    assert_rollup_matches_raw(workspace, monkeypatch, survey_id=surveys[SurveyKind.CHURN_EXIT].id)


def test_rollup_counts_by_utc_day_whatever_the_offset_given(db, workspace, surveys, monkeypatch):
    plus_two = timezone(timedelta(hours=2))
    create_response(surveys[SurveyKind.NPS], score=10, created_at=datetime(2026, 3, 30, 1, 0, tzinfo=plus_two))
    create_response(surveys[SurveyKind.NPS], score=0, created_at=utc_at(TODAY, 23, 59))

    days = db.session.query(ResponseDayCount.day, ResponseDayCount.responses).order_by(ResponseDayCount.day).all()
    assert [(reports.as_date(day), n) for day, n in days] == [(date(2026, 3, 29), 1), (TODAY, 1)]
    assert_rollup_matches_raw(workspace, monkeypatch)


def test_rollup_follows_a_score_changed_by_a_later_click(workspace, surveys, monkeypatch):
    _seed(surveys)
    nps = surveys[SurveyKind.NPS]
    responses.record_response(workspace, nps, channel="widget", score=2, submission_key="click-1",
                              created_at=utc_at(TODAY - timedelta(days=3)))
    responses.record_response(workspace, nps, channel="widget", score=10, submission_key="click-1")
    assert_rollup_matches_raw(workspace, monkeypatch)


def test_rollup_follows_edits_of_every_counted_column(db, workspace, surveys, monkeypatch):
    _seed(surveys)
    churn, nps, csat = surveys[SurveyKind.CHURN_EXIT], surveys[SurveyKind.NPS], surveys[SurveyKind.CSAT]
    answer = db.session.query(Response).filter_by(survey_id=churn.id).first()
    responses.update_response(workspace, answer, churn_reason=REASONS[1] if answer.churn_reason == REASONS[0]
                              else REASONS[0])
    moved = db.session.query(Response).filter_by(survey_id=nps.id).first()
    moved.survey_id, moved.channel, moved.created_at = csat.id, "link", utc_at(TODAY - timedelta(days=40))
    moved.score = 5
    db.session.commit()
    assert_rollup_matches_raw(workspace, monkeypatch)


def test_rollup_follows_deletes_and_gdpr_erasure(db, workspace, surveys, monkeypatch):
    _seed(surveys)
    person = create_person(workspace, email="erase@example.com")
    create_response(surveys[SurveyKind.NPS], person=person, score=0, properties={"plan": "pro"},
                    created_at=utc_at(TODAY))
    for response in db.session.query(Response).filter(Response.score == 3).all():
        db.session.delete(response)
    db.session.commit()
    people.delete_person(workspace, person)
    assert_rollup_matches_raw(workspace, monkeypatch)


def test_rollup_follows_imports_and_skips_their_bad_rows(workspace, surveys, monkeypatch):
    mapping = imports.parse_mapping(["when=created_at", "rating=score", "feedback=comment", "labels=tags"])
    # The last bad row fails on its tag, after its response was inserted: the savepoint undoes both.
    text = ("when,rating,feedback,labels\n2026-03-30,9,great,\n2026-03-30,42,out of range,\n2026-03-01,3,meh,\n"
            f"2026-03-30T23:30:00Z,10,late,\n2026-03-29,0,bad tag,{'x' * 500}\n")
    report = imports.import_text(workspace, surveys[SurveyKind.NPS], text, mapping=mapping)
    assert (report.created, len(report.errors)) == (3, 2)
    assert_rollup_matches_raw(workspace, monkeypatch)


def test_segment_filter_is_answered_from_the_responses(workspace, surveys, monkeypatch):
    nps = surveys[SurveyKind.NPS]
    create_response(nps, score=10, properties={"plan": "pro"}, created_at=utc_at(TODAY))
    create_response(nps, score=0, properties={"plan": "free"}, created_at=utc_at(TODAY))
    monkeypatch.setattr(reports, "_rollup_count_rows", None)  # would fail if the rollup were read

    report = reports.overview(workspace, reports.make_filters(today=TODAY, segment_key="plan", segment_value="pro"))

    assert (report["current"]["responses"], report["current"]["nps"]) == (1, 100.0)

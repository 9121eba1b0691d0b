"""Staged widget answers recorded a chunk at a time: the same people, responses and derived work as one by one."""
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from feedback_app.models import (
    FollowUp,
    LinkSource,
    Person,
    Response,
    ResponseTheme,
    SurveyKind,
    Unsubscribe,
    WebhookDelivery,
    WidgetSubmission,
)
from feedback_app.services import demo, events
from feedback_app.services.collection import ingest, widget_answers, widget_identity
from feedback_app.services.insights import analysis_runs, themes
from feedback_app.services.integrations import webhooks
from feedback_app.tasks import analysis as analysis_tasks
from feedback_app.tasks import loop as loop_tasks
from feedback_app.tasks import webhooks as webhook_tasks
from tests.factories import create_person, create_survey, create_workspace
from tests.support.processes import ROOT, wait_until
from tests.support.receiver import webhook_receiver


def _stage(db, workspace, survey, data):
    answer = widget_answers.validate(workspace, survey, data)
    db.session.add(WidgetSubmission(workspace_id=workspace.id, survey_id=survey.id, payload=answer.to_payload()))
    db.session.commit()


def _record_one_by_one(db):
    """Record every staged answer through the per-answer path (what a chunk falls back to)."""
    ingest._record_one_by_one(db.session.scalars(select(WidgetSubmission).order_by(WidgetSubmission.id)).all())
    db.session.commit()


def _signed(workspace, user_id, **fields):
    return {"id": user_id, "user_hash": widget_identity.identity_signature(workspace, user_id), **fields}


def _answers(workspace):
    if workspace.require_identity_verification:
        email_hash = widget_identity.identity_signature(workspace, "signed@x.example")
        return [
            # Verified: the customer's own record takes the name and properties.
            {"score": 5, "submission_key": "key-verified-0001",
             "identity": _signed(workspace, "verified-1", name="Vera", properties={"plan": "pro"})},
            {"score": 4, "submission_key": "key-verified-0002",
             "identity": _signed(workspace, "verified-2", email="signed@x.example", email_hash=email_hash)},
            # An unsigned email is ignored; the verified id alone names the person.
            {"score": 9, "submission_key": "key-verified-0003",
             "identity": _signed(workspace, "verified-3", email="old@x.example")},
            {"score": 9, "submission_key": "key-verified-0004", "identity": _signed(workspace, "verified-2")},
        ]
    return [
        {"score": 9, "submission_key": "key-new-visitor-01",
         "identity": {"id": "new-1", "email": "new@x.example", "properties": {"plan": "team"}}},
        # The same new visitor again: one person, their second answer sees their first's properties.
        {"score": 3, "submission_key": "key-new-visitor-02",
         "identity": {"id": "new-1", "locale": "fr", "properties": {"seats": 4}}},
        # Unverified, naming a customer who existed: answers as them, changes nothing of theirs.
        {"score": 7, "submission_key": "key-old-customer-1", "identity": {"id": "old-1", "name": "Mallory"}},
        # An email held by someone known under another id: not them, and the email stays theirs.
        {"score": 8, "submission_key": "key-someone-else-1", "identity": {"email": "old@x.example"}},
        {"score": 10, "submission_key": "key-unsubscribed-1", "identity": {"id": "gone-1", "email": "gone@x.example"}},
        {"score": 6, "submission_key": "key-anonymous-0001", "comment": "Slow checkout"},
        # The score, then the comment of the same answer (same submission key) in the same chunk.
        {"score": 2, "submission_key": "key-score-then-com"},
        {"score": 2, "submission_key": "key-score-then-com", "comment": "Support never answered"},
        {"score": 5, "submission_key": "key-verified-0001", "identity": _signed(workspace, "verified-1")},
    ]


def _workspace_with_customers(name):
    workspace = create_workspace(name)
    create_person(workspace, external_id="old-1", email="old@x.example", name="Olga", properties={"plan": "free"})
    create_person(workspace, external_id="verified-1", email="v@x.example", name="V.",
                  properties={"plan": "free", "region": "eu"})
    return workspace


def _people(db, workspace):
    rows = db.session.scalars(select(Person).where(Person.workspace_id == workspace.id).order_by(Person.id))
    return [(p.external_id, p.email, p.name, p.locale, p.properties, p.unsubscribed_at is not None,
             p.last_surveyed_at is not None) for p in rows]


def _responses(db, survey):
    rows = db.session.scalars(select(Response).where(Response.survey_id == survey.id).order_by(Response.id))
    return [(r.submission_key.split("-", 1)[1], r.score, r.comment, getattr(r.person, "external_id", None),
             r.properties, r.locale, r.sentiment, round(r.sentiment_score, 6), r.analyzed_at is not None)
            for r in rows]


@pytest.mark.parametrize("verification", [False, True])
def test_a_chunk_records_the_same_people_and_responses_as_one_by_one(db, verification):
    chunked, single = _workspace_with_customers("Chunk Co"), _workspace_with_customers("Single Co")
    surveys = {}
    for workspace in (chunked, single):
        workspace.require_identity_verification = verification
        db.session.add(Unsubscribe(workspace_id=workspace.id, email="gone@x.example"))
        surveys[workspace.id] = create_survey(workspace, SurveyKind.NPS)
        db.session.commit()
        for data in _answers(workspace):
            _stage(db, workspace, surveys[workspace.id], data)
        if workspace is single:
            _record_one_by_one(db)
        else:
            assert ingest.process_pending() == len(_answers(workspace))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(WidgetSubmission.id))) == 0
    assert _people(db, chunked) == _people(db, single)
    # Unverified: two customers, the new visitor, someone else, the unsubscribed one; verified: two new.
    assert len(_people(db, chunked)) == (4 if verification else 5)
    assert _responses(db, surveys[chunked.id]) == _responses(db, surveys[single.id])
    assert len(_responses(db, surveys[chunked.id])) == len(_answers(chunked)) - (0 if verification else 1)


def test_a_chunk_continues_a_stored_response_and_opens_its_follow_up_once(db):
    workspace = create_workspace("Continue Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    _stage(db, workspace, survey, {"score": 1, "submission_key": "key-continued-0001"})
    ingest.process_pending()
    _stage(db, workspace, survey, {"score": 1, "submission_key": "key-continued-0001", "comment": "Terrible"})
    _stage(db, workspace, survey, {"score": 1, "submission_key": "key-continued-0001"})  # a retry
    ingest.process_pending()
    db.session.expire_all()
    response = db.session.scalar(select(Response))
    assert (response.score, response.comment, response.sentiment) == (1, "Terrible", "negative")
    assert db.session.scalar(select(func.count(Response.id))) == 1
    assert db.session.scalar(select(func.count(FollowUp.id))) == 1


def _count_messages(monkeypatch):
    sent = []
    real_enqueue = __import__("feedback_app.tasks", fromlist=["enqueue"]).enqueue

    def enqueue(task, *args, **kwargs):
        sent.append((task.name, args))
        return real_enqueue(task, *args, **kwargs)

    monkeypatch.setattr("feedback_app.tasks.enqueue", enqueue)
    return sent


def test_a_chunk_sends_no_message_per_response(db, monkeypatch):
    quiet, hooked = create_workspace("Quiet Co"), create_workspace("Hooked Co")
    for workspace in (quiet, hooked):
        survey = create_survey(workspace, SurveyKind.NPS)
        for n in range(20):
            _stage(db, workspace, survey, {"score": n % 11, "comment": f"Answer {n}",
                                           "submission_key": f"key-{workspace.id}-{n:012d}"})
    sent = _count_messages(monkeypatch)
    dispatched, real_dispatch = [], events.dispatch
    monkeypatch.setattr(events, "dispatch",
                        lambda name, payload: dispatched.append(name) or real_dispatch(name, payload))
    with webhook_receiver() as receiver:
        webhooks.create_endpoint(hooked, url=receiver.url, events=["response.created", "follow_up.created"])
        assert ingest.process_pending() == 40
    names = [name for name, _ in sent]
    assert analysis_tasks.analyze_response.name not in names and loop_tasks.open_follow_up.name not in names
    # The deliveries were written with the responses; only the workspace with an endpoint hears of
    # response.analyzed (for other kinds of subscriber, as analysis_live announces it).
    published = [args for name, args in sent if name == webhook_tasks.publish_event.name]
    assert {(event, payload["workspace_id"]) for event, payload in published} == {("response.analyzed", hooked.id)}
    assert dispatched.count("response.analyzed") == 40 and "response.created" not in dispatched
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Response.id)).where(Response.analyzed_at.is_(None))) == 0
    assert db.session.scalar(select(func.count(FollowUp.id))) == 2 * 14  # scores 0-6, twice in each workspace
    delivered = db.session.scalars(select(WebhookDelivery.event).where(WebhookDelivery.workspace_id == hooked.id)).all()
    assert sorted(set(delivered)) == ["follow_up.created", "response.created"]
    assert (delivered.count("response.created"), delivered.count("follow_up.created")) == (20, 14)
    assert db.session.scalar(select(func.count(WebhookDelivery.id)).where(
        WebhookDelivery.workspace_id == quiet.id)) == 0


def test_a_chunk_asks_once_per_workspace_whether_it_has_webhooks_or_chat_alerts(db):
    from sqlalchemy import event

    for workspace in (create_workspace("One Co"), create_workspace("Two Co")):
        survey = create_survey(workspace, SurveyKind.NPS)
        for n in range(15):
            _stage(db, workspace, survey, {"score": 9, "submission_key": f"key-{workspace.id}-{n:012d}"})
    asked = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "FROM webhook_endpoints" in statement:
            asked.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert ingest.process_pending() == 30
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # The chunk's own question, then after its commit one per workspace for webhooks and one for chat
    # destinations, however many response.analyzed events the 30 answers announce.
    assert len(asked) == 1 + 2 * 2


def test_a_poisoned_answer_sends_its_chunk_one_by_one_and_costs_only_itself(db, monkeypatch):
    workspace = create_workspace("Poison Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    _stage(db, workspace, survey, {"score": 4, "submission_key": "key-good-answer-01"})
    db.session.add(WidgetSubmission(workspace_id=workspace.id, survey_id=survey.id, payload={
        "data": {"score": 99, "submission_key": "key-poisoned-00001"}, "answers": {}, "locales": []}))
    db.session.commit()
    _stage(db, workspace, survey, {"score": 8, "submission_key": "key-good-answer-02"})
    one_by_one = []
    real = ingest._record_one_by_one
    monkeypatch.setattr(ingest, "_record_one_by_one", lambda rows: one_by_one.append(len(rows)) or real(rows))
    ingest.process_pending()
    assert one_by_one == [3]
    assert sorted(db.session.scalars(select(Response.score))) == [4, 8]
    assert db.session.scalar(select(WidgetSubmission.attempts)) == 1
    for _ in range(ingest.MAX_ATTEMPTS):
        ingest.process_pending()
    _stage(db, workspace, survey, {"score": 9, "submission_key": "key-good-answer-03"})
    ingest.process_pending()
    assert one_by_one == [3] + [1] * (ingest.MAX_ATTEMPTS - 1)
    assert sorted(db.session.scalars(select(Response.score))) == [4, 8, 9]  # quarantined: the chunk is set-based again


@pytest.fixture()
def analyzed(db):
    """A demo workspace of 600 responses after one full run (its theme model assigns new comments)."""
    workspace = demo.seed_demo(n_responses=600, seed=3).workspace
    analysis_runs.start_analysis_run(workspace)
    db.session.expire_all()
    return workspace


def _links(db, response_id):
    return sorted((link.theme_id, link.source, link.polarity, round(link.similarity or 0, 6)) for link in
                  db.session.scalars(select(ResponseTheme).where(ResponseTheme.response_id == response_id)))


@pytest.mark.slow
def test_a_chunk_assigns_themes_and_sentiment_as_one_by_one(db, analyzed):
    workspace = analyzed
    quotes = [db.session.get(Response, theme.representative_response_ids[0]).comment
              for theme in themes.list_themes(workspace) if theme.representative_response_ids][:6]
    chunked, single = create_survey(workspace, name="Chunked"), create_survey(workspace, name="Single")
    for survey in (chunked, single):
        for n, quote in enumerate(quotes):
            _stage(db, workspace, survey, {"score": n, "comment": quote, "submission_key": f"key-theme-{n:08d}"})
        if survey is single:
            _record_one_by_one(db)  # the eager queue analyses each response as it commits
        else:
            ingest.process_pending()
    db.session.expire_all()
    pairs = list(zip(*(db.session.scalars(select(Response).where(Response.survey_id == survey.id)
                                          .order_by(Response.id)).all() for survey in (chunked, single))))
    assert len(pairs) == len(quotes)
    assert any(_links(db, a.id) for a, _ in pairs)
    for a, b in pairs:
        assert (a.sentiment, round(a.sentiment_score, 6)) == (b.sentiment, round(b.sentiment_score, 6))
        assert _links(db, a.id) == _links(db, b.id)
        assert all(source == LinkSource.AUTO for _, source, _, _ in _links(db, a.id))


KILLED_WORKER = textwrap.dedent("""
    import os, sys, time
    os.environ["FEEDBACK_ENV"] = "testing"
    from feedback_app import create_app
    from feedback_app.services.collection import answer_recording, ingest
    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "CELERY_TASK_ALWAYS_EAGER": False})
    real = answer_recording._open_follow_ups

    def written_then_stuck(responses, now):
        opened = real(responses, now)
        print("WRITTEN", len(responses), flush=True)  # every row of the chunk is written, not committed
        time.sleep(600)
        return opened

    answer_recording._open_follow_ups = written_then_stuck
    with app.app_context():
        ingest.process_pending()
""")


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_a_chunk_loses_and_doubles_nothing(app, db):
    workspace = create_workspace("Kill Co")
    survey = create_survey(workspace, SurveyKind.NPS)
    for n in range(50):
        _stage(db, workspace, survey, {"score": n % 11, "comment": f"Answer {n}", "submission_key": f"key-{n:014d}",
                                       "identity": {"id": f"visitor-{n % 7}"}})
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with subprocess.Popen([sys.executable, "-c", KILLED_WORKER, url], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}) as worker:
        try:
            assert worker.stdout.readline().strip() == "WRITTEN 50"
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Response.id))) == 0
    assert db.session.scalar(select(func.count(WidgetSubmission.id))) == 50
    wait_until(lambda: ingest.process_pending() == 50, timeout=30)  # PostgreSQL ends the killed session's locks
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Response.id))) == 50
    assert db.session.scalar(select(func.count(func.distinct(Response.submission_key)))) == 50
    assert db.session.scalar(select(func.count(Person.id)).where(Person.workspace_id == workspace.id)) == 7
    assert db.session.scalar(select(func.count(WidgetSubmission.id))) == 0

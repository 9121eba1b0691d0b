"""Widget answers are acknowledged once staged (group commit) and recorded as responses by the worker."""
import contextlib
import sqlite3
import threading
import uuid

import pytest
from sqlalchemy import func, select

from feedback_app.models import Response, SurveyKind, WidgetSubmission
from feedback_app.services.collection import ingest
from feedback_app.services.exceptions import Unavailable
from tests.factories import create_survey
from tests.support.processes import app_environment, celery_worker, serve_app, wait_until
from tests.widgets.conftest import ORIGIN, new_key, post_over_http


def _answer_url(workspace, survey):
    return f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses"


def _count(db, model):
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def _post_concurrently(send, bodies, threads):
    statuses, lock = [], threading.Lock()

    def run(chunk):
        for body in chunk:
            status = send(body)
            with lock:
                statuses.append(status)

    workers = [threading.Thread(target=run, args=(bodies[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return statuses


def test_concurrent_answers_share_commits_and_each_becomes_one_response(app, db, workspace, monkeypatch):
    survey = create_survey(workspace, SurveyKind.NPS)
    batch_sizes = []
    real_insert = ingest._insert
    monkeypatch.setattr(ingest, "_insert", lambda connection, rows: batch_sizes.append(len(rows))
                        or real_insert(connection, rows))
    url = _answer_url(workspace, survey)
    bodies = [{"score": n % 11, "comment": f"Answer {n}", "submission_key": new_key()} for n in range(160)]

    def send(body):
        return app.test_client().post(url, json=body, headers={"Origin": ORIGIN}).status_code

    statuses = _post_concurrently(send, bodies, threads=16)
    assert statuses == [202] * 160
    # The last message to the (eager) worker may follow the last acknowledgement by the notify interval.
    wait_until(lambda: _count(db, Response) == 160 and _count(db, WidgetSubmission) == 0, timeout=10)
    assert sum(batch_sizes) == 160
    assert len(batch_sizes) < 160  # answers arriving together were committed together
    stored = dict(db.session.execute(select(Response.comment, Response.score)).all())
    assert stored == {body["comment"]: body["score"] for body in bodies}


def test_a_staged_answer_that_cannot_be_recorded_is_kept_with_its_error(db, workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    good, bad = ({"score": score, "submission_key": new_key()} for score in (9, 42))
    db.session.add_all(WidgetSubmission(workspace_id=workspace.id, survey_id=survey.id,
                                        payload={"data": data, "answers": {}, "locales": []}) for data in (bad, good))
    db.session.commit()
    for _ in range(ingest.MAX_ATTEMPTS + 1):
        ingest.process_pending()
    assert db.session.scalars(select(Response.score)).all() == [9]
    kept = db.session.scalar(select(WidgetSubmission))
    assert kept.attempts == ingest.MAX_ATTEMPTS
    assert "between 0 and 10" in kept.last_error
    assert ingest.pending_count(workspace) == 0  # given up on: no longer counted as waiting


def test_one_answer_the_database_refuses_does_not_cost_its_batch_the_others(app, db, workspace):
    survey = create_survey(workspace, SurveyKind.NPS)
    row = {"workspace_id": workspace.id, "payload": {"data": {"score": 9, "submission_key": new_key()},
                                                     "answers": {}, "locales": []}}
    # The survey of the first was deleted between the request's checks and the commit.
    refused = ingest._Waiting({**row, "survey_id": survey.id + 1000})
    kept = ingest._Waiting({**row, "survey_id": survey.id})
    ingest.GroupCommitter(app)._write([refused, kept])
    assert refused.finished and refused.error is not None and refused.submission_id is None
    assert kept.finished and kept.error is None
    assert db.session.scalar(select(Response.score)) == 9  # recorded (the task runs eagerly in tests)


@pytest.mark.worker
@pytest.mark.timeout(180)
def test_a_real_worker_records_every_answer_a_served_app_acknowledged(
        app, db, workspace, tmp_path, private_redis_url):
    survey = create_survey(workspace, SurveyKind.NPS)
    environment = app_environment(app.config["SQLALCHEMY_DATABASE_URI"], BROKER_URL=private_redis_url)
    bodies = [{"score": n % 11, "comment": f"Answer {n}", "submission_key": uuid.uuid4().hex} for n in range(120)]
    with serve_app(environment, workers=2) as base_url, \
            celery_worker(environment, queues=["default"], log_path=tmp_path / "worker.log"):
        url = base_url + _answer_url(workspace, survey)
        statuses = _post_concurrently(lambda body: post_over_http(url, body, timeout=30), bodies, threads=12)
        assert statuses == [202] * 120
        wait_until(lambda: _count(db, Response) == 120 and _count(db, WidgetSubmission) == 0, timeout=90)
    assert sorted(db.session.scalars(select(Response.comment))) == sorted(body["comment"] for body in bodies)


@contextlib.contextmanager
def _database_locked(app, db):
    """Hold a real write lock on the staging table from another connection until the block ends."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        connection = sqlite3.connect(db.engine.url.database, isolation_level=None, check_same_thread=False)
        connection.execute("BEGIN EXCLUSIVE")
    else:
        connection = db.engine.raw_connection()
        connection.cursor().execute("LOCK TABLE widget_submissions IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        connection.rollback() if not url.startswith("sqlite") else connection.execute("ROLLBACK")
        connection.close()


def test_an_answer_refused_as_not_saved_is_never_stored_and_an_acknowledged_one_always_is(
        app, db, workspace, monkeypatch):
    monkeypatch.setattr(ingest, "ACK_TIMEOUT_SECONDS", 3)
    survey = create_survey(workspace, SurveyKind.NPS)
    committer = ingest.GroupCommitter(app, notify_interval=3600)
    workspace_id, survey_id, outcomes, claims = workspace.id, survey.id, {}, []
    real_claim = ingest._Waiting.claim

    def claim(waiting):  # the real claim, observed: who took each answer first
        taken = real_claim(waiting)
        claims.append((waiting.row["payload"]["name"], taken))
        return taken

    monkeypatch.setattr(ingest._Waiting, "claim", claim)

    def stage(name):
        row = {"workspace_id": workspace_id, "survey_id": survey_id, "payload": {"name": name}}
        try:
            with app.app_context():
                outcomes[name] = committer.stage(row)
        except Unavailable:
            outcomes[name] = "503"

    with _database_locked(app, db):
        first = threading.Thread(target=stage, args=("first",))
        first.start()
        # Well within the first answer's 3 s, the writer takes it and then waits for the lock.
        wait_until(lambda: ("first", True) in claims, timeout=2.5)
        second = threading.Thread(target=stage, args=("second",))
        second.start()
        second.join(timeout=30)
        # Both requests' 3 s have passed with the lock held: the second never reached the writer.
        assert outcomes["second"] == "503"
    first.join(timeout=30)
    assert isinstance(outcomes["first"], int)  # the writer had it: it waited for the commit, not the clock
    wait_until(lambda: ("second", False) in claims, timeout=10)  # the writer skipped the abandoned answer
    db.session.expire_all()
    stored = [submission.payload["name"] for submission in db.session.scalars(select(WidgetSubmission))]
    assert stored == ["first"]


def test_an_answer_not_saved_in_time_is_a_503_with_retry_after(app, db, workspace, monkeypatch):
    # The widget retries on its own; Retry-After says when, as every other 503 of the app does.
    monkeypatch.setattr(ingest, "ACK_TIMEOUT_SECONDS", 1)
    survey = create_survey(workspace, SurveyKind.NPS)
    url, claims, replies = _answer_url(workspace, survey), [], {}
    real_claim = ingest._Waiting.claim

    def claim(waiting):  # the real claim, observed: when the writer has taken the first answer
        taken = real_claim(waiting)
        claims.append(taken)
        return taken

    monkeypatch.setattr(ingest._Waiting, "claim", claim)

    def send(name):
        with app.test_client() as client:
            replies[name] = client.post(url, json={"score": 9, "submission_key": new_key()},
                                        headers={"Origin": ORIGIN})

    with _database_locked(app, db):
        first = threading.Thread(target=send, args=("first",))
        first.start()
        wait_until(lambda: True in claims, timeout=5)  # the writer holds it, waiting for the lock
        send("second")  # never reaches the writer within its second
    first.join(timeout=30)
    second = replies["second"]
    assert second.status_code == 503 and second.headers["Retry-After"] == "5"
    assert second.get_json()["message"] == "Your answer could not be saved in time; please send it again."
    assert replies["first"].status_code == 202

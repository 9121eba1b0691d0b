"""An import and a live worker writing to the same database at once (the embedded SQLite default above all)."""
import io
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from feedback_app.models import Response, Role, WorkerHeartbeat
from feedback_app.services import system
from tests.factories import create_survey, create_user, create_workspace

ROWS = 2000
MAX_WRITES = 20_000  # the writer's bound, should the import never finish


class Writer(threading.Thread):
    """A worker stand-in: records heartbeats through the service, on its own connection, until stopped."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app, self.stop, self.writes, self.failures = app, threading.Event(), 0, []

    def run(self):
        with self.app.app_context():
            while not self.stop.is_set() and self.writes < MAX_WRITES:
                try:
                    system.record_heartbeat(f"writer-{self.writes % 3}")
                    self.writes += 1
                except OperationalError as error:  # "database is locked": what the worker hit
                    self.failures.append(str(error).splitlines()[0])
                    if len(self.failures) > 20:
                        return


def _csv(rows):
    lines = ["Response ID,Date,Score,Comment,Email"]
    lines += [f"r{n},2025-01-01 10:00:00,{n % 11},comment {n},p{n % 400}@example.com" for n in range(rows)]
    return "\n".join(lines) + "\n"


def _upload(client, workspace, survey, text):
    return client.post(f"/app/{workspace.slug}/data/import", data={
        "file": (io.BytesIO(text.encode()), "export.csv"), "survey_id": str(survey.id)},
        content_type="multipart/form-data")


@pytest.fixture()
def queued_tasks(app, monkeypatch):
    """Queue tasks on the in-memory broker as a production web process does, instead of running them inline."""
    monkeypatch.setitem(app.extensions["celery"].conf, "task_always_eager", False)


@pytest.fixture()
def writer(app):
    thread = Writer(app)
    yield thread
    thread.stop.set()
    thread.join(timeout=60)


@pytest.mark.slow
def test_import_of_2000_rows_succeeds_while_a_worker_writes(client, login, db, queued_tasks, writer):
    workspace = create_workspace()
    survey = create_survey(workspace)
    login(create_user(workspace, role=Role.MEMBER))
    text = _csv(ROWS)
    writer.start()
    page = _upload(client, workspace, survey, text)
    writes_during_import = writer.writes
    writer.stop.set()
    writer.join(timeout=60)
    assert page.status_code == 200, page.get_data(as_text=True)[-2000:]
    assert f"Imported <strong>{ROWS}</strong> responses" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Response.id))) == ROWS
    assert writer.failures == [] and writes_during_import > 0
    assert db.session.scalar(select(func.sum(WorkerHeartbeat.tasks_run))) == writer.writes
    again = _upload(client, workspace, survey, text).get_data(as_text=True)
    assert f"Imported <strong>0</strong> responses; {ROWS} were already there" in again

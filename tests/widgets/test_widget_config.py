"""The widget endpoint's in-memory copy of workspace and survey settings, and the writer's messages to the worker."""
import threading
import time

from sqlalchemy import update

from feedback_app.models import QuestionKind, Survey, SurveyKind, Workspace
from feedback_app.models.survey import Question
from feedback_app.services.collection import ingest
from tests.factories import create_survey
from tests.support.processes import wait_until
from tests.widgets.conftest import ORIGIN, new_key


def _answer(post, workspace, survey, **extra):
    return post(f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses",
                {"score": 7, "submission_key": new_key(), **extra})


def test_a_change_committed_in_this_process_applies_to_the_next_answer(app, db, workspace, post):
    survey = create_survey(workspace, SurveyKind.NPS)
    assert _answer(post, workspace, survey).status_code == 202  # both are cached now

    workspace.allowed_origins = ["https://elsewhere.example.com"]
    db.session.commit()
    assert _answer(post, workspace, survey).status_code == 403

    workspace.allowed_origins = [ORIGIN]
    survey.is_active = False  # paused: refused, saying so
    db.session.commit()
    assert _answer(post, workspace, survey).status_code == 409

    db.session.execute(update(Survey).where(Survey.id == survey.id).values(is_active=True))  # bulk update too
    db.session.commit()
    assert _answer(post, workspace, survey).status_code == 202


def test_a_change_made_by_another_process_applies_within_the_ttl(app, db, workspace, post):
    survey = create_survey(workspace, SurveyKind.NPS)
    app.extensions["widget_config"].ttl = 0.5
    assert _answer(post, workspace, survey).status_code == 202
    # Another process writes straight to the database: no session event reaches this one.
    with db.engine.begin() as connection:
        connection.execute(update(Workspace).where(Workspace.id == workspace.id).values(allowed_origins=[]))
    assert _answer(post, workspace, survey).status_code == 202  # still the copy
    wait_until(lambda: _answer(post, workspace, survey).status_code == 403, timeout=5, interval=0.1)


def test_the_cached_survey_checks_custom_answers_like_the_model(db, workspace, post):
    survey = create_survey(workspace, SurveyKind.CSAT)
    survey.questions = [Question(key="plan", kind=QuestionKind.SINGLE_CHOICE, prompts={"en": "Your plan?"},
                                 options={"choices": {"en": ["Free", "Team"]}})]
    db.session.commit()
    url = f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses"
    for _ in range(2):  # loaded, then cached
        assert post(url, {"score": 4, "answers": {"plan": 1}, "submission_key": new_key()}).status_code == 202
        refused = post(url, {"score": 4, "answers": {"plan": 5}, "submission_key": new_key()})
        assert refused.status_code == 422 and "answers.plan" in refused.json["errors"]


def test_the_worker_is_told_at_most_once_per_interval_and_after_the_last_commit(app, db, workspace, monkeypatch):
    survey = create_survey(workspace, SurveyKind.NPS)
    row = {"workspace_id": workspace.id, "survey_id": survey.id}
    messages = []
    monkeypatch.setattr(ingest, "enqueue_processing", lambda: messages.append(time.monotonic()))
    committer = ingest.GroupCommitter(app, notify_interval=0.3)
    finished_at = []

    def stage(count):
        for _ in range(count):
            payload = {"data": {"score": 5, "submission_key": new_key()}, "answers": {}, "locales": []}
            committer.stage({**row, "payload": payload})
            finished_at.append(time.monotonic())
            time.sleep(0.01)

    threads = [threading.Thread(target=stage, args=(25,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(lambda: messages and messages[-1] >= max(finished_at) - 0.001, timeout=5, interval=0.05)
    assert 2 <= len(messages) <= 10  # ~100 answers over ~0.4 s: not a message per batch
    assert all(later - earlier >= 0.29 for earlier, later in zip(messages, messages[1:]))


def test_the_writer_gives_its_connection_back_once_answers_stop(app, db, workspace, post):
    survey = create_survey(workspace, SurveyKind.NPS)
    url = f"/w/api/{workspace.public_key}/surveys/{survey.token}/responses"
    db.session.remove()
    before = db.engine.pool.checkedout()
    for _ in range(5):
        assert post(url, {"score": 7, "submission_key": new_key()}).status_code == 202
    db.session.remove()
    assert db.engine.pool.checkedout() == before

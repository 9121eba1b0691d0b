"""Two requests creating the same person or answer at once, in threads on the real database: one row, no error.

Each thread has its own app context, so its own session and connection. A barrier in the
mapper's ``before_insert`` event holds each thread's INSERT until the other has looked the row
up too: both have found nothing, as two requests arriving together do. (On SQLite a thread
whose savepoint already holds the write lock waits there for the barrier's timeout, then goes
on: the other then inserts after it has committed.)
"""
import threading

import pytest
from sqlalchemy import event, func, select

from feedback_app.extensions import db as _db
from feedback_app.models import Person, Response, Survey, SurveyKind, Workspace
from feedback_app.services.collection import people, responses
from feedback_app.services.integrations import api_writes
from feedback_app.services.exceptions import Conflict
from tests.factories import create_survey, create_workspace

BARRIER_SECONDS = 3


@pytest.fixture()
def inserts_meet():
    """Return a function that makes the next INSERTs of ``model`` by two threads wait for each other."""
    listeners = []

    def make(model):
        barrier = threading.Barrier(2, timeout=BARRIER_SECONDS)

        def wait_for_the_other(mapper, connection, target):
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass  # the other thread is waiting for a lock this one holds (SQLite): go on alone

        event.listen(model, "before_insert", wait_for_the_other)
        listeners.append((model, wait_for_the_other))

    yield make
    for model, listener in listeners:
        event.remove(model, "before_insert", listener)


def _in_two_threads(app, work):
    """Run ``work(workspace)`` in two threads at once; return what each returned or raised."""
    outcomes = [None, None]
    workspace_id = _db.session.scalar(select(Workspace.id))

    def run(index):
        with app.app_context():
            try:
                outcomes[index] = work(_db.session.get(Workspace, workspace_id))
            except Exception as error:  # noqa: BLE001  (the test asserts on what each thread met)
                outcomes[index] = error
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _count(model, *where):
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("identifiers", [{"email": "new@customer.example"}, {"external_id": "user-42"},
                                         {"email": "new@customer.example", "external_id": "user-42"}])
def test_concurrent_upserts_of_a_new_person_make_one_person(app, db, inserts_meet, identifiers):
    create_workspace()
    inserts_meet(Person)
    outcomes = _in_two_threads(app, lambda workspace: people.upsert_person(workspace, **identifiers).id)
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert outcomes[0] == outcomes[1]
    assert _count(Person) == 1


def test_concurrent_api_responses_of_a_new_person_make_one_person_and_two_responses(app, db, inserts_meet):
    survey_id = create_survey(create_workspace(), SurveyKind.NPS).id
    inserts_meet(Person)

    def answer(workspace):
        return api_writes.record_response_from_api(workspace, survey_id=survey_id, score=9,
                                                   person={"email": "new@customer.example"}).person_id

    outcomes = _in_two_threads(app, answer)
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert _count(Person) == 1 and _count(Response) == 2


def test_concurrent_answers_with_one_submission_key_make_one_response(app, db, inserts_meet):
    survey_id = create_survey(create_workspace(), SurveyKind.NPS).id
    inserts_meet(Response)

    def answer(workspace):
        survey = _db.session.get(Survey, survey_id)
        return responses.record_response(workspace, survey, channel="widget", score=3, comment="Too slow",
                                         submission_key="k" * 32).id

    outcomes = _in_two_threads(app, answer)
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert outcomes[0] == outcomes[1]
    assert _count(Response) == 1


def test_concurrent_responses_with_one_external_id_store_one_and_refuse_the_other(app, db, inserts_meet):
    survey_id = create_survey(create_workspace(), SurveyKind.NPS).id
    inserts_meet(Response)

    def answer(workspace):
        return api_writes.record_response_from_api(workspace, survey_id=survey_id, score=5, external_id="crm-7").id

    outcomes = _in_two_threads(app, answer)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Conflict", "int"], outcomes
    assert [outcome for outcome in outcomes if isinstance(outcome, Conflict)][0].status == 409
    assert _count(Response, Response.external_id == "crm-7") == 1

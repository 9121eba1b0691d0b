"""End to end: a production process ships an action, real Celery workers on Redis deliver to a real SMTP server.

Every test counts at the SMTP server: each reachable person exactly once, nobody else, whatever
goes wrong in between (SMTP refusals and drops, a SIGKILLed worker, two workers, shipping twice).
"""
import os
import signal
import threading
import time

import pytest
from sqlalchemy import func, select

from feedback_app.models import Notification, NotificationStatus, ResponseTheme
from feedback_app.services.loop import actions
from tests.factories import create_survey, create_workspace
from tests.loop.conftest import outstanding
from tests.loop.data import CONFIDENT, build_population, create_theme
from tests.support.processes import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.timeout(240)]

MESSAGE = "Exports are now ten times faster."


def _action_for(db, workspace, responses, *, direct_share=0.4):
    """Return an action on a theme holding most responses, with the rest (and some overlap) linked directly."""
    theme = create_theme(workspace)
    cut = int(len(responses) * (1 - direct_share))
    db.session.add_all(ResponseTheme(response_id=response.id, theme_id=theme.id, workspace_id=workspace.id,
                                     similarity=CONFIDENT) for response in responses[:cut])
    db.session.commit()
    direct = [response.id for response in responses[cut - 50:]]  # 50 linked both ways
    return actions.create_action(workspace, title="Faster exports", theme=theme, response_ids=direct,
                                 public_message=MESSAGE)


def _expected(by_state):
    return {person.email.lower(): 1 for person in by_state["reachable"]}


def _wait_for_all(db, handler, expected, *, timeout=150, sweep=None):
    """Wait until every expected message arrived and nothing is left to send; sweep meanwhile if asked."""
    last_sweep = time.monotonic()

    def done():
        nonlocal last_sweep
        if sweep is not None and time.monotonic() - last_sweep > 3:
            sweep()
            last_sweep = time.monotonic()
        return handler.count() >= len(expected) and outstanding(db) == 0

    wait_until(done, timeout=timeout, interval=0.5)
    time.sleep(2)  # anything sent twice would arrive now


def _statuses(db, action):
    db.session.expire_all()
    return dict(db.session.execute(select(Notification.status, func.count()).where(
        Notification.action_id == action.id).group_by(Notification.status)).all())


def test_shipping_to_800_people_emails_each_reachable_person_exactly_once(db, loop):
    workspace = create_workspace()
    by_state, responses = build_population(workspace, create_survey(workspace), reachable=680, unsubscribed=40,
                                           bounced=30, no_email=50, second_responses=200)
    assert len(responses) == 1000
    action = _action_for(db, workspace, responses)
    with loop.worker():
        assert loop.run(workspace, action).wait(timeout=60) == 0
        _wait_for_all(db, loop.server.handler, _expected(by_state))
    assert loop.server.handler.per_recipient() == _expected(by_state)
    assert _statuses(db, action) == {NotificationStatus.SENT: 680, NotificationStatus.SKIPPED: 120}
    status = actions.notification_status(workspace, action)
    assert status["skip_reasons"] == {"unsubscribed": 40, "bounced": 30, "no_email": 50}


def test_smtp_refusals_drops_and_outage_still_deliver_exactly_once(db, loop):
    workspace = create_workspace()
    by_state, responses = build_population(workspace, create_survey(workspace), reachable=120, unsubscribed=5,
                                           no_email=5)
    action = _action_for(db, workspace, responses)
    handler = loop.server.handler
    # Refusals (4xx and 5xx at RCPT and DATA) and dropped connections, spread over the run...
    handler.fail_schedule([None, "rcpt-451", None, "data-421", "drop", None, "data-554", None, "drop"] * 6)
    with loop.worker():
        assert loop.run(workspace, action).wait(timeout=60) == 0
        # ...and the server down (connections refused) for two seconds in the middle.
        wait_until(lambda: handler.count() >= 40, timeout=60)
        loop.server.stop()
        time.sleep(2)
        loop.server.start()
        _wait_for_all(db, handler, _expected(by_state))
    assert handler.faults_injected >= 30
    assert handler.per_recipient() == _expected(by_state)
    assert _statuses(db, action) == {NotificationStatus.SENT: 120, NotificationStatus.SKIPPED: 10}
    retried = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.action_id == action.id, Notification.attempts > 1))
    assert retried >= 30


def test_worker_killed_mid_batch_and_restarted_delivers_exactly_once(db, loop):
    workspace = create_workspace()
    by_state, responses = build_population(workspace, create_survey(workspace), reachable=150, bounced=5)
    action = _action_for(db, workspace, responses)
    handler = loop.server.handler
    loop.environment["FEEDBACK_OUTBOX_CLAIM_TIMEOUT_SECONDS"] = "12"  # the dead worker's claims expire soon
    killed = threading.Event()
    with loop.worker() as first:
        def kill_on_the_60th_recipient(address):
            # In the middle of an SMTP conversation, before the message is accepted.
            if handler.count() >= 59 and not killed.is_set():
                killed.set()
                os.kill(first.pid, signal.SIGKILL)

        handler.on_rcpt = kill_on_the_60th_recipient
        assert loop.run(workspace, action).wait(timeout=60) == 0
        wait_until(killed.is_set, timeout=60)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
    handler.on_rcpt = None
    sent_before_restart = handler.count()
    assert 55 <= sent_before_restart < 150
    with loop.worker():
        # The periodic sweep (beat) re-queues the dead worker's claim; here the test sends it.
        _wait_for_all(db, handler, _expected(by_state), sweep=lambda: loop.send("email.sweep_outbox"))
    assert handler.per_recipient() == _expected(by_state)
    assert _statuses(db, action) == {NotificationStatus.SENT: 150, NotificationStatus.SKIPPED: 5}


def test_two_workers_and_shipping_twice_at_once_send_nothing_extra(db, loop):
    workspace = create_workspace()
    by_state, responses = build_population(workspace, create_survey(workspace), reachable=200, unsubscribed=5)
    action = _action_for(db, workspace, responses)
    with loop.worker(), loop.worker():
        # Two processes ship the same action at the same moment, then the team presses
        # "notify now", which hands every still-queued notification to the workers again.
        shippers = [loop.run(workspace, action), loop.run(workspace, action)]
        assert [shipper.wait(timeout=60) for shipper in shippers] == [0, 0]
        assert loop.run(workspace, action, "notify").wait(timeout=60) == 0
        _wait_for_all(db, loop.server.handler, _expected(by_state))
    assert loop.server.handler.per_recipient() == _expected(by_state)
    assert _statuses(db, action) == {NotificationStatus.SENT: 200, NotificationStatus.SKIPPED: 5}
    workers = db.session.scalars(select(Notification.claimed_by).where(
        Notification.action_id == action.id, Notification.status == NotificationStatus.SENT).distinct()).all()
    assert len(workers) == 2  # both workers took part


def test_a_batch_interrupted_by_sigkill_loses_and_doubles_nothing(db, loop):
    workspace = create_workspace()
    by_state, responses = build_population(workspace, create_survey(workspace), reachable=120, unsubscribed=5)
    action = _action_for(db, workspace, responses)
    handler = loop.server.handler
    loop.environment["FEEDBACK_EMAIL_BATCH_SIZE"] = "40"
    loop.environment["FEEDBACK_OUTBOX_CLAIM_TIMEOUT_SECONDS"] = "12"  # the dead worker's claims expire soon
    killed = threading.Event()
    with loop.worker() as first:
        def kill_in_the_middle_of_the_second_batch(address):
            # Killed at the RCPT of the 61st message: 20 messages into the worker's second batch of 40.
            if handler.count() >= 60 and not killed.is_set():
                killed.set()
                os.kill(first.pid, signal.SIGKILL)

        handler.on_rcpt = kill_in_the_middle_of_the_second_batch
        assert loop.run(workspace, action).wait(timeout=60) == 0
        wait_until(killed.is_set, timeout=60)
        first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
    handler.on_rcpt = None
    accepted = handler.count()
    # Every message the server accepted was marked sent before the next one was sent...
    assert _statuses(db, action)[NotificationStatus.SENT] == accepted
    # ...and the dead worker was in the middle of a batch: it still holds the rest of it.
    held = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.action_id == action.id, Notification.status == NotificationStatus.SENDING))
    assert held == 40 - (accepted - 40) and accepted == 60
    with loop.worker():
        _wait_for_all(db, handler, _expected(by_state), sweep=lambda: loop.send("email.sweep_outbox"))
    assert handler.per_recipient() == _expected(by_state)
    assert _statuses(db, action) == {NotificationStatus.SENT: 120, NotificationStatus.SKIPPED: 5}

"""The rate limits' default storage: the library's in-memory counting, swept by the requests, no timer threads."""
import threading

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import STRATEGIES

from feedback_app.config import Config
from feedback_app.extensions import SweptMemoryStorage


class FakeClock:
    """Stands for the ``time`` module of the storage and of the library's in-memory storage."""

    def __init__(self):
        self.now = 1_000_000.0

    def time(self):
        return self.now

    def monotonic(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr("limits.storage.memory.time", fake)
    monkeypatch.setattr("feedback_app.extensions.time", fake)
    return fake


def record_thread_starts(monkeypatch):
    started = []
    library_start = threading.Thread.start

    def recording_start(thread):
        started.append(thread)
        library_start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording_start)
    return started


def test_rate_limit_storage_is_swept_memory_by_default():
    assert type(storage_from_string(Config.RATELIMIT_STORAGE_URI)) is SweptMemoryStorage


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window", "sliding-window-counter"])
def test_rate_limit_storage_counts_without_starting_threads(strategy, clock, monkeypatch):
    storage = SweptMemoryStorage()
    storage.timer.join()  # the library's storage starts a new timer thread once its last one has ended
    rate_limiter = STRATEGIES[strategy](storage)
    thread_starts = record_thread_starts(monkeypatch)
    limit = parse("3 per minute")
    hits = [rate_limiter.hit(limit, "widget", "203.0.113.7") for _ in range(4)]
    clock.now += 1.5 * SweptMemoryStorage.SWEEP_SECONDS  # so that the next hit sweeps
    hits.append(rate_limiter.hit(limit, "widget", "203.0.113.7"))
    assert hits == [True, True, True, False, False]
    assert thread_starts == []


@pytest.mark.parametrize("strategy", ["fixed-window", "moving-window"])
def test_rate_limit_storage_allows_again_after_the_window(strategy, clock):
    rate_limiter = STRATEGIES[strategy](SweptMemoryStorage())
    limit = parse("2 per minute")
    before = [rate_limiter.hit(limit, "widget", "203.0.113.7") for _ in range(3)]
    clock.now += 61
    after = [rate_limiter.hit(limit, "widget", "203.0.113.7") for _ in range(3)]
    assert before == after == [True, True, False]


def test_rate_limit_storage_sweep_forgets_expired_counters_of_others(clock):
    storage = SweptMemoryStorage()
    counters, moving = STRATEGIES["fixed-window"](storage), STRATEGIES["moving-window"](storage)
    counters.hit(parse("5 per minute"), "widget", "198.51.100.1")
    moving.hit(parse("5 per minute"), "widget", "198.51.100.2")
    clock.now += 61
    counters.hit(parse("5 per minute"), "widget", "198.51.100.3")  # a hit by someone else sweeps
    assert [key for key in storage.storage if "198.51.100.1" in key] == []
    assert [key for key in storage.expirations if "198.51.100.1" in key] == []
    assert [key for key, events in storage.events.items() if events and "198.51.100.2" in key] == []


def test_rate_limit_storage_sweeps_at_most_once_per_interval(clock, monkeypatch):
    storage = SweptMemoryStorage()
    sweeps = []
    library_sweep = storage._MemoryStorage__expire_events

    def recording_sweep():
        sweeps.append(clock.now)
        library_sweep()

    monkeypatch.setattr(storage, "_MemoryStorage__expire_events", recording_sweep)
    rate_limiter = STRATEGIES["fixed-window"](storage)
    for _ in range(10):
        rate_limiter.hit(parse("100 per minute"), "widget", "203.0.113.7")
        clock.now += SweptMemoryStorage.SWEEP_SECONDS / 4
    assert len(sweeps) == 2  # after 1 and 2 intervals, not on every hit

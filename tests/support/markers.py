"""Marks given by the fixtures a test uses, so that ``-m`` selections (``make test-fast``) need no list to keep.

A plugin of tests/conftest.py. A test that asks for Chromium is a ``browser`` test; one that asks for a
served app, a checkout or the delivery loop starts processes and is ``slow``, marked or not.
"""
import pytest

# Fixtures that start a gunicorn server, Celery workers or a copy of the checkout: seconds each, minutes
# on a busy host. (Tests that start them in their body carry ``pytest.mark.slow`` themselves.)
PROCESS_FIXTURES = frozenset({"live_server", "live_server_with_mail", "live_url", "fuzz_url", "loop", "checkout"})


def pytest_configure(config):
    """Declare the ``slow`` mark (``--strict-markers`` refuses undeclared ones); the others are in setup.cfg."""
    config.addinivalue_line(
        "markers", "slow: starts a server, a worker or a subprocess, or fits theme models on real embeddings")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark the tests that use Chromium ``browser`` and those that use a process fixture ``slow``."""
    # tryfirst: the marks must be there before the -m option deselects by them.
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if fixtures & PROCESS_FIXTURES or "browser" in fixtures:
            item.add_marker(pytest.mark.slow)

"""Test-client helpers for tests that switch between several logged-in clients."""
from flask import g


def forget_loaded_user():
    """Drop the user Flask-Login cached in ``g``.

    The ``db`` fixture keeps an app context open for the whole test, which every test-client
    request reuses, so without this a request would see the previous request's user instead
    of loading one from its own cookies.
    """
    g.pop("_login_user", None)

"""Helpers for the widget tests: a workspace that allows one origin, and JSON posts from it."""
import uuid

import pytest

from tests.factories import create_workspace

ORIGIN = "https://shop.example.com"


@pytest.fixture()
def workspace(db):
    return create_workspace("Widget Co", allowed_origins=[ORIGIN])


@pytest.fixture()
def post(client):
    """Return ``post(path, json, origin=ORIGIN)`` sending JSON from a page at ``origin``."""

    def send(path, body, *, origin=ORIGIN, **kwargs):
        headers = {"Origin": origin} if origin else {}
        return client.post(path, json=body, headers=headers, **kwargs)

    return send


def new_key():
    return uuid.uuid4().hex

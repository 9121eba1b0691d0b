"""Helpers for the widget tests: a workspace that allows one origin, and JSON posts from it."""
import json
import urllib.error
import urllib.request
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


def post_over_http(url, body, *, timeout=10):
    """POST ``body`` as JSON from a page at ``ORIGIN`` to a served app; return the status code."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Origin": ORIGIN})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code

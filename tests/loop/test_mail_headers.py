"""The raw bytes of customer emails' headers, as a real SMTP server on loopback receives them."""
import re

import pytest

from feedback_app.services.collection import invitations
from tests.factories import create_person, create_survey, create_workspace
from tests.loop.smtp_server import RecordingHandler, SmtpServer
from tests.support.processes import free_port

SHORT_URL = "http://127.0.0.1:5000"
LONG_URL = "https://feedback.example.com/" + "a-long-path-segment/" * 24  # the link is over 600 characters


class RawHandler(RecordingHandler):
    """Record each accepted message's bytes as they came over the wire, besides the parsed message."""

    def __init__(self):
        super().__init__()
        self.raw = []

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.content)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture()
def raw_smtp(app, monkeypatch):
    server = SmtpServer(RawHandler(), free_port())
    server.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5)
    yield server.handler
    server.stop()


def _header_lines(raw, name):
    """Return the physical lines of header ``name`` (its first line and any folded continuations)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    start = next(index for index, line in enumerate(head) if line.lower().startswith(name.lower() + b":"))
    end = start + 1
    while end < len(head) and head[end][:1] in (b" ", b"\t"):
        end += 1
    return head[start:end]


@pytest.mark.parametrize("public_url", [SHORT_URL, LONG_URL], ids=["short-link", "long-link"])
def test_list_unsubscribe_is_sent_as_plain_ascii_on_one_line(app, db, raw_smtp, monkeypatch, public_url):
    monkeypatch.setitem(app.config, "PUBLIC_URL", public_url)
    workspace = create_workspace()
    person = create_person(workspace, email="ann@example.com")
    invitations.invite_people(workspace, create_survey(workspace), [person])
    for request_id in invitations.due_requests()[0]:
        invitations.send_request(request_id)
    [raw] = raw_smtp.raw
    [line] = _header_lines(raw, b"List-Unsubscribe")
    match = re.fullmatch(rb"List-Unsubscribe: <(https?://[\x21-\x7e]+/u/[\x21-\x3d\x3f-\x7e]+)>", line)
    assert match, line
    assert match[1].decode().startswith(public_url) and len(line) <= 998
    assert _header_lines(raw, b"List-Unsubscribe-Post") == [b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
    [received] = raw_smtp.received
    assert received.message["List-Unsubscribe"] == f"<{match[1].decode()}>"

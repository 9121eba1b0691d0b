"""A real SMTP server (aiosmtpd) on loopback that counts what it accepts and can misbehave on demand."""
import contextlib
import email
import email.policy
import threading
from collections import Counter
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from tests.support.processes import free_port

# Faults the server can inject, by the SMTP stage that answers them.
FAULTS = {
    "rcpt-451": ("RCPT", "451 4.3.0 Mailbox temporarily unavailable, try again later"),
    "rcpt-550": ("RCPT", "550 5.1.1 No such user here"),
    "data-421": ("DATA", "421 4.3.2 Service shutting down"),
    "data-554": ("DATA", "554 5.3.0 Transaction failed, server overloaded"),
    "drop": ("DATA", None),  # close the connection without answering the message
}


@dataclass
class Received:
    """One message the server accepted (answered 250 to its DATA)."""

    recipient: str
    message_id: str
    subject: str
    message: email.message.EmailMessage
    raw: bytes = b""  # as received, to send the very same bytes again (bench/notify.py's floor)
    peer: tuple = ()  # the client's (address, port): one per SMTP connection


class RecordingHandler:
    """aiosmtpd handler: accepts mail, records it, and fails transactions while a fault is set."""

    def __init__(self):
        self._lock = threading.Lock()
        self.received = []
        self.fault = None
        self.fault_budget = 0  # how many more transactions fail; -1: until cleared
        self.faults_injected = 0
        self.on_rcpt = None  # called with the RCPT address, in the server thread

    def fail(self, fault, *, times=-1):
        """Fail the next ``times`` transactions (all of them if -1) with ``fault`` from FAULTS."""
        with self._lock:
            if fault is not None and fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}")
            self.fault, self.fault_budget = fault, times

    def _take_fault(self, stage):
        with self._lock:
            if self.fault is None or FAULTS[self.fault][0] != stage or self.fault_budget == 0:
                return None
            if self.fault_budget > 0:
                self.fault_budget -= 1
            self.faults_injected += 1
            return self.fault

    def fail_schedule(self, faults):
        """Give each of the next transactions its fault (or ``None`` to succeed), in order."""
        with self._lock:
            unknown = [fault for fault in faults if fault is not None and fault not in FAULTS]
            if unknown:
                raise ValueError(f"unknown faults {unknown}")
            self.schedule = list(faults)

    def _scheduled_fault(self):
        with self._lock:
            if not getattr(self, "schedule", None):
                return None
            fault = self.schedule.pop(0)
            self.faults_injected += fault is not None
            return fault

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_rcpt is not None:
            self.on_rcpt(address)
        envelope.fault = self._scheduled_fault()
        fault = envelope.fault if envelope.fault and FAULTS[envelope.fault][0] == "RCPT" else self._take_fault("RCPT")
        if fault:
            return FAULTS[fault][1]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        scheduled = getattr(envelope, "fault", None)
        fault = scheduled if scheduled and FAULTS[scheduled][0] == "DATA" else self._take_fault("DATA")
        if fault == "drop":
            server.transport.abort()
            return "421 dropped"  # never reaches the client: the connection is gone
        if fault:
            return FAULTS[fault][1]
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            for recipient in envelope.rcpt_tos:
                self.received.append(Received(recipient.lower(), message["Message-ID"], message["Subject"], message,
                                              envelope.original_content or envelope.content, session.peer))
        return "250 Message accepted for delivery"

    def per_recipient(self):
        """Return ``Counter({recipient: messages accepted})``."""
        with self._lock:
            return Counter(item.recipient for item in self.received)

    def count(self):
        with self._lock:
            return len(self.received)

    def messages_to(self, recipient):
        with self._lock:
            return [item for item in self.received if item.recipient == recipient.lower()]


class SmtpServer:
    """The server's controller, which can be stopped (connections refused) and started again."""

    def __init__(self, handler, port):
        self.handler, self.port = handler, port
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@contextlib.contextmanager
def smtp_server(server_out=None):
    """Run a recording SMTP server on a free loopback port; yield ``(handler, port)``.

    :param server_out: a list that receives the :class:`SmtpServer`, to stop and restart it.
    """
    server = SmtpServer(RecordingHandler(), free_port())
    server.start()
    if server_out is not None:
        server_out.append(server)
    try:
        yield server.handler, server.port
    finally:
        server.stop()


@pytest.fixture()
def smtp(app, monkeypatch):
    """Yield the recording SMTP handler of a server the app sends to (retries after 1 second)."""
    with smtp_server() as (handler, port):
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5)
        monkeypatch.setitem(app.config, "EMAIL_RETRY_BASE_SECONDS", 1)
        monkeypatch.setitem(app.config, "EMAIL_MAX_ATTEMPTS", 3)
        yield handler

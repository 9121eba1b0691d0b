"""An aiosmtpd sink on loopback in a process of its own, counting at the server what it accepts (bench/notify.py).

Run in the benchmark's own process, the sink shared one interpreter lock with everything the
benchmark does and capped what two workers could send. Here it is a child process: it keeps each
accepted message's recipient and bytes (not parsed: a parse cost the sink as much CPU as the
SMTP dialogue), counts them in shared memory, and hands the records over on request.
"""
import asyncio
import contextlib
import multiprocessing
import socket

from aiosmtpd.controller import Controller


class _CountingHandler:
    """aiosmtpd handler: accept every message and keep ``(recipient, raw bytes)`` per recipient."""

    def __init__(self, counter):
        self.counter = counter
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.received.extend((recipient.lower(), raw) for recipient in envelope.rcpt_tos)
        with self.counter.get_lock():
            self.counter.value += len(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def _serve(port, counter, commands):
    """Serve SMTP on ``port`` until told to stop; answer ``("since", n)`` with the records from the n-th."""
    handler = _CountingHandler(counter)
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    commands.send("ready")
    try:
        while True:
            command, *arguments = commands.recv()
            if command == "stop":
                break
            # Read in the server's own thread, so that no message is appended halfway through.
            records = asyncio.run_coroutine_threadsafe(_copy_since(handler, *arguments), controller.loop).result()
            commands.send(records)
    finally:
        controller.stop()


async def _copy_since(handler, start):
    return handler.received[start:]


class SmtpSink:
    """The sink's process as seen from the benchmark: its port, pid, message count and records."""

    def __init__(self, port, process, counter, commands):
        self.port, self.process, self._counter, self._commands = port, process, counter, commands

    @property
    def pid(self):
        return self.process.pid

    def count(self):
        """Return how many messages (one per recipient) the server has accepted so far."""
        return self._counter.value

    def received_since(self, start):
        """Return ``[(recipient, raw bytes)]`` of the messages accepted after the first ``start``."""
        self._commands.send(("since", start))
        return self._commands.recv()


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def smtp_sink():
    """Run the sink in a child process on a free loopback port; yield its :class:`SmtpSink`, then stop it."""
    # A fresh interpreter (spawn): the benchmark's own threads and connections are not copied.
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    ours, theirs = context.Pipe()
    port = _free_port()
    process = context.Process(target=_serve, args=(port, counter, theirs), name="smtp-sink", daemon=True)
    process.start()
    if not ours.poll(30) or ours.recv() != "ready":
        process.kill()
        raise RuntimeError("the SMTP sink did not start within 30 s")
    try:
        yield SmtpSink(port, process, counter, ours)
    finally:
        ours.send(("stop",))
        process.join(10)
        if process.is_alive():
            process.kill()

"""Outgoing email: the message a renderer builds, and sending it over SMTP with typed failures."""
import binascii
import secrets
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.policy import EmailPolicy
from email.utils import formataddr, formatdate, parseaddr

from flask import current_app


@dataclass
class Email:
    """A rendered email: what the outbox sends for one notification.

    ``headers`` carries extra headers such as ``List-Unsubscribe`` and ``Reply-To``; ``From``,
    ``To``, ``Date`` and ``Message-ID`` are set by :func:`send_email`. ``sender_name`` replaces
    the display name of ``FEEDBACK_MAIL_FROM`` (its address stays).
    """

    subject: str
    text: str
    html: str | None = None
    headers: dict = field(default_factory=dict)
    sender_name: str | None = None

    def __post_init__(self):
        # Subjects quote what customers typed (an alert names the customer, and /api, /v1 and imports store
        # names as given): a line break there must neither add a header nor make the email unsendable.
        self.subject = " ".join(str(self.subject).split())


class MessagePolicy(EmailPolicy):
    """The email package's default policy, except that URL-list headers are written as they are.

    RFC 2369 and RFC 8058 readers (Gmail's and Yahoo's one-click unsubscribe among them) expect
    ``List-Unsubscribe: <https://...>`` in plain ASCII. The default policy folds a value longer
    than 78 characters, and a URL has no space to fold at, so it encodes the whole value as
    RFC 2047 words (``=?utf-8?q?=3Chttp...``), which those readers do not decode.
    """

    VERBATIM_HEADERS = ("list-unsubscribe", "list-unsubscribe-post")
    MAX_LINE = 998  # RFC 5322's limit on a line, where a list may fold after a comma

    def fold(self, name, value):
        if name.lower() not in self.VERBATIM_HEADERS or not str(value).isascii():
            return super().fold(name, value)
        line = f"{name}: {value}"
        if len(line) > self.MAX_LINE:
            line = line.replace(", ", f",{self.linesep} ")
        return line + self.linesep

    def fold_binary(self, name, value):
        if name.lower() not in self.VERBATIM_HEADERS or not str(value).isascii():
            return super().fold_binary(name, value)
        return self.fold(name, value).encode("ascii")


MESSAGE_POLICY = MessagePolicy()


class DeliveryError(Exception):
    """Sending failed; ``permanent`` says whether trying again could ever help."""

    permanent = False

    def __init__(self, message, *, code=None):
        super().__init__(message)
        self.code = code


class InvalidMessage(ValueError):
    """A header value holds a line break: the message cannot be written, now or on any retry."""


class TemporaryFailure(DeliveryError):
    """The server or the network failed this time (4xx, refused or dropped connection, timeout)."""


class PermanentFailure(DeliveryError):
    """The server refused the recipient for good (5xx to ``RCPT TO``): a hard bounce."""

    permanent = True


WIRE_POLICY = MESSAGE_POLICY.clone(linesep="\r\n")
ADDRESS_HEADERS = ("from", "to", "reply-to", "cc")
MAX_PLAIN_HEADER = 78  # RFC 5322's recommended line length: a longer header is folded by the policy
MAX_BODY_LINE = 998  # RFC 5322's limit on a line: a longer one needs quoted-printable


def build_message(to, email, *, message_id):
    """Return the message for ``email`` addressed to ``to`` as the bytes sent over SMTP (CRLF line ends).

    Written directly rather than through ``EmailMessage``: its header objects and content
    manager cost ~2 ms of CPU a message, more than sending it. Headers that are short ASCII go
    as they are; any other is folded and encoded by :data:`MESSAGE_POLICY`, display names are
    RFC 2047 encoded, and a body that is not short-lined ASCII is quoted-printable UTF-8.

    :param to: the recipient address.
    :param email: an :class:`Email`.
    :param message_id: the ``Message-ID`` header value, ``<...@...>``; stable across retries.
    :raises InvalidMessage: for a header value with a line break (header injection).
    """
    sender = current_app.config["MAIL_FROM"]
    headers = [("From", formataddr((email.sender_name, parseaddr(sender)[1])) if email.sender_name else sender),
               ("To", to), ("Subject", email.subject), ("Date", formatdate(localtime=False, usegmt=True)),
               ("Message-ID", message_id), *email.headers.items(), ("MIME-Version", "1.0")]
    parts = [_text_part(email.text, "plain")] + ([_text_part(email.html, "html")] if email.html else [])
    if len(parts) == 1:
        head, body = parts[0]
        return b"".join(_header(name, value) for name, value in headers) + head + b"\r\n" + body
    boundary = "=_" + secrets.token_hex(16)
    lines = [_header(name, value) for name, value in headers]
    lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode())
    for head, body in parts:  # the CRLF before a boundary belongs to the boundary, not to the body
        lines += [f"--{boundary}\r\n".encode(), head, b"\r\n", body, b"\r\n"]
    lines.append(f"--{boundary}--\r\n".encode())
    return b"".join(lines)


def _header(name, value):
    value = str(value)
    if "\r" in value or "\n" in value:
        raise InvalidMessage(f"the {name} header holds a line break (header injection)")
    line = f"{name}: {value}"
    if line.isascii() and len(line) <= MAX_PLAIN_HEADER:
        return (line + "\r\n").encode("ascii")
    if name.lower() in ADDRESS_HEADERS:
        display, address = parseaddr(value)
        if not address.isascii():
            return (line + "\r\n").encode("utf-8")  # an internationalised mailbox: sent with SMTPUTF8
        value = formataddr((display, address), charset="utf-8") if display else value
        line = f"{name}: {value}"
        if line.isascii() and len(line) <= MAX_BODY_LINE:
            return (line + "\r\n").encode("ascii")
    if name.lower() in MessagePolicy.VERBATIM_HEADERS and value.isascii():
        return WIRE_POLICY.fold(name, value).encode("ascii")
    return WIRE_POLICY.header_factory(name, value).fold(policy=WIRE_POLICY).encode("ascii")


def _text_part(text, subtype):
    """Return ``(headers, body)`` of one ``text/<subtype>`` part, its body ending with CRLF."""
    lines = text.splitlines()
    if text.isascii() and all(len(line) <= MAX_BODY_LINE for line in lines):
        encoding, body = "7bit", "".join(line + "\r\n" for line in lines).encode("ascii")
    else:
        encoded = binascii.b2a_qp("\n".join(lines).encode("utf-8") + b"\n", istext=True)
        encoding, body = "quoted-printable", encoded.replace(b"\n", b"\r\n")
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}\r\n'
    return head.encode("ascii"), body


def send_email(to, email, *, message_id):
    """Send ``email`` to ``to`` over a connection of its own, with the ``FEEDBACK_SMTP_*`` settings.

    :param to: the recipient address.
    :param email: an :class:`Email`.
    :param message_id: the ``Message-ID`` header; the outbox reuses it on every retry so that a
        retried message can be traced (and de-duplicated by mailbox providers that do so).
    :raises PermanentFailure: when the server refuses the recipient with a 5xx reply.
    :raises TemporaryFailure: on any other SMTP or network failure.
    """
    with SmtpConnection(messages_per_connection=1) as connection:
        connection.send(to, email, message_id=message_id)


class SmtpConnection:
    """One SMTP connection used for many messages in turn, opened on first use and again after a failure.

    A refused recipient or message (a 4xx or 5xx reply) leaves the connection usable: smtplib
    resets the transaction. A dropped connection, a timeout or a 421 closes it, and the next
    message opens a new one. After ``CONNECT_ATTEMPTS`` failed connections in a row the server
    is taken to be down and further messages fail at once with the same error, so that a batch
    does not wait for one timeout per message.

    :param messages_per_connection: close and reopen after this many messages (``1``: a new
        connection for every message); defaults to ``FEEDBACK_EMAIL_MESSAGES_PER_CONNECTION``.
    """

    CONNECT_ATTEMPTS = 2

    def __init__(self, *, messages_per_connection=None):
        self.config = current_app.config
        self.messages_per_connection = max(
            1, messages_per_connection or self.config["EMAIL_MESSAGES_PER_CONNECTION"])
        self.connections_opened = 0
        self._smtp = None
        self._sent_on_connection = 0
        self._connect_failures = 0
        self._connect_error = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def send(self, to, email, *, message_id):
        """Send ``email`` to ``to``; raise :class:`PermanentFailure` or :class:`TemporaryFailure` as ``send_email``."""
        message = build_message(to, email, message_id=message_id)
        sender = parseaddr(self.config["MAIL_FROM"])[1]
        # An address beyond ASCII (an internationalised mailbox) needs the server's SMTPUTF8.
        options = () if (sender + to).isascii() else ("SMTPUTF8",)
        smtp = self._connection()
        try:
            smtp.sendmail(sender, [to], message, mail_options=options)
        except smtplib.SMTPRecipientsRefused as error:
            self._close_if_dropped()
            code, reply = next(iter(error.recipients.values()))
            raise _failure(code, reply, permanent_if_5xx=True) from None
        except smtplib.SMTPResponseException as error:
            self._close_if_dropped()
            # A 5xx to the greeting, MAIL FROM or DATA is about the server or the message, not the
            # address: servers answer 554 while overloaded too, so it is retried (a limited number
            # of times by the outbox) rather than treated as a bounce.
            raise _failure(error.smtp_code, error.smtp_error, permanent_if_5xx=False) from None
        except (smtplib.SMTPException, OSError, socket.timeout) as error:
            # Dropped connections and timeouts: the message may not have arrived, and the
            # connection is in an unknown state, so it is not used again.
            self.close()
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from None
        self._sent_on_connection += 1
        if self._sent_on_connection >= self.messages_per_connection:
            self.close()

    def close(self):
        """Say QUIT and close the connection, if one is open."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()  # the server went away first: nothing left to say goodbye to

    def _close_if_dropped(self):
        # smtplib closes the socket itself on a 421 or when the server hung up.
        if self._smtp is not None and self._smtp.sock is None:
            self._smtp = None

    def _connection(self):
        if self._smtp is not None:
            return self._smtp
        if self._connect_failures >= self.CONNECT_ATTEMPTS:
            raise TemporaryFailure(self._connect_error)
        config = self.config
        smtp = smtplib.SMTP(timeout=config["SMTP_TIMEOUT"])
        try:
            smtp.connect(config["SMTP_HOST"], config["SMTP_PORT"])
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        except smtplib.SMTPResponseException as error:
            smtp.close()
            failure = _failure(error.smtp_code, error.smtp_error, permanent_if_5xx=False)
            self._connect_failed(str(failure))
            raise failure from None
        except (smtplib.SMTPException, OSError, socket.timeout) as error:
            smtp.close()
            # Refused connections and timeouts: nothing was sent.
            self._connect_failed(f"{type(error).__name__}: {error}")
            raise TemporaryFailure(self._connect_error) from None
        self._connect_failures, self._connect_error = 0, None
        self._smtp, self._sent_on_connection = smtp, 0
        self.connections_opened += 1
        return smtp

    def _connect_failed(self, description):
        self._connect_failures += 1
        self._connect_error = description


def _failure(code, reply, *, permanent_if_5xx):
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    description = f"{code} {text}".strip()
    if permanent_if_5xx and 500 <= code < 600:
        return PermanentFailure(description, code=code)
    return TemporaryFailure(description, code=code)

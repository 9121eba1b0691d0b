"""Outgoing email: the message a renderer builds, and sending it over SMTP with typed failures."""
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate

from flask import current_app


@dataclass
class Email:
    """A rendered email: what the outbox sends for one notification.

    ``headers`` carries extra headers such as ``List-Unsubscribe``; ``From``, ``To``, ``Date``
    and ``Message-ID`` are set by :func:`send_email`.
    """

    subject: str
    text: str
    html: str | None = None
    headers: dict = field(default_factory=dict)


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


class TemporaryFailure(DeliveryError):
    """The server or the network failed this time (4xx, refused or dropped connection, timeout)."""


class PermanentFailure(DeliveryError):
    """The server refused the recipient for good (5xx to ``RCPT TO``): a hard bounce."""

    permanent = True


def build_message(to, email, *, message_id):
    """Return the MIME message for ``email`` addressed to ``to``.

    :param to: the recipient address.
    :param email: an :class:`Email`.
    :param message_id: the ``Message-ID`` header value, ``<...@...>``; stable across retries.
    """
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    for name, value in email.headers.items():
        message[name] = value
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    return message


def send_email(to, email, *, message_id):
    """Send ``email`` to ``to`` over SMTP with the ``FEEDBACK_SMTP_*`` settings.

    One connection per message: a dropped connection then costs one message's retry, never
    leaves a half-sent batch behind.

    :param to: the recipient address.
    :param email: an :class:`Email`.
    :param message_id: the ``Message-ID`` header; the outbox reuses it on every retry so that a
        retried message can be traced (and de-duplicated by mailbox providers that do so).
    :raises PermanentFailure: when the server refuses the recipient with a 5xx reply.
    :raises TemporaryFailure: on any other SMTP or network failure.
    """
    config = current_app.config
    message = build_message(to, email, message_id=message_id)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message, from_addr=config["MAIL_FROM"], to_addrs=[to])
    except smtplib.SMTPRecipientsRefused as error:
        code, reply = next(iter(error.recipients.values()))
        raise _failure(code, reply, permanent_if_5xx=True) from None
    except smtplib.SMTPResponseException as error:
        # A 5xx to the greeting, MAIL FROM or DATA is about the server or the message, not the
        # address: servers answer 554 while overloaded too, so it is retried (a limited number
        # of times by the outbox) rather than treated as a bounce.
        raise _failure(error.smtp_code, error.smtp_error, permanent_if_5xx=False) from None
    except (smtplib.SMTPException, OSError, socket.timeout) as error:
        # Refused or dropped connections and timeouts: the message may not have arrived.
        raise TemporaryFailure(f"{type(error).__name__}: {error}") from None


def _failure(code, reply, *, permanent_if_5xx):
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    description = f"{code} {text}".strip()
    if permanent_if_5xx and 500 <= code < 600:
        return PermanentFailure(description, code=code)
    return TemporaryFailure(description, code=code)

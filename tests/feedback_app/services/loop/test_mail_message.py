"""The bytes mail.build_message writes read back, with the email package's parser, as the email that was rendered."""
from email import message_from_bytes, policy

import pytest

from feedback_app.services.loop import mail

LONG_URL = "<https://feedback.example.com/" + "a-long-path-segment/" * 24 + "u/token>"


def _read(raw):
    message = message_from_bytes(raw, policy=policy.default)
    assert not message.defects
    assert b"\n" not in raw.replace(b"\r\n", b"") and all(len(line) <= 998 for line in raw.split(b"\r\n"))
    return message


@pytest.mark.parametrize("email", [
    mail.Email(subject="We fixed it", text="Hi Ann,\n\nDone.\n", html="<p>Done</p>"),
    mail.Email(subject="Réparé : le paiement est plus rapide — merci " * 3, text="Bonjour Zoë,\nC'est réparé.\n",
               html="<p>Réparé</p>", sender_name="Équipe Café", headers={"Reply-To": "Zoë <help@example.com>"}),
    mail.Email(subject="日本語の件名", text=("x" * 1200) + "\n.a line with a dot\n", headers={"List-Unsubscribe": LONG_URL}),
], ids=["ascii", "accents", "long-lines"])
def test_a_built_message_reads_back_as_the_rendered_email(app, email):
    with app.app_context():
        message = _read(mail.build_message("ann@example.com", email, message_id="<42@example.com>"))
    expected = (email.subject, "ann@example.com", "<42@example.com>")
    assert (message["Subject"], message["To"], message["Message-ID"]) == expected
    if email.sender_name:
        assert message["From"].addresses[0].display_name == email.sender_name
    for name, value in email.headers.items():
        assert str(message[name]) == value
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == email.text
    html = message.get_body(("html",))
    assert (html.get_content().replace("\r\n", "\n").rstrip("\n") if html is not None else None) == email.html


def test_a_header_with_a_line_break_is_refused(app):
    email = mail.Email(subject="Hi", text=".", headers={"Reply-To": "help@example.com\r\nBcc: x@example.com"})
    with app.app_context(), pytest.raises(mail.InvalidMessage):
        mail.build_message("ann@example.com", email, message_id="<1@example.com>")


@pytest.mark.parametrize("subject", ["Unhappy customer: 2 from Ann\r\nBcc: x@example.com", "Ann\nBcc: x@example.com",
                                     "Ann\u2028Bcc: x@example.com", "Ann\x0bBcc:\t x@example.com"])
def test_a_subject_is_one_line_whatever_customer_text_it_quotes(app, subject):
    # Subjects quote customer names; one with a line break must neither inject a header nor stop the email.
    with app.app_context():
        message = _read(mail.build_message("ann@example.com", mail.Email(subject=subject, text="."),
                                           message_id="<1@example.com>"))
    assert message["Bcc"] is None and "Bcc: x@example.com" in message["Subject"]
    assert message["Subject"] == " ".join(subject.split())

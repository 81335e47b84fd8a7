"""The outbox stores every message, and sends them through a real SMTP server when configured."""

from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.models.base import utcnow
from app.outbox import MAX_ATTEMPTS, queue_email, send_pending
from tests.helpers import text
from tests.pgcluster import free_port


class Recorder:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, recorder
    finally:
        controller.stop()


def test_without_smtp_messages_stay_in_the_outbox(app):
    queue_email("a@exemple.fr", "Objet", "Corps")
    db.session.commit()
    assert send_pending() == (0, 0)
    assert db.session.scalar(select(OutboxMessage)).sent_at is None


def test_send_pending_uses_smtp(app, smtp_server):
    controller, recorder = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    queue_email("a@exemple.fr", "Réinitialiser", "Bonjour é")
    db.session.commit()
    assert send_pending() == (1, 0)
    assert send_pending() == (0, 0)  # nothing is sent twice
    assert recorder.messages[0].rcpt_tos == ["a@exemple.fr"]
    assert db.session.scalar(select(OutboxMessage)).sent_at is not None


def test_outbox_send_command(app, smtp_server):
    controller, recorder = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    queue_email("a@exemple.fr", "Objet", "Corps")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert "1 courriel(s) envoyé(s)" in result.output
    assert len(recorder.messages) == 1


# --- One bad message never blocks the others (issue 14, finding 2) ------------------------------


class RefusingRecorder(Recorder):
    """Refuses one address at RCPT, as a real server refuses an unknown mailbox."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "refuse@exemple.fr":
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp(app):
    recorder = RefusingRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    try:
        yield recorder
    finally:
        controller.stop()


def _stored(recipient: str, subject: str = "Objet") -> OutboxMessage:
    # Written as an older version stored them, without queue_email's clean-up.
    message = OutboxMessage(recipient=recipient, subject=subject, body="Corps")
    db.session.add(message)
    db.session.commit()
    return message


def _fresh(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_a_poisoned_message_followed_by_a_good_one_the_good_one_is_sent(app, smtp):
    poisoned_subject = _stored("victime@exemple.fr", "Titre\r\nBcc: victim@example.org")
    poisoned_recipient = _stored("personne@exemple.fr\r\nBcc: victim@example.org")
    refused = _stored("refuse@exemple.fr")
    good = _stored("bon@exemple.fr", "Réinitialiser votre mot de passe")
    assert send_pending() == (2, 2)
    recipients = [r for envelope in smtp.messages for r in envelope.rcpt_tos]
    assert recipients == ["victime@exemple.fr", "bon@exemple.fr"]
    assert b"Subject: Titre Bcc: victim@example.org" in smtp.messages[0].content
    assert b"\nBcc:" not in smtp.messages[0].content
    assert _fresh(good.id).sent_at is not None and _fresh(poisoned_subject.id).sent_at is not None
    for bad in (poisoned_recipient, refused):
        bad = _fresh(bad.id)
        assert bad.sent_at is None and bad.attempts == 1 and bad.last_error and bad.next_attempt_at is not None
    assert "550" in _fresh(refused.id).last_error


def test_failures_back_off_then_become_a_dead_letter(app, smtp):
    bad = _stored("refuse@exemple.fr")
    assert send_pending() == (0, 1)
    # Not retried at once: it waits, longer after each failure.
    assert send_pending() == (0, 0)
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        message = _fresh(bad.id)
        waits.append(message.next_attempt_at - utcnow())
        message.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert send_pending() == (0, 1)
    assert waits == sorted(waits) and waits[0] > timedelta(minutes=4)
    message = _fresh(bad.id)
    assert message.attempts == MAX_ATTEMPTS and message.failed_at is not None and message.next_attempt_at is None
    # A dead letter is never tried again, and the messages after it still go.
    good = _stored("bon@exemple.fr")
    assert send_pending() == (1, 0)
    assert _fresh(bad.id).attempts == MAX_ATTEMPTS and _fresh(good.id).sent_at is not None


def test_queue_email_keeps_subjects_on_one_line(app):
    message = queue_email(" a@exemple.fr ", "Invitation « Titre\r\nBcc: victim@example.org »", "Corps")
    assert message.subject == "Invitation « Titre Bcc: victim@example.org »"
    assert message.recipient == "a@exemple.fr"


def test_the_administrator_sees_dead_letters(app, smtp, admin_client):
    bad = _stored("refuse@exemple.fr", "Invitation à rejoindre")
    bad.attempts, bad.failed_at, bad.last_error = (
        MAX_ATTEMPTS,
        utcnow(),
        "SMTPRecipientsRefused: 550 Mailbox unavailable",
    )
    db.session.commit()
    # On the administration page, even in production where the outbox itself is not readable.
    app.config["OUTBOX_READABLE"] = False
    page = text(admin_client.get("/admin/"))
    assert "Courriels abandonnés" in page and "refuse@exemple.fr" in page and "550 Mailbox unavailable" in page
    app.config["OUTBOX_READABLE"] = True
    page = text(admin_client.get("/admin/courriels"))
    assert f"abandonné après {MAX_ATTEMPTS} essais" in page
    assert "550 Mailbox unavailable" in text(admin_client.get(f"/admin/courriels/{bad.id}"))


def test_a_huge_page_number_of_the_outbox_is_not_an_error(admin_client):
    # Found by the route fuzzer: the number reached SQLite as an OFFSET too large for it.
    assert admin_client.get("/admin/courriels?page=9223372036854775808").status_code == 200

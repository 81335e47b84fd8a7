"""The outbox stores every message, and sends them through a real SMTP server when configured."""

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.outbox import queue_email, send_pending
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

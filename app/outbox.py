"""Sending e-mail: every message goes into the outbox first, then out by SMTP when configured.

Storing first means nothing is lost when the mail server is down, and in development the admin
reads the messages in the outbox page instead.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage
from app.models.base import utcnow

MAX_ATTEMPTS = 5


def queue_email(recipient: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    return message


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send what waits in the outbox. Returns (sent, failed). Does nothing without SMTP."""
    if not smtp_configured():
        return 0, 0
    cfg = current_app.config
    pending = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    if not pending:
        return 0, 0
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        for message in pending:
            email = EmailMessage()
            email["From"] = cfg["MAIL_FROM"]
            email["To"] = message.recipient
            email["Subject"] = message.subject
            email.set_content(message.body)
            message.attempts += 1
            try:
                smtp.send_message(email)
            except smtplib.SMTPException as exc:
                message.last_error = str(exc)[:1000]
                failed += 1
            else:
                message.sent_at = utcnow()
                sent += 1
            db.session.commit()
    return sent, failed

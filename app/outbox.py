"""Sending e-mail: every message goes into the outbox first, then out by SMTP when configured.

Storing first means nothing is lost when the mail server is down, and in development the admin
reads the messages in the outbox page instead.

One bad message never blocks the others: each message is built and sent on its own; a failure
counts an attempt and the message waits longer before each new try (back-off); after
``MAX_ATTEMPTS`` it becomes a dead letter (``failed_at``), listed on the administration page.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import or_, select

from app.extensions import db
from app.models import OutboxMessage
from app.models.base import utcnow
from app.text import one_line

MAX_ATTEMPTS = 5
# Wait before the 2nd, 3rd... try: 5 min, 20 min, 80 min, 5 h 20.
FIRST_RETRY = timedelta(minutes=5)
RETRY_FACTOR = 4

log = logging.getLogger(__name__)


def queue_email(recipient: str, subject: str, body: str) -> OutboxMessage:
    message = OutboxMessage(recipient=recipient.strip(), subject=email_subject(subject), body=body)
    db.session.add(message)
    return message


def email_subject(text: str) -> str:
    """A subject fit for a header: one line (a title may carry "\\r\\nBcc: ..."), 200 at most."""
    return one_line(text)[:200]


def smtp_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _address(text: str, named: bool = False) -> Address:
    """An address for a header, built by the e-mail package, which refuses what would break the
    header (line breaks, several addresses, no domain) with a ValueError instead of writing it."""
    if named:  # "Tisser <ne-pas-repondre@exemple.fr>"
        name, addr = parseaddr(text)
        return Address(display_name=one_line(name), addr_spec=addr)
    return Address(addr_spec=text.strip())


def build_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage(policy=SMTP)
    email["From"] = _address(current_app.config["MAIL_FROM"], named=True)
    email["To"] = _address(message.recipient)
    email["Subject"] = email_subject(message.subject)
    email.set_content(message.body)
    return email


def _failed(message: OutboxMessage, error: Exception) -> None:
    now = utcnow()
    message.last_error = f"{type(error).__name__}: {error}"[:1000]
    if message.attempts >= MAX_ATTEMPTS:
        message.failed_at = now
        message.next_attempt_at = None
    else:
        message.next_attempt_at = now + FIRST_RETRY * RETRY_FACTOR ** (message.attempts - 1)


def _connection_lost(message: OutboxMessage, error: Exception) -> None:
    # The connection is gone: this message counts a try, the others wait for the next run.
    _failed(message, error)
    db.session.commit()
    log.warning("outbox: connection lost on message %s: %s", message.id, error)


def due_messages(limit: int) -> list[OutboxMessage]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def send_pending(limit: int = 200) -> tuple[int, int]:
    """Send what is due in the outbox. Returns (sent, failed). Does nothing without SMTP."""
    if not smtp_configured():
        return 0, 0
    cfg = current_app.config
    pending = due_messages(limit)
    sent = failed = 0
    if not pending:
        return 0, 0
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        for message in pending:
            message.attempts += 1
            try:
                smtp.send_message(build_email(message))
            except smtplib.SMTPServerDisconnected as error:
                _connection_lost(message, error)
                failed += 1
                break
            except (smtplib.SMTPException, ValueError, TypeError, UnicodeError, LookupError) as error:
                # This message only (a refused address, a header the e-mail package refuses...).
                _failed(message, error)
                failed += 1
                log.warning("outbox: message %s failed (try %s): %s", message.id, message.attempts, error)
            except OSError as error:  # after SMTPException, which is an OSError too
                _connection_lost(message, error)
                failed += 1
                break
            else:
                message.sent_at = utcnow()
                message.next_attempt_at = None
                sent += 1
            db.session.commit()
    return sent, failed


def dead_letters(limit: int = 50) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.failed_at.is_not(None), OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.failed_at.desc())
            .limit(limit)
        )
    )

"""The e-mail outbox: every message is stored first, then sent when SMTP is configured."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # After a failure, not tried again before this time (back-off, see app/outbox.py).
    next_attempt_at: Mapped[datetime | None]
    # Given up after MAX_ATTEMPTS failures: a dead letter, shown to the administrators.
    failed_at: Mapped[datetime | None] = mapped_column(index=True)

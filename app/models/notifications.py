"""How each person wants to hear about each kind of event by e-mail."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class EmailMode(enum.StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    NEVER = "never"


class NotificationPreference(db.Model):
    """One row per person and kind they changed; no row means the kind's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preferences_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[EmailMode] = mapped_column(
        Enum(EmailMode, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )

"""Calls for projects. Minimal for now: the calls work adds criteria, submission and evaluation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class Call(db.Model):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    funder: Mapped[str] = mapped_column(String(160))
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Whole euros: grants are never decided to the cent.
    envelope_eur: Mapped[int] = mapped_column(default=0)
    # Naive UTC, like every datetime here; shown and entered in Europe/Paris.
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def state(self, now: datetime | None = None) -> str:
        now = now or utcnow()
        if now < self.opens_at:
            return "upcoming"
        if now < self.closes_at:
            return "open"
        return "closed"

    def __repr__(self) -> str:
        return f"<Call {self.slug}>"

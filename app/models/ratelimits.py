"""Rate-limit counters shared by every worker and every server (app/ratelimit_storage.py)."""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class RateLimitCounter(db.Model):
    """One fixed window of one limit for one visitor: ``hits`` so far, until ``expires_at``."""

    __tablename__ = "rate_limit_counters"

    # Flask-Limiter's key: the limit, its scope and the visitor (account or address).
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    # Unix time, as the limits library counts; a float compares the same on SQLite and PostgreSQL.
    expires_at: Mapped[float] = mapped_column(Float, index=True)

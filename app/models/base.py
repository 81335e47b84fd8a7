"""Helpers shared by the models."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL, shown in Europe/Paris."""
    return datetime.now(UTC).replace(tzinfo=None)

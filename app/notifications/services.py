from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Notification
from app.models.base import utcnow


def notify(user_ids: Iterable[int], kind: str, text: str, url: str, *, exclude: int | None = None) -> None:
    """Queue one notification per person, in bulk (one INSERT for many people)."""
    rows = [
        {"user_id": uid, "kind": kind, "text": text[:400], "url": url, "created_at": utcnow()}
        for uid in dict.fromkeys(user_ids)
        if uid != exclude
    ]
    if rows:
        db.session.execute(Notification.__table__.insert(), rows)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit)
        )
    )


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None)).values(read_at=utcnow())
    )
    db.session.commit()

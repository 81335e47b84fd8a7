"""A person's request for a copy of their data (GDPR articles 15 and 20)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class DataExport(db.Model):
    """One request: queued, then built into a zip, then downloaded once or expired.

    The zip lives in the row, not on disk: every worker and every server reads the same one, and
    deleting the row (or emptying ``content``) deletes the file, with nothing left in a folder."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once the zip is built and the e-mail queued; the link expires from then on.
    ready_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    downloaded_at: Mapped[datetime | None]
    # Why building failed (the job tries again at its next run).
    last_error: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_pending(self) -> bool:
        return self.ready_at is None

"""Writing proposals together: co-authoring associations, revisions and suggested amendments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow
from app.models.participation import _str_enum

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.associations import Association
    from app.models.participation import Proposal


class CoauthorStatus(enum.StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ProposalCoauthor(db.Model):
    """Another association invited to write a proposal with its lead association."""

    __tablename__ = "proposal_coauthors"
    __table_args__ = (UniqueConstraint("proposal_id", "association_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    status: Mapped[CoauthorStatus] = mapped_column(_str_enum(CoauthorStatus, 16), default=CoauthorStatus.INVITED)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responded_at: Mapped[datetime | None]

    association: Mapped[Association] = relationship(lazy="raise_on_sql")
    proposal: Mapped[Proposal] = relationship(back_populates="coauthorships", lazy="raise_on_sql")


class ProposalRevision(db.Model):
    """One save of a proposal: who, when, which fields changed, and the whole text after it.

    Never rewritten: restoring an old version adds a new revision."""

    __tablename__ = "proposal_revisions"
    __table_args__ = (UniqueConstraint("proposal_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    # The proposal's version after this save.
    version: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Why this revision exists, when it is not a plain edit (merge, restore, amendment).
    note: Mapped[str] = mapped_column(String(300), default="")

    author: Mapped[User] = relationship(lazy="raise_on_sql")


class AmendmentStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Amendment(db.Model):
    """A change to one field of a published proposal, suggested by someone who is not its author."""

    __tablename__ = "amendments"
    __table_args__ = (Index("ix_amendments_proposal_status", "proposal_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    # The field's text when the amendment was written: accepting checks it has not changed since.
    base_text: Mapped[str] = mapped_column(Text)
    new_text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[AmendmentStatus] = mapped_column(_str_enum(AmendmentStatus, 16), default=AmendmentStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User] = relationship(lazy="raise_on_sql", foreign_keys=[author_id])

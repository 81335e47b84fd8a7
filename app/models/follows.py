"""Follows: a person keeps an eye on an idea, a proposal, an association or a territory."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow
from app.models.participation import _str_enum


class FollowTarget(enum.StrEnum):
    IDEA = "idea"
    PROPOSAL = "proposal"
    ASSOCIATION = "association"
    POLE = "pole"


class Follow(db.Model):
    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "target", "target_id"),
        # Fan-out: "who follows this?" must be one indexed query.
        Index("ix_follows_target", "target", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Four kinds of targets: a kind and an id rather than four nullable foreign keys.
    target: Mapped[FollowTarget] = mapped_column(_str_enum(FollowTarget, 16))
    target_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

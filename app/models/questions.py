"""The questions a proposal answers: a call's own application form, or the collectivity's
default questions for proposals drafted outside any call."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db

if TYPE_CHECKING:
    from app.models.participation import Proposal

# A question's text answer may be long; its own max_length narrows it.
ANSWER_MAX = 20_000


class ProposalQuestion(db.Model):
    """One section of an application form. ``call_id`` NULL: a default question."""

    __tablename__ = "proposal_questions"
    __table_args__ = (
        UniqueConstraint("call_id", "key"),
        Index("ix_proposal_questions_set", "call_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    # Stable within its set: the form field's name, and the name revisions and amendments keep.
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(200))
    help_text: Mapped[str] = mapped_column(String(600), default="")
    # Must be answered before publishing, and before submitting to the call.
    required: Mapped[bool] = mapped_column(default=False)
    max_length: Mapped[int] = mapped_column(default=ANSWER_MAX)
    # A question with answers is retired (no longer asked), never deleted: the answers stay readable.
    retired_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<ProposalQuestion {self.call_id}:{self.key}>"


class ProposalAnswer(db.Model):
    __tablename__ = "proposal_answers"
    __table_args__ = (UniqueConstraint("proposal_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("proposal_questions.id"), index=True)
    body: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[ProposalQuestion] = relationship(lazy="raise_on_sql")
    proposal: Mapped[Proposal] = relationship(lazy="raise_on_sql")

"""Moderation: reports, the cases a pole reviews, suspensions and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, event
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, labels, utcnow
from app.models.participation import _str_enum

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.territories import Pole


class ReportReason(LabelledEnum):
    SPAM = "spam"
    ABUSE = "injurieux"
    PERSONAL_DATA = "donnees_personnelles"
    OFF_TOPIC = "hors_sujet"
    OTHER = "autre"


REASON_LABELS = labels(
    ReportReason,
    {
        ReportReason.SPAM: _l("Spam"),
        ReportReason.ABUSE: _l("Propos injurieux ou discriminatoires"),
        ReportReason.PERSONAL_DATA: _l("Données personnelles"),
        ReportReason.OFF_TOPIC: _l("Hors sujet"),
        ReportReason.OTHER: _l("Autre"),
    },
)


class CaseStatus(LabelledEnum):
    OPEN = "open"  # waiting for a moderator (the item may already be hidden automatically)
    HIDDEN = "hidden"
    RESTORED = "restored"
    DISMISSED = "dismissed"
    EDIT_REQUESTED = "edit_requested"


STATUS_LABELS = labels(
    CaseStatus,
    {
        CaseStatus.OPEN: _l("À traiter"),
        CaseStatus.HIDDEN: _l("Masqué"),
        CaseStatus.RESTORED: _l("Rétabli"),
        CaseStatus.DISMISSED: _l("Signalements classés"),
        CaseStatus.EDIT_REQUESTED: _l("Modification demandée"),
    },
)


moderation_case_poles = Table(
    "moderation_case_poles",
    db.metadata,
    Column("case_id", ForeignKey("moderation_cases.id", ondelete="CASCADE"), primary_key=True),
    Column("pole_id", ForeignKey("poles.id"), primary_key=True, index=True),
)


class ModerationCase(db.Model):
    """One reported item (idea, proposal or comment) and where its review stands.

    Its poles are copied from the content when it is reported, so each pole's queue is one
    indexed query; permissions are still checked against the content's live poles."""

    __tablename__ = "moderation_cases"
    __table_args__ = (
        UniqueConstraint("kind", "target_id", name="uq_moderation_cases_target"),
        Index("ix_moderation_cases_status", "status", "last_reported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # idea, proposal or comment
    target_id: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(_str_enum(CaseStatus, 24), default=CaseStatus.OPEN)
    report_count: Mapped[int] = mapped_column(default=0)
    # Reports since the last decision: they decide the automatic hiding.
    pending_reports: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]

    poles: Mapped[list[Pole]] = relationship(secondary=moderation_case_poles, lazy="raise_on_sql", order_by="Pole.name")
    author: Mapped[User] = relationship(lazy="raise_on_sql")


class Report(db.Model):
    """One person's report of one item: at most once each (database constraint)."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("case_id", "reporter_id", name="uq_reports_case_reporter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("moderation_cases.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[ReportReason] = mapped_column(_str_enum(ReportReason))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]


audit_entry_poles = Table(
    "audit_entry_poles",
    db.metadata,
    Column("entry_id", ForeignKey("audit_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("pole_id", ForeignKey("poles.id"), primary_key=True, index=True),
)


class AuditEntry(db.Model):
    """Who did what, on which item, when and why. Written once, never updated or deleted."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_action", "action", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: Tisser itself (automatic hiding at the report threshold).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None]
    # A snapshot: the entry stays readable whatever happens to the item later.
    target_label: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship(lazy="raise_on_sql")
    poles: Mapped[list[Pole]] = relationship(secondary=audit_entry_poles, lazy="raise_on_sql", order_by="Pole.name")


@event.listens_for(Session, "before_flush")
def _audit_log_is_append_only(session: Session, flush_context, instances) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            raise RuntimeError("the moderation audit log is append-only")


class Contestation(db.Model):
    """The author of hidden content, or a suspended person, asks for a decision to be reviewed.

    ``kind``/``target_id`` name what was decided (an idea, proposal or comment, or the "user" whose
    account is suspended); a content contestation reopens that item's moderation case. At most one
    open per item (database constraint); ``outcome`` is the action that closed it."""

    __tablename__ = "contestations"
    __table_args__ = (
        Index(
            "uq_contestations_open",
            "kind",
            "target_id",
            unique=True,
            sqlite_where=sql("decided_at IS NULL"),
            postgresql_where=sql("decided_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int]
    case_id: Mapped[int | None] = mapped_column(ForeignKey("moderation_cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))


class SuspensionRequest(db.Model):
    """A pole moderator asks the administrators to suspend an account."""

    __tablename__ = "suspension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    pole_id: Mapped[int | None] = mapped_column(ForeignKey("poles.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="raise_on_sql", foreign_keys=[user_id])
    requested_by: Mapped[User] = relationship(lazy="raise_on_sql", foreign_keys=[requested_by_id])


class RegistrationAttempt(db.Model):
    """Accounts created per network address: the per-address registration brake counts these."""

    __tablename__ = "registration_attempts"
    __table_args__ = (Index("ix_registration_attempts_address", "address", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

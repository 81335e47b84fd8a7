"""Calls for projects: the call and its grid, submissions, evaluation, decisions, follow-up and
replication of what worked."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, labels, utcnow
from app.models.participation import _str_enum
from app.models.taxonomy import Domain, LegalForm, TargetPublic, call_domains, call_legal_forms, call_publics

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.participation import Proposal
    from app.models.territories import Pole

# The instruction steps a new call starts with; the admin edits them per call.
DEFAULT_STEPS = ["Reçu", "Recevable", "Non recevable", "En instruction"]

call_poles = Table(
    "call_poles",
    db.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("pole_id", ForeignKey("poles.id"), primary_key=True, index=True),
)


class CallEvaluator(db.Model):
    """Someone the administration appointed to evaluate this call's proposals: admins and
    moderators may always be assigned, outside experts only through this list."""

    __tablename__ = "call_evaluators"

    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    call: Mapped[Call] = relationship(lazy="raise_on_sql")


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
    min_grant_eur: Mapped[int | None]
    max_grant_eur: Mapped[int | None]
    # Naive UTC, like every datetime here; shown and entered in Europe/Paris.
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Only associations the platform verified may deposit, unless the call says otherwise.
    requires_verified_association: Mapped[bool] = mapped_column(default=True, server_default=true())
    # A balanced budget prévisionnel (app.proposals.budget) is checked on submission. Off for the
    # calls that existed before: their drafts were started without one.
    requires_budget: Mapped[bool] = mapped_column(default=False, server_default=false())
    instruction_steps: Mapped[list[str] | None] = mapped_column(JSON)
    evaluation_started_at: Mapped[datetime | None]
    results_published_at: Mapped[datetime | None]

    poles: Mapped[list[Pole]] = relationship(secondary=call_poles, lazy="raise_on_sql", order_by="Pole.name")
    # What the call accepts (app.models.taxonomy); none means "no restriction".
    domains: Mapped[list[Domain]] = relationship(
        secondary=call_domains, lazy="raise_on_sql", order_by=[Domain.position, Domain.id]
    )
    publics: Mapped[list[TargetPublic]] = relationship(
        secondary=call_publics, lazy="raise_on_sql", order_by=[TargetPublic.position, TargetPublic.id]
    )
    legal_forms: Mapped[list[LegalForm]] = relationship(
        secondary=call_legal_forms, lazy="raise_on_sql", order_by=[LegalForm.position, LegalForm.id]
    )
    criteria: Mapped[list[Criterion]] = relationship(
        lazy="raise_on_sql", order_by="Criterion.position", cascade="all, delete-orphan", back_populates="call"
    )

    def state(self, now: datetime | None = None) -> CallState:
        now = now or utcnow()
        if self.results_published_at is not None:
            return CallState.RESULTS
        if now < self.opens_at:
            return CallState.UPCOMING
        if now < self.closes_at:
            return CallState.OPEN
        return CallState.EVALUATION if self.evaluation_started_at is not None else CallState.CLOSED

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.results_published_at is None and self.opens_at <= now < self.closes_at

    @property
    def steps(self) -> list[str]:
        return list(self.instruction_steps or DEFAULT_STEPS)

    def __repr__(self) -> str:
        return f"<Call {self.slug}>"


class CallState(LabelledEnum):
    """Where a call is in its life, from its dates (never stored)."""

    UPCOMING = "upcoming"
    OPEN = "open"
    CLOSED = "closed"
    EVALUATION = "evaluation"
    RESULTS = "results"


CALL_STATE_LABELS = labels(
    CallState,
    {
        CallState.UPCOMING: _l("À venir"),
        CallState.OPEN: _l("Ouvert"),
        CallState.CLOSED: _l("Clos"),
        CallState.EVALUATION: _l("En évaluation"),
        CallState.RESULTS: _l("Résultats publiés"),
    },
)


class Criterion(db.Model):
    """One line of a call's evaluation grid, scored 0–4, with its weight in the average."""

    __tablename__ = "call_criteria"
    __table_args__ = (CheckConstraint("weight > 0", name="weight_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column(default=1)

    call: Mapped[Call] = relationship(back_populates="criteria", lazy="raise_on_sql")


class Decision(LabelledEnum):
    SELECTED = "selected"
    WAITLIST = "waitlist"
    REJECTED = "rejected"


DECISION_LABELS = labels(
    Decision,
    {
        Decision.SELECTED: _l("Retenu"),
        Decision.WAITLIST: _l("Liste d'attente"),
        Decision.REJECTED: _l("Non retenu"),
    },
)


class Submission(db.Model):
    """A proposal submitted to a call (one call per proposal), and where its instruction stands."""

    __tablename__ = "call_submissions"
    __table_args__ = (
        UniqueConstraint("proposal_id"),
        Index("ix_call_submissions_call", "call_id", "id"),
        CheckConstraint("granted_eur IS NULL OR granted_eur >= 0", name="granted_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"))
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The call's instruction step (one of call.steps) and since when.
    step: Mapped[str] = mapped_column(String(80), default="Reçu")
    step_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Sent back for changes: the pole's or admin's message to the authors.
    sent_back_message: Mapped[str] = mapped_column(Text, default="")
    sent_back_at: Mapped[datetime | None]
    decision: Mapped[Decision | None] = mapped_column(_str_enum(Decision, 16))
    granted_eur: Mapped[int | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    # The grant's terms as the SCDL "subventions" open-data file publishes them (app.scdl): entered
    # with a grant, empty for a decision recorded before they were asked (the export reports those).
    decision_reference: Mapped[str] = mapped_column(String(60), default="", server_default="")
    convention_date: Mapped[date | None]
    grant_purpose: Mapped[str] = mapped_column(String(256), default="", server_default="")
    grant_nature: Mapped[str] = mapped_column(String(40), default="", server_default="")
    payment_conditions: Mapped[str] = mapped_column(String(256), default="", server_default="")
    payment_dates: Mapped[str] = mapped_column(String(21), default="", server_default="")
    eu_notified: Mapped[bool] = mapped_column(default=False, server_default=false())

    call: Mapped[Call] = relationship(lazy="raise_on_sql")
    proposal: Mapped[Proposal] = relationship(lazy="raise_on_sql")


class SubmissionDossier(db.Model):
    """The PDF of the dossier as submitted (app.calls.dossier), kept with its submission: the bytes
    themselves, so that backups and every server hold it; made again on a new submission."""

    __tablename__ = "call_submission_dossiers"

    submission_id: Mapped[int] = mapped_column(ForeignKey("call_submissions.id", ondelete="CASCADE"), primary_key=True)
    # The submission it shows (a resubmission after changes makes a new one).
    submitted_at: Mapped[datetime]
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(db.Model):
    """An evaluator asked to score one submission; their scores stay private until finalised."""

    __tablename__ = "evaluation_assignments"
    __table_args__ = (UniqueConstraint("submission_id", "evaluator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("call_submissions.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalised_at: Mapped[datetime | None]

    evaluator: Mapped[User] = relationship(lazy="raise_on_sql")
    submission: Mapped[Submission] = relationship(lazy="raise_on_sql")
    scores: Mapped[list[Score]] = relationship(lazy="raise_on_sql", cascade="all, delete-orphan")


class Score(db.Model):
    __tablename__ = "evaluation_scores"
    __table_args__ = (
        UniqueConstraint("assignment_id", "criterion_id"),
        CheckConstraint("value IS NULL OR (value >= 0 AND value <= 4)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("evaluation_assignments.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("call_criteria.id", ondelete="CASCADE"), index=True)
    value: Mapped[int | None]
    comment: Mapped[str] = mapped_column(Text, default="")


# --- Follow-up of selected projects ----------------------------------------------------------


class Indicator(db.Model):
    __tablename__ = "project_indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(150))
    unit: Mapped[str] = mapped_column(String(40), default="")
    target: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    values: Mapped[list[IndicatorValue]] = relationship(
        lazy="raise_on_sql", order_by="IndicatorValue.measured_on", cascade="all, delete-orphan"
    )


class IndicatorValue(db.Model):
    __tablename__ = "project_indicator_values"
    __table_args__ = (UniqueConstraint("indicator_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("project_indicators.id", ondelete="CASCADE"))
    measured_on: Mapped[date]
    value: Mapped[float]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProgressUpdate(db.Model):
    __tablename__ = "project_updates"
    __table_args__ = (Index("ix_project_updates_proposal", "proposal_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise_on_sql")


class Replication(db.Model):
    """A proposal that reproduces a selected project on another territory (its own table: the
    proposals table is not altered)."""

    __tablename__ = "proposal_replications"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True)
    original_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    proposal: Mapped[Proposal] = relationship(lazy="raise_on_sql", foreign_keys=[proposal_id])
    original: Mapped[Proposal] = relationship(lazy="raise_on_sql", foreign_keys=[original_id])

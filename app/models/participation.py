"""What people contribute: residents' ideas, associations' proposals, comments and supports."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, labels, utcnow
from app.models.taxonomy import Domain, SubDomain, TargetPublic, idea_publics, proposal_publics

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.associations import Association
    from app.models.coconstruction import ProposalCoauthor
    from app.models.mediation import Mediation
    from app.models.territories import Commune, Pole


def _str_enum(enum_cls: type[enum.Enum], length: int = 32) -> Enum:
    # Stored as plain strings (no native ENUM type): portable and easy to extend by migration.
    return Enum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class ProposalState(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"
    # Calls for projects: submitted (frozen), sent back for changes, then the published decision.
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    NOT_SELECTED = "not_selected"


STATE_LABELS = labels(
    ProposalState,
    {
        ProposalState.DRAFT: _l("Brouillon"),
        ProposalState.PUBLISHED: _l("Publiée"),
        ProposalState.WITHDRAWN: _l("Retirée"),
        ProposalState.SUBMITTED: _l("Déposée à un appel"),
        ProposalState.CHANGES_REQUESTED: _l("À compléter"),
        ProposalState.SELECTED: _l("Retenue"),
        ProposalState.WAITLISTED: _l("En liste d'attente"),
        ProposalState.NOT_SELECTED: _l("Non retenue"),
    },
)

# What each state allows: facts about a proposal that the permission registry, the lists and the
# services all read. The transitions between states live in app.proposals.states.

# Submitted to a call: frozen until sent back for changes or decided.
CALL_STATES = frozenset(
    {
        ProposalState.SUBMITTED,
        ProposalState.CHANGES_REQUESTED,
        ProposalState.SELECTED,
        ProposalState.WAITLISTED,
        ProposalState.NOT_SELECTED,
    }
)
FROZEN_STATES = frozenset(
    {ProposalState.SUBMITTED, ProposalState.SELECTED, ProposalState.WAITLISTED, ProposalState.NOT_SELECTED}
)
# Who may see it: drafts only their authors (checked in app.permissions). A proposal submitted
# to a call is public: the call is a public process.
PUBLIC_STATES = frozenset({ProposalState.PUBLISHED, ProposalState.WITHDRAWN}) | CALL_STATES
# What the proposal lists show by default (and search finds): public and not withdrawn.
LISTED_STATES = frozenset({ProposalState.PUBLISHED}) | CALL_STATES
# What an association's members still work on or wait for ("en cours"): drafts, what was sent
# back for changes, and what is deposited without a decision yet. Decided or withdrawn is done.
IN_PROGRESS_STATES = frozenset({ProposalState.DRAFT, ProposalState.CHANGES_REQUESTED, ProposalState.SUBMITTED})
# Where the co-authors may still change the text.
EDITABLE_STATES = frozenset({ProposalState.DRAFT, ProposalState.PUBLISHED, ProposalState.CHANGES_REQUESTED})
# Where the public may support and suggest amendments: while the text is the authors' to change.
# Supports stop at the deposit to a call: the count went with the dossier, and a support given
# afterwards would let residents believe it still weighs on the decision.
OPEN_STATES = frozenset({ProposalState.PUBLISHED})
# Where the public may comment: also once deposited and decided, as peers do, so that residents can
# still ask the authors questions (a funded project is when they have most). Withdrawn closes it.
DISCUSSION_STATES = OPEN_STATES | CALL_STATES


# --- Ideas ----------------------------------------------------------------------------------


class Idea(db.Model):
    """A need a resident observed on the ground, in one commune."""

    __tablename__ = "ideas"
    __table_args__ = (Index("ix_ideas_created", "created_at", "id"),)
    kind = "idea"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    # Copied from the commune: the pole moderates and filters by it without a join.
    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id"), index=True)
    # The taxonomy (app.models.taxonomy): one domain, maybe one of its sub-domains. Joined with
    # every load: a card shows their labels, and a join costs no query.
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), index=True)
    subdomain_id: Mapped[int | None] = mapped_column(ForeignKey("subdomains.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Kept up to date in the same transaction as the rows they count: lists never count rows.
    support_count: Mapped[int] = mapped_column(default=0)
    # Associations' supports, counted apart from people's (app.supports.services).
    association_support_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comment_count: Mapped[int] = mapped_column(default=0)
    # Moderation: set while hidden pending review (app.moderation).
    hidden_at: Mapped[datetime | None]
    # Why a moderator hid it; None while hidden only by reports, pending review (shown to its author).
    hidden_reason: Mapped[str | None] = mapped_column(String(1000))
    # Collected in person by an agent (app.mediation); the agent is the author until claimed.
    mediation_id: Mapped[int | None] = mapped_column(ForeignKey("mediations.id"))
    # How many of ``support_count`` agents collected in person, moved with it.
    mediated_support_count: Mapped[int] = mapped_column(default=0, server_default="0")

    author: Mapped[User] = relationship(lazy="raise_on_sql")
    commune: Mapped[Commune] = relationship(lazy="raise_on_sql")
    pole: Mapped[Pole] = relationship(lazy="raise_on_sql")
    mediation: Mapped[Mediation | None] = relationship(lazy="raise_on_sql", foreign_keys=[mediation_id])
    domain: Mapped[Domain] = relationship(lazy="joined", innerjoin=True)
    subdomain: Mapped[SubDomain | None] = relationship(lazy="joined")
    publics: Mapped[list[TargetPublic]] = relationship(
        secondary=idea_publics, lazy="raise_on_sql", order_by=[TargetPublic.position, TargetPublic.id]
    )
    proposals: Mapped[list[Proposal]] = relationship(back_populates="idea", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Idea {self.id}>"


# --- Proposals ------------------------------------------------------------------------------

proposal_communes = Table(
    "proposal_communes",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_id", ForeignKey("communes.id"), primary_key=True, index=True),
)

proposal_poles = Table(
    "proposal_poles",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("pole_id", ForeignKey("poles.id"), primary_key=True, index=True),
)


class Proposal(db.Model):
    """An association's proposal of a social experiment, its long texts answer questions (app.models.questions)."""

    __tablename__ = "proposals"
    __table_args__ = (
        # Lists filter on state and hidden_at, then count, sort by date or shuffle: one covering
        # index serves all of it (count 12 ms → 1 ms, random page 15 ms → 4 ms on 10 000 rows).
        Index("ix_proposals_listing", "state", "hidden_at", "published_at", "id"),
        CheckConstraint("budget_eur IS NULL OR budget_eur >= 0", name="budget_positive"),
    )
    kind = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"), index=True)
    state: Mapped[ProposalState] = mapped_column(_str_enum(ProposalState, 24), default=ProposalState.DRAFT)
    # The call it is drafted for, whose questions it answers (None: the default questions). Set
    # when drafted from a call's page, or when submitted to a call (its answers then follow).
    # No ON DELETE action: SQLite cannot name one on a column added in place (see the migration).
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)

    title: Mapped[str] = mapped_column(String(150))
    summary: Mapped[str] = mapped_column(String(600))
    # The taxonomy (app.models.taxonomy): one domain, maybe one of its sub-domains. Joined with
    # every load: a card shows their labels, and a join costs no query.
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), index=True)
    subdomain_id: Mapped[int | None] = mapped_column(ForeignKey("subdomains.id"), index=True)
    # The amount asked of the call, in whole euros. Once the budget prévisionnel below is filled it
    # is that budget's "asked of this call" total, recomputed on each save (app.proposals.budget).
    budget_eur: Mapped[int | None]
    # The budget prévisionnel: expense and resource lines (app.proposals.budget); None until filled.
    budget_lines: Mapped[list[dict] | None] = mapped_column(JSON)
    duration_months: Mapped[int | None]
    is_rural: Mapped[bool] = mapped_column(default=False)
    is_qpv: Mapped[bool] = mapped_column(default=False)

    # Optimistic concurrency: each save must name the version it started from.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    support_count: Mapped[int] = mapped_column(default=0)
    # How many of ``support_count`` agents collected in person (app.mediation), moved with it.
    mediated_support_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Associations' supports, counted apart from people's (app.supports.services).
    association_support_count: Mapped[int] = mapped_column(default=0, server_default="0")
    comment_count: Mapped[int] = mapped_column(default=0)
    # The official answer shown at the top of the discussion. No foreign key: comments already
    # reference proposals, and a cycle of keys cannot be created in place on SQLite; the page
    # checks the comment is still one of this proposal's, visible and not deleted.
    pinned_comment_id: Mapped[int | None]
    # Moderation: set while hidden pending review (app.moderation).
    hidden_at: Mapped[datetime | None]
    # Why a moderator hid it; None while hidden only by reports, pending review (shown to its author).
    hidden_reason: Mapped[str | None] = mapped_column(String(1000))

    association: Mapped[Association] = relationship(lazy="raise_on_sql")
    author: Mapped[User] = relationship(lazy="raise_on_sql")
    idea: Mapped[Idea | None] = relationship(back_populates="proposals", lazy="raise_on_sql")
    domain: Mapped[Domain] = relationship(lazy="joined", innerjoin=True)
    subdomain: Mapped[SubDomain | None] = relationship(lazy="joined")
    publics: Mapped[list[TargetPublic]] = relationship(
        secondary=proposal_publics, lazy="raise_on_sql", order_by=[TargetPublic.position, TargetPublic.id]
    )
    communes: Mapped[list[Commune]] = relationship(
        secondary=proposal_communes, lazy="raise_on_sql", order_by="Commune.name"
    )
    poles: Mapped[list[Pole]] = relationship(secondary=proposal_poles, lazy="raise_on_sql", order_by="Pole.name")
    # Loaded with the proposal (one query per batch): every permission check needs them.
    coauthorships: Mapped[list[ProposalCoauthor]] = relationship(
        lazy="selectin", order_by="ProposalCoauthor.id", cascade="all, delete-orphan", back_populates="proposal"
    )

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.state}>"


# --- Discussion -----------------------------------------------------------------------------


class Comment(db.Model):
    """A message in the discussion of an idea or a proposal, possibly a reply."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint("(idea_id IS NULL) != (proposal_id IS NULL)", name="one_subject"),
        Index("ix_comments_idea_thread", "idea_id", "parent_id", "id"),
        Index("ix_comments_proposal_thread", "proposal_id", "parent_id", "id"),
        Index("ix_comments_root", "root_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Threads show three levels; a deeper reply hangs under its level-3 ancestor and says whom
    # it answers (reply_to).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    depth: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text)
    # Rendered and sanitised once, when written: threads are read far more often than written.
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    # Moderation: hidden pending review; the thread keeps its place for it (app.moderation).
    hidden_at: Mapped[datetime | None]
    # Why a moderator hid it; None while hidden only by reports, pending review (shown to its author).
    hidden_reason: Mapped[str | None] = mapped_column(String(1000))
    # Collected in person by an agent (app.mediation); the agent is the author until claimed.
    mediation_id: Mapped[int | None] = mapped_column(ForeignKey("mediations.id"))
    # Said in the name of one of the author's associations (app.comments.speakers).
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id"), index=True)
    # An official reply: what the author was for this subject when they wrote it ("moderator",
    # "agent", "admin", "author") and the unit's or association's name then. Stored, not computed
    # when read: the badge says who answered at that time, even if they left the unit since, and a
    # thread shows its badges without asking anyone's roles (see app.comments.official).
    official_role: Mapped[str | None] = mapped_column(String(16))
    official_name: Mapped[str | None] = mapped_column(String(160))

    author: Mapped[User] = relationship(lazy="raise_on_sql", foreign_keys=[author_id])
    association: Mapped[Association | None] = relationship(lazy="raise_on_sql")
    mediation: Mapped[Mediation | None] = relationship(lazy="raise_on_sql", foreign_keys=[mediation_id])


class Support(db.Model):
    """One person's support of an idea or a proposal: at most once each (database constraint).

    A support an agent collected in person has no account (``user_id`` NULL) but a mediation,
    whose resident key keeps it unique per subject (app.models.mediation)."""

    __tablename__ = "supports"
    __table_args__ = (
        CheckConstraint("(idea_id IS NULL) != (proposal_id IS NULL)", name="one_subject"),
        UniqueConstraint("user_id", "idea_id", name="uq_supports_user_idea"),
        UniqueConstraint("user_id", "proposal_id", name="uq_supports_user_proposal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    mediation_id: Mapped[int | None] = mapped_column(ForeignKey("mediations.id", ondelete="CASCADE"))


class AssociationSupport(db.Model):
    """An association's support of an idea or a proposal, given by one of its members: once per
    association and subject, never on its own proposals. Its own table, not a column on
    ``supports``: a member may back a subject both personally and for their association, and the
    two are counted apart."""

    __tablename__ = "association_supports"
    __table_args__ = (
        CheckConstraint("(idea_id IS NULL) != (proposal_id IS NULL)", name="one_subject"),
        UniqueConstraint("association_id", "idea_id", name="uq_association_supports_idea"),
        UniqueConstraint("association_id", "proposal_id", name="uq_association_supports_proposal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"), index=True)
    # The member who gave it (their association answers for it).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Notifications --------------------------------------------------------------------------


class Notification(db.Model):
    """An in-app message to one person about something that happened to what concerns them."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_email_pending", "email_done_at", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    # Written in French when the event happens, with a link to what it is about.
    text: Mapped[str] = mapped_column(String(400))
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # When e-mail handling ended for it (sent at once, put in a digest, or not wanted): the
    # digest only picks up notifications where this is still empty.
    email_done_at: Mapped[datetime | None]

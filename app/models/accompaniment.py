"""Accompaniment of proposals by a pole: referent, private exchanges, local partners, links."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, labels, utcnow
from app.models.participation import _str_enum
from app.models.taxonomy import Domain, partner_domains

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.territories import Pole


class AccompanimentState(LabelledEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"


ACCOMPANIMENT_LABELS = labels(
    AccompanimentState,
    {
        AccompanimentState.REQUESTED: _l("Demande d'accompagnement en attente"),
        AccompanimentState.ACCEPTED: _l("Accompagnement accepté"),
        AccompanimentState.DECLINED: _l("Accompagnement refusé"),
    },
)


class Accompaniment(db.Model):
    """A proposal's request to be accompanied by one of its poles, and its referent once accepted."""

    __tablename__ = "accompaniments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), unique=True)
    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id"), index=True)
    state: Mapped[AccompanimentState] = mapped_column(
        _str_enum(AccompanimentState, 16), default=AccompanimentState.REQUESTED
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    pole: Mapped[Pole] = relationship(lazy="raise_on_sql")
    referent: Mapped[User | None] = relationship(lazy="raise_on_sql", foreign_keys=[referent_id])


class PrivateMessage(db.Model):
    """A message of a proposal's private exchange space: never public, kept apart from comments."""

    __tablename__ = "private_messages"
    __table_args__ = (Index("ix_private_messages_proposal", "proposal_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # One level of replies: a reply to a reply joins its thread.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("private_messages.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship(lazy="raise_on_sql")


class Partner(db.Model):
    """An organisation of a pole's local partners directory."""

    __tablename__ = "partners"
    __table_args__ = (CheckConstraint("organisation <> ''", name="organisation_named"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id"), index=True)
    organisation: Mapped[str] = mapped_column(String(150))
    service: Mapped[str] = mapped_column(String(150), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pole: Mapped[Pole] = relationship(lazy="raise_on_sql")

    domains: Mapped[list[Domain]] = relationship(
        secondary=partner_domains, lazy="raise_on_sql", order_by=[Domain.position, Domain.id]
    )


proposal_partners = Table(
    "proposal_partners",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True, index=True),
)

# "Projets proches": stored once, shown on both proposals.
proposal_links = Table(
    "proposal_links",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("related_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True, index=True),
    CheckConstraint("proposal_id <> related_id", name="not_self"),
)

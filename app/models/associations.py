"""Associations and other eligible bodies, and the people who act on their behalf.

An association has optional legal identifiers (RNA, SIRET), a public contact, and may be verified
by the platform's administration. People join it by invitation.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, exists
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.extensions import db
from app.models.accounts import User
from app.models.base import utcnow
from app.models.taxonomy import LegalForm

if TYPE_CHECKING:
    from app.models.territories import Commune


class MembershipRole(enum.StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class Association(db.Model):
    __tablename__ = "associations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    legal_form_id: Mapped[int] = mapped_column(ForeignKey("legal_forms.id"), index=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Both identifiers are optional: Alsace-Moselle associations have no RNA number, many small
    # associations have no SIRET. Stored normalised (no spaces); NULL, not "", when absent, so
    # the unique constraints only apply to real numbers.
    rna: Mapped[str | None] = mapped_column(String(10), unique=True)
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(30), default="")
    # Set by the platform's administration once the identifiers were checked.
    verified_at: Mapped[datetime | None]
    # A refusal stays until the association's administrators fix the record and ask again.
    verification_refused_at: Mapped[datetime | None]
    verification_refusal: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    commune: Mapped[Commune | None] = relationship(lazy="raise_on_sql")
    # Joined with every load: cards show its label without a query of their own.
    legal_form: Mapped[LegalForm] = relationship(lazy="joined", innerjoin=True)
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="association", lazy="raise_on_sql", cascade="all, delete-orphan"
    )

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    def __repr__(self) -> str:
        return f"<Association {self.slug}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("association_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[MembershipRole] = mapped_column(
        Enum(MembershipRole, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=MembershipRole.MEMBER,
    )
    # Members choose whether their name appears on the association's public page.
    show_publicly: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    association: Mapped[Association] = relationship(back_populates="memberships", lazy="raise_on_sql")
    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise_on_sql")


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"


class Invitation(db.Model):
    """An invitation to join an association, sent to an e-mail address.

    Only a hash of the token is stored: reading the database does not give working links.
    """

    __tablename__ = "association_invitations"
    __table_args__ = (Index("ix_association_invitations_pending", "association_id", "email", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[MembershipRole] = mapped_column(
        Enum(MembershipRole, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=MembershipRole.MEMBER,
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    status: Mapped[InvitationStatus] = mapped_column(
        Enum(InvitationStatus, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=InvitationStatus.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    responded_at: Mapped[datetime | None]

    association: Mapped[Association] = relationship(lazy="raise_on_sql")
    invited_by: Mapped[User | None] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Invitation {self.id} {self.status}>"


# Loaded with the account in the same SELECT, like ``User.is_pole_moderator``: most people are in
# no association, and then nothing asks which (no query for the "speak as" choices on every page).
# correlate_except: a query that joins memberships itself must not swallow the subquery's table.
User.is_association_member = column_property(exists().where(Membership.user_id == User.id).correlate_except(Membership))

"""Associations and other eligible bodies, and the people who act on their behalf.

Kept minimal for now: the co-construction work extends it (identifiers, invitations, verification).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.territories import Commune


class LegalForm(enum.StrEnum):
    """The Gironde call's eligible bodies, plus "autre" for display."""

    ASSOCIATION = "association"
    ESS = "ess"
    SOCIAL_LANDLORD = "bailleur_social"
    LOCAL_AUTHORITY = "collectivite"
    PUBLIC_BODY = "etablissement_public"
    OTHER = "autre"

    @property
    def label(self) -> str:
        return str(LEGAL_FORM_LABELS[self])


LEGAL_FORM_LABELS = {
    LegalForm.ASSOCIATION: _l("Association ou groupement d'associations (loi 1901)"),
    LegalForm.ESS: _l("Structure de l'Économie sociale et solidaire"),
    LegalForm.SOCIAL_LANDLORD: _l("Bailleur social"),
    LegalForm.LOCAL_AUTHORITY: _l("Collectivité territoriale girondine ou groupement"),
    LegalForm.PUBLIC_BODY: _l("Établissement public"),
    LegalForm.OTHER: _l("Autre"),
}


class MembershipRole(enum.StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class Association(db.Model):
    __tablename__ = "associations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    legal_form: Mapped[LegalForm] = mapped_column(
        Enum(LegalForm, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])
    )
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    commune: Mapped[Commune | None] = relationship(lazy="raise_on_sql")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="association", lazy="raise_on_sql", cascade="all, delete-orphan"
    )

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

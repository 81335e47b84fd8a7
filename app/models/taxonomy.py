"""Taxonomies an administrator edits: domains and their sub-domains, target publics, legal forms.

Each value has a slug (stable: URLs, filters and revision snapshots name it), a French label
(renamed at will), a position, and ``retired_at``: a retired value is hidden from new content but
keeps showing on the content that has it. A value in use is never deleted (app.admin.taxonomy).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class TaxonomyValue:
    """The columns every taxonomy shares."""

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None]

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"


class Domain(TaxonomyValue, db.Model):
    """A priority domain of the collectivity's calls (the first preset: santé, alimentation, citoyenneté)."""

    __tablename__ = "domains"

    subdomains: Mapped[list[SubDomain]] = relationship(
        back_populates="domain", order_by="[SubDomain.position, SubDomain.id]", lazy="raise_on_sql"
    )


class SubDomain(TaxonomyValue, db.Model):
    """A finer heading under one domain; ideas and proposals may name one."""

    __tablename__ = "subdomains"
    # Slugs are unique per domain only: two domains may both have "autre".
    __table_args__ = (UniqueConstraint("domain_id", "slug", name="uq_subdomains_domain_slug"),)

    slug: Mapped[str] = mapped_column(String(60))
    domain_id: Mapped[int] = mapped_column(ForeignKey("domains.id"), index=True)
    domain: Mapped[Domain] = relationship(back_populates="subdomains", lazy="raise_on_sql")


class TargetPublic(TaxonomyValue, db.Model):
    """A public the collectivity's calls give priority to."""

    __tablename__ = "target_publics"


class LegalForm(TaxonomyValue, db.Model):
    """A kind of body that may carry a proposal (association, ESS company, social landlord...)."""

    __tablename__ = "legal_forms"


# What a call accepts: no row means "no restriction".
call_domains = Table(
    "call_domains",
    db.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("domain_id", ForeignKey("domains.id"), primary_key=True, index=True),
)
call_publics = Table(
    "call_publics",
    db.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("public_id", ForeignKey("target_publics.id"), primary_key=True, index=True),
)
call_legal_forms = Table(
    "call_legal_forms",
    db.metadata,
    Column("call_id", ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("legal_form_id", ForeignKey("legal_forms.id"), primary_key=True, index=True),
)
idea_publics = Table(
    "idea_publics",
    db.metadata,
    Column("idea_id", ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True),
    Column("public_id", ForeignKey("target_publics.id"), primary_key=True, index=True),
)
proposal_publics = Table(
    "proposal_publics",
    db.metadata,
    Column("proposal_id", ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True),
    Column("public_id", ForeignKey("target_publics.id"), primary_key=True, index=True),
)
partner_domains = Table(
    "partner_domains",
    db.metadata,
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True),
    Column("domain_id", ForeignKey("domains.id"), primary_key=True, index=True),
)

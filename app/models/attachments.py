"""Files attached to a proposal or to an association's profile, and the documents a call requires."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import utcnow

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.associations import Association
    from app.models.participation import Proposal

# What a document is, so that a call's requirement can be matched with a file. Profile kinds are
# the ones that do not change from one call to the next (kept on the association's profile).
DOCUMENT_KINDS = {
    "statuts": _l("Statuts"),
    "rapport_activite": _l("Dernier rapport d'activité"),
    "comptes": _l("Derniers comptes approuvés"),
    "rib": _l("Relevé d'identité bancaire (RIB)"),
    "budget": _l("Budget prévisionnel"),
    "devis": _l("Devis"),
    "photo": _l("Photo ou illustration"),
    "autre": _l("Autre document"),
}
PROFILE_KINDS = ("statuts", "rapport_activite", "comptes", "rib", "autre")


class Attachment(db.Model):
    """One uploaded file. Stored under ``storage_key`` (random, never the uploaded name); the name
    people gave it is kept only to show it and to name the download."""

    __tablename__ = "attachments"
    __table_args__ = (
        # Exactly one owner: a proposal or an association's profile.
        CheckConstraint("(proposal_id IS NULL) <> (association_id IS NULL)", name="one_owner"),
        Index("ix_attachments_proposal", "proposal_id", "id"),
        Index("ix_attachments_association", "association_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32), default="autre")
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"))
    association_id: Mapped[int | None] = mapped_column(ForeignKey("associations.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by: Mapped[User | None] = relationship(lazy="raise_on_sql")
    # The owner, loaded only by the download rule (app.permissions).
    proposal: Mapped[Proposal | None] = relationship()
    association: Mapped[Association | None] = relationship()

    @property
    def kind_label(self) -> str:
        return str(DOCUMENT_KINDS.get(self.kind, DOCUMENT_KINDS["autre"]))


class CallRequiredDocument(db.Model):
    """A document a call asks of every proposal deposited to it."""

    __tablename__ = "call_required_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(160))
    help_text: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(32), default="autre")
    # Whether the association's profile document of the same kind satisfies it (statutes do; a
    # quote for this project does not).
    profile_ok: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

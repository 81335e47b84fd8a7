"""Mediated participation ("aller vers"): an agent of a territorial unit records what a resident
without an account said in person. One ``Mediation`` per contribution entered; the idea, comment
or support it produced points back to it (``mediation_id``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, labels, utcnow
from app.models.participation import _str_enum

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.territories import Commune, Pole


class MeetingPlace(LabelledEnum):
    MARKET = "market"
    SOCIAL_CENTRE = "social_centre"
    HOME_VISIT = "home_visit"
    OFFICE = "office"
    OTHER = "other"


PLACE_LABELS = labels(
    MeetingPlace,
    {
        MeetingPlace.MARKET: _l("Marché"),
        MeetingPlace.SOCIAL_CENTRE: _l("Centre social"),
        MeetingPlace.HOME_VISIT: _l("Visite à domicile"),
        MeetingPlace.OFFICE: _l("Permanence d'accueil"),
        MeetingPlace.OTHER: _l("Autre lieu"),
    },
)


class Mediation(db.Model):
    """One contribution an agent collected in person, and who it came from."""

    __tablename__ = "mediations"
    __table_args__ = (
        # The same resident is counted once per subject: their key with the subject they support
        # (NULL subjects, i.e. ideas and comments, never collide).
        UniqueConstraint("resident_key", "support_idea_id", name="uq_mediations_resident_idea"),
        UniqueConstraint("resident_key", "support_proposal_id", name="uq_mediations_resident_proposal"),
        Index("ix_mediations_pole_agent", "pole_id", "agent_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "idea", "comment" or "support".
    kind: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The unit the agent acted for: shown publicly ("recueilli par le Pôle Médoc").
    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id"))
    resident_name: Mapped[str] = mapped_column(String(60))
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    birth_year: Mapped[int]
    # Normalised name, commune and birth year (see app.mediation.services.resident_key).
    resident_key: Mapped[str] = mapped_column(String(100))
    # Only if the resident agreed to give it: used once, to send them the link to claim.
    contact_email: Mapped[str | None] = mapped_column(String(254))
    # The wording the agent read out and the resident agreed to, kept as shown.
    consent_text: Mapped[str] = mapped_column(String(400))
    place: Mapped[MeetingPlace] = mapped_column(_str_enum(MeetingPlace, 16))
    place_detail: Mapped[str] = mapped_column(String(120), default="")
    met_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The subject of a support, for the uniqueness above. Plain ids, no foreign keys: ideas already
    # point here (ideas.mediation_id), and a cycle of keys would need ALTERs SQLite cannot do.
    support_idea_id: Mapped[int | None]
    support_proposal_id: Mapped[int | None]
    # Set when the resident claimed it into their account.
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None]

    agent: Mapped[User] = relationship(lazy="raise_on_sql", foreign_keys=[agent_id])
    pole: Mapped[Pole] = relationship(lazy="raise_on_sql")
    commune: Mapped[Commune] = relationship(lazy="raise_on_sql")

    @property
    def place_label(self) -> str:
        return self.place_detail or self.place.label

    def __repr__(self) -> str:
        return f"<Mediation {self.id} {self.kind}>"

"""The collectivity running this instance: its names, its contacts, its legal pages, as data."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import LabelledEnum, labels, utcnow


class AccessibilityStatus(LabelledEnum):
    """The three statuses French law (RGAA) lets a declaration state."""

    NONE = "non"
    PARTIAL = "partiel"
    FULL = "total"


labels(
    AccessibilityStatus,
    {
        AccessibilityStatus.NONE: _l("non conforme"),
        AccessibilityStatus.PARTIAL: _l("partiellement conforme"),
        AccessibilityStatus.FULL: _l("totalement conforme"),
    },
)


class Collectivity(db.Model):
    """One row: who publishes this instance and what it calls its territorial units (``Pole`` in
    code). ``app.identity`` reads it for every page; until it exists, the default preset speaks."""

    __tablename__ = "collectivity"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # French sentences need the article: "le Département", "la Métropole", "l'Eurométropole".
    name_feminine: Mapped[bool] = mapped_column(default=False)
    platform_name: Mapped[str] = mapped_column(String(60))
    tagline: Mapped[str] = mapped_column(String(120), default="")
    unit_singular: Mapped[str] = mapped_column(String(120))
    unit_plural: Mapped[str] = mapped_column(String(120))
    # The short form used in running text and before a unit's name ("pôle Médoc").
    unit_short: Mapped[str] = mapped_column(String(60))
    unit_short_plural: Mapped[str] = mapped_column(String(60))
    unit_feminine: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    dpo_contact: Mapped[str] = mapped_column(Text, default="")
    legal_publisher: Mapped[str] = mapped_column(Text, default="")
    legal_host: Mapped[str] = mapped_column(Text, default="")
    accessibility_status: Mapped[AccessibilityStatus] = mapped_column(
        Enum(AccessibilityStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=AccessibilityStatus.NONE,
    )
    accessibility_details: Mapped[str] = mapped_column(Text, default="")
    accessibility_date: Mapped[date | None] = mapped_column(default=None)
    # The granting authority in the SCDL subsidies file (app.scdl): its official name when it differs
    # from ``name`` (empty: ``name``), and its SIRET, required by that file.
    grant_authority_name: Mapped[str] = mapped_column(String(120), default="", server_default="")
    siret: Mapped[str] = mapped_column(String(14), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The licence of the open data (app.opendata.licences): Licence Ouverte 2.0 unless chosen otherwise.
    data_licence: Mapped[str] = mapped_column(String(20), default="etalab-2.0", server_default="etalab-2.0")

    def __repr__(self) -> str:
        return f"<Collectivity {self.name}>"

"""The territory: its units (``Pole``; each collectivity names them, see ``app.identity``) and communes."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


class Pole(db.Model):
    """A territorial unit: the collectivity's local service on one part of its territory."""

    __tablename__ = "poles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")

    communes: Mapped[list[Commune]] = relationship(back_populates="pole", order_by="Commune.name", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Pole {self.slug}>"


class Commune(db.Model):
    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # The official code of the Code officiel géographique (INSEE): imports match communes by it.
    # Nullable only for communes created before it was recorded.
    insee_code: Mapped[str | None] = mapped_column(String(5), unique=True)
    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id"), index=True)
    # Calls for projects pay particular attention to rural areas and priority neighbourhoods.
    is_rural: Mapped[bool] = mapped_column(default=False)
    has_qpv: Mapped[bool] = mapped_column(default=False)
    # Demo communes are a realistic sample, not an authoritative list of the département.
    is_demo: Mapped[bool] = mapped_column(default=False)

    pole: Mapped[Pole] = relationship(back_populates="communes", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<Commune {self.slug}>"

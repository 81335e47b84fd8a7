from sqlalchemy import func, select

from app.extensions import db
from app.models import Call, Commune, Pole
from app.models.base import utcnow


def open_and_upcoming_calls() -> list[Call]:
    now = utcnow()
    return list(db.session.scalars(select(Call).where(Call.closes_at > now).order_by(Call.closes_at)))


def poles_with_commune_counts() -> list[tuple[Pole, int]]:
    rows = db.session.execute(
        select(Pole, func.count(Commune.id))
        .outerjoin(Commune, Commune.pole_id == Pole.id)
        .group_by(Pole.id)
        .order_by(Pole.name)
    ).all()
    return [(pole, count) for pole, count in rows]

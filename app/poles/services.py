from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Commune, Pole, User


def pole_by_slug(slug: str) -> Pole:
    return db.first_or_404(select(Pole).where(Pole.slug == slug).options(selectinload(Pole.communes)))


def moderators(pole: Pole) -> list[User]:
    return list(db.session.scalars(select(User).where(User.moderated_pole_id == pole.id).order_by(User.display_name)))


def all_poles() -> list[Pole]:
    return list(db.session.scalars(select(Pole).options(selectinload(Pole.communes)).order_by(Pole.name)))


def commune_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Communes grouped by pole, for <select> fields with <optgroup>."""
    rows = db.session.execute(
        select(Commune.id, Commune.name, Pole.name).join(Pole).order_by(Pole.name, Commune.name)
    ).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for commune_id, commune_name, pole_name in rows:
        groups.setdefault(pole_name, []).append((commune_id, commune_name))
    return list(groups.items())

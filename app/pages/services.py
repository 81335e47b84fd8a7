from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import Call, Commune, Pole
from app.models.base import utcnow


def open_and_upcoming_calls() -> list[Call]:
    now = utcnow()
    return list(db.session.scalars(select(Call).where(Call.closes_at > now).order_by(Call.closes_at)))


# How long a call's results stay on the home page: a département shows last year's winners.
RECENT_RESULTS = timedelta(days=365)


def calls_with_recent_results(limit: int = 3) -> list[Call]:
    """Closed calls whose results were published lately, the newest publication first."""
    since = utcnow() - RECENT_RESULTS
    return list(
        db.session.scalars(
            select(Call)
            .where(Call.results_published_at.is_not(None), Call.results_published_at >= since)
            .order_by(Call.results_published_at.desc(), Call.id.desc())
            .limit(limit)
        )
    )


def poles_with_commune_counts() -> list[tuple[Pole, int]]:
    rows = db.session.execute(
        select(Pole, func.count(Commune.id))
        .outerjoin(Commune, Commune.pole_id == Pole.id)
        .group_by(Pole.id)
        .order_by(Pole.name)
    ).all()
    return [(pole, count) for pole, count in rows]

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import PUBLIC_STATES, Commune, Idea, Pole, Proposal, User
from app.models.participation import proposal_poles
from app.models.pole_scope import moderates
from app.models.taxonomy import idea_publics, proposal_publics
from app.search.filters import Option
from app.territory import commune_label


def pole_by_slug(slug: str) -> Pole:
    return db.first_or_404(select(Pole).where(Pole.slug == slug).options(selectinload(Pole.communes)))


def moderators(pole: Pole) -> list[User]:
    return list(db.session.scalars(select(User).where(moderates(pole.id)).order_by(User.display_name)))


def all_poles() -> list[Pole]:
    return list(db.session.scalars(select(Pole).options(selectinload(Pole.communes)).order_by(Pole.name)))


def commune_options(pole_id: int | None = None) -> list[tuple[str, str]]:
    """Every commune as a picker suggests it: ("Nom (code)", its unit's name), by name."""
    query = select(Commune, Pole.name).join(Pole).order_by(Commune.name, Commune.id)
    if pole_id:
        query = query.where(Commune.pole_id == pole_id)
    return [(commune_label(commune), pole_name) for commune, pole_name in db.session.execute(query)]


# --- Moderation and accompaniment: the pole page lists its territory's contributions ----------

LIST_LIMIT = 30


def pole_ideas(pole: Pole, domain: Option | None = None, public: Option | None = None) -> list[Idea]:
    """Visible ideas of the pole, newest first, optionally of one domain and one public."""
    query = select(Idea).where(Idea.pole_id == pole.id, Idea.hidden_at.is_(None)).options(selectinload(Idea.publics))
    if domain:
        query = query.where(Idea.domain_id == domain.id)
    if public:
        query = query.where(Idea.id.in_(select(idea_publics.c.idea_id).where(idea_publics.c.public_id == public.id)))
    return list(db.session.scalars(query.order_by(Idea.created_at.desc(), Idea.id.desc()).limit(LIST_LIMIT)))


def pole_proposals(pole: Pole, domain: Option | None = None, public: Option | None = None) -> list[Proposal]:
    query = (
        select(Proposal)
        .where(Proposal.id.in_(select(proposal_poles.c.proposal_id).where(proposal_poles.c.pole_id == pole.id)))
        .where(Proposal.state.in_(PUBLIC_STATES), Proposal.hidden_at.is_(None))
        .options(selectinload(Proposal.publics))
    )
    if domain:
        query = query.where(Proposal.domain_id == domain.id)
    if public:
        query = query.where(
            Proposal.id.in_(select(proposal_publics.c.proposal_id).where(proposal_publics.c.public_id == public.id))
        )
    return list(db.session.scalars(query.order_by(Proposal.published_at.desc(), Proposal.id.desc()).limit(LIST_LIMIT)))

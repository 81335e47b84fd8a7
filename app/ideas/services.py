"""Ideas: rules as plain functions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import taxonomy
from app.extensions import db
from app.follows.services import follow
from app.models import PUBLIC_STATES, Commune, Domain, Idea, Mediation, Proposal, TargetPublic, User
from app.models.base import utcnow


def _apply(
    idea: Idea,
    *,
    title: str,
    description: str,
    commune_id: int,
    domain: str,
    publics: list[str],
    subdomain: int | str | None = None,
) -> None:
    commune = db.session.get(Commune, commune_id)
    if commune is None:
        raise ValueError("unknown commune")
    idea.title = title.strip()
    idea.description = description.strip()
    idea.commune_id = commune.id
    idea.pole_id = commune.pole_id
    chosen = taxonomy.by_slug(Domain, domain)
    if chosen is None:
        raise ValueError("unknown domain")
    idea.domain = chosen
    idea.subdomain = taxonomy.subdomain_for(chosen, subdomain)
    idea.publics = taxonomy.by_slugs(TargetPublic, publics)


def create_idea(author: User, **fields) -> Idea:
    idea = Idea(author_id=author.id)
    idea.publics = []
    _apply(idea, **fields)
    db.session.add(idea)
    db.session.flush()
    follow(author.id, idea, commit=False)  # authors follow their own content
    db.session.commit()
    return idea


def update_idea(idea: Idea, **fields) -> None:
    _apply(idea, **fields)
    idea.updated_at = utcnow()
    db.session.commit()


def get_idea(idea_id: int) -> Idea:
    return db.first_or_404(
        select(Idea)
        .where(Idea.id == idea_id)
        .options(
            joinedload(Idea.author),
            joinedload(Idea.commune),
            joinedload(Idea.pole),
            # Collected in person: who and which unit, joined (no extra query).
            joinedload(Idea.mediation).joinedload(Mediation.pole),
            selectinload(Idea.publics),
        )
    )


def proposals_from(idea: Idea) -> list[Proposal]:
    """The public proposals that took this idea up."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.idea_id == idea.id, Proposal.state.in_(PUBLIC_STATES))
            .options(joinedload(Proposal.association))
            .order_by(Proposal.id)
        )
    )

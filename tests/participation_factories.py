"""Builders for ideas, proposals and comments in tests (ORM models, committed)."""

from __future__ import annotations

from itertools import count

from app.comments import services as comment_services
from app.extensions import db
from app.models import Association, Comment, Commune, Domain, Idea, Proposal, ProposalState, TargetPublic, User
from app.models.base import utcnow

_seq = count(1)


def make_idea(author: User, commune: Commune, **kw) -> Idea:
    n = next(_seq)
    idea = Idea(
        title=kw.pop("title", f"Idée {n}"),
        description=kw.pop("description", f"Un besoin observé sur le terrain, numéro {n}."),
        author_id=author.id,
        commune_id=commune.id,
        pole_id=commune.pole_id,
        domain=kw.pop("domain", Domain.FOOD),
        **kw,
    )
    idea.public_rows = []
    idea.publics = [TargetPublic.SENIORS]
    db.session.add(idea)
    db.session.commit()
    return idea


def make_proposal(
    association: Association, author: User, state: ProposalState = ProposalState.PUBLISHED, **kw
) -> Proposal:
    n = next(_seq)
    proposal = Proposal(
        association_id=association.id,
        author_id=author.id,
        state=state,
        title=kw.pop("title", f"Proposition {n}"),
        summary=kw.pop("summary", f"Le résumé de la proposition {n}."),
        need=kw.pop("need", "Un besoin social."),
        experimentation=kw.pop("experimentation", "Ce qui est expérimental."),
        domain=kw.pop("domain", Domain.HEALTH),
        budget_eur=kw.pop("budget_eur", 20_000),
        duration_months=kw.pop("duration_months", 12),
        published_at=kw.pop("published_at", utcnow() if state != ProposalState.DRAFT else None),
        **kw,
    )
    proposal.public_rows = []
    proposal.communes = []
    proposal.poles = []
    db.session.add(proposal)
    db.session.commit()
    return proposal


def make_comment(subject, author: User, body: str | None = None, reply_to: Comment | None = None) -> Comment:
    """Through the service, so depth, counts and notifications are the real ones.

    Needs a request context (notifications carry a link): the ``app`` fixture runs the test in one.
    """
    return comment_services.create_comment(subject, author, body or f"Message numéro {next(_seq)}", reply_to=reply_to)

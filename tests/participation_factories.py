"""Small builders for ideas, proposals and comments (tests create rows directly)."""

from __future__ import annotations

from itertools import count

from app.comments import services as comment_services
from app.extensions import db
from app.models import Association, Comment, Commune, Domain, Idea, Proposal, ProposalState, User
from app.models.base import utcnow

_seq = count(1)


def make_idea(author: User, commune: Commune, *, title: str | None = None, description: str = "Un besoin constaté sur le terrain, décrit en détail.") -> Idea:
    idea = Idea(
        title=title or f"Idée numéro {next(_seq)}", description=description, author_id=author.id,
        commune_id=commune.id, pole_id=commune.pole_id, domain=Domain.FOOD,
    )
    db.session.add(idea)
    db.session.commit()
    return idea


def make_proposal(association: Association, author: User, *, state: ProposalState = ProposalState.PUBLISHED, title: str | None = None) -> Proposal:
    proposal = Proposal(
        association_id=association.id, author_id=author.id, title=title or f"Proposition numéro {next(_seq)}",
        summary="Une expérimentation sociale de proximité.", domain=Domain.CITIZENSHIP, state=state,
        published_at=utcnow() if state != ProposalState.DRAFT else None,
    )
    db.session.add(proposal)
    db.session.commit()
    return proposal


def make_comment(subject, author: User, body: str | None = None, reply_to: Comment | None = None) -> Comment:
    """Through the service, so depth, counts and notifications are the real ones.

    Needs a request context (notifications carry a link): use the ``req`` fixture of the tests.
    """
    return comment_services.create_comment(subject, author, body or f"Message numéro {next(_seq)}", reply_to=reply_to)

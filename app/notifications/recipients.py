"""Who is told about a proposal: everyone who wrote it, that is the members of its lead
association and of the associations that accepted to co-author it. Moderation, accompaniment,
comments, calls and amendments all tell the same people."""

from __future__ import annotations

from sqlalchemy import or_, select

from app.extensions import db
from app.models import CoauthorStatus, Membership, Proposal, ProposalCoauthor


def proposal_recipients(proposal: Proposal, *, exclude: int | None = None) -> list[int]:
    """Each member once (one may belong to several of the associations), without ``exclude``
    (the person who acted): one query, whether or not the co-authors are loaded."""
    coauthors = select(ProposalCoauthor.association_id).where(
        ProposalCoauthor.proposal_id == proposal.id, ProposalCoauthor.status == CoauthorStatus.ACCEPTED
    )
    query = select(Membership.user_id).where(
        or_(Membership.association_id == proposal.association_id, Membership.association_id.in_(coauthors))
    )
    if exclude is not None:
        query = query.where(Membership.user_id != exclude)
    return list(db.session.scalars(query.distinct().order_by(Membership.user_id)))

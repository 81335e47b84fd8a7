"""Co-authoring associations: invitations, answers, leaving."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.errors import RuleError
from app.extensions import db
from app.models import Association, CoauthorStatus, Membership, MembershipRole, Proposal, ProposalCoauthor, User
from app.models.base import utcnow
from app.notifications.services import notify
from app.subjects import url_of


class CoauthorError(RuleError):
    """A rule refused the co-authoring invitation (or its answer)."""


def _members(association_id: int, admins_only: bool = False) -> list[int]:
    query = select(Membership.user_id).where(Membership.association_id == association_id)
    if admins_only:
        query = query.where(Membership.role == MembershipRole.ADMIN)
    return list(db.session.scalars(query))


def invite(proposal: Proposal, association: Association, by: User) -> ProposalCoauthor:
    if association.id == proposal.association_id:
        raise CoauthorError(_("Votre association porte déjà cette proposition."))
    existing = next((c for c in proposal.coauthorships if c.association_id == association.id), None)
    if existing is not None and existing.status != CoauthorStatus.DECLINED:
        raise CoauthorError(_("« %(name)s » est déjà invitée ou co-autrice.", name=association.name))
    if existing is None:
        existing = ProposalCoauthor(proposal_id=proposal.id, association_id=association.id, invited_by_id=by.id)
        db.session.add(existing)
    else:
        existing.status, existing.invited_by_id, existing.invited_at = CoauthorStatus.INVITED, by.id, utcnow()
        existing.responded_by_id = existing.responded_at = None
    db.session.flush()
    notify(
        _members(association.id, admins_only=True),
        "coauthor_invitation",
        _l(
            "« %(lead)s » invite « %(name)s » à co-écrire la proposition « %(title)s ».",
            lead=proposal.association.name,
            name=association.name,
            title=proposal.title,
        ),
        url_of(proposal),
        exclude=by.id,
    )
    db.session.commit()
    return existing


def respond(coauthorship: ProposalCoauthor, accept: bool, by: User) -> None:
    if coauthorship.status != CoauthorStatus.INVITED:
        raise CoauthorError(_("Cette invitation a déjà reçu une réponse."))
    coauthorship.status = CoauthorStatus.ACCEPTED if accept else CoauthorStatus.DECLINED
    coauthorship.responded_by_id, coauthorship.responded_at = by.id, utcnow()
    proposal = coauthorship.proposal
    # Lazy, so that each member reads it in their own language.
    text = (
        _l("« %(name)s » accepte de co-écrire « %(title)s ».", name=coauthorship.association.name, title=proposal.title)
        if accept
        else _l(
            "« %(name)s » décline l'invitation à co-écrire « %(title)s ».",
            name=coauthorship.association.name,
            title=proposal.title,
        )
    )
    notify(_members(proposal.association_id), "coauthor_answer", text, url_of(proposal), exclude=by.id)
    db.session.commit()


def remove(coauthorship: ProposalCoauthor, by: User) -> None:
    """The lead removes a co-author, or the co-author leaves: its members lose edit rights."""
    proposal = coauthorship.proposal
    name = coauthorship.association.name
    db.session.delete(coauthorship)
    notify(
        _members(coauthorship.association_id) + _members(proposal.association_id),
        "coauthor_removed",
        _l("« %(name)s » n'est plus co-autrice de « %(title)s ».", name=name, title=proposal.title),
        url_of(proposal),
        exclude=by.id,
    )
    db.session.commit()


def invitable_associations(proposal: Proposal) -> list[Association]:
    taken = {proposal.association_id} | {
        c.association_id for c in proposal.coauthorships if c.status != CoauthorStatus.DECLINED
    }
    return [a for a in db.session.scalars(select(Association).order_by(Association.name)) if a.id not in taken]

"""Builders for search and notification tests: ideas, proposals, calls and notifications."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from app.extensions import db
from app.models import (
    Association,
    Call,
    Commune,
    Domain,
    Idea,
    Notification,
    Pole,
    Proposal,
    ProposalState,
    TargetPublic,
    User,
)
from app.models.base import utcnow
from tests import factories

_seq = count(1)


def make_idea(
    title: str,
    description: str = "Une description.",
    *,
    commune: Commune,
    author: User | None = None,
    domain: Domain = Domain.FOOD,
    publics: tuple[TargetPublic, ...] = (),
    supports: int = 0,
    comments: int = 0,
    created_at: datetime | None = None,
) -> Idea:
    author = author or factories.make_user()
    idea = Idea(
        title=title,
        description=description,
        author_id=author.id,
        commune_id=commune.id,
        pole_id=commune.pole_id,
        domain=domain,
        support_count=supports,
        comment_count=comments,
        created_at=created_at or utcnow(),
    )
    idea.public_rows = []
    idea.publics = list(publics)
    db.session.add(idea)
    db.session.commit()
    return idea


def make_proposal(
    title: str,
    summary: str = "Un résumé.",
    *,
    association: Association,
    communes: tuple[Commune, ...] = (),
    domain: Domain = Domain.FOOD,
    publics: tuple[TargetPublic, ...] = (),
    state: ProposalState = ProposalState.PUBLISHED,
    need: str = "",
    rural: bool = False,
    qpv: bool = False,
    supports: int = 0,
    comments: int = 0,
    published_at: datetime | None = None,
    author: User | None = None,
) -> Proposal:
    author = author or factories.make_user()
    proposal = Proposal(
        title=title,
        summary=summary,
        need=need,
        association_id=association.id,
        author_id=author.id,
        domain=domain,
        state=state,
        is_rural=rural,
        is_qpv=qpv,
        support_count=supports,
        comment_count=comments,
        published_at=(published_at or utcnow()) if state != ProposalState.DRAFT else None,
    )
    proposal.public_rows = []
    proposal.publics = list(publics)
    proposal.communes = list(communes)
    proposal.poles = [db.session.get(Pole, pole_id) for pole_id in dict.fromkeys(c.pole_id for c in communes)]
    db.session.add(proposal)
    db.session.commit()
    return proposal


def make_call(title: str, summary: str = "", *, funder: str = "Département de la Gironde") -> Call:
    call = Call(
        slug=f"appel-{next(_seq)}",
        title=title,
        funder=funder,
        summary=summary,
        opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() + timedelta(days=30),
    )
    db.session.add(call)
    db.session.commit()
    return call


def make_notification(
    user: User, text: str = "Quelque chose s'est passé.", *, kind: str = "comment", url: str = "/idees/"
) -> Notification:
    notification = Notification(user_id=user.id, kind=kind, text=text, url=url)
    db.session.add(notification)
    db.session.commit()
    return notification

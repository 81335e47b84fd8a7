"""Proposals: rules as plain functions the routes and tests call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Association, Commune, Domain, Idea, Pole, Proposal, ProposalState, TargetPublic, User
from app.models.base import utcnow
from app.notifications.services import notify
from app.permissions import association_ids
from app.proposals import states
from app.subjects import url_of

PER_PAGE = 20
TEXT_FIELDS = ("title", "summary", "need", "experimentation", "outreach", "cooperation", "impact_indicators")
# What the call needs before a proposal goes public: checked on publishing, in French.
REQUIRED_TO_PUBLISH = {
    "need": _l("le besoin social"),
    "experimentation": _l("ce qui est expérimental"),
    "budget_eur": _l("le budget demandé"),
    "duration_months": _l("la durée"),
}


class ProposalConflict(Exception):
    """Someone saved the proposal since this person started editing it."""

    def __init__(self, current: Proposal) -> None:
        super().__init__("proposal changed meanwhile")
        self.current = current


@dataclass
class Incomplete(Exception):
    missing: list[str]

    def message(self) -> str:
        return _("Avant de publier, complétez : %(fields)s.", fields=", ".join(self.missing))


def _territory(proposal: Proposal, pole_ids: list[int], commune_ids: list[int]) -> None:
    communes = list(db.session.scalars(select(Commune).where(Commune.id.in_(commune_ids)))) if commune_ids else []
    wanted_poles = set(pole_ids) | {c.pole_id for c in communes}
    proposal.communes = communes
    proposal.poles = list(db.session.scalars(select(Pole).where(Pole.id.in_(wanted_poles)))) if wanted_poles else []


def _apply(proposal: Proposal, fields: dict[str, Any]) -> None:
    for name in TEXT_FIELDS:
        if name in fields:
            setattr(proposal, name, (fields[name] or "").strip())
    if "domain" in fields:
        proposal.domain = Domain(fields["domain"])
    if "publics" in fields:
        proposal.publics = [TargetPublic(p) for p in fields["publics"]]
    for name in ("budget_eur", "duration_months", "is_rural", "is_qpv"):
        if name in fields:
            setattr(proposal, name, fields[name])
    if "poles" in fields or "communes" in fields:
        _territory(proposal, fields.get("poles") or [], fields.get("communes") or [])


def create_proposal(author: User, association: Association, fields: dict[str, Any], idea: Idea | None = None) -> Proposal:
    proposal = Proposal(association_id=association.id, author_id=author.id, idea_id=idea.id if idea else None)
    proposal.public_rows = []
    proposal.communes = []
    proposal.poles = []
    _apply(proposal, fields)
    db.session.add(proposal)
    db.session.flush()
    if idea is not None:
        notify(
            [idea.author_id], "idea_taken_up",
            _("« %(association)s » reprend votre idée « %(idea)s » dans une proposition.", association=association.name, idea=idea.title),
            url_of(idea), exclude=author.id,
        )
    db.session.commit()
    return proposal


def update_proposal(proposal: Proposal, fields: dict[str, Any], expected_version: int) -> None:
    """Save, unless someone else saved since ``expected_version``: then raise ProposalConflict and
    change nothing. The version check and bump are one UPDATE, so two saves can't both pass."""
    bumped = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.version == expected_version)
        .values(version=Proposal.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        db.session.rollback()
        raise ProposalConflict(get_proposal(proposal.id))
    _apply(proposal, fields)
    db.session.commit()


def transition(proposal: Proposal, action: str) -> None:
    if action == "publish":
        missing = [str(label) for name, label in REQUIRED_TO_PUBLISH.items() if getattr(proposal, name) in (None, "")]
        if missing:
            raise Incomplete(missing)
    states.apply_transition(proposal, action)
    db.session.commit()


def _list_options():
    return (
        joinedload(Proposal.association),
        selectinload(Proposal.poles),
        selectinload(Proposal.public_rows),
    )


def proposals_page(page: int = 1):
    query = (
        select(Proposal)
        .where(Proposal.state == ProposalState.PUBLISHED)
        .where(Proposal.hidden_at.is_(None))  # hidden pending moderation
        .options(*_list_options())
        .order_by(Proposal.published_at.desc(), Proposal.id.desc())
    )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)


def drafts_of(user: User) -> list[Proposal]:
    ids = association_ids(user)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.association_id.in_(ids), Proposal.state != ProposalState.PUBLISHED)
            .options(*_list_options())
            .order_by(Proposal.updated_at.desc())
        )
    )


def get_proposal(proposal_id: int) -> Proposal:
    return db.first_or_404(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.association),
            joinedload(Proposal.author),
            joinedload(Proposal.idea),
            selectinload(Proposal.poles),
            selectinload(Proposal.communes),
            selectinload(Proposal.public_rows),
        )
        .execution_options(populate_existing=True)
    )


def associations_of(user: User) -> list[Association]:
    ids = association_ids(user)
    return list(db.session.scalars(select(Association).where(Association.id.in_(ids)).order_by(Association.name))) if ids else []


def count_published() -> int:
    return db.session.scalar(select(func.count(Proposal.id)).where(Proposal.state == ProposalState.PUBLISHED))

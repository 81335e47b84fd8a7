"""Proposals: rules as plain functions the routes and tests call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from app import identity, taxonomy
from app.errors import RuleError
from app.extensions import db
from app.follows.services import follow
from app.models import (
    EDITABLE_STATES,
    FROZEN_STATES,
    IN_PROGRESS_STATES,
    Association,
    CoauthorStatus,
    Commune,
    Domain,
    Idea,
    Pole,
    Proposal,
    ProposalCoauthor,
    TargetPublic,
    User,
)
from app.models.base import utcnow
from app.notifications.services import notify
from app.permissions import association_ids
from app.proposals import budget, questions, revisions, states
from app.subjects import url_of

# The columns a proposal needs before it goes public, besides its required answers (checked on publishing).
REQUIRED_TO_PUBLISH = {
    "budget_eur": _l("le budget demandé"),
    "duration_months": _l("la durée"),
}


class ProposalConflict(RuleError):
    """Someone saved the same field(s) since this person started editing: nothing was saved.
    Besides the message, it carries what the conflict page shows."""

    def __init__(
        self, current: Proposal, conflicts: list[str], mine: dict[str, Any], base: dict[str, Any] | None
    ) -> None:
        super().__init__(_("La proposition vient d'être modifiée : recommencez."))
        self.current = current
        self.conflicts = conflicts
        self.mine = mine
        self.base = base


@dataclass
class SaveResult:
    changed: list[str]
    # True when someone else's save, on other fields, came first and both were kept.
    merged: bool = False


class Incomplete(RuleError):
    """Publishing needs fields that are still empty."""


def _territory(proposal: Proposal, pole_ids: list[int], commune_ids: list[int]) -> None:
    communes = list(db.session.scalars(select(Commune).where(Commune.id.in_(commune_ids)))) if commune_ids else []
    wanted_poles = set(pole_ids) | {c.pole_id for c in communes}
    proposal.communes = communes
    proposal.poles = list(db.session.scalars(select(Pole).where(Pole.id.in_(wanted_poles)))) if wanted_poles else []


def _apply(proposal: Proposal, fields: dict[str, Any]) -> None:
    for name in ("title", "summary"):
        if name in fields:
            setattr(proposal, name, (fields[name] or "").strip())
    # Every other name a question of the proposal asks is an answer.
    keys = questions.sheet(proposal).keys
    answers = {name: value for name, value in fields.items() if name in keys}
    if answers:
        questions.save_answers(proposal, answers)
    if "domain" in fields:
        chosen = taxonomy.by_slug(Domain, fields["domain"])
        if chosen is None:
            raise ValueError("unknown domain")
        proposal.domain = chosen
    if "domain" in fields or "subdomain" in fields:
        wanted = fields["subdomain"] if "subdomain" in fields else proposal.subdomain_id
        try:
            proposal.subdomain = taxonomy.subdomain_for(proposal.domain, wanted)
        except ValueError:
            if "subdomain" in fields:
                raise
            # A merge changed the domain only: the old sub-domain belongs to the old domain.
            proposal.subdomain = None
    if "publics" in fields:
        proposal.publics = taxonomy.by_slugs(TargetPublic, fields["publics"])
    for name in ("budget_eur", "duration_months", "is_rural", "is_qpv"):
        if name in fields:
            setattr(proposal, name, fields[name])
    if "budget_lines" in fields:
        # The amount asked follows the budget: the ranking, decisions and envelope read budget_eur.
        proposal.budget_lines = list(fields["budget_lines"] or []) or None
        if proposal.budget_lines:
            proposal.budget_eur = budget.totals(budget.lines_of(proposal.budget_lines)).asked
    if "poles" in fields or "communes" in fields:
        _territory(proposal, fields.get("poles") or [], fields.get("communes") or [])


def create_proposal(
    author: User, association: Association, fields: dict[str, Any], idea: Idea | None = None, call_id: int | None = None
) -> Proposal:
    """``call_id``: drafted for that call, it answers the call's questions (else the default ones)."""
    proposal = Proposal(
        association_id=association.id, author_id=author.id, idea_id=idea.id if idea else None, call_id=call_id
    )
    proposal.publics = []
    proposal.communes = []
    proposal.poles = []
    proposal.coauthorships = []
    _apply(proposal, {name: value for name, value in fields.items() if name not in questions.sheet(proposal).keys})
    db.session.add(proposal)
    db.session.flush()
    questions.forget(proposal)  # now it has an id: its sheet can hold answers
    _apply(proposal, {name: value for name, value in fields.items() if name in questions.sheet(proposal).keys})
    db.session.flush()
    questions.forget(proposal)
    revisions.record(proposal, author.id, [f for f in revisions.fields_of(proposal) if f in fields], note="")
    follow(author.id, proposal, commit=False)  # authors follow their own content
    if idea is not None:
        notify(
            [idea.author_id],
            "idea_taken_up",
            _l(
                "« %(association)s » reprend votre idée « %(idea)s » dans une proposition.",
                association=association.name,
                idea=idea.title,
            ),
            url_of(idea),
            exclude=author.id,
        )
    db.session.commit()
    return proposal


def frozen_message() -> str:
    return _(
        "Cette proposition est déposée à un appel à projets : elle ne peut plus être "
        "modifiée, sauf si %(the_unit)s ou l'administration la renvoie pour compléments.",
        the_unit=identity.current().unit.the,
    )


class Frozen(RuleError):
    """The proposal is submitted to a call (or decided): its text no longer changes."""


def update_proposal(
    proposal: Proposal, fields: dict[str, Any], expected_version: int, author_id: int | None = None, note: str = ""
) -> SaveResult:
    """Save what this person changed since ``expected_version`` (the version their form showed).

    If others saved meanwhile: their changes to other fields are kept and merged; a change to
    the same field raises ProposalConflict and nothing is saved. The version check and bump are
    one UPDATE, so two concurrent saves can never both think they were first."""
    author_id = author_id if author_id is not None else proposal.author_id
    mine = revisions.normalise(fields)
    proposal = get_proposal(proposal.id)  # fresh, with what the snapshot needs
    for _attempt in range(5):
        if proposal.state in FROZEN_STATES:  # calls: a submitted proposal is frozen
            db.session.rollback()
            raise Frozen(frozen_message())
        current = revisions.snapshot(proposal)
        merged = expected_version != proposal.version
        if not merged:
            to_apply = {name: value for name, value in mine.items() if current.get(name) != value}
        else:
            base_revision = revisions.revision_at(proposal.id, expected_version)
            base = base_revision.snapshot if base_revision else None
            if base is None:
                conflicts = [name for name, value in mine.items() if current.get(name) != value]
                to_apply = {}
            else:
                to_apply, conflicts = revisions.three_way(base, current, mine)
                to_apply = {name: value for name, value in to_apply.items() if current.get(name) != value}
            if conflicts:
                db.session.rollback()
                raise ProposalConflict(proposal, conflicts, mine, base)
        if not to_apply:
            return SaveResult(changed=[], merged=merged)
        read_version = proposal.version
        bumped = db.session.execute(
            update(Proposal)
            .where(Proposal.id == proposal.id, Proposal.version == read_version)
            # calls: a submission in between freezes it; the loop then re-reads and refuses.
            .where(Proposal.state.in_(EDITABLE_STATES))
            .values(version=read_version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if bumped.rowcount != 1:
            # Someone saved between our read and our write: read again and redo the merge.
            db.session.rollback()
            proposal = get_proposal(proposal.id)
            continue
        _apply(proposal, to_apply)
        db.session.flush()
        proposal.version = read_version + 1
        changed_fields = [name for name in revisions.fields_of(proposal) if name in to_apply]
        revisions.record(proposal, author_id, changed_fields, note=note)
        db.session.commit()
        return SaveResult(changed=changed_fields, merged=merged)
    raise ProposalConflict(proposal, list(mine), mine, None)


def restore_revision(proposal: Proposal, version: int, user: User) -> SaveResult:
    """Bring back an old version's text as a new revision: history is never rewritten."""
    revision = revisions.revision_at(proposal.id, version)
    if revision is None:
        raise LookupError(version)
    return update_proposal(
        proposal,
        # The text only: files added or removed are not brought back (app/attachments).
        {name: value for name, value in revision.snapshot.items() if name != "attachments"},
        expected_version=proposal.version,
        author_id=user.id,
        note=_("Restauration de la version %(version)d", version=version),
    )


def transition(proposal: Proposal, action: str) -> None:
    if action == "publish":
        sheet = questions.sheet(proposal)
        missing = [questions.short_label(q) for q in questions.missing_for(sheet.questions, proposal)]
        missing += [str(label) for name, label in REQUIRED_TO_PUBLISH.items() if getattr(proposal, name) in (None, "")]
        if missing:
            raise Incomplete(_("Avant de publier, complétez : %(fields)s.", fields=", ".join(missing)))
    states.apply_transition(proposal, action)
    db.session.commit()


def _list_options():
    return (
        joinedload(Proposal.association),
        selectinload(Proposal.poles),
        selectinload(Proposal.publics),
    )


def in_progress_of(user: User) -> list[Proposal]:
    """What this person's associations (lead or co-author) still work on or wait for: drafts,
    sent back for changes, deposited and not yet decided (IN_PROGRESS_STATES)."""
    ids = association_ids(user)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Proposal)
            .where(
                or_(
                    Proposal.association_id.in_(ids),
                    Proposal.id.in_(
                        select(ProposalCoauthor.proposal_id).where(
                            ProposalCoauthor.association_id.in_(ids), ProposalCoauthor.status == CoauthorStatus.ACCEPTED
                        )
                    ),
                ),
                Proposal.state.in_(IN_PROGRESS_STATES),
            )
            .options(*_list_options())
            .order_by(Proposal.updated_at.desc())
        )
    )


def get_proposal(proposal_id: int) -> Proposal:
    proposal = db.first_or_404(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.association),
            joinedload(Proposal.author),
            joinedload(Proposal.idea),
            selectinload(Proposal.poles),
            selectinload(Proposal.communes),
            selectinload(Proposal.publics),
            selectinload(Proposal.coauthorships).joinedload(ProposalCoauthor.association),
        )
        .execution_options(populate_existing=True)
    )
    questions.forget(proposal)  # its answers are read again, once, when something asks for them
    return proposal


def associations_of(user: User) -> list[Association]:
    ids = association_ids(user)
    return (
        list(db.session.scalars(select(Association).where(Association.id.in_(ids)).order_by(Association.name)))
        if ids
        else []
    )

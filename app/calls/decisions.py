"""Decisions within the envelope, and publishing the results."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from app.calls.services import CallError
from app.extensions import db
from app.formatting import euros
from app.models import Call, Decision, Proposal, Submission
from app.models.base import utcnow
from app.notifications.recipients import proposal_recipients
from app.notifications.services import notify
from app.proposals import states


def granted_total(call_id: int, exclude_submission: int | None = None) -> int:
    query = select(func.coalesce(func.sum(Submission.granted_eur), 0)).where(
        Submission.call_id == call_id, Submission.decision == Decision.SELECTED
    )
    if exclude_submission is not None:
        query = query.where(Submission.id != exclude_submission)
    return int(db.session.scalar(query))


def _lock_call(call_id: int) -> Call:
    """Serialise every decision of one call: the sum checked is the sum committed."""
    db.session.rollback()  # start a fresh transaction: its first statement takes the lock
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(select(Call).where(Call.id == call_id).with_for_update())
    # SQLite: a write first, so this transaction holds the database's write lock from the start
    # (a read first would pin an older snapshot and could not be upgraded safely).
    db.session.execute(text("UPDATE calls SET id = id WHERE id = :id"), {"id": call_id})
    return db.session.get(Call, call_id)


def decide(submission_id: int, decision: Decision, amount: int | None, reason: str) -> Submission:
    reason = (reason or "").strip()
    if not reason:
        raise CallError(_("Donnez la raison de la décision : elle sera publiée avec les résultats."), "reason")
    submission = db.session.get(Submission, submission_id)
    call = _lock_call(submission.call_id)
    try:
        submission = db.session.get(Submission, submission_id, populate_existing=True)
        if call.results_published_at is not None:
            raise CallError(_("Les résultats sont publiés : les décisions ne changent plus."))
        proposal = db.session.get(Proposal, submission.proposal_id)
        if proposal.state not in (states.S.SUBMITTED,):
            raise CallError(_("Seule une proposition déposée (et non renvoyée pour compléments) reçoit une décision."))
        if decision is Decision.SELECTED:
            if amount is None or amount <= 0:
                raise CallError(_("Indiquez le montant accordé (en euros)."), "amount")
            if call.max_grant_eur is not None and amount > call.max_grant_eur:
                raise CallError(
                    _(
                        "%(amount)s dépasse le montant maximum de l'appel (%(max)s).",
                        amount=euros(amount),
                        max=euros(call.max_grant_eur),
                    ),
                    "amount",
                )
            others = granted_total(call.id, exclude_submission=submission.id)
            if others + amount > call.envelope_eur:
                raise CallError(
                    _(
                        "Enveloppe dépassée : %(others)s déjà accordés + %(amount)s = %(total)s, "
                        "pour une enveloppe de %(envelope)s. Reste disponible : %(left)s.",
                        others=euros(others),
                        amount=euros(amount),
                        total=euros(others + amount),
                        envelope=euros(call.envelope_eur),
                        left=euros(max(call.envelope_eur - others, 0)),
                    ),
                    "amount",
                )
        else:
            amount = None
        submission.decision, submission.granted_eur = decision, amount
        submission.decision_reason, submission.decided_at = reason, utcnow()
        submission.step, submission.step_at = decision.label, utcnow()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return submission


def publish_results(call: Call) -> int:
    """Apply every decision to its proposal, show the results and tell every co-author."""
    if call.results_published_at is not None:
        raise CallError(_("Les résultats sont déjà publiés."))
    if call.is_open() or utcnow() < call.closes_at:
        raise CallError(_("L'appel est encore ouvert : publiez les résultats après sa clôture."))
    submissions = db.session.scalars(select(Submission).where(Submission.call_id == call.id)).all()
    proposals = {
        p.id: p
        for p in db.session.scalars(select(Proposal).where(Proposal.id.in_([s.proposal_id for s in submissions])))
    }
    undecided = [s for s in submissions if s.decision is None and proposals[s.proposal_id].state == states.S.SUBMITTED]
    if undecided:
        raise CallError(_("%(n)d proposition(s) déposée(s) n'ont pas encore de décision.", n=len(undecided)))
    action = {Decision.SELECTED: "select", Decision.WAITLIST: "waitlist", Decision.REJECTED: "not_select"}
    notified = 0
    call.results_published_at = utcnow()
    for s in submissions:
        proposal = proposals[s.proposal_id]
        if s.decision is None or proposal.state != states.S.SUBMITTED:
            continue
        states.apply_transition(proposal, action[s.decision])
        if s.decision is Decision.SELECTED:
            message = _(
                "Résultats de l'appel « %(call)s » : « %(title)s » est retenue, %(amount)s accordés. %(reason)s",
                call=call.title,
                title=proposal.title,
                amount=euros(s.granted_eur),
                reason=s.decision_reason,
            )
        else:
            message = _(
                "Résultats de l'appel « %(call)s » : « %(title)s » — %(decision)s. %(reason)s",
                call=call.title,
                title=proposal.title,
                decision=s.decision.label,
                reason=s.decision_reason,
            )
        ids = proposal_recipients(proposal)
        notified += len(ids)
        notify(ids, "evaluation", message, url_for("proposals.detail", proposal_id=proposal.id))
    db.session.commit()
    return notified

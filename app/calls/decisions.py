"""Decisions within the envelope, and publishing the results."""

from __future__ import annotations

from functools import partial

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, text

from app.calls.services import CallError
from app.extensions import db
from app.follows.services import followers
from app.formatting import datetime_fr, euros
from app.models import Call, Decision, Idea, Proposal, Submission
from app.models.base import utcnow
from app.notifications.recipients import proposal_recipients
from app.notifications.services import notify
from app.proposals import states
from app.scdl import terms as scdl_terms
from app.scdl.terms import GrantTerms


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


class AboveRequest(CallError):
    """A grant above what the proposal asked for: allowed, but only once the person confirms it."""


def decisions_open_at(call: Call):
    """When decisions (and so publication) become possible: the call's closing time."""
    return call.closes_at


def check_decidable(call: Call, submission: Submission) -> None:
    """A funder decides on complete files: after the call closes, once the file has been instructed."""
    if utcnow() < call.closes_at:
        raise CallError(
            _(
                "L'appel est encore ouvert jusqu'au %(date)s : les décisions se prennent après sa clôture, "
                "quand toutes les propositions sont déposées.",
                date=datetime_fr(call.closes_at),
            )
        )
    if submission.step == call.steps[0]:
        raise CallError(
            _(
                "La proposition est à l'étape « %(step)s » : elle n'a pas encore été instruite. "
                "Passez-la d'abord à une étape d'instruction (par exemple « %(next)s »).",
                step=submission.step,
                next=call.steps[1] if len(call.steps) > 1 else call.steps[0],
            )
        )


def decide(
    submission_id: int,
    decision: Decision,
    amount: int | None,
    reason: str,
    *,
    above_request: bool = False,
    terms: GrantTerms | None = None,
) -> Submission:
    """Record a decision. ``above_request`` is the administrator's confirmation that granting more
    than the proposal's budget is deliberate (without it, such an amount raises ``AboveRequest``).
    ``terms`` are a grant's SCDL terms (app.scdl.terms), required with a grant when given: the form
    always gives them; a grant recorded without them is reported by the open-data export."""
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
        check_decidable(call, submission)
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
            if proposal.budget_eur and amount > proposal.budget_eur and not above_request:
                raise AboveRequest(
                    _(
                        "%(amount)s accordés pour %(asked)s demandés : c'est plus que la demande. "
                        "Cochez la confirmation pour accorder ce montant, ou corrigez-le.",
                        amount=euros(amount),
                        asked=euros(proposal.budget_eur),
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
            if terms is not None:
                try:
                    terms = scdl_terms.check(terms)
                except scdl_terms.TermsError as error:
                    raise CallError(error.message, error.field) from None
        else:
            amount = None
            terms = GrantTerms(nature="", conditions="")  # no grant, no terms to publish
        if terms is not None:
            _store_terms(submission, terms)
        submission.decision, submission.granted_eur = decision, amount
        submission.decision_reason, submission.decided_at = reason, utcnow()
        submission.step, submission.step_at = decision.label, utcnow()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return submission


def _store_terms(submission: Submission, terms: GrantTerms) -> None:
    submission.decision_reference = terms.reference
    submission.convention_date = terms.convention_date
    submission.grant_purpose = terms.purpose
    submission.grant_nature = terms.nature
    submission.payment_conditions = terms.conditions
    submission.payment_dates = terms.payment_dates
    submission.eu_notified = terms.eu_notified


def terms_of(submission: Submission) -> GrantTerms:
    """The terms recorded with a decision, as the decision form shows them again."""
    return GrantTerms(
        reference=submission.decision_reference,
        convention_date=submission.convention_date,
        purpose=submission.grant_purpose,
        nature=submission.grant_nature or scdl_terms.DEFAULT_NATURE,
        conditions=submission.payment_conditions or scdl_terms.DEFAULT_CONDITIONS,
        payment_dates=submission.payment_dates,
        eu_notified=submission.eu_notified,
    )


def publication_summary(call: Call) -> dict:
    """What publishing will do, shown before the irreversible step: decisions by kind, and what is missing."""
    rows = db.session.execute(
        select(Submission.decision, Proposal.state)
        .join(Proposal, Proposal.id == Submission.proposal_id)
        .where(Submission.call_id == call.id)
    ).all()
    counts = {d: sum(1 for decision, _state in rows if decision is d) for d in Decision}
    undecided = sum(1 for decision, state in rows if decision is None and state == states.S.SUBMITTED)
    return {"counts": counts, "undecided": undecided, "granted": granted_total(call.id)}


def publish_results(call: Call) -> int:
    """Apply every decision to its proposal, show the results and tell every co-author."""
    if call.results_published_at is not None:
        raise CallError(_("Les résultats sont déjà publiés."))
    if utcnow() < call.closes_at:
        raise CallError(
            _(
                "L'appel est encore ouvert : les résultats pourront être publiés après sa clôture, le %(date)s.",
                date=datetime_fr(call.closes_at),
            )
        )
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
        ids = proposal_recipients(proposal)
        notified += len(ids)
        url = url_for("proposals.detail", proposal_id=proposal.id)
        notify(ids, "evaluation", partial(_decision_message, call, proposal, s), url)
        if s.decision is Decision.SELECTED:
            notified += _tell_funding(call, proposal, s.granted_eur, url, told=set(ids))
    db.session.commit()
    return notified


def _decision_message(call: Call, proposal: Proposal, s: Submission) -> str:
    """Called in each recipient's language: the decision label and the amount follow it too."""
    if s.decision is Decision.SELECTED:
        return _(
            "Résultats de l'appel « %(call)s » : « %(title)s » est retenue, %(amount)s accordés. %(reason)s",
            call=call.title,
            title=proposal.title,
            amount=euros(s.granted_eur),
            reason=s.decision_reason,
        )
    return _(
        "Résultats de l'appel « %(call)s » : « %(title)s » — %(decision)s. %(reason)s",
        call=call.title,
        title=proposal.title,
        decision=s.decision.label,
        reason=s.decision_reason,
    )


def _tell_funding(call: Call, proposal: Proposal, amount: int, url: str, *, told: set[int]) -> int:
    """A funded project is news for the resident whose idea it grew from and for its followers
    (each told once, and not the authors, who have their own message)."""
    notified = 0
    if proposal.idea_id is not None:
        idea = db.session.get(Idea, proposal.idea_id)
        if idea is not None and idea.author_id not in told:
            notify(
                [idea.author_id],
                "idea_funded",
                # A function, so that the amount is written the recipient's way too.
                lambda: _(
                    "Votre idée « %(idea)s » est devenue le projet « %(title)s », retenu par l'appel "
                    "« %(call)s » : %(amount)s accordés.",
                    idea=idea.title,
                    title=proposal.title,
                    call=call.title,
                    amount=euros(amount),
                ),
                url,
            )
            told = told | {idea.author_id}
            notified += 1
    ids = [uid for uid in followers(proposal) if uid not in told]
    notify(
        ids,
        "project_funded",
        lambda: _(
            "« %(title)s », que vous suivez, est retenu par l'appel « %(call)s » : %(amount)s accordés.",
            title=proposal.title,
            call=call.title,
            amount=euros(amount),
        ),
        url,
    )
    return notified + len(ids)

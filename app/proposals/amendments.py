"""Suggested amendments: one field, new text, a reason; the co-authors accept or decline."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.errors import RuleError
from app.extensions import db
from app.models import Amendment, AmendmentStatus, Proposal, User
from app.models.base import utcnow
from app.notifications.recipients import proposal_recipients
from app.notifications.services import notify
from app.proposals import questions, revisions
from app.proposals.services import update_proposal
from app.subjects import url_of


def amendable(proposal: Proposal) -> list[str]:
    """The parts one may amend: the title, the summary and each question the proposal answers."""
    return revisions.text_fields(proposal)


class AmendmentError(RuleError):
    """A rule refused the amendment (or its answer)."""


class AmendmentConflict(RuleError):
    """The field changed since the amendment was written: accepting would overwrite that.
    Besides the message, it carries what the conflict page shows."""

    def __init__(self, amendment: Amendment, current_text: str) -> None:
        super().__init__(_("Le texte a changé depuis l'amendement : l'accepter écraserait ces changements."))
        self.amendment = amendment
        self.current_text = current_text


def suggest(proposal: Proposal, author: User, field: str, new_text: str, reason: str) -> Amendment:
    if field not in amendable(proposal):
        raise AmendmentError(_("Ce champ ne peut pas être amendé."))
    current = questions.text_of(proposal, field)
    if new_text.strip() == current.strip():
        raise AmendmentError(_("Le texte proposé est identique au texte actuel : modifiez-le avant d'envoyer."))
    amendment = Amendment(
        proposal_id=proposal.id,
        author_id=author.id,
        field=field,
        base_text=current,
        new_text=new_text.strip(),
        reason=reason.strip(),
    )
    db.session.add(amendment)
    db.session.flush()
    notify(
        proposal_recipients(proposal),
        "amendment_suggested",
        _l(
            "%(name)s propose un amendement à « %(title)s » (%(field)s).",
            name=author.display_name,
            title=proposal.title,
            # A question's own label, else the fixed field's lazy label: in each recipient's language.
            field=questions.sheet(proposal).labels.get(field) or revisions.FIELD_LABELS.get(field, field),
        ),
        url_for("coconstruction.amendments_list", proposal_id=proposal.id),
        exclude=author.id,
    )
    db.session.commit()
    return amendment


def pending(proposal: Proposal) -> list[Amendment]:
    return list(
        db.session.scalars(
            select(Amendment)
            .where(Amendment.proposal_id == proposal.id)
            .options(joinedload(Amendment.author))
            .order_by(Amendment.status != AmendmentStatus.PENDING, Amendment.id.desc())
        )
    )


def accept(amendment: Amendment, proposal: Proposal, by: User) -> None:
    if amendment.status != AmendmentStatus.PENDING:
        raise AmendmentError(_("Cet amendement a déjà reçu une réponse."))
    current = questions.text_of(proposal, amendment.field)
    if current.strip() != amendment.base_text.strip():
        raise AmendmentConflict(amendment, current)
    author = db.session.get(User, amendment.author_id)
    update_proposal(
        proposal,
        {amendment.field: amendment.new_text},
        expected_version=proposal.version,
        author_id=amendment.author_id,
        note=_("Amendement de %(author)s accepté par %(by)s", author=author.display_name, by=by.display_name),
    )
    amendment.status, amendment.decided_by_id, amendment.decided_at = AmendmentStatus.ACCEPTED, by.id, utcnow()
    notify(
        [amendment.author_id],
        "amendment_answered",
        _l("Votre amendement à « %(title)s » est accepté.", title=proposal.title),
        url_of(proposal),
        exclude=by.id,
    )
    db.session.commit()


def decline(amendment: Amendment, proposal: Proposal, by: User, reason: str) -> None:
    if amendment.status != AmendmentStatus.PENDING:
        raise AmendmentError(_("Cet amendement a déjà reçu une réponse."))
    if not reason.strip():
        raise AmendmentError(_("Dites en quelques mots pourquoi vous déclinez cet amendement."))
    amendment.status, amendment.decided_by_id, amendment.decided_at = AmendmentStatus.DECLINED, by.id, utcnow()
    amendment.decline_reason = reason.strip()
    notify(
        [amendment.author_id],
        "amendment_answered",
        _l("Votre amendement à « %(title)s » est décliné : %(reason)s", title=proposal.title, reason=reason.strip()),
        url_of(proposal),
        exclude=by.id,
    )
    db.session.commit()

"""Verifying associations: the administration's queue, its checks, and its outcome.

An association waits in the queue (oldest first) until it is verified or refused with a reason.
Its administrators are told either way; after a refusal they fix the record and ask again, which
puts it back in the queue. Calls that require a verified association point to this outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from app.associations.services import AssociationError, normalize_rna, normalize_siret
from app.extensions import db
from app.models import Association, Commune, Membership, MembershipRole
from app.models.base import utcnow
from app.moderation.services import log
from app.notifications.services import notify

PER_PAGE = 20
REASON_MAX = 1000


@dataclass
class Check:
    """One fact shown to the person who verifies: ``ok`` None when there is nothing to check."""

    ok: bool | None
    label: str
    detail: str


@dataclass
class Entry:
    association: Association
    checks: list[Check] = field(default_factory=list)


# --- The queue ------------------------------------------------------------------------------------


def waiting():
    """Associations waiting for a verification (never verified, not refused), oldest first."""
    return select(Association).where(Association.verified_at.is_(None), Association.verification_refused_at.is_(None))


def queue_page(page: int = 1):
    query = waiting().options(joinedload(Association.commune).joinedload(Commune.pole))
    return db.paginate(
        query.order_by(Association.created_at, Association.id), page=page, per_page=PER_PAGE, error_out=False
    )


def refused(limit: int = 50) -> list[Association]:
    """Refused ones, waiting for their administrators to fix the record."""
    return list(
        db.session.scalars(
            select(Association)
            .where(Association.verified_at.is_(None), Association.verification_refused_at.is_not(None))
            .order_by(Association.verification_refused_at.desc())
            .limit(limit)
        )
    )


def _siren(siret: str | None) -> str | None:
    return siret[:9] if siret else None


def entries(associations: list[Association]) -> list[Entry]:
    """Each association with the checks of its identifiers: one query for the look-alikes of the
    whole page (same name, or same SIREN: another establishment of one legal entity)."""
    names = {a.name.casefold() for a in associations}
    sirens = {s for a in associations if (s := _siren(a.siret))}
    others = []
    if associations:
        conditions = [func.lower(Association.name).in_(names)]
        if sirens:
            conditions.append(func.substr(Association.siret, 1, 9).in_(sirens))
        others = db.session.execute(
            select(Association.id, Association.name, Association.siret).where(or_(*conditions))
        ).all()
    return [Entry(a, _checks(a, others)) for a in associations]


def _checks(association: Association, others) -> list[Check]:
    checks = [_identifier_check(_("Numéro RNA"), association.rna, normalize_rna)]
    checks.append(_identifier_check(_("Numéro SIRET"), association.siret, normalize_siret))
    if not association.rna and not association.siret:
        checks.append(
            Check(False, _("Identifiants"), _("Ni RNA ni SIRET : demandez un justificatif avant de vérifier."))
        )
    same = [
        o
        for o in others
        if o.id != association.id
        and (
            o.name.casefold() == association.name.casefold()
            or (o.siret and _siren(o.siret) == _siren(association.siret))
        )
    ]
    if same:
        names = ", ".join(f"« {o.name} »" for o in same)
        checks.append(Check(False, _("Doublons possibles"), _("Même nom ou même SIREN que %(names)s.", names=names)))
    else:
        checks.append(Check(True, _("Doublons possibles"), _("Aucune autre structure de même nom ni de même SIREN.")))
    return checks


def _identifier_check(label: str, value: str | None, normalize) -> Check:
    if not value:
        return Check(None, label, _("non renseigné"))
    try:
        normalize(value)
    except AssociationError as error:
        return Check(False, label, f"{value} : {error.message}")
    return Check(True, label, _("%(value)s : format valide", value=value))


# --- The outcome ------------------------------------------------------------------------------------


class VerificationError(AssociationError):
    """The verification could not be recorded as asked."""


def _admin_user_ids(association: Association) -> list[int]:
    return list(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.association_id == association.id, Membership.role == MembershipRole.ADMIN
            )
        )
    )


def verify(actor, association: Association) -> None:
    if association.verified_at is not None:
        raise VerificationError(_("« %(name)s » est déjà vérifiée.", name=association.name))
    association.verified_at = utcnow()
    association.verification_refused_at = None
    association.verification_refusal = ""
    log(actor, "verify_association", "association", association.id, association.name)
    notify(
        _admin_user_ids(association),
        "association_verified",
        _l("« %(name)s » est vérifiée : elle peut déposer aux appels qui le demandent.", name=association.name),
        url_for("associations.detail", slug=association.slug),
    )
    db.session.commit()


def refuse(actor, association: Association, reason: str | None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise VerificationError(
            _("Indiquez le motif du refus : l'association le lit pour corriger sa fiche."), "reason"
        )
    if len(reason) > REASON_MAX:
        raise VerificationError(_("Le motif tient en 1 000 caractères au plus."), "reason")
    if association.verified_at is not None:
        raise VerificationError(_("« %(name)s » est déjà vérifiée.", name=association.name))
    association.verification_refused_at = utcnow()
    association.verification_refusal = reason
    log(actor, "refuse_association", "association", association.id, association.name, reason)
    notify(
        _admin_user_ids(association),
        "association_refused",
        _l(
            "La vérification de « %(name)s » est refusée. Motif : %(reason)s "
            "Corrigez sa fiche puis demandez une nouvelle vérification.",
            name=association.name,
            reason=reason,
        ),
        url_for("associations.detail", slug=association.slug),
    )
    db.session.commit()


def ask_again(association: Association) -> None:
    """The association's administrators fixed the record: back in the queue."""
    if association.verified_at is not None or association.verification_refused_at is None:
        raise VerificationError(_("« %(name)s » n'attend pas de nouvelle demande.", name=association.name))
    association.verification_refused_at = None
    association.updated_at = utcnow()
    db.session.commit()


def status_text(association: Association) -> str:
    """Where the association stands, in the words an eligibility check shows."""
    if association.verified_at is not None:
        return _("Vérifiée par l'équipe de Tisser.")
    if association.verification_refused_at is not None:
        return _(
            "La vérification de « %(name)s » a été refusée (motif : %(reason)s). Corrigez sa fiche, puis "
            "demandez une nouvelle vérification depuis la page de l'association.",
            name=association.name,
            reason=association.verification_refusal,
        )
    return _(
        "« %(name)s » attend dans la file de vérification de l'équipe de Tisser : ses administrateurs "
        "sont prévenus dès qu'elle est vérifiée (complétez son numéro RNA ou SIRET pour aider).",
        name=association.name,
    )

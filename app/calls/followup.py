"""Follow-up of selected projects (indicators over time, progress updates, server-drawn SVG
charts) and replication on another territory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import charts
from app.calls.services import CallError
from app.charts import Chart, number_fr
from app.extensions import db
from app.models import (
    Association,
    Commune,
    Indicator,
    IndicatorValue,
    ProgressUpdate,
    Proposal,
    ProposalState,
    Replication,
    User,
)
from app.notifications.recipients import proposal_recipients
from app.notifications.services import notify
from app.permissions import author_association_ids
from app.proposals import questions
from app.proposals import services as proposal_services


def indicators_of(proposal_id: int) -> list[Indicator]:
    return list(
        db.session.scalars(
            select(Indicator)
            .where(Indicator.proposal_id == proposal_id)
            .options(selectinload(Indicator.values))
            .order_by(Indicator.id)
        )
    )


def updates_of(proposal_id: int) -> list[ProgressUpdate]:
    return list(
        db.session.scalars(
            select(ProgressUpdate)
            .where(ProgressUpdate.proposal_id == proposal_id)
            .options(joinedload(ProgressUpdate.author))
            .order_by(ProgressUpdate.id.desc())
        )
    )


def _require_project(proposal: Proposal) -> None:
    if proposal.state != ProposalState.SELECTED:
        raise CallError(_("Seul un projet retenu fait l'objet d'un suivi."))


def add_indicator(proposal: Proposal, label: str, unit: str, target: float | None) -> Indicator:
    _require_project(proposal)
    if not label.strip():
        raise CallError(_("Nommez l'indicateur (exemple : familles accompagnées)."), "label")
    indicator = Indicator(
        proposal_id=proposal.id, label=label.strip()[:150], unit=(unit or "").strip()[:40], target=target
    )
    db.session.add(indicator)
    db.session.commit()
    return indicator


def add_value(indicator: Indicator, proposal: Proposal, measured_on: date, value: float, user: User) -> None:
    _require_project(proposal)
    existing = db.session.scalar(
        select(IndicatorValue).where(
            IndicatorValue.indicator_id == indicator.id, IndicatorValue.measured_on == measured_on
        )
    )
    if existing is None:
        db.session.add(
            IndicatorValue(indicator_id=indicator.id, measured_on=measured_on, value=value, author_id=user.id)
        )
    else:  # one value a date: a new report for the same date corrects it
        existing.value, existing.author_id = value, user.id
    db.session.commit()


def add_update(proposal: Proposal, body: str, user: User) -> None:
    _require_project(proposal)
    if not body.strip():
        raise CallError(_("Écrivez quelques mots sur l'avancement du projet."), "body")
    db.session.add(ProgressUpdate(proposal_id=proposal.id, author_id=user.id, body=body.strip()[:4000]))
    db.session.commit()


# --- Charts ----------------------------------------------------------------------------------------


def line_chart(indicator: Indicator) -> Chart:
    """The indicator's values over time (drawn by app/charts.py, as the statistics are)."""
    return charts.line_chart(
        f"ind-{indicator.id}",
        _("Évolution de l'indicateur « %(label)s »", label=indicator.label),
        [(v.measured_on, v.value) for v in indicator.values],
        describe=lambda d, v: f"{d.strftime('%d/%m/%Y')} : {number_fr(v)} {indicator.unit}".strip(),
        empty=_("Aucune valeur pour l'instant."),
        target=indicator.target,
    )


# --- Replication -----------------------------------------------------------------------------------

REPLICATED_FIELDS = ("title", "summary")  # and every answer, by its question's key


def replicable_associations(user: User, original: Proposal) -> list[Association]:
    """The person's associations that are not authors of the original and work elsewhere."""
    authors = author_association_ids(original)
    pole_ids = {p.id for p in original.poles}
    associations = proposal_services.associations_of(user)
    communes = {a.commune_id for a in associations if a.commune_id}
    if communes:
        pole_of = dict(db.session.execute(select(Commune.id, Commune.pole_id).where(Commune.id.in_(communes))).all())
    else:
        pole_of = {}
    return [a for a in associations if a.id not in authors and pole_of.get(a.commune_id) not in pole_ids]


def replicate(original: Proposal, association: Association, user: User) -> Proposal:
    if original.state != ProposalState.SELECTED:
        raise CallError(_("Seul un projet retenu peut être reproduit."))
    if association not in replicable_associations(user, original):
        raise CallError(
            _(
                "Cette association est autrice du projet ou travaille sur le même "
                "territoire : la reproduction se fait sur un autre territoire."
            )
        )
    # The replica is a draft outside any call: it answers the default questions, the original's
    # answers copied by key (what the defaults do not ask is not copied; the original keeps it).
    fields = {**questions.all_answers(original.id), **{name: getattr(original, name) for name in REPLICATED_FIELDS}}
    fields["title"] = fields["title"][:150]
    fields.update(
        domain=original.domain.slug,
        subdomain=original.subdomain_id,
        publics=[p.slug for p in original.publics],
        duration_months=original.duration_months,
        budget_eur=original.budget_eur,
        is_rural=False,
        is_qpv=False,
        poles=[],
        communes=[association.commune_id] if association.commune_id else [],
    )
    replica = proposal_services.create_proposal(user, association, fields)
    db.session.add(Replication(proposal_id=replica.id, original_id=original.id))
    notify(
        proposal_recipients(original),
        "followed",
        _l(
            "« %(association)s » reproduit votre projet « %(title)s » sur son territoire.",
            association=association.name,
            title=original.title,
        ),
        url_for("proposals.detail", proposal_id=replica.id),
        exclude=user.id,
    )
    db.session.commit()
    return replica


@dataclass
class Lineage:
    original: Proposal | None
    replicas: list[Proposal]


def lineage(proposal_id: int) -> Lineage:
    original = db.session.scalar(
        select(Proposal)
        .join(Replication, Replication.original_id == Proposal.id)
        .where(Replication.proposal_id == proposal_id)
        .options(joinedload(Proposal.association))
    )
    replicas = list(
        db.session.scalars(
            select(Proposal)
            .join(Replication, Replication.proposal_id == Proposal.id)
            .where(Replication.original_id == proposal_id)
            .options(joinedload(Proposal.association), selectinload(Proposal.poles))
            .order_by(Proposal.id)
        ).unique()
    )
    return Lineage(original=original, replicas=replicas)


def replicas_by_original(original_ids: list[int]) -> dict[int, list[Proposal]]:
    if not original_ids:
        return {}
    rows = (
        db.session.execute(
            select(Replication.original_id, Proposal)
            .join(Proposal, Proposal.id == Replication.proposal_id)
            .where(Replication.original_id.in_(original_ids))
            .options(joinedload(Proposal.association), selectinload(Proposal.poles))
        )
        .unique()
        .all()
    )
    out: dict[int, list[Proposal]] = {}
    for original_id, proposal in rows:
        out.setdefault(original_id, []).append(proposal)
    return out

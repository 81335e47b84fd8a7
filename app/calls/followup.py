"""Follow-up of selected projects (indicators over time, progress updates, server-drawn SVG
charts) and replication on another territory."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.calls.services import CallError
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


def number_fr(value: float) -> str:
    return (f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}").replace(".", ",")


@dataclass
class Chart:
    svg: Markup
    points: list[tuple[date, float]]


# Drawn for a phone (a 420-unit viewBox shown about 340 px wide: 14-unit labels read at ~11 px) and
# scaled up by the CSS on wide screens, where it fills its column.
CHART_FONT = 14
MAX_X_LABELS = 6


def line_chart(indicator: Indicator, width: int = 420, height: int = 210) -> Chart:
    """A small line chart as inline SVG: role="img" with a <title> and <desc>; the values are in
    a table next to it. Presentation attributes only (the CSP forbids style attributes)."""
    points = [(v.measured_on, v.value) for v in indicator.values]
    pad_l, pad_r, pad_t, pad_b = 52, 16, 14, 34
    inner_w, inner_h = width - pad_l - pad_r, height - pad_t - pad_b
    top = max([v for _d, v in points] + [indicator.target or 0, 1])
    n = len(points)
    font = f'font-size="{CHART_FONT}" fill="#333"'

    def x(i: int) -> float:
        return pad_l + (inner_w / 2 if n == 1 else inner_w * i / (n - 1))

    def y(v: float) -> float:
        return pad_t + inner_h - inner_h * v / top

    title = _("Évolution de l'indicateur « %(label)s »", label=indicator.label)
    desc = "; ".join(f"{d.strftime('%d/%m/%Y')} : {number_fr(v)} {indicator.unit}".strip() for d, v in points) or _(
        "Aucune valeur pour l'instant."
    )
    uid = f"ind-{indicator.id}"
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-title">{escape(title)}</title><desc id="{uid}-desc">{escape(desc)}</desc>',
        f'<line x1="{pad_l}" y1="{pad_t + inner_h}" x2="{width - pad_r}" '
        f'y2="{pad_t + inner_h}" stroke="#555" stroke-width="1"/>',
        f'<line x1="{pad_l}" y1="{pad_t}" x2="{pad_l}" y2="{pad_t + inner_h}" stroke="#555" stroke-width="1"/>',
        f'<text x="{pad_l - 6}" y="{pad_t + 5}" text-anchor="end" {font}>{escape(number_fr(top))}</text>',
        f'<text x="{pad_l - 6}" y="{pad_t + inner_h}" text-anchor="end" {font}>0</text>',
    ]
    if indicator.target:
        parts.append(
            f'<line x1="{pad_l}" y1="{y(indicator.target):.1f}" x2="{width - pad_r}" y2="{y(indicator.target):.1f}" '
            f'stroke="#8a5a00" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    if n:
        coords = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_d, v) in enumerate(points))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#1d4f91" stroke-width="2.5"/>')
        # At most MAX_X_LABELS dates, evenly spaced back from the last one (never two that overlap);
        # the table beside the chart has them all.
        labelled = set(range(n - 1, -1, -math.ceil(n / MAX_X_LABELS)))
        for i, (d, v) in enumerate(points):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="#1d4f91"/>')
            if i in labelled:
                # The last date ends at the right edge, so it is never cut off.
                anchor = "end" if i == n - 1 and n > 1 else "middle"
                parts.append(
                    f'<text x="{x(i):.1f}" y="{height - 10}" text-anchor="{anchor}" {font}>{d.strftime("%m/%y")}</text>'
                )
    parts.append("</svg>")
    return Chart(svg=Markup("".join(parts)), points=points)


# --- Replication -----------------------------------------------------------------------------------

REPLICATED_FIELDS = ("title", "summary", "need", "experimentation", "outreach", "cooperation", "impact_indicators")


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
    fields = {name: getattr(original, name) for name in REPLICATED_FIELDS}
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
        _(
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

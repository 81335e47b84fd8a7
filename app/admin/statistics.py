"""Participation statistics for the back office: ideas, proposals, comments and supports per week,
by territorial unit and by domain, and each call's funnel with its amounts against the envelope.

Every figure is one GROUP BY query, whatever the amount of data. What says a contribution's domain
and unit lives in ``domain_column``/``domain_choices`` and ``unit_choices``/``_proposal_units``
only: when units change shape, those are the places to change.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, String, and_, case, func, literal_column, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from app.extensions import db
from app.inputs import int_value
from app.models import Call, Comment, Decision, Idea, Pole, Proposal, ProposalState, Submission, Support
from app.models.base import utcnow
from app.models.participation import proposal_poles
from app.models.taxonomy import Domain
from app.taxonomy import display_label

WEEKS = 26
KINDS = ("idea", "proposal", "comment", "support")
KIND_LABELS = {
    "idea": _l("Idées"),
    "proposal": _l("Propositions"),
    "comment": _l("Commentaires"),
    "support": _l("Soutiens"),
}
# The instruction step by which a call's instructors declare a deposit not admissible (DEFAULT_STEPS).
NOT_ELIGIBLE_STEP = "Non recevable"


# --- Weeks on both databases ----------------------------------------------------------------------


class week_start(FunctionElement):  # noqa: N801 (an SQL function, named like one)
    """The Monday (a date) of the week of a UTC timestamp."""

    type = Date()
    inherit_cache = True
    name = "week_start"


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw) -> str:
    # 'weekday 0' moves forward to the next Sunday (or stays on it); six days back is its Monday.
    return f"date({compiler.process(element.clauses, **kw)}, 'weekday 0', '-6 days')"


@compiles(week_start)
def _week_start_postgresql(element, compiler, **kw) -> str:
    # date_trunc('week') is ISO: weeks start on Monday.
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_until(today: date, count: int = WEEKS) -> list[date]:
    """The Mondays of the last ``count`` weeks, the current one last."""
    last = monday(today)
    return [last - timedelta(weeks=count - 1 - i) for i in range(count)]


# --- Units and domains: the two places the taxonomy and territory changes touch -------------------


def domain_column(subject: type[Idea] | type[Proposal]) -> Any:
    """The SQL expression giving a subject's domain key: its slug (the filter's URL value, stable
    when a label is renamed)."""
    return select(Domain.slug).where(Domain.id == subject.domain_id).scalar_subquery()


def domain_choices() -> list[tuple[str, str]]:
    """(key, label) of every domain, in the order they are shown; retired ones too, marked so:
    contributions still have them. One query per request (the filter, the chart and the page share it)."""
    if "statistics_domains" not in g:
        domains = db.session.scalars(select(Domain).order_by(Domain.position, Domain.id))
        g.statistics_domains = [(d.slug, display_label(d)) for d in domains]
    return g.statistics_domains


def unit_choices() -> list[tuple[int, str]]:
    """(id, name) of every territorial unit. One query."""
    return [(row.id, row.name) for row in db.session.execute(select(Pole.id, Pole.name).order_by(Pole.name))]


def _proposal_units(query, by_unit: bool):
    """A proposal belongs to every unit it names: joined only when units are asked for, so that a
    proposal on two units counts once in the totals. None: it names no unit."""
    if not by_unit:
        return query.add_columns(literal_column("NULL").label("unit_id"))
    return query.add_columns(proposal_poles.c.pole_id.label("unit_id")).outerjoin(
        proposal_poles, proposal_poles.c.proposal_id == Proposal.id
    )


# --- Participation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    unit_id: int | None = None
    domain: str | None = None

    @classmethod
    def parse(cls, args: Mapping[str, Any]) -> Filters:
        domain = (args.get("domaine") or "").strip()
        return cls(
            unit_id=int_value(args, "unite"),
            domain=domain if domain in dict(domain_choices()) else None,
        )

    def query_args(self) -> dict[str, Any]:
        return {k: v for k, v in (("unite", self.unit_id), ("domaine", self.domain)) if v is not None}


def _kind(kind: str, created_at, since: datetime):
    return select(literal_column(f"'{kind}'", String).label("kind"), created_at.label("at")).where(created_at >= since)


def _idea_columns(query):
    return query.add_columns(domain_column(Idea).label("domain"), Idea.pole_id.label("unit_id"))


def _proposal_columns(query, by_unit: bool):
    return _proposal_units(query.add_columns(domain_column(Proposal).label("domain")), by_unit)


def contributions(since: datetime, filters: Filters, by_unit: bool):
    """Every contribution since ``since`` as a row (kind, at, domain, unit_id): a subquery of
    UNION ALL, one SELECT per kind and subject. Comments and supports take their subject's domain
    and units."""
    by_unit = by_unit or filters.unit_id is not None
    parts = [
        _idea_columns(_kind("idea", Idea.created_at, since)),
        _proposal_columns(_kind("proposal", Proposal.created_at, since), by_unit),
        _idea_columns(_kind("comment", Comment.created_at, since).join(Idea, Idea.id == Comment.idea_id)),
        _proposal_columns(
            _kind("comment", Comment.created_at, since).join(Proposal, Proposal.id == Comment.proposal_id), by_unit
        ),
        _idea_columns(_kind("support", Support.created_at, since).join(Idea, Idea.id == Support.idea_id)),
        _proposal_columns(
            _kind("support", Support.created_at, since).join(Proposal, Proposal.id == Support.proposal_id), by_unit
        ),
    ]
    rows = union_all(*parts).subquery("contributions")
    conditions = []
    if filters.unit_id is not None:
        conditions.append(rows.c.unit_id == filters.unit_id)
    if filters.domain is not None:
        conditions.append(rows.c.domain == filters.domain)
    return rows, conditions


@dataclass
class Table:
    """A chart's figures: one row per label, one count per kind; the same data for the table,
    the SVG and the CSV."""

    rows: list[tuple[Any, dict[str, int]]] = field(default_factory=list)

    def total(self, kind: str) -> int:
        return sum(counts[kind] for _label, counts in self.rows)

    def column(self, kind: str) -> list[tuple[Any, int]]:
        return [(label, counts[kind]) for label, counts in self.rows]


def _start(weeks: list[date]) -> datetime:
    return datetime.combine(weeks[0], datetime.min.time())


def per_week(filters: Filters, today: date | None = None) -> Table:
    """Contributions per week over the last WEEKS weeks (UTC weeks, Monday first). One query."""
    weeks = weeks_until(today or utcnow().date())
    rows, conditions = contributions(_start(weeks), filters, by_unit=False)
    week = week_start(rows.c.at)
    query = select(rows.c.kind, week.label("week"), func.count()).where(*conditions).group_by(rows.c.kind, week)
    counts = {w: dict.fromkeys(KINDS, 0) for w in weeks}
    for kind, day, n in db.session.execute(query):
        day = date.fromisoformat(day) if isinstance(day, str) else day
        if day in counts:
            counts[day][kind] = n
    return Table([(w, counts[w]) for w in weeks])


def _grouped(column_name: str, filters: Filters, today: date | None, by_unit: bool) -> dict[Any, dict[str, int]]:
    weeks = weeks_until(today or utcnow().date())
    rows, conditions = contributions(_start(weeks), filters, by_unit=by_unit)
    key = rows.c[column_name]
    out: dict[Any, dict[str, int]] = {}
    for value, kind, n in db.session.execute(
        select(key, rows.c.kind, func.count()).where(*conditions).group_by(key, rows.c.kind)
    ):
        out.setdefault(value, dict.fromkeys(KINDS, 0))[kind] = n
    return out


def by_unit(filters: Filters, units: list[tuple[int, str]], today: date | None = None) -> Table:
    """Contributions per unit over the same weeks: every unit, even without any; a proposal on two
    units counts in each. One query (the units are given)."""
    counts = _grouped("unit_id", filters, today, by_unit=True)
    rows = [(name, counts.get(unit_id, dict.fromkeys(KINDS, 0))) for unit_id, name in units]
    if None in counts:
        rows.append((str(_l("Sans unité territoriale")), counts[None]))
    return Table(rows)


def by_domain(filters: Filters, today: date | None = None) -> Table:
    """Contributions per domain over the same weeks. One query."""
    counts = _grouped("domain", filters, today, by_unit=False)
    return Table([(label, counts.get(key, dict.fromkeys(KINDS, 0))) for key, label in domain_choices()])


# --- Calls' funnels -------------------------------------------------------------------------------


@dataclass
class Funnel:
    call_id: int
    title: str
    slug: str
    envelope_eur: int
    drafted: int
    submitted: int
    eligible: int
    funded: int
    granted_eur: int

    @property
    def stages(self) -> list[tuple[str, int]]:
        return [
            (str(_l("Rédigées")), self.drafted),
            (str(_l("Déposées")), self.submitted),
            (str(_l("Recevables")), self.eligible),
            (str(_l("Financées")), self.funded),
        ]

    @property
    def share_granted(self) -> float | None:
        return self.granted_eur / self.envelope_eur if self.envelope_eur else None


def _drafted_not_submitted() -> dict[int, int]:
    """Per call, the proposals started while it was open and deposited nowhere: a proposal names its
    call only when deposited, so its dates are what ties a draft to a call. One query."""
    query = (
        select(Call.id, func.count(Proposal.id))
        .join(Proposal, and_(Proposal.created_at >= Call.opens_at, Proposal.created_at < Call.closes_at))
        .outerjoin(Submission, Submission.proposal_id == Proposal.id)
        .where(Submission.id.is_(None))
        .group_by(Call.id)
    )
    return dict(db.session.execute(query).all())


def funnels() -> list[Funnel]:
    """Each call, newest first: drafted → deposited → eligible (standing deposits that were neither
    sent back nor declared not admissible; the deposit itself checked the call's conditions) →
    funded (selected), with the amounts granted. Two queries."""
    funded = Submission.decision == Decision.SELECTED
    eligible = and_(
        Proposal.state != ProposalState.CHANGES_REQUESTED,
        Submission.step != NOT_ELIGIBLE_STEP,
    )
    query = (
        select(
            Call.id,
            Call.title,
            Call.slug,
            Call.envelope_eur,
            func.count(Submission.id),
            func.coalesce(func.sum(case((eligible, 1), else_=0)), 0),
            func.coalesce(func.sum(case((funded, 1), else_=0)), 0),
            func.coalesce(func.sum(case((funded, func.coalesce(Submission.granted_eur, 0)), else_=0)), 0),
        )
        .outerjoin(Submission, Submission.call_id == Call.id)
        .outerjoin(Proposal, Proposal.id == Submission.proposal_id)
        .group_by(Call.id, Call.title, Call.slug, Call.envelope_eur, Call.opens_at)
        .order_by(Call.opens_at.desc(), Call.id.desc())
    )
    drafts = _drafted_not_submitted()
    return [
        Funnel(
            call_id=call_id,
            title=title,
            slug=slug,
            envelope_eur=envelope,
            drafted=submitted + drafts.get(call_id, 0),
            submitted=submitted,
            eligible=int(eligible_n),
            funded=int(funded_n),
            granted_eur=int(granted),
        )
        for call_id, title, slug, envelope, submitted, eligible_n, funded_n, granted in db.session.execute(query)
    ]


# --- CSV ------------------------------------------------------------------------------------------


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def table_csv(first_column: str, table: Table) -> str:
    def cell(value: Any) -> Any:
        return value.isoformat() if isinstance(value, date) else value

    return _csv(
        [first_column, *(f"{kind}s" for kind in ("idee", "proposition", "commentaire", "soutien"))],
        [[cell(label), *(counts[k] for k in KINDS)] for label, counts in table.rows],
    )


def funnels_csv(items: list[Funnel]) -> str:
    return _csv(
        ["appel", "redigees", "deposees", "recevables", "financees", "accorde_eur", "enveloppe_eur"],
        [[f.title, f.drafted, f.submitted, f.eligible, f.funded, f.granted_eur, f.envelope_eur] for f in items],
    )

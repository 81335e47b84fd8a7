"""Evaluation: assigning evaluators (no conflict of interest), scoring 0–4 per criterion with a
comment, draft then final, blind until finalised; the ranking table."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from app import identity
from app.calls.services import CallError
from app.extensions import db
from app.inputs import int_value
from app.models import Assignment, Call, CallEvaluator, Criterion, Membership, Proposal, Score, Submission, User
from app.models.base import utcnow
from app.notifications.services import notify
from app.permissions import author_association_ids
from app.proposals import questions

SCORE_MIN, SCORE_MAX = 0, 4

# What each score means, for every criterion (the grid shows it next to each choice).
SCALE = {
    0: _l("absent : la proposition ne répond pas à ce critère"),
    1: _l("insuffisant : le critère est mentionné, sans éléments concrets"),
    2: _l("partiel : des éléments concrets, avec des manques importants"),
    3: _l("solide : des éléments précis, quelques manques mineurs"),
    4: _l("excellent : exemplaire sur ce critère"),
}


class ScoreError(str):
    """A French error message that knows which criterion it is about (the form links to it)."""

    criterion_id: int | None = None

    def __new__(cls, message: str, criterion_id: int | None = None) -> ScoreError:
        error = super().__new__(cls, message)
        error.criterion_id = criterion_id
        return error


def _appointed(call_id: int):
    return select(CallEvaluator.user_id).where(CallEvaluator.call_id == call_id)


def may_evaluate(user: User, call_id: int) -> bool:
    """Admins and unit moderators evaluate any call; anyone else (an outside expert) only a call
    the administration appointed them to."""
    return bool(
        user.is_admin
        or user.is_pole_moderator
        or db.session.scalar(
            select(CallEvaluator.user_id).where(CallEvaluator.call_id == call_id, CallEvaluator.user_id == user.id)
        )
    )


def possible_evaluators(call_id: int) -> list[User]:
    appointed = _appointed(call_id)
    return list(
        db.session.scalars(
            select(User)
            .where(or_(User.is_admin.is_(True), User.is_pole_moderator, User.id.in_(appointed)))
            .order_by(User.display_name)
        )
    )


def has_conflict(user: User, proposal: Proposal) -> bool:
    """A member of an authoring association (lead or accepted co-author) never evaluates it."""
    return bool(
        db.session.scalar(
            select(Membership.id)
            .where(Membership.user_id == user.id, Membership.association_id.in_(author_association_ids(proposal)))
            .limit(1)
        )
    )


def assign(submission: Submission, proposal: Proposal, evaluator: User) -> Assignment:
    if not may_evaluate(evaluator, submission.call_id):
        raise CallError(
            _(
                "Seules l'administration, %(units)s et les personnes nommées pour évaluer cet appel "
                "évaluent ses propositions.",
                units=identity.current().unit.the_plural,
            ),
            "evaluator_id",
        )
    if has_conflict(evaluator, proposal):
        raise CallError(
            _(
                "%(name)s est membre d'une association autrice de cette "
                "proposition : conflit d'intérêts, affectation refusée.",
                name=evaluator.display_name,
            ),
            "evaluator_id",
        )
    existing = db.session.scalar(
        select(Assignment).where(Assignment.submission_id == submission.id, Assignment.evaluator_id == evaluator.id)
    )
    if existing is not None:
        raise CallError(_("%(name)s évalue déjà cette proposition.", name=evaluator.display_name), "evaluator_id")
    assignment = Assignment(submission_id=submission.id, evaluator_id=evaluator.id)
    db.session.add(assignment)
    call = db.session.get(Call, submission.call_id)
    if call.evaluation_started_at is None:
        call.evaluation_started_at = utcnow()
    db.session.flush()
    # The evaluator learns it now, with a link to the grid, rather than by chance in the header.
    notify(
        [evaluator.id],
        "evaluation_assigned",
        _l(
            "Vous êtes chargé·e d'évaluer « %(title)s » (appel « %(call)s »).",
            title=proposal.title,
            call=call.title,
        ),
        url_for("calls.evaluate", assignment_id=assignment.id),
    )
    db.session.commit()
    return assignment


def my_assignments(user: User) -> list[Assignment]:
    """Everything this person was asked to evaluate, the ones to finish first."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.evaluator_id == user.id)
            .options(
                joinedload(Assignment.submission).joinedload(Submission.proposal),
                joinedload(Assignment.submission).joinedload(Submission.call),
            )
            .order_by(Assignment.finalised_at.is_not(None), Assignment.assigned_at.desc())
        )
    )


def get_assignment(assignment_id: int) -> Assignment:
    return db.first_or_404(
        select(Assignment)
        .where(Assignment.id == assignment_id)
        .options(selectinload(Assignment.scores), joinedload(Assignment.submission).joinedload(Submission.call))
    )


def criteria_of(call_id: int) -> list[Criterion]:
    return list(db.session.scalars(select(Criterion).where(Criterion.call_id == call_id).order_by(Criterion.position)))


def save_scores(assignment: Assignment, values: dict[int, tuple[str, str]], final: bool) -> list[str]:
    """``values``: criterion id → (score as typed, comment). Returns French errors; saves nothing
    when there is one. A draft may leave scores empty; finalising needs them all."""
    if assignment.finalised_at is not None:
        return [_("Votre évaluation est finalisée : elle ne change plus.")]
    if assignment.submission.call.results_published_at is not None:
        return [_("Les résultats de l'appel sont publiés : les évaluations ne changent plus.")]
    # Checked again here, not only at assignment: an association may join the authors since.
    evaluator = db.session.get(User, assignment.evaluator_id)
    if has_conflict(evaluator, db.session.get(Proposal, assignment.submission.proposal_id)):
        return [_("Vous êtes membre d'une association autrice de cette proposition : conflit d'intérêts.")]
    criteria = criteria_of(assignment.submission.call_id)
    errors, parsed = [], {}
    for criterion in criteria:
        raw, comment = values.get(criterion.id, ("", ""))
        raw = (raw or "").strip()
        if raw == "":
            if final:
                errors.append(
                    ScoreError(
                        _("« %(label)s » : donnez une note de 0 à 4 avant de finaliser.", label=criterion.label),
                        criterion.id,
                    )
                )
            parsed[criterion.id] = (None, comment)
            continue
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or not SCORE_MIN <= value <= SCORE_MAX:
            errors.append(
                ScoreError(
                    _("« %(label)s » : la note doit être un nombre entier de 0 à 4.", label=criterion.label),
                    criterion.id,
                )
            )
            continue
        parsed[criterion.id] = (value, (comment or "").strip()[:5000])
    if errors:
        return errors
    by_criterion = {s.criterion_id: s for s in assignment.scores}
    for criterion_id, (value, comment) in parsed.items():
        score = by_criterion.get(criterion_id)
        if score is None:
            assignment.scores.append(Score(criterion_id=criterion_id, value=value, comment=comment))
        else:
            score.value, score.comment = value, comment
    if final:
        assignment.finalised_at = utcnow()
    db.session.commit()
    return []


def weighted(scores: dict[int, int | None], criteria: list[Criterion]) -> float | None:
    """Weighted average of one evaluator, on the 0–4 scale."""
    total_weight = sum(c.weight for c in criteria)
    if not criteria or any(scores.get(c.id) is None for c in criteria) or not total_weight:
        return None
    return sum(scores[c.id] * c.weight for c in criteria) / total_weight


def others_final(assignment: Assignment) -> list[tuple[Assignment, dict[int, Score]]]:
    """Other evaluators' finalised scores: only shown once this person has finalised."""
    if assignment.finalised_at is None:
        return []
    others = db.session.scalars(
        select(Assignment)
        .where(
            Assignment.submission_id == assignment.submission_id,
            Assignment.id != assignment.id,
            Assignment.finalised_at.is_not(None),
        )
        .options(selectinload(Assignment.scores), joinedload(Assignment.evaluator))
    ).all()
    return [(a, {s.criterion_id: s for s in a.scores}) for a in others]


def assignments_of(user: User, call: Call) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .join(Submission)
            .where(Assignment.evaluator_id == user.id, Submission.call_id == call.id)
            .options(joinedload(Assignment.submission).joinedload(Submission.proposal))
            .order_by(Assignment.id)
        )
    )


# --- Ranking -------------------------------------------------------------------------------------


@dataclass
class Row:
    submission: Submission
    proposal: Proposal
    average: float | None = None
    spread: float | None = None
    evaluations: int = 0
    assigned: int = 0
    # For an evaluator: hidden until their own evaluation of it is final.
    hidden: bool = False
    per_evaluator: list[float] = field(default_factory=list)

    # Whether the proposal answers an "aller vers" question (key ``outreach``), read for all rows at once.
    outreach: bool = False


SORTS = {
    "note": lambda r: (r.average is None, -(r.average or 0)),
    "ecart": lambda r: (r.spread is None, -(r.spread or 0)),
    "budget": lambda r: (r.proposal.budget_eur is None, r.proposal.budget_eur or 0),
    "titre": lambda r: r.proposal.title.lower(),
}


@dataclass
class RankingFilters:
    sort: str = "note"
    pole: int | None = None
    flag: str = ""
    decision: str = ""

    @classmethod
    def parse(cls, args) -> RankingFilters:
        sort = args.get("tri", "note")
        flag = args.get("critere", "")
        decision = args.get("decision", "")
        return cls(
            sort=sort if sort in SORTS else "note",
            pole=int_value(args, "pole"),
            flag=flag if flag in ("rural", "qpv", "aller_vers") else "",
            decision=decision if decision in ("selected", "waitlist", "rejected", "aucune") else "",
        )

    def query(self) -> dict:
        return {
            k: v
            for k, v in {"tri": self.sort, "pole": self.pole, "critere": self.flag, "decision": self.decision}.items()
            if v
        }


def ranking(call: Call, viewer: User, f: RankingFilters) -> list[Row]:
    """Five queries whatever the number of proposals: submissions (with proposal and association),
    their poles, the grid, their "aller vers" answers, every finalised score of the call."""
    submissions = (
        db.session.scalars(
            select(Submission)
            .where(Submission.call_id == call.id)
            .options(
                joinedload(Submission.proposal).joinedload(Proposal.association),
                joinedload(Submission.proposal).selectinload(Proposal.poles),
            )
            .order_by(Submission.id)
        )
        .unique()
        .all()
    )
    criteria = criteria_of(call.id)
    reaching_out = questions.answers_by_key([s.proposal_id for s in submissions], "outreach")
    rows_by_sub = {
        s.id: Row(submission=s, proposal=s.proposal, outreach=bool(reaching_out.get(s.proposal_id, "").strip()))
        for s in submissions
    }
    scores = db.session.execute(
        select(
            Assignment.id,
            Assignment.submission_id,
            Assignment.evaluator_id,
            Assignment.finalised_at,
            Score.criterion_id,
            Score.value,
        )
        .join(Submission, Submission.id == Assignment.submission_id)
        .outerjoin(Score, Score.assignment_id == Assignment.id)
        .where(Submission.call_id == call.id)
    ).all()
    per_assignment: dict[int, dict] = {}
    mine_final: set[int] = set()
    for a_id, sub_id, evaluator_id, finalised_at, criterion_id, value in scores:
        entry = per_assignment.setdefault(a_id, {"sub": sub_id, "final": finalised_at is not None, "scores": {}})
        if criterion_id is not None:
            entry["scores"][criterion_id] = value
        if evaluator_id == viewer.id and finalised_at is not None:
            mine_final.add(sub_id)
    for entry in per_assignment.values():
        row = rows_by_sub.get(entry["sub"])
        if row is None:
            continue
        row.assigned += 1
        if entry["final"] and (avg := weighted(entry["scores"], criteria)) is not None:
            row.per_evaluator.append(avg)
    for row in rows_by_sub.values():
        row.hidden = not viewer.is_admin and row.submission.id not in mine_final
        row.evaluations = len(row.per_evaluator)
        if row.per_evaluator and not row.hidden:
            row.average = sum(row.per_evaluator) / len(row.per_evaluator)
            row.spread = max(row.per_evaluator) - min(row.per_evaluator)
    rows = list(rows_by_sub.values())
    if f.pole:
        rows = [r for r in rows if any(p.id == f.pole for p in r.proposal.poles)]
    if f.flag == "rural":
        rows = [r for r in rows if r.proposal.is_rural]
    elif f.flag == "qpv":
        rows = [r for r in rows if r.proposal.is_qpv]
    elif f.flag == "aller_vers":
        rows = [r for r in rows if r.outreach]
    if f.decision == "aucune":
        rows = [r for r in rows if r.submission.decision is None]
    elif f.decision:
        rows = [r for r in rows if r.submission.decision and r.submission.decision.value == f.decision]
    return sorted(rows, key=SORTS[f.sort])


def averages(call: Call) -> dict[int, float]:
    """Each submission's average of its finalised evaluations (the ranking's "note"), in two queries."""
    criteria = criteria_of(call.id)
    rows = db.session.execute(
        select(Assignment.id, Assignment.submission_id, Score.criterion_id, Score.value)
        .join(Submission, Submission.id == Assignment.submission_id)
        .join(Score, Score.assignment_id == Assignment.id)
        .where(Submission.call_id == call.id, Assignment.finalised_at.is_not(None))
    ).all()
    per_assignment: dict[int, tuple[int, dict[int, int]]] = {}
    for a_id, sub_id, criterion_id, value in rows:
        per_assignment.setdefault(a_id, (sub_id, {}))[1][criterion_id] = value
    per_submission: dict[int, list[float]] = {}
    for sub_id, scores in per_assignment.values():
        if (avg := weighted(scores, criteria)) is not None:
            per_submission.setdefault(sub_id, []).append(avg)
    return {sub_id: sum(values) / len(values) for sub_id, values in per_submission.items()}


def ranking_csv(rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            "rang",
            "proposition",
            "association",
            "note_ponderee_sur_4",
            "ecart",
            "evaluations",
            "budget_demande_eur",
            "poles",
            "rural",
            "qpv",
            "aller_vers",
            "etape",
            "decision",
            "montant_accorde_eur",
        ]
    )
    for rank, r in enumerate(rows, start=1):
        writer.writerow(
            [
                rank,
                r.proposal.title,
                r.proposal.association.name,
                "" if r.average is None else f"{r.average:.2f}".replace(".", ","),
                "" if r.spread is None else f"{r.spread:.2f}".replace(".", ","),
                r.evaluations,
                r.proposal.budget_eur if r.proposal.budget_eur is not None else "",
                ", ".join(p.name for p in r.proposal.poles),
                "oui" if r.proposal.is_rural else "non",
                "oui" if r.proposal.is_qpv else "non",
                "oui" if r.outreach else "non",
                r.submission.step,
                r.submission.decision.label if r.submission.decision else "",
                r.submission.granted_eur or "",
            ]
        )
    return out.getvalue()

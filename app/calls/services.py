"""Calls: set-up, the eligibility check, submission (closing date enforced here, in UTC), sending
back for changes and instruction steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app import identity, taxonomy
from app.associations import verification
from app.errors import RuleError
from app.extensions import db
from app.formatting import euros
from app.models import CALL_STATES, Association, Call, Criterion, Pole, Proposal, ProposalState, Submission, User
from app.models.base import utcnow
from app.models.taxonomy import Domain, LegalForm, TargetPublic
from app.notifications.recipients import proposal_recipients
from app.notifications.services import notify
from app.proposals import budget, questions, states

PARIS = ZoneInfo("Europe/Paris")


class CallError(RuleError):
    """A rule of the call refused the action."""


# --- Time: entered in Paris, stored naive UTC ---------------------------------------------------


def paris_to_utc(local: datetime) -> datetime:
    """A wall-clock time in Paris (naive) → naive UTC, daylight saving time included."""
    return local.replace(tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)


def utc_to_paris(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(PARIS).replace(tzinfo=None)


# --- Loading -------------------------------------------------------------------------------------


def get_call(slug: str) -> Call:
    return db.first_or_404(
        select(Call)
        .where(Call.slug == slug)
        .options(
            selectinload(Call.poles),
            selectinload(Call.criteria),
            selectinload(Call.domains),
            selectinload(Call.publics),
            selectinload(Call.legal_forms),
        )
    )


def submission_of(proposal: Proposal) -> Submission | None:
    return db.session.scalar(
        select(Submission).where(Submission.proposal_id == proposal.id).options(selectinload(Submission.call))
    )


@dataclass(frozen=True)
class Standing:
    """Where a proposal stands, in words for residents: its state and what they can still do."""

    state: str
    can_do: str


def standing(proposal: Proposal, submission: Submission | None) -> Standing | None:
    """``None`` while the proposal is simply published (its page needs no explanation)."""
    S = ProposalState
    if proposal.state is S.WITHDRAWN:
        return Standing(
            _("Retirée par ses autrices."),
            _("La discussion est close : cette proposition a été retirée. Les messages restent lisibles."),
        )
    if proposal.state not in CALL_STATES or submission is None:
        return None
    call = submission.call.title
    asking = _("La discussion reste ouverte : posez vos questions aux associations autrices.")
    frozen = _("Les soutiens sont arrêtés depuis le dépôt : leur nombre a été transmis avec le dossier.")
    if proposal.state is S.SELECTED and submission.granted_eur:
        state = _(
            "Financée : %(amount)s accordés par l'appel « %(call)s ».", amount=euros(submission.granted_eur), call=call
        )
        return Standing(state, f"{asking} {frozen} " + _("Son suivi (indicateurs, nouvelles) est public."))
    state = {
        S.SUBMITTED: _("Déposée à l'appel « %(call)s » : en cours d'examen.", call=call),
        S.CHANGES_REQUESTED: _("Déposée à l'appel « %(call)s », renvoyée aux autrices pour compléments.", call=call),
        S.SELECTED: _("Retenue à l'appel « %(call)s ».", call=call),
        S.WAITLISTED: _("En liste d'attente de l'appel « %(call)s ».", call=call),
        S.NOT_SELECTED: _("Non retenue à l'appel « %(call)s ».", call=call),
    }[proposal.state]
    return Standing(state, f"{asking} {frozen}")


def open_calls() -> list[Call]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(Call)
            .where(Call.opens_at <= now, Call.closes_at > now, Call.results_published_at.is_(None))
            .order_by(Call.closes_at)
        )
    )


# --- Set-up --------------------------------------------------------------------------------------


def parse_criteria(text: str) -> list[tuple[str, int]]:
    """One criterion a line: ``Libellé | poids`` (weight 1 when omitted)."""
    criteria = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, _sep, weight = line.rpartition("|") if "|" in line else (line, "", "1")
        try:
            w = int(weight.strip())
        except ValueError:
            raise CallError(_("Ligne %(n)d de la grille : le poids doit être un nombre entier.", n=n)) from None
        if not 1 <= w <= 10:
            raise CallError(_("Ligne %(n)d de la grille : le poids doit être entre 1 et 10.", n=n))
        criteria.append((label.strip()[:200], w))
    return criteria


def set_criteria(call: Call, criteria: list[tuple[str, int]]) -> None:
    """Update the grid in place (same position, same criterion): scores stay attached."""
    existing = list(call.criteria)
    if [(c.label, c.weight) for c in existing] == criteria:
        return
    if call.evaluation_started_at is not None and len(criteria) != len(existing):
        raise CallError(
            _("L'évaluation a commencé : on peut renommer ou repondérer les critères, pas en ajouter ni en retirer.")
        )
    for position, (label, weight) in enumerate(criteria):
        if position < len(existing):
            existing[position].label, existing[position].weight, existing[position].position = label, weight, position
        else:
            call.criteria.append(Criterion(label=label, weight=weight, position=position))
    for extra in existing[len(criteria) :]:
        call.criteria.remove(extra)


def save_call(call: Call | None, data: dict) -> Call:
    from app.text import slugify

    # Known before any query: a query autoflushes the new call, which then has its id.
    is_new = call is None
    if is_new:
        call = Call(slug=_unique_slug(slugify(data["title"])[:100]))
        call.poles, call.criteria = [], []
        call.domains, call.publics, call.legal_forms = [], [], []
        db.session.add(call)
    for name in ("title", "funder", "summary", "description", "envelope_eur", "min_grant_eur", "max_grant_eur"):
        setattr(call, name, data[name])
    call.opens_at, call.closes_at = paris_to_utc(data["opens_at"]), paris_to_utc(data["closes_at"])
    call.requires_verified_association = bool(data.get("requires_verified_association", True))
    call.requires_budget = bool(data.get("requires_budget", False))
    # Slugs from the form; none chosen means no restriction.
    call.domains = taxonomy.by_slugs(Domain, data["domains"])
    call.publics = taxonomy.by_slugs(TargetPublic, data["publics"])
    call.legal_forms = taxonomy.by_slugs(LegalForm, data["legal_forms"])
    call.instruction_steps = [s.strip()[:80] for s in data["steps"].splitlines() if s.strip()] or None
    call.poles = list(db.session.scalars(select(Pole).where(Pole.id.in_(data["poles"])))) if data["poles"] else []
    set_criteria(call, parse_criteria(data["criteria"]))
    if is_new:
        db.session.flush()
        questions.copy_defaults(call)  # a new call starts from the default questions
    db.session.commit()
    return call


def _unique_slug(base: str) -> str:
    slug, n = base or "appel", 1
    while db.session.scalar(select(Call.id).where(Call.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- Eligibility -----------------------------------------------------------------------------------

# Besides the call's required questions (app.proposals.questions).
REQUIRED_FIELDS = {
    "duration_months": lambda: _("la durée de l'expérimentation"),
}


@dataclass
class Check:
    ok: bool
    label: str
    detail: str = ""


def eligibility(call: Call, proposal: Proposal, association: Association) -> list[Check]:
    """Each point the call requires, in French: what is fine and exactly what is not."""
    checks: list[Check] = []
    forms = call.legal_forms
    if forms and association.legal_form_id not in {f.id for f in forms}:
        checks.append(
            Check(
                False,
                _("Forme juridique de la structure porteuse"),
                _(
                    "« %(name)s » est déclarée « %(form)s », qui n'est pas "
                    "éligible à cet appel. Formes éligibles : %(forms)s.",
                    name=association.name,
                    form=association.legal_form.label,
                    forms=", ".join(f.label for f in forms),
                ),
            )
        )
    else:
        checks.append(Check(True, _("Forme juridique de la structure porteuse"), association.legal_form.label))

    if call.requires_verified_association:
        if association.is_verified:
            checks.append(
                Check(
                    True,
                    _("Association vérifiée"),
                    _("Vérifiée par l'équipe de %(platform)s.", platform=identity.current().platform_name),
                )
            )
        else:
            checks.append(
                Check(
                    False,
                    _("Association vérifiée"),
                    # Where the verification queue left it: waiting, or refused and why.
                    _(
                        "Cet appel est réservé aux associations vérifiées, et « %(name)s » ne l'est pas encore.",
                        name=association.name,
                    )
                    + " "
                    + verification.status_text(association),
                )
            )

    call_poles = {p.id for p in call.poles}
    if not proposal.poles:
        checks.append(
            Check(
                False,
                _("Territoire"),
                _(
                    "Indiquez au moins %(a_unit)s ou une commune où le projet se déroule.",
                    a_unit=identity.current().unit.a,
                ),
            )
        )
    elif call_poles and (outside := [p.name for p in proposal.poles if p.id not in call_poles]):
        checks.append(
            Check(
                False,
                _("Territoire"),
                _(
                    "Hors du territoire de l'appel : %(poles)s. Territoires couverts : %(covered)s.",
                    poles=", ".join(outside),
                    covered=", ".join(p.name for p in call.poles),
                ),
            )
        )
    else:
        checks.append(Check(True, _("Territoire"), ", ".join(p.name for p in proposal.poles)))

    domains = call.domains
    if domains and proposal.domain_id not in {d.id for d in domains}:
        checks.append(
            Check(
                False,
                _("Domaine"),
                _(
                    "Le domaine « %(domain)s » n'est pas un domaine de cet appel. Domaines acceptés : %(domains)s.",
                    domain=proposal.domain.label,
                    domains=", ".join(d.label for d in domains),
                ),
            )
        )
    else:
        checks.append(Check(True, _("Domaine"), proposal.domain.label))

    publics = call.publics
    if publics and not {p.id for p in proposal.publics} & {p.id for p in publics}:
        checks.append(
            Check(
                False,
                _("Publics visés"),
                _(
                    "Aucun des publics visés n'est un public prioritaire de l'appel : %(publics)s.",
                    publics=", ".join(p.label for p in publics),
                ),
            )
        )
    else:
        checks.append(Check(True, _("Publics visés"), ", ".join(p.label for p in proposal.publics)))

    checks += budget_checks(call, proposal)

    # The call's questions, matched by key: a proposal drafted elsewhere shows what this call still asks.
    missing = [questions.short_label(q) for q in questions.missing_for(questions.questions_of(call.id), proposal)]
    missing += [label() for name, label in REQUIRED_FIELDS.items() if getattr(proposal, name) in (None, "")]
    if missing:
        checks.append(Check(False, _("Champs obligatoires"), _("À compléter : %(fields)s.", fields=", ".join(missing))))
    else:
        checks.append(Check(True, _("Champs obligatoires"), _("Tous remplis.")))
    checks.extend(documents_checks(call, proposal))
    return checks


def budget_checks(call: Call, proposal: Proposal) -> list[Check]:
    """The budget prévisionnel balances (when the call requires one, or the authors filled one) and
    the amount asked sits within the call's minimum and maximum per project, with the difference."""
    checks: list[Check] = []
    if call.requires_budget or proposal.budget_lines:
        lines = budget.lines_of(proposal.budget_lines)
        label = _("Budget prévisionnel")
        if not lines:
            checks.append(Check(False, label, _("Remplissez le budget prévisionnel : dépenses et ressources.")))
        elif problem := budget.balance_problem(lines):
            checks.append(Check(False, label, problem))
        else:
            total = euros(budget.totals(lines).expenses)
            checks.append(Check(True, label, _("Équilibré : %(total)s de dépenses et de ressources.", total=total)))
    asked = proposal.budget_eur
    if asked is None:
        checks.append(Check(False, _("Budget demandé"), _("Indiquez le budget demandé.")))
    elif problem := budget.grant_problem(asked, call.min_grant_eur, call.max_grant_eur):
        checks.append(Check(False, _("Budget demandé"), problem))
    else:
        checks.append(Check(True, _("Budget demandé"), euros(asked)))
    return checks


def documents_checks(call: Call, proposal: Proposal) -> list[Check]:
    """The documents the call requires (app/attachments): none asked, no line; else which are missing."""
    from app.attachments.services import missing_documents, required_documents

    if not required_documents(call.id):
        return []
    missing = missing_documents(call, proposal)
    if missing:
        return [
            Check(
                False,
                _("Pièces demandées"),
                _("Manquantes : %(documents)s.", documents=", ".join(d.label for d in missing)),
            )
        ]
    return [Check(True, _("Pièces demandées"), _("Toutes jointes."))]


# --- Submission ----------------------------------------------------------------------------------


def submit(call: Call, proposal: Proposal, user: User, now: datetime | None = None) -> Submission:
    """Submit (or resubmit after changes) while the call is open; the proposal is then frozen."""
    now = now or utcnow()
    if not call.is_open(now):
        if now >= call.closes_at:
            raise CallError(
                _("L'appel est clos depuis le %(date)s : plus aucun dépôt n'est possible.", date=_fr(call.closes_at))
            )
        raise CallError(
            _("L'appel n'est pas encore ouvert : dépôt possible à partir du %(date)s.", date=_fr(call.opens_at))
        )
    existing = submission_of(proposal)
    if existing is not None and existing.call_id != call.id:
        raise CallError(_("Cette proposition est déjà déposée à un autre appel."))
    if not states.can_transition(proposal, "submit"):
        raise CallError(_("Cette proposition est déjà déposée."))
    association = db.session.get(Association, proposal.association_id)
    if not all(c.ok for c in eligibility(call, proposal, association)):
        raise CallError(
            _("La proposition ne remplit pas encore toutes les conditions de l'appel : voyez la liste ci-dessous.")
        )
    # The state change is one guarded UPDATE: a concurrent edit or a second click cannot slip in.
    frozen = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.state == proposal.state)
        .values(state=ProposalState.SUBMITTED)
        .execution_options(synchronize_session=False)
    )
    if frozen.rowcount != 1:
        db.session.rollback()
        raise CallError(_("La proposition vient de changer : rechargez la page et recommencez."))
    # From now on it answers this call's questions (its answers follow, by key).
    questions.adopt_call(proposal, call)
    steps = call.steps
    if existing is None:
        existing = Submission(
            call_id=call.id,
            proposal_id=proposal.id,
            submitted_by_id=user.id,
            submitted_at=now,
            step=steps[0],
            step_at=now,
        )
        db.session.add(existing)
    else:
        existing.submitted_by_id, existing.submitted_at, existing.step, existing.step_at = user.id, now, steps[0], now
    db.session.commit()
    db.session.refresh(proposal)
    return existing


def send_back(submission: Submission, proposal: Proposal, by: User, message: str) -> None:
    """The pole or the admin asks for changes: editable again, history goes on."""
    if not message.strip():
        raise CallError(_("Écrivez aux auteurs ce qu'il faut compléter ou corriger."), "message")
    if submission.call.results_published_at is not None:
        raise CallError(_("Les résultats de l'appel sont publiés : la proposition ne peut plus être renvoyée."))
    states.apply_transition(proposal, "send_back")
    submission.sent_back_message, submission.sent_back_at = message.strip(), utcnow()
    notify(
        proposal_recipients(proposal),
        "evaluation",
        _l(
            "« %(title)s » vous est renvoyée pour compléments : %(message)s",
            title=proposal.title,
            message=message.strip(),
        ),
        url_for("proposals.detail", proposal_id=proposal.id),
        exclude=by.id,
    )
    db.session.commit()


def step_choices(steps: list[str], current: str) -> list[str]:
    """The call's steps, and the submission's current one when a decision set it ("Retenu"): the
    selector shows where the submission is, so that saving it as shown cannot reset it."""
    return steps if current in steps else [*steps, current]


def set_step(submission: Submission, step: str) -> None:
    if step not in step_choices(submission.call.steps, submission.step):
        raise CallError(_("Cette étape n'existe pas pour cet appel."), "step")
    if step != submission.step:
        submission.step, submission.step_at = step, utcnow()
    db.session.commit()


def _fr(value: datetime) -> str:
    from app.formatting import datetime_fr

    return datetime_fr(value)

"""Calls for projects: public pages, submission, evaluation, ranking, decisions, results,
follow-up and replication."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import access, authorize
from app.calls import decisions, evaluation, followup, services
from app.calls.forms import CallForm
from app.calls.services import CallError
from app.extensions import db
from app.markdown import render_markdown
from app.models import (
    EDITABLE_STATES,
    Assignment,
    Association,
    Call,
    Decision,
    Indicator,
    Pole,
    Proposal,
    ProposalState,
    Submission,
    User,
)
from app.models.calls import CALL_STATE_LABELS, DEFAULT_STEPS
from app.pages.services import open_and_upcoming_calls
from app.participation_forms import options
from app.permissions import PUBLIC, can
from app.proposals import services as proposal_services
from app.proposals import states
from app.proposals.forms import LONG_FIELDS
from app.rendering import render

bp = Blueprint("calls", __name__, url_prefix="/appels")


@bp.app_context_processor
def _call_helpers():
    from app.models.associations import LEGAL_FORM_LABELS, LegalForm
    from app.models.participation import DOMAIN_LABELS, PUBLIC_LABELS, Domain, TargetPublic

    return {
        "call_state_label": lambda state: CALL_STATE_LABELS[state],
        "call_panel": _proposal_panel,
        "legal_form_label": lambda v: LEGAL_FORM_LABELS[LegalForm(v)],
        "domain_label": lambda v: DOMAIN_LABELS[Domain(v)],
        "public_label": lambda v: PUBLIC_LABELS[TargetPublic(v)],
    }


def _proposal_panel(proposal: Proposal) -> dict:
    """What the proposal page shows about calls: submission, step, decision, lineage, actions."""
    submission = services.submission_of(proposal)
    panel = {
        "submission": submission,
        "standing": services.standing(proposal, submission),
        "lineage": followup.lineage(proposal.id),
        "open_calls": [],
        "replicable": [],
    }
    if proposal.state in EDITABLE_STATES and can(current_user, "call.submit", proposal):
        panel["open_calls"] = (
            [submission.call]
            if submission and submission.call.is_open()
            else ([] if submission else services.open_calls())
        )
    if current_user.is_authenticated and can(current_user, "project.replicate", proposal):
        panel["replicable"] = followup.replicable_associations(current_user, proposal)
    return panel


# --- Public ----------------------------------------------------------------------------------------


@bp.route("/")
@access(PUBLIC)
def index():
    past = db.session.scalars(select(Call).order_by(Call.closes_at.desc())).all()
    return render("calls/index.html", current=open_and_upcoming_calls(), calls=past)


@bp.route("/<slug>")
@access(PUBLIC)
def detail(slug: str):
    call = services.get_call(slug)
    results = None
    if call.results_published_at is not None:
        results = _results(call)
    return render(
        "calls/detail.html",
        call=call,
        results=results,
        is_evaluator=current_user.is_authenticated and can(current_user, "call.rank", call),
    )


def _results(call: Call) -> dict:
    submissions = (
        db.session.scalars(
            select(Submission)
            .where(Submission.call_id == call.id, Submission.decision.is_not(None))
            .options(
                joinedload(Submission.proposal).joinedload(Proposal.association),
                joinedload(Submission.proposal).selectinload(Proposal.poles),
            )
            .order_by(Submission.granted_eur.desc().nulls_last(), Submission.id)
        )
        .unique()
        .all()
    )
    groups = {d: [s for s in submissions if s.decision is d] for d in Decision}
    used = sum(s.granted_eur or 0 for s in groups[Decision.SELECTED])
    return {
        "groups": groups,
        "used": used,
        "left": call.envelope_eur - used,
        "replicas": followup.replicas_by_original([s.proposal_id for s in groups[Decision.SELECTED]]),
    }


@bp.route("/<slug>/resultats")
@access(PUBLIC)
def results(slug: str):
    call = services.get_call(slug)
    if call.results_published_at is None:
        abort(404)
    return render("calls/results.html", call=call, results=_results(call))


# --- Set-up (admin) ---------------------------------------------------------------------------------


def _call_form(call: Call | None) -> CallForm:
    form = CallForm()
    form.poles.choices = options((p.id, p.name) for p in db.session.scalars(select(Pole).order_by(Pole.name)))
    if request.method == "GET":
        if call is None:
            form.steps.data = "\n".join(DEFAULT_STEPS)
        else:
            for name in ("title", "funder", "summary", "description", "envelope_eur", "min_grant_eur", "max_grant_eur"):
                form[name].data = getattr(call, name)
            form.opens_at.data, form.closes_at.data = (
                services.utc_to_paris(call.opens_at),
                services.utc_to_paris(call.closes_at),
            )
            form.domains.data, form.publics.data = call.domains or [], call.publics or []
            form.legal_forms.data, form.poles.data = call.legal_forms or [], [p.id for p in call.poles]
            form.requires_verified_association.data = call.requires_verified_association
            form.criteria.data = "\n".join(f"{c.label} | {c.weight}" for c in call.criteria)
            form.steps.data = "\n".join(call.steps)
    return form


@bp.route("/gestion")
@access("call.manage")
def manage():
    calls = db.session.scalars(select(Call).order_by(Call.closes_at.desc())).all()
    return render("calls/manage.html", calls=calls)


@bp.route("/nouveau", methods=["GET", "POST"])
@access("call.manage")
def create():
    return _edit_call(None)


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@access("call.manage")
def edit(slug: str):
    return _edit_call(services.get_call(slug))


def _edit_call(call: Call | None):
    form = _call_form(call)
    if form.validate_on_submit():
        try:
            call = services.save_call(call, {name: form[name].data for name in form._fields if name != "csrf_token"})
        except CallError as error:
            db.session.rollback()
            form.criteria.errors = [error.message]
            return render("calls/form.html", form=form, call=call, status=422)
        flash(_("L'appel est enregistré."), "success")
        return redirect(url_for("calls.detail", slug=call.slug))
    return render("calls/form.html", form=form, call=call, status=422 if form.is_submitted() else 200)


# --- Submission ------------------------------------------------------------------------------------


@bp.route("/<slug>/deposer/<int:proposal_id>", methods=["GET", "POST"])
@access("call.submit", per_object=True)
def submit(slug: str, proposal_id: int):
    call = services.get_call(slug)
    proposal = proposal_services.get_proposal(proposal_id)
    authorize("call.submit", proposal)
    checks = services.eligibility(call, proposal, proposal.association)
    if request.method == "POST":
        try:
            services.submit(call, proposal, current_user)
        except CallError as error:
            db.session.rollback()
            return render(
                "calls/submit.html", call=call, proposal=proposal, checks=checks, error=error.message, status=422
            )
        flash(
            _(
                "La proposition est déposée à l'appel « %(call)s ». Elle "
                "ne peut plus être modifiée, sauf renvoi pour compléments.",
                call=call.title,
            ),
            "success",
        )
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return render("calls/submit.html", call=call, proposal=proposal, checks=checks, error=None)


def _submission(submission_id: int) -> tuple[Submission, Proposal]:
    submission = db.first_or_404(
        select(Submission).where(Submission.id == submission_id).options(joinedload(Submission.call))
    )
    return submission, proposal_services.get_proposal(submission.proposal_id)


@bp.route("/depots/<int:submission_id>/renvoyer", methods=["POST"])
@access("call.send_back", per_object=True)
def send_back(submission_id: int):
    submission, proposal = _submission(submission_id)
    authorize("call.send_back", proposal)
    try:
        services.send_back(submission, proposal, current_user, request.form.get("message", ""))
    except CallError as error:
        flash(error.message, "error")
    except states.InvalidTransition:
        flash(_("Seule une proposition déposée peut être renvoyée pour compléments."), "error")
    else:
        flash(_("La proposition est renvoyée à ses auteurs, avec votre message."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


# --- Instruction (admin): steps, evaluators, decisions, results ----------------------------------


@bp.route("/<slug>/instruction")
@access("call.manage")
def instruction(slug: str):
    call = services.get_call(slug)
    submissions = (
        db.session.scalars(
            select(Submission)
            .where(Submission.call_id == call.id)
            .options(joinedload(Submission.proposal).joinedload(Proposal.association))
            .order_by(Submission.id)
        )
        .unique()
        .all()
    )
    assigned = db.session.scalars(
        select(Assignment)
        .join(Submission)
        .where(Submission.call_id == call.id)
        .options(joinedload(Assignment.evaluator))
    ).all()
    by_submission: dict[int, list[Assignment]] = {}
    for a in assigned:
        by_submission.setdefault(a.submission_id, []).append(a)
    return render(
        "calls/instruction.html",
        call=call,
        submissions=submissions,
        assigned=by_submission,
        evaluators=evaluation.possible_evaluators(),
        granted=decisions.granted_total(call.id),
        decisions=list(Decision),
    )


@bp.route("/depots/<int:submission_id>/evaluateurs", methods=["POST"])
@access("call.manage")
def assign(submission_id: int):
    submission, proposal = _submission(submission_id)
    evaluator = db.session.get(User, request.form.get("evaluator_id", type=int) or 0)
    if evaluator is None:
        flash(_("Choisissez une personne parmi la liste."), "error")
    else:
        try:
            evaluation.assign(submission, proposal, evaluator)
        except CallError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("%(name)s évaluera « %(title)s ».", name=evaluator.display_name, title=proposal.title), "success")
    return redirect(url_for("calls.instruction", slug=submission.call.slug))


@bp.route("/depots/<int:submission_id>/etape", methods=["POST"])
@access("call.manage")
def set_step(submission_id: int):
    submission, _proposal = _submission(submission_id)
    try:
        services.set_step(submission, request.form.get("step", ""))
    except CallError as error:
        flash(error.message, "error")
    else:
        flash(_("L'étape est enregistrée."), "success")
    return redirect(url_for("calls.instruction", slug=submission.call.slug))


@bp.route("/depots/<int:submission_id>/decision", methods=["POST"])
@access("call.manage")
def decide(submission_id: int):
    submission, _proposal = _submission(submission_id)
    slug = submission.call.slug
    try:
        decision = Decision(request.form.get("decision", ""))
    except ValueError:
        flash(_("Choisissez une décision : retenu, liste d'attente ou non retenu."), "error")
        return redirect(url_for("calls.instruction", slug=slug))
    raw = (request.form.get("amount") or "").replace(" ", "").replace("\u202f", "").replace("€", "")
    amount = int(raw) if raw.isdigit() else None
    if raw and amount is None:
        flash(_("Le montant doit être un nombre entier d'euros."), "error")
        return redirect(url_for("calls.instruction", slug=slug))
    try:
        decisions.decide(submission.id, decision, amount, request.form.get("reason", ""))
    except CallError as error:
        flash(error.message, "error")
        return redirect(url_for("calls.instruction", slug=slug))
    flash(_("La décision est enregistrée."), "success")
    return redirect(url_for("calls.instruction", slug=slug))


@bp.route("/<slug>/resultats/publier", methods=["POST"])
@access("call.manage")
def publish_results(slug: str):
    call = services.get_call(slug)
    try:
        decisions.publish_results(call)
    except CallError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("calls.instruction", slug=slug))
    flash(_("Les résultats sont publiés ; chaque association autrice est prévenue."), "success")
    return redirect(url_for("calls.results", slug=slug))


# --- Evaluation ------------------------------------------------------------------------------------


@bp.route("/evaluations/<int:assignment_id>", methods=["GET", "POST"])
@access("call.evaluate", per_object=True)
def evaluate(assignment_id: int):
    assignment = evaluation.get_assignment(assignment_id)
    authorize("call.evaluate", assignment)
    proposal = proposal_services.get_proposal(assignment.submission.proposal_id)
    criteria = evaluation.criteria_of(assignment.submission.call_id)
    errors: list[str] = []
    typed: dict[int, tuple[str, str]] = {}
    if request.method == "POST":
        typed = {
            c.id: (request.form.get(f"score-{c.id}", ""), request.form.get(f"comment-{c.id}", "")) for c in criteria
        }
        final = request.form.get("action") == "finaliser"
        errors = evaluation.save_scores(assignment, typed, final)
        if not errors:
            flash(
                _("Votre évaluation est finalisée.") if final else _("Brouillon enregistré : vous seul·e le voyez."),
                "success",
            )
            return redirect(url_for("calls.evaluate", assignment_id=assignment.id))
        db.session.rollback()
        assignment = evaluation.get_assignment(assignment_id)
    mine = {s.criterion_id: s for s in assignment.scores}
    values = typed or {
        c.id: (
            "" if c.id not in mine or mine[c.id].value is None else str(mine[c.id].value),
            mine[c.id].comment if c.id in mine else "",
        )
        for c in criteria
    }
    return render(
        "calls/evaluate.html",
        assignment=assignment,
        proposal=proposal,
        call=assignment.submission.call,
        criteria=criteria,
        values=values,
        errors=errors,
        # The proposal beside the grid: the evaluator reads it while scoring.
        texts={name: render_markdown(getattr(proposal, name)) for name in LONG_FIELDS},
        long_fields=LONG_FIELDS,
        scale=evaluation.SCALE,
        others=evaluation.others_final(assignment),
        average=evaluation.weighted({k: s.value for k, s in mine.items()}, criteria),
        status=422 if errors else 200,
    )


@bp.route("/<slug>/classement")
@access("call.rank", per_object=True)
def ranking(slug: str):
    call = services.get_call(slug)
    authorize("call.rank", call)
    f = evaluation.RankingFilters.parse(request.args)
    rows = evaluation.ranking(call, current_user, f)
    poles = call.poles or db.session.scalars(select(Pole).order_by(Pole.name)).all()
    return render(
        "calls/ranking.html",
        block="ranking",
        call=call,
        rows=rows,
        f=f,
        poles=poles,
        mine=evaluation.assignments_of(current_user, call),
        granted=decisions.granted_total(call.id),
    )


@bp.route("/<slug>/classement.csv")
@access("call.rank", per_object=True)
def ranking_csv(slug: str):
    call = services.get_call(slug)
    authorize("call.rank", call)
    rows = evaluation.ranking(call, current_user, evaluation.RankingFilters.parse(request.args))
    return Response(
        "\ufeff" + evaluation.ranking_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="classement-{call.slug}.csv"'},
    )


# --- Follow-up and replication ----------------------------------------------------------------------


@bp.route("/projets/<int:proposal_id>")
@access("proposal.view", per_object=True)
def project(proposal_id: int):
    proposal = proposal_services.get_proposal(proposal_id)
    authorize("proposal.view", proposal)
    if proposal.state != ProposalState.SELECTED:
        abort(404)
    indicators = followup.indicators_of(proposal.id)
    return render(
        "calls/project.html",
        proposal=proposal,
        submission=services.submission_of(proposal),
        charts=[(i, followup.line_chart(i)) for i in indicators],
        updates=followup.updates_of(proposal.id),
        lineage=followup.lineage(proposal.id),
        today=date.today().isoformat(),
        number_fr=followup.number_fr,
    )


def _project_for_report(proposal_id: int) -> Proposal:
    proposal = proposal_services.get_proposal(proposal_id)
    authorize("project.report", proposal)
    return proposal


def _float(raw: str | None) -> float | None:
    try:
        return float((raw or "").replace(",", ".").replace(" ", ""))
    except ValueError:
        return None


@bp.route("/projets/<int:proposal_id>/indicateurs", methods=["POST"])
@access("project.report", per_object=True)
def add_indicator(proposal_id: int):
    proposal = _project_for_report(proposal_id)
    target = _float(request.form.get("target")) if request.form.get("target") else None
    try:
        followup.add_indicator(proposal, request.form.get("label", ""), request.form.get("unit", ""), target)
    except CallError as error:
        flash(error.message, "error")
    else:
        flash(_("L'indicateur est ajouté."), "success")
    return redirect(url_for("calls.project", proposal_id=proposal.id))


@bp.route("/projets/<int:proposal_id>/indicateurs/<int:indicator_id>/valeurs", methods=["POST"])
@access("project.report", per_object=True)
def add_value(proposal_id: int, indicator_id: int):
    proposal = _project_for_report(proposal_id)
    indicator = db.first_or_404(
        select(Indicator).where(Indicator.id == indicator_id, Indicator.proposal_id == proposal.id)
    )
    value = _float(request.form.get("value"))
    try:
        measured_on = date.fromisoformat(request.form.get("measured_on", ""))
    except ValueError:
        measured_on = None
    if value is None or value < 0 or measured_on is None:
        flash(_("Indiquez une date et une valeur positive (exemple : 12 ou 12,5)."), "error")
    elif measured_on > date.today():
        flash(_("La date de mesure ne peut pas être dans le futur."), "error")
    else:
        followup.add_value(indicator, proposal, measured_on, value, current_user)
        flash(_("La valeur est enregistrée."), "success")
    return redirect(url_for("calls.project", proposal_id=proposal.id))


@bp.route("/projets/<int:proposal_id>/nouvelles", methods=["POST"])
@access("project.report", per_object=True)
def add_update(proposal_id: int):
    proposal = _project_for_report(proposal_id)
    try:
        followup.add_update(proposal, request.form.get("body", ""), current_user)
    except CallError as error:
        flash(error.message, "error")
    else:
        flash(_("La nouvelle est publiée."), "success")
    return redirect(url_for("calls.project", proposal_id=proposal.id))


@bp.route("/projets/<int:proposal_id>/reproduire", methods=["POST"])
@access("project.replicate", per_object=True)
def replicate(proposal_id: int):
    original = proposal_services.get_proposal(proposal_id)
    authorize("project.replicate", original)
    association = db.session.get(Association, request.form.get("association_id", type=int) or 0)
    if association is None:
        flash(_("Choisissez l'association qui reproduit le projet."), "error")
        return redirect(url_for("proposals.detail", proposal_id=original.id))
    try:
        replica = followup.replicate(original, association, current_user)
    except CallError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("proposals.detail", proposal_id=original.id))
    flash(
        _(
            "Un brouillon reprenant le projet est créé pour « %(name)s » : adaptez-le à votre territoire.",
            name=association.name,
        ),
        "success",
    )
    return redirect(url_for("proposals.detail", proposal_id=replica.id))

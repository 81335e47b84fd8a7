"""Calls for projects: public pages, submission, evaluation, ranking, decisions, results,
follow-up and replication."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import access, authorize
from app.attachments import services as attachment_services
from app.calls import decisions, evaluation, followup, services
from app.calls.forms import (
    AssignForm,
    CallForm,
    DecisionForm,
    IndicatorForm,
    ReplicateForm,
    SendBackForm,
    StepForm,
    UpdateForm,
    ValueForm,
    evaluation_form,
    numbered,
)
from app.calls.services import CallError
from app.extensions import db
from app.forms import attach
from app.markdown import render_markdown
from app.models import (
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
from app.models.base import utcnow
from app.models.calls import DEFAULT_STEPS
from app.pages.services import open_and_upcoming_calls
from app.participation_forms import options
from app.permissions import PUBLIC, can
from app.proposals import budget, dossier, question_editor, questions, states
from app.proposals import services as proposal_services
from app.rendering import render
from app.scdl import export as scdl_export
from app.scdl import terms as scdl_terms
from app.scdl.terms import GrantTerms
from app.taxonomy import keep_retired

bp = Blueprint("calls", __name__, url_prefix="/appels")


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
        # What an application holds, said before anyone drafts: the documents and the budget.
        documents=attachment_services.required_documents(call.id),
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
        )
        .unique()
        .all()
    )
    # Each group in ranking order (best average first), as the evaluators ranked them.
    average = evaluation.averages(call)
    submissions = sorted(submissions, key=lambda s: (s.id not in average, -average.get(s.id, 0), s.id))
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
        # Still a 404 (there is no result to index or cache yet), but one that says when and where to look.
        return render("calls/results_pending.html", status=404, call=call)
    # The administrators see what the SCDL open-data file could not publish, to complete it.
    scdl = scdl_export.build(call) if can(current_user, "call.manage") else None
    return render("calls/results.html", call=call, results=_results(call), scdl=scdl)


# --- Set-up (admin) ---------------------------------------------------------------------------------


def _call_form(call: Call | None) -> CallForm:
    form = CallForm()
    form.poles.choices = options((p.id, p.name) for p in db.session.scalars(select(Pole).order_by(Pole.name)))
    if call is not None:
        # Retired since the call was set up: still offered, so saving it keeps them.
        keep_retired(form.domains, call.domains)
        keep_retired(form.publics, call.publics)
        keep_retired(form.legal_forms, call.legal_forms)
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
            form.domains.data = [d.slug for d in call.domains]
            form.publics.data = [p.slug for p in call.publics]
            form.legal_forms.data, form.poles.data = [f.slug for f in call.legal_forms], [p.id for p in call.poles]
            form.requires_verified_association.data = call.requires_verified_association
            form.requires_budget.data = call.requires_budget
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
            submission = services.submit(call, proposal, current_user)
        except CallError as error:
            db.session.rollback()
            return render(
                "calls/submit.html", call=call, proposal=proposal, checks=checks, error=error.message, status=422
            )
        dossier.keep_quietly(submission, proposal)  # the PDF of the dossier as submitted
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
    form = SendBackForm()
    # The form sits on the proposal page: a refusal comes back there as a message.
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    try:
        services.send_back(submission, proposal, current_user, form.message.data)
    except states.InvalidTransition:
        flash(_("Seule une proposition déposée peut être renvoyée pour compléments."), "error")
    except CallError as error:
        flash(error.message, "error")
    else:
        flash(_("La proposition est renvoyée à ses auteurs, avec votre message."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


# --- Instruction (admin): steps, evaluators, decisions, results ----------------------------------


@bp.route("/<slug>/instruction")
@access("call.manage")
def instruction(slug: str):
    return _instruction_page(services.get_call(slug))


def _step_form(submission: Submission, steps: list[str], formdata=None) -> StepForm:
    form = numbered(StepForm(formdata=formdata, data={"step": submission.step}), submission.id)
    form.step.choices = options((step, step) for step in services.step_choices(steps, submission.step))
    return form


def _assign_form(submission: Submission, evaluators: list[User], formdata=None) -> AssignForm:
    form = numbered(AssignForm(formdata=formdata), submission.id)
    form.evaluator_id.choices = options((u.id, u.display_name) for u in evaluators)
    return form


def _decision_form(submission: Submission, title: str, formdata=None) -> DecisionForm:
    terms = decisions.terms_of(submission)
    data = {
        "decision": submission.decision.value if submission.decision else None,
        "amount": submission.granted_eur,
        "reason": submission.decision_reason,
        "reference": terms.reference,
        "convention_date": terms.convention_date,
        # The project's title is a fair first draft of the grant's purpose.
        "purpose": terms.purpose or title[: scdl_terms.TEXT_MAX],
        "nature": terms.nature,
        "conditions": terms.conditions,
        "payment_dates": terms.payment_dates,
        "eu_notified": terms.eu_notified,
    }
    return numbered(DecisionForm(formdata=formdata, data=data), submission.id)


def _instruction_page(call: Call, submitted: tuple[int, str, FlaskForm] | None = None):
    """The instruction page; ``submitted`` (submission id, form kind, form) is a form that was
    refused: it comes back with what was typed, its errors next to the fields, and a 422."""
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
    evaluators = evaluation.possible_evaluators(call.id)
    forms = {
        s.id: {
            "step": _step_form(s, call.steps),
            "assign": _assign_form(s, evaluators),
            "decision": _decision_form(s, s.proposal.title),
        }
        for s in submissions
    }
    failed = None
    if submitted is not None:
        submission_id, kind, failed = submitted
        forms.setdefault(submission_id, {})[kind] = failed
    return render(
        "calls/instruction.html",
        call=call,
        submissions=submissions,
        assigned=by_submission,
        forms=forms,
        failed=failed,
        granted=decisions.granted_total(call.id),
        status=422 if failed is not None else 200,
    )


def _refused(slug: str, submission_id: int, kind: str, form: FlaskForm):
    db.session.rollback()
    return _instruction_page(services.get_call(slug), (submission_id, kind, form))


@bp.route("/depots/<int:submission_id>/evaluateurs", methods=["POST"])
@access("call.manage")
def assign(submission_id: int):
    submission, proposal = _submission(submission_id)
    slug = submission.call.slug
    form = _assign_form(submission, evaluation.possible_evaluators(submission.call_id), request.form)
    if not form.validate_on_submit():
        return _refused(slug, submission_id, "assign", form)
    evaluator = db.session.get(User, form.evaluator_id.data)
    try:
        evaluation.assign(submission, proposal, evaluator)
    except CallError as error:
        return _refused(slug, submission_id, "assign", attach(form, error))
    flash(_("%(name)s évaluera « %(title)s ».", name=evaluator.display_name, title=proposal.title), "success")
    return redirect(url_for("calls.instruction", slug=slug))


@bp.route("/depots/<int:submission_id>/etape", methods=["POST"])
@access("call.manage")
def set_step(submission_id: int):
    submission, _proposal = _submission(submission_id)
    slug = submission.call.slug
    form = _step_form(submission, submission.call.steps, request.form)
    if not form.validate_on_submit():
        return _refused(slug, submission_id, "step", form)
    try:
        services.set_step(submission, form.step.data)
    except CallError as error:
        return _refused(slug, submission_id, "step", attach(form, error))
    flash(_("L'étape est enregistrée."), "success")
    return redirect(url_for("calls.instruction", slug=slug))


@bp.route("/depots/<int:submission_id>/decision", methods=["POST"])
@access("call.manage")
def decide(submission_id: int):
    submission, proposal = _submission(submission_id)
    slug = submission.call.slug
    form = _decision_form(submission, proposal.title, request.form)
    if not form.validate_on_submit():
        return _refused(slug, submission_id, "decision", form)
    try:
        decisions.decide(
            submission.id,
            Decision(form.decision.data),
            form.amount.data,
            form.reason.data,
            above_request=form.above_request.data,
            terms=GrantTerms(
                reference=form.reference.data or "",
                convention_date=form.convention_date.data,
                purpose=form.purpose.data or "",
                nature=form.nature.data or "",
                conditions=form.conditions.data or "",
                payment_dates=form.payment_dates.data or "",
                eu_notified=form.eu_notified.data,
            ),
        )
    except decisions.AboveRequest as error:
        form.ask_above_request = True  # the page now offers the confirmation box
        return _refused(slug, submission_id, "decision", attach(form, error))
    except CallError as error:
        return _refused(slug, submission_id, "decision", attach(form, error))
    flash(_("La décision est enregistrée."), "success")
    return redirect(url_for("calls.instruction", slug=slug))


@bp.route("/<slug>/resultats/publier")
@access("call.manage")
def confirm_publication(slug: str):
    """Publishing is irreversible: a page says what it will do and asks to confirm (no JavaScript needed)."""
    call = services.get_call(slug)
    if call.results_published_at is not None:
        return redirect(url_for("calls.results", slug=slug))
    return render(
        "calls/publish.html",
        call=call,
        summary=decisions.publication_summary(call),
        too_early=utcnow() < call.closes_at,
        Decision=Decision,
    )


@bp.route("/<slug>/resultats/publier", methods=["POST"])
@access("call.manage")
def publish_results(slug: str):
    call = services.get_call(slug)
    if request.form.get("confirm") != "1":
        # Only the confirmation page's button carries the confirmation.
        return redirect(url_for("calls.confirm_publication", slug=slug))
    try:
        decisions.publish_results(call)
    except CallError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("calls.instruction", slug=slug))
    flash(_("Les résultats sont publiés ; chaque association autrice est prévenue."), "success")
    return redirect(url_for("calls.results", slug=slug))


# --- Evaluation ------------------------------------------------------------------------------------


@bp.route("/mes-evaluations")
@access("account.use")
def my_evaluations():
    return render("calls/my_evaluations.html", assignments=evaluation.my_assignments(current_user))


@bp.route("/evaluations/<int:assignment_id>", methods=["GET", "POST"])
@access("call.evaluate", per_object=True)
def evaluate(assignment_id: int):
    assignment = evaluation.get_assignment(assignment_id)
    proposal = proposal_services.get_proposal(assignment.submission.proposal_id)
    authorize("call.evaluate", assignment)
    criteria = evaluation.criteria_of(assignment.submission.call_id)
    errors: list[str] = []
    typed: dict[int, tuple[str, str]] = {}
    form = evaluation_form(criteria)
    if form.validate_on_submit():
        typed = {c.id: (form[f"score-{c.id}"].data or "", form[f"comment-{c.id}"].data or "") for c in criteria}
        final = form.action.data == "finaliser"
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
        texts=[
            (q, render_markdown(text))
            for q in questions.sheet(proposal).questions
            if (text := questions.text_of(proposal, q.key))
        ],
        budget=budget.view(proposal.budget_lines),
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
    return _project_page(proposal)


def _value_form(indicator_id: int, formdata=None) -> ValueForm:
    return numbered(ValueForm(formdata=formdata, data={"measured_on": date.today()}), indicator_id)


def _project_page(proposal: Proposal, submitted: tuple[str | int, FlaskForm] | None = None):
    """The follow-up page; ``submitted`` (a key: "indicator", "update" or an indicator id for its
    value form, and the form) is a refused form shown back with what was typed, with a 422."""
    indicators = followup.indicators_of(proposal.id)
    forms: dict = {
        "indicator": numbered(IndicatorForm(formdata=None), "indicateur"),
        "update": numbered(UpdateForm(formdata=None), "nouvelle"),
    }
    forms.update({i.id: _value_form(i.id) for i in indicators})
    failed = None
    if submitted is not None:
        key, failed = submitted
        forms[key] = failed
    return render(
        "calls/project.html",
        proposal=proposal,
        submission=services.submission_of(proposal),
        charts=[(i, followup.line_chart(i)) for i in indicators],
        updates=followup.updates_of(proposal.id),
        lineage=followup.lineage(proposal.id),
        forms=forms,
        failed=failed,
        number_fr=followup.number_fr,
        status=422 if failed is not None else 200,
    )


def _project_for_report(proposal_id: int) -> Proposal:
    proposal = proposal_services.get_proposal(proposal_id)
    authorize("project.report", proposal)
    return proposal


@bp.route("/projets/<int:proposal_id>/indicateurs", methods=["POST"])
@access("project.report", per_object=True)
def add_indicator(proposal_id: int):
    proposal = _project_for_report(proposal_id)
    form = numbered(IndicatorForm(), "indicateur")
    if not form.validate_on_submit():
        return _project_page(proposal, ("indicator", form))
    try:
        followup.add_indicator(proposal, form.label.data, form.unit.data or "", form.target.data)
    except CallError as error:
        db.session.rollback()
        return _project_page(proposal, ("indicator", attach(form, error)))
    flash(_("L'indicateur est ajouté."), "success")
    return redirect(url_for("calls.project", proposal_id=proposal.id))


@bp.route("/projets/<int:proposal_id>/indicateurs/<int:indicator_id>/valeurs", methods=["POST"])
@access("project.report", per_object=True)
def add_value(proposal_id: int, indicator_id: int):
    proposal = _project_for_report(proposal_id)
    indicator = db.first_or_404(
        select(Indicator).where(Indicator.id == indicator_id, Indicator.proposal_id == proposal.id)
    )
    form = _value_form(indicator.id, request.form)
    if not form.validate_on_submit():
        return _project_page(proposal, (indicator.id, form))
    try:
        followup.add_value(indicator, proposal, form.measured_on.data, form.value.data, current_user)
    except CallError as error:
        db.session.rollback()
        return _project_page(proposal, (indicator.id, attach(form, error)))
    flash(_("La valeur est enregistrée."), "success")
    return redirect(url_for("calls.project", proposal_id=proposal.id))


@bp.route("/projets/<int:proposal_id>/nouvelles", methods=["POST"])
@access("project.report", per_object=True)
def add_update(proposal_id: int):
    proposal = _project_for_report(proposal_id)
    form = numbered(UpdateForm(), "nouvelle")
    if not form.validate_on_submit():
        return _project_page(proposal, ("update", form))
    try:
        followup.add_update(proposal, form.body.data, current_user)
    except CallError as error:
        db.session.rollback()
        return _project_page(proposal, ("update", attach(form, error)))
    flash(_("La nouvelle est publiée."), "success")
    return redirect(url_for("calls.project", proposal_id=proposal.id))


@bp.route("/projets/<int:proposal_id>/reproduire", methods=["POST"])
@access("project.replicate", per_object=True)
def replicate(proposal_id: int):
    original = proposal_services.get_proposal(proposal_id)
    authorize("project.replicate", original)
    form = ReplicateForm()
    form.association_id.choices = []
    association = db.session.get(Association, form.association_id.data or 0) if form.validate_on_submit() else None
    # The form sits on the proposal page: a refusal comes back there as a message.
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


# --- The call's questions (its application form) ---------------------------------------------------


def _question_set(call: Call) -> question_editor.QuestionSet:
    def url(question_id: int | None = None, action: str | None = None) -> str:
        if question_id is None:
            return url_for("calls.questions_editor", slug=call.slug)
        if action is None:
            return url_for("calls.question_edit", slug=call.slug, question_id=question_id)
        return url_for("calls.question_action", slug=call.slug, question_id=question_id, action=action)

    return question_editor.QuestionSet(
        call=call,
        title=_("Questions de l'appel « %(title)s »", title=call.title),
        back_url=url_for("calls.manage"),
        back_label=_("Gérer les appels à projets"),
        url=url,
    )


@bp.route("/<slug>/questions", methods=["GET", "POST"])
@access("call.manage")
def questions_editor(slug: str):
    qset = _question_set(services.get_call(slug))
    return question_editor.add(qset) if request.method == "POST" else question_editor.page(qset)


@bp.route("/<slug>/questions/<int:question_id>", methods=["GET", "POST"])
@access("call.manage")
def question_edit(slug: str, question_id: int):
    return question_editor.edit(_question_set(services.get_call(slug)), question_id)


@bp.route("/<slug>/questions/<int:question_id>/<any(monter, descendre, retirer, retablir):action>", methods=["POST"])
@access("call.manage")
def question_action(slug: str, question_id: int, action: str):
    return question_editor.act(_question_set(services.get_call(slug)), question_id, action)

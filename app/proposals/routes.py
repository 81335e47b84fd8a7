from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.access import access, authorize
from app.accompaniment.services import panel as accompaniment_panel
from app.attachments.routes import proposal_context as attachments_context
from app.calls import services as call_services
from app.calls.panel import proposal_panel as call_panel
from app.discussion import participation_context
from app.extensions import db
from app.forms import check_url, field_check
from app.inputs import int_value, parse_int
from app.markdown import render_markdown
from app.models import FROZEN_STATES, Call, Idea, Pole, Proposal, ProposalState
from app.participation_forms import existing_communes, load_subdomain_choices, options
from app.permissions import PUBLIC, can, is_author_of_proposal
from app.proposals import budget, coauthors, dossier, questions, revisions, services, states
from app.proposals.forms import BudgetForm, ProposalForm, proposal_form
from app.rendering import is_htmx, render
from app.search import filters as search_filters
from app.search import services as search_services
from app.taxonomy import keep_retired

bp = Blueprint("proposals", __name__, url_prefix="/propositions")

# Besides these, one field per question the proposal answers (named by the question's key).
FORM_FIELDS = revisions.COLUMN_TEXTS + revisions.OTHER_FIELDS


def _prepare(form: ProposalForm, proposal: Proposal | None = None) -> None:
    form.association_id.choices = options((a.id, a.name) for a in services.associations_of(current_user))
    form.poles.choices = options((p.id, p.name) for p in db.session.scalars(db.select(Pole).order_by(Pole.name)))
    load_subdomain_choices(form.subdomain, keep=proposal.subdomain if proposal is not None else None)
    if proposal is not None:
        # Retired since: still offered to this proposal, which has them.
        keep_retired(form.domain, [proposal.domain])
        keep_retired(form.publics, proposal.publics)


def _fields(form: ProposalForm, asked: list) -> dict:
    # budget_eur is not in the form once the budget prévisionnel computes it.
    return {name: form[name].data for name in (*FORM_FIELDS, *(q.key for q in asked)) if name in form}


def _form_page(form, asked, proposal=None, status=200, conflict=None, idea=None, call=None):
    # The chosen communes are the only boxes; one just added by name is now among them.
    chosen = existing_communes(form.communes.data or [])
    form.communes.choices = options((c.id, f"{c.name} ({c.pole.name})") for c in chosen)
    if form.commune_add.data in {c.id for c in chosen}:
        form.commune_add.typed, form.commune_add.data = "", None
    return render(
        "proposals/form.html",
        status=status,
        form=form,
        proposal=proposal,
        check_url=check_url,
        asked=asked,
        conflict=conflict,
        idea=idea,
        call=call,
    )


def _call_for_draft() -> Call | None:
    """``?appel=<slug>`` (a call's "Proposer un projet" link, then a hidden field): drafted for that call."""
    slug = request.values.get("appel", "")
    return db.session.scalar(select(Call).where(Call.slug == slug[:120])) if slug else None


@bp.route("/")
@access(PUBLIC)
def index():
    # Filters, sort and words typed come from the query string (see app.search). A random order
    # by default, kept per visitor, so the earliest proposals do not always come first.
    territory = search_filters.Territory.load()
    f = search_filters.parse(request.args, territory, default_sort="hasard")
    page = search_services.proposals(f)
    if is_htmx():
        return render("proposals/index.html", block="results", page=page, f=f, territory=territory)
    drafts = services.in_progress_of(current_user) if current_user.is_authenticated else []
    return render("proposals/index.html", page=page, drafts=drafts, f=f, territory=territory)


@bp.route("/nouvelle", methods=["GET", "POST"])
@access("proposal.create")
def create():
    call = _call_for_draft()
    asked = questions.questions_of(call.id if call else None)
    form = proposal_form(asked)
    _prepare(form)
    idea = db.session.get(Idea, int_value(request.values, "idee", 0))
    if idea is not None and not can(current_user, "idea.take_up", idea):
        idea = None  # a hidden idea is not taken up (nor its text shown) through this form
    if request.method == "GET" and idea is not None:
        # Taking an idea up: start from what the resident wrote.
        form.title.data = idea.title
        if asked:  # the resident's description answers the first question (usually the need)
            form[asked[0].key].data = idea.description
        form.domain.data = idea.domain.slug
        form.subdomain.data = str(idea.subdomain_id or "")
        db.session.refresh(idea, ["publics"])
        form.publics.data = [p.slug for p in idea.publics]
        form.communes.data = [idea.commune_id]
    if (checked := field_check(form)) is not None:
        return checked
    if form.validate_on_submit():
        association = next(a for a in services.associations_of(current_user) if a.id == form.association_id.data)
        authorize("proposal.create", association)
        proposal = services.create_proposal(
            current_user, association, _fields(form, asked), idea=idea, call_id=call.id if call else None
        )
        flash(
            _("Le brouillon est enregistré. Il n'est visible que par votre association jusqu'à sa publication."),
            "success",
        )
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    if form.is_submitted():
        return _form_page(form, asked, status=422, idea=idea, call=call)
    return _form_page(form, asked, idea=idea, call=call)


@bp.route("/<int:proposal_id>")
@access("proposal.view", per_object=True)
def detail(proposal_id: int):
    return detail_page(proposal_id)


def detail_page(proposal_id: int, status: int = 200, comment_form=None, reply_target_id: int | None = None):
    """The proposal's page; a comment sent without JavaScript that did not validate shows it
    again (``comment_form``, see ``app.discussion.thread_context``)."""
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.view", proposal)
    sheet = questions.sheet(proposal)
    texts = [(q, render_markdown(sheet.text(q.key))) for q in sheet.questions]
    # The calls and accompaniment panels, only when the page shows them (not to a hidden proposal's visitors).
    shown = proposal.hidden_at is None or can(current_user, "content.see_hidden", proposal)
    return render(
        "proposals/detail.html",
        status=status,
        proposal=proposal,
        texts=texts,
        budget=budget.view(proposal.budget_lines),
        frozen_states=FROZEN_STATES,
        calls_panel=call_panel(proposal, current_user) if shown else None,
        acc_ctx=accompaniment_panel(proposal, current_user)
        if shown and proposal.state is not ProposalState.DRAFT
        else None,
        transitions=[
            (action, label)
            for action, (_from, _to, label) in states.TRANSITIONS.items()
            if states.can_transition(proposal, action)
        ],
        invitable=coauthors.invitable_associations(proposal)
        if can(current_user, "proposal.manage_coauthors", proposal)
        else [],
        **participation_context(proposal, request.args, comment_form, reply_target_id),
        **attachments_context(proposal),
    )


@bp.route("/<int:proposal_id>/modifier", methods=["GET", "POST"])
@access("proposal.edit", per_object=True)
def edit(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.edit", proposal, explain=frozen_for_author)
    asked = questions.sheet(proposal).questions
    form = proposal_form(asked, obj=proposal)
    _prepare(form, proposal)
    del form.association_id  # the lead association does not change
    if proposal.budget_lines:
        del form.budget_eur  # the amount asked is the budget prévisionnel's (edited on its own page)
    if request.method == "GET":
        form.version.data = proposal.version
        for question in asked:
            form[question.key].data = questions.text_of(proposal, question.key)
        form.domain.data = proposal.domain.slug
        form.publics.data = [p.slug for p in proposal.publics]
        form.poles.data = [p.id for p in proposal.poles]
        form.communes.data = [c.id for c in proposal.communes]
    if (checked := field_check(form)) is not None:
        return checked
    if form.validate_on_submit():
        try:
            result = services.update_proposal(
                proposal,
                _fields(form, asked),
                expected_version=parse_int(form.version.data) or 0,
                author_id=current_user.id,
            )
        except services.ProposalConflict as conflict:
            return _conflict_page(form, asked, conflict)
        if not result.changed:
            flash(_("Aucun changement à enregistrer."), "info")
        elif result.merged:
            flash(
                _(
                    "Quelqu'un a enregistré d'autres parties de la proposition pendant que vous la "
                    "modifiiez : vos modifications ont été fusionnées avec les siennes, rien n'est perdu."
                ),
                "success",
            )
        else:
            flash(_("La proposition est enregistrée."), "success")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    if form.is_submitted():
        if form.version.errors:
            # Saving again starts from the version shown now (the person has just checked the text).
            form.version.data = proposal.version
        return _form_page(form, asked, proposal, status=422)
    return _form_page(form, asked, proposal)


def frozen_for_author(proposal):
    """Calls: an author refused a change to a submitted proposal gets a French explanation, not a 403
    (passed to ``authorize(..., explain=)``)."""
    if proposal.state in FROZEN_STATES and is_author_of_proposal(current_user, proposal):
        flash(services.frozen_message(), "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return None


def _conflict_page(form: ProposalForm, asked: list, conflict: services.ProposalConflict):
    """Same field changed by two people: keep this person's text in the form for the fields they
    changed, show the saved text and the difference, and take the rest from the saved version so
    that saving again cannot undo the other person's work."""
    current = revisions.snapshot(conflict.current)
    base = conflict.base or {}
    started_from = parse_int(form.version.data) or 0
    mine_changed = {name for name, value in conflict.mine.items() if base.get(name, current.get(name)) != value}
    for name in (*FORM_FIELDS, *(q.key for q in asked)):
        if name not in mine_changed and name in form:
            # A snapshot keeps the sub-domain's id; the select's values are text.
            form[name].data = str(current.get(name) or "") if name == "subdomain" else current.get(name, "")
    form.version.data = conflict.current.version
    later = [r for r in revisions.history(conflict.current.id) if r.version > started_from]
    labels = revisions.labels_of(conflict.current)
    details = [
        {
            "name": name,
            "label": labels.get(name, name),
            "saved": revisions._display(current[name]),
            "diff": revisions.word_diff(current[name], conflict.mine[name]),
        }
        for name in conflict.conflicts
    ]
    return _form_page(form, asked, conflict.current, status=409, conflict={"fields": details, "revisions": later[:3]})


@bp.route("/<int:proposal_id>/<any(publish, withdraw):action>", methods=["POST"])
@access("proposal.transition", per_object=True)
def transition(proposal_id: int, action: str):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.transition", proposal)
    try:
        services.transition(proposal, action)
    except (services.Incomplete, states.InvalidTransition) as error:
        flash(error.message, "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    flash(
        _("La proposition est publiée : tout le monde peut la lire, la commenter et la soutenir.")
        if action == "publish"
        else _("La proposition est retirée."),
        "success",
    )
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


# --- Budget prévisionnel ---------------------------------------------------------------------------


def _budget_page(proposal, lines, form, status=200, notice=None):
    return render(
        "proposals/budget.html",
        status=status,
        proposal=proposal,
        lines=lines,
        form=form,
        totals=budget.totals(lines),
        balance=budget.balance_problem(lines) if lines else None,
        notice=notice,
        categories=budget.CATEGORIES,
    )


@bp.route("/<int:proposal_id>/budget", methods=["GET", "POST"])
@access("proposal.edit", per_object=True)
def edit_budget(proposal_id: int):
    """An editable table that works without JavaScript: adding or removing a line is a submit
    (a button named for it) that saves nothing and gives back every line as typed."""
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.edit", proposal, explain=frozen_for_author)
    form = BudgetForm()
    if request.method == "GET":
        form.version.data = proposal.version
        lines = budget.lines_of(proposal.budget_lines)
        if not lines:  # a table to start from: one line of each side
            lines = [budget.Line(budget.EXPENSE, ""), budget.Line(budget.RESOURCE, budget.ASKED)]
        return _budget_page(proposal, lines, form)
    if not form.validate_on_submit():
        # CSRF or version lost: the lines come back as typed, from the version shown now.
        form.version.data = proposal.version
        return _budget_page(proposal, budget.parse_form(request.form, keep_blank=True), form, status=422)
    if (side := request.form.get("add")) in budget.CATEGORIES:
        lines = budget.parse_form(request.form, keep_blank=True)
        lines.append(budget.Line(side, ""))
        return _budget_page(proposal, lines, form)
    if (removed := parse_int(request.form.get("remove"))) is not None:
        return _budget_page(proposal, budget.parse_form(request.form, keep_blank=True, skip=removed), form)
    lines = budget.parse_form(request.form)
    if any(line.errors for line in lines):
        return _budget_page(proposal, lines, form, status=422)
    try:
        services.update_proposal(
            proposal,
            {"budget_lines": budget.stored(lines)},
            expected_version=parse_int(form.version.data) or 0,
            author_id=current_user.id,
        )
    except services.ProposalConflict as conflict:
        form.version.data = conflict.current.version
        message = _(
            "Quelqu'un a modifié le budget pendant que vous le modifiiez : vos lignes sont ci-dessous, "
            "rien n'est enregistré. Vérifiez-les puis enregistrez à nouveau."
        )
        return _budget_page(conflict.current, lines, form, status=409, notice=message)
    problem = budget.balance_problem(lines)
    flash(_("Le budget est enregistré.") + (" " + problem if problem else ""), "info" if problem else "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id) + "#budget")


@bp.route("/<int:proposal_id>/imprimer")
@access("proposal.view", per_object=True)
def print_view(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.view", proposal)
    return render("proposals/print.html", **dossier.context(proposal))


@bp.route("/<int:proposal_id>/dossier.pdf")
@access("proposal.view", per_object=True)
def dossier_pdf(proposal_id: int):
    """The dossier as submitted, made at submission (or at its first opening, while still frozen)."""
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.view", proposal)
    submission = call_services.submission_of(proposal)
    kept = dossier.keep(submission, proposal) if submission is not None else None
    if kept is None:
        abort(404)
    response = make_response(kept.pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="dossier-{proposal.id}.pdf"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

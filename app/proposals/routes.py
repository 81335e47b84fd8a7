from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
from app.accompaniment.services import panel as accompaniment_panel
from app.calls.panel import proposal_panel as call_panel
from app.discussion import participation_context
from app.extensions import db
from app.forms import check_url, field_check
from app.inputs import int_value, parse_int
from app.markdown import render_markdown
from app.models import FROZEN_STATES, Idea, Pole, Proposal, ProposalState
from app.participation_forms import load_subdomain_choices, options
from app.permissions import PUBLIC, can, is_author_of_proposal
from app.poles.services import commune_choices
from app.proposals import coauthors, revisions, services, states
from app.proposals.forms import LONG_FIELDS, ProposalForm
from app.rendering import is_htmx, render
from app.search import filters as search_filters
from app.search import services as search_services
from app.taxonomy import keep_retired
from app.text import fold

bp = Blueprint("proposals", __name__, url_prefix="/propositions")

FORM_FIELDS = (
    "title",
    "summary",
    "need",
    "experimentation",
    "outreach",
    "cooperation",
    "impact_indicators",
    "domain",
    "subdomain",
    "publics",
    "poles",
    "communes",
    "is_rural",
    "is_qpv",
    "budget_eur",
    "duration_months",
)


def _prepare(form: ProposalForm, proposal: Proposal | None = None) -> None:
    form.association_id.choices = options((a.id, a.name) for a in services.associations_of(current_user))
    form.poles.choices = options((p.id, p.name) for p in db.session.scalars(db.select(Pole).order_by(Pole.name)))
    communes = [(cid, f"{name} ({pole})") for pole, items in commune_choices() for cid, name in items]
    form.communes.choices = options(sorted(communes, key=lambda c: fold(c[1])))
    load_subdomain_choices(form.subdomain, keep=proposal.subdomain if proposal is not None else None)
    if proposal is not None:
        # Retired since: still offered to this proposal, which has them.
        keep_retired(form.domain, [proposal.domain])
        keep_retired(form.publics, proposal.publics)


def _fields(form: ProposalForm) -> dict:
    return {name: form[name].data for name in FORM_FIELDS}


def _form_page(form, proposal=None, status=200, conflict=None, idea=None):
    return render(
        "proposals/form.html",
        status=status,
        form=form,
        proposal=proposal,
        check_url=check_url,
        long_fields=LONG_FIELDS,
        conflict=conflict,
        idea=idea,
    )


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
    form = ProposalForm()
    _prepare(form)
    idea = db.session.get(Idea, int_value(request.values, "idee", 0))
    if idea is not None and not can(current_user, "idea.take_up", idea):
        idea = None  # a hidden idea is not taken up (nor its text shown) through this form
    if request.method == "GET" and idea is not None:
        # Taking an idea up: start from what the resident wrote.
        form.title.data = idea.title
        form.need.data = idea.description
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
        proposal = services.create_proposal(current_user, association, _fields(form), idea=idea)
        flash(
            _("Le brouillon est enregistré. Il n'est visible que par votre association jusqu'à sa publication."),
            "success",
        )
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    if form.is_submitted():
        return _form_page(form, status=422, idea=idea)
    return _form_page(form, idea=idea)


@bp.route("/<int:proposal_id>")
@access("proposal.view", per_object=True)
def detail(proposal_id: int):
    return detail_page(proposal_id)


def detail_page(proposal_id: int, status: int = 200, comment_form=None, reply_target_id: int | None = None):
    """The proposal's page; a comment sent without JavaScript that did not validate shows it
    again (``comment_form``, see ``app.discussion.thread_context``)."""
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.view", proposal)
    texts = {name: render_markdown(getattr(proposal, name)) for name in LONG_FIELDS}
    # The calls and accompaniment panels, only when the page shows them (not to a hidden proposal's visitors).
    shown = proposal.hidden_at is None or can(current_user, "content.see_hidden", proposal)
    return render(
        "proposals/detail.html",
        status=status,
        proposal=proposal,
        texts=texts,
        calls_panel=call_panel(proposal, current_user) if shown else None,
        acc_ctx=accompaniment_panel(proposal, current_user)
        if shown and proposal.state is not ProposalState.DRAFT
        else None,
        long_fields=LONG_FIELDS,
        transitions=[
            (action, label)
            for action, (_from, _to, label) in states.TRANSITIONS.items()
            if states.can_transition(proposal, action)
        ],
        invitable=coauthors.invitable_associations(proposal)
        if can(current_user, "proposal.manage_coauthors", proposal)
        else [],
        **participation_context(proposal, request.args, comment_form, reply_target_id),
    )


@bp.route("/<int:proposal_id>/modifier", methods=["GET", "POST"])
@access("proposal.edit", per_object=True)
def edit(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.edit", proposal, explain=frozen_for_author)
    form = ProposalForm(obj=proposal)
    _prepare(form, proposal)
    del form.association_id  # the lead association does not change
    if request.method == "GET":
        form.version.data = proposal.version
        form.domain.data = proposal.domain.slug
        form.publics.data = [p.slug for p in proposal.publics]
        form.poles.data = [p.id for p in proposal.poles]
        form.communes.data = [c.id for c in proposal.communes]
    if (checked := field_check(form)) is not None:
        return checked
    if form.validate_on_submit():
        try:
            result = services.update_proposal(
                proposal, _fields(form), expected_version=parse_int(form.version.data) or 0, author_id=current_user.id
            )
        except services.ProposalConflict as conflict:
            return _conflict_page(form, conflict)
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
        return _form_page(form, proposal, status=422)
    return _form_page(form, proposal)


def frozen_for_author(proposal):
    """Calls: an author refused a change to a submitted proposal gets a French explanation, not a 403
    (passed to ``authorize(..., explain=)``)."""
    if proposal.state in FROZEN_STATES and is_author_of_proposal(current_user, proposal):
        flash(services.frozen_message(), "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    return None


def _conflict_page(form: ProposalForm, conflict: services.ProposalConflict):
    """Same field changed by two people: keep this person's text in the form for the fields they
    changed, show the saved text and the difference, and take the rest from the saved version so
    that saving again cannot undo the other person's work."""
    current = revisions.snapshot(conflict.current)
    base = conflict.base or {}
    started_from = parse_int(form.version.data) or 0
    mine_changed = {name for name, value in conflict.mine.items() if base.get(name, current.get(name)) != value}
    for name in FORM_FIELDS:
        if name not in mine_changed:
            # A snapshot keeps the sub-domain's id; the select's values are text.
            form[name].data = str(current[name] or "") if name == "subdomain" else current[name]
    form.version.data = conflict.current.version
    later = [r for r in revisions.history(conflict.current.id) if r.version > started_from]
    details = [
        {
            "name": name,
            "label": revisions.FIELD_LABELS[name],
            "saved": revisions._display(current[name]),
            "diff": revisions.word_diff(current[name], conflict.mine[name]),
        }
        for name in conflict.conflicts
    ]
    return _form_page(form, conflict.current, status=409, conflict={"fields": details, "revisions": later[:3]})


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

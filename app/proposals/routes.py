from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
from app.discussion import participation_context
from app.extensions import db
from app.forms import check_url, field_check
from app.markdown import render_markdown
from app.models import Idea, Pole
from app.permissions import PUBLIC
from app.poles.services import commune_choices
from app.proposals import services, states
from app.proposals.forms import LONG_FIELDS, ProposalForm
from app.rendering import is_htmx, render
from app.search import filters as search_filters
from app.search import services as search_services
from app.text import fold

bp = Blueprint("proposals", __name__, url_prefix="/propositions")

FORM_FIELDS = (
    "title", "summary", "need", "experimentation", "outreach", "cooperation", "impact_indicators",
    "domain", "publics", "poles", "communes", "is_rural", "is_qpv", "budget_eur", "duration_months",
)


def _prepare(form: ProposalForm) -> None:
    form.association_id.choices = [(a.id, a.name) for a in services.associations_of(current_user)]
    form.poles.choices = [(p.id, p.name) for p in db.session.scalars(db.select(Pole).order_by(Pole.name))]
    communes = [(cid, f"{name} ({pole})") for pole, items in commune_choices() for cid, name in items]
    form.communes.choices = sorted(communes, key=lambda c: fold(c[1]))


def _fields(form: ProposalForm) -> dict:
    return {name: form[name].data for name in FORM_FIELDS}


def _form_page(form, proposal=None, status=200, conflict=None, idea=None):
    return render(
        "proposals/form.html", status=status, form=form, proposal=proposal, check_url=check_url,
        long_fields=LONG_FIELDS, conflict=conflict, idea=idea,
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
    drafts = services.drafts_of(current_user) if current_user.is_authenticated else []
    return render("proposals/index.html", page=page, drafts=drafts, f=f, territory=territory)


@bp.route("/nouvelle", methods=["GET", "POST"])
@access("proposal.create")
def create():
    form = ProposalForm()
    _prepare(form)
    idea = db.session.get(Idea, request.values.get("idee", type=int) or 0)
    if request.method == "GET" and idea is not None:
        # Taking an idea up: start from what the resident wrote.
        form.title.data = idea.title
        form.need.data = idea.description
        form.domain.data = idea.domain.value
        db.session.refresh(idea, ["public_rows"])
        form.publics.data = [p.value for p in idea.publics]
        form.communes.data = [idea.commune_id]
    if (checked := field_check(form)) is not None:
        return checked
    if form.validate_on_submit():
        association = next(a for a in services.associations_of(current_user) if a.id == form.association_id.data)
        authorize("proposal.create", association)
        proposal = services.create_proposal(current_user, association, _fields(form), idea=idea)
        flash(_("Le brouillon est enregistré. Il n'est visible que par votre association jusqu'à sa publication."), "success")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    if form.is_submitted():
        return _form_page(form, status=422, idea=idea)
    return _form_page(form, idea=idea)


@bp.route("/<int:proposal_id>")
@access("proposal.view", per_object=True)
def detail(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.view", proposal)
    texts = {name: render_markdown(getattr(proposal, name)) for name in LONG_FIELDS}
    return render(
        "proposals/detail.html",
        proposal=proposal,
        texts=texts,
        long_fields=LONG_FIELDS,
        transitions=[(action, label) for action, (_from, _to, label) in states.TRANSITIONS.items() if states.can_transition(proposal, action)],
        **participation_context(proposal),
    )


@bp.route("/<int:proposal_id>/modifier", methods=["GET", "POST"])
@access("proposal.edit", per_object=True)
def edit(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.edit", proposal)
    form = ProposalForm(obj=proposal)
    _prepare(form)
    del form.association_id  # the lead association does not change
    if request.method == "GET":
        form.version.data = proposal.version
        form.domain.data = proposal.domain.value
        form.publics.data = [p.value for p in proposal.publics]
        form.poles.data = [p.id for p in proposal.poles]
        form.communes.data = [c.id for c in proposal.communes]
    if (checked := field_check(form)) is not None:
        return checked
    if form.validate_on_submit():
        try:
            services.update_proposal(proposal, _fields(form), expected_version=int(form.version.data or 0))
        except services.ProposalConflict as conflict:
            # Nothing is lost: the form comes back with what this person typed.
            form.version.data = conflict.current.version
            return _form_page(form, conflict.current, status=409, conflict=conflict.current)
        flash(_("La proposition est enregistrée."), "success")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    if form.is_submitted():
        return _form_page(form, proposal, status=422)
    return _form_page(form, proposal)


@bp.route("/<int:proposal_id>/<any(publish, withdraw):action>", methods=["POST"])
@access("proposal.transition", per_object=True)
def transition(proposal_id: int, action: str):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.transition", proposal)
    try:
        services.transition(proposal, action)
    except services.Incomplete as incomplete:
        flash(incomplete.message(), "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    except states.InvalidTransition:
        flash(_("Cette action n'est pas possible dans l'état actuel de la proposition."), "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    flash(_("La proposition est publiée : tout le monde peut la lire, la commenter et la soutenir.") if action == "publish" else _("La proposition est retirée."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))

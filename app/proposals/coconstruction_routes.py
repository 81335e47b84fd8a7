"""Writing together: co-authors, history of revisions, suggested amendments."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import SelectChoice

from app.access import access, authorize
from app.extensions import db
from app.forms import invalid
from app.models import Amendment, Association, ProposalCoauthor
from app.participation_forms import options
from app.proposals import amendments, coauthors, questions, revisions, services
from app.proposals.forms import AmendmentForm, DeclineAmendmentForm, InviteCoauthorForm
from app.proposals.routes import frozen_for_author  # calls
from app.ratelimit import rate_limit
from app.rendering import render

bp = Blueprint("coconstruction", __name__, url_prefix="/propositions")


def _back(proposal_id: int, anchor: str | None = None):
    return redirect(url_for("proposals.detail", proposal_id=proposal_id, _anchor=anchor))


# --- Co-authors ---------------------------------------------------------------------------


@bp.route("/<int:proposal_id>/coauteurs", methods=["POST"])
@rate_limit("invitation")
@access("proposal.manage_coauthors", per_object=True)
def invite_coauthor(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.manage_coauthors", proposal)
    form = InviteCoauthorForm()
    form.association_id.choices = options((a.id, a.name) for a in coauthors.invitable_associations(proposal))
    if not form.validate_on_submit():
        flash(_("Choisissez une association dans la liste."), "error")
        return _back(proposal.id, "coauteurs")
    try:
        coauthors.invite(proposal, db.session.get(Association, form.association_id.data), current_user)
    except coauthors.CoauthorError as error:
        flash(error.message, "error")
    else:
        flash(_("L'invitation est envoyée aux administrateurs de l'association."), "success")
    return _back(proposal.id, "coauteurs")


def _coauthorship(proposal_id: int, coauthor_id: int) -> ProposalCoauthor:
    proposal = services.get_proposal(proposal_id)
    coauthorship = next((c for c in proposal.coauthorships if c.id == coauthor_id), None)
    if coauthorship is None:
        abort(404)
    # The rules and services read the proposal through it.
    set_committed_value(coauthorship, "proposal", proposal)
    return coauthorship


@bp.route("/<int:proposal_id>/coauteurs/<int:coauthor_id>/<any(accepter, refuser):answer>", methods=["POST"])
@access("coauthor.respond", per_object=True)
def respond_coauthor(proposal_id: int, coauthor_id: int, answer: str):
    coauthorship = _coauthorship(proposal_id, coauthor_id)
    authorize("coauthor.respond", coauthorship)
    try:
        coauthors.respond(coauthorship, answer == "accepter", current_user)
    except coauthors.CoauthorError as error:
        flash(error.message, "error")
    else:
        flash(
            _("Votre association co-écrit maintenant cette proposition.")
            if answer == "accepter"
            else _("Invitation déclinée."),
            "success",
        )
    return _back(proposal_id, "coauteurs")


@bp.route("/<int:proposal_id>/coauteurs/<int:coauthor_id>/retirer", methods=["POST"])
@access("coauthor.remove", per_object=True)
def remove_coauthor(proposal_id: int, coauthor_id: int):
    coauthorship = _coauthorship(proposal_id, coauthor_id)
    authorize("coauthor.remove", coauthorship)
    coauthors.remove(coauthorship, current_user)
    flash(_("L'association ne co-écrit plus cette proposition."), "success")
    return _back(proposal_id, "coauteurs")


# --- History --------------------------------------------------------------------------------


@bp.route("/<int:proposal_id>/historique")
@access("proposal.history", per_object=True)
def history(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.history", proposal)
    entries = revisions.history(proposal.id)
    # Each revision is compared with the one before it: all from the query above, plus the names
    # of the poles and communes they mention (one query each).
    names = revisions.place_names([revision.snapshot for revision in entries])

    def diff(name: str, before: dict, after: dict):
        if name == "attachments":
            return revisions.attachments_change(after)
        old, new = (revisions.readable(name, snap.get(name, ""), names) for snap in (before, after))
        return revisions.word_diff(old, new) if revisions.is_text(name) else revisions.value_change(old, new)

    labels = revisions.labels_of(proposal)
    rows = []
    for i, revision in enumerate(entries):
        previous = entries[i + 1].snapshot if i + 1 < len(entries) else {}
        rows.append(
            {
                "revision": revision,
                "diffs": [
                    (labels.get(name, name), diff(name, previous, revision.snapshot))
                    for name in revision.changed_fields
                ],
            }
        )
    return render("proposals/history.html", proposal=proposal, rows=rows)


@bp.route("/<int:proposal_id>/historique/<int:version>/restaurer", methods=["POST"])
@access("proposal.edit", per_object=True)
def restore(proposal_id: int, version: int):
    proposal = services.get_proposal(proposal_id)
    authorize("proposal.edit", proposal)
    try:
        result = services.restore_revision(proposal, version, current_user)
    except LookupError:
        abort(404)
    except services.ProposalConflict:
        flash(_("La proposition vient d'être modifiée : rechargez l'historique et recommencez."), "error")
        return redirect(url_for("coconstruction.history", proposal_id=proposal_id))
    if result.changed:
        flash(
            _(
                "La version %(version)d est restaurée, comme une nouvelle version : l'historique est conservé.",
                version=version,
            ),
            "success",
        )
    else:
        flash(_("Cette version est identique au texte actuel : rien à restaurer."), "info")
    return redirect(url_for("coconstruction.history", proposal_id=proposal_id))


# --- Amendments -----------------------------------------------------------------------------


def _amendment_page(proposal, form=None, decline_forms=None, conflict=None, status=200):
    items = amendments.pending(proposal)
    labels = revisions.labels_of(proposal)
    decline_forms = decline_forms or {}
    return render(
        "proposals/amendments.html",
        status=status,
        proposal=proposal,
        items=[
            {
                "amendment": a,
                "label": labels.get(a.field, a.field),
                "diff": revisions.word_diff(a.base_text, a.new_text),
                "decline_form": decline_forms.get(a.id) or DeclineAmendmentForm(prefix=f"a{a.id}", formdata=None),
            }
            for a in items
        ],
        conflict=conflict,
    )


@bp.route("/<int:proposal_id>/amendements")
@access("proposal.history", per_object=True)
def amendments_list(proposal_id: int):
    proposal = services.get_proposal(proposal_id)
    # What the text could become is read like what it was: not through a hidden proposal.
    authorize("proposal.history", proposal)
    return _amendment_page(proposal)


def _amendment_form(proposal) -> AmendmentForm:
    form = AmendmentForm()
    labels = revisions.labels_of(proposal)
    form.field.choices = [SelectChoice(name, labels[name]) for name in amendments.amendable(proposal)]
    return form


def _start_from(form: AmendmentForm, proposal, part: str | None) -> None:
    """The chosen part (the need if none or unknown) and its current text: "Partez du texte actuel"."""
    parts = amendments.amendable(proposal)
    # Without a (known) part: the first question, the heart of the proposal, else the summary.
    form.field.data = part if part in parts else (parts[2] if len(parts) > 2 else "summary")
    form.new_text.data = questions.text_of(proposal, form.field.data)


@bp.route("/<int:proposal_id>/amendements/nouveau", methods=["GET", "POST"])
@rate_limit("amendment")
@access("amendment.create", per_object=True)
def suggest_amendment(proposal_id: int):
    """GET ``?partie=need`` starts from that part's text ("Amender" next to each part of the page);
    htmx asks the same URL with the select's value (``field``) and swaps only the text."""
    proposal = services.get_proposal(proposal_id)
    authorize("amendment.create", proposal)
    form = _amendment_form(proposal)
    if request.method == "GET":
        args = request.args
        _start_from(form, proposal, args.get("partie") or args.get("field") or args.get("champ"))
        return render("proposals/amendment_form.html", block="new_text", form=form, proposal=proposal)
    if form.validate_on_submit():
        try:
            amendments.suggest(proposal, current_user, form.field.data, form.new_text.data, form.reason.data)
        except amendments.AmendmentError as error:
            form.new_text.errors = [*form.new_text.errors, error.message]
            return invalid("proposals/amendment_form.html", form=form, proposal=proposal)
        flash(
            _("Votre amendement est envoyé aux auteurs de la proposition. Vous serez prévenu·e de leur réponse."),
            "success",
        )
        return redirect(url_for("coconstruction.amendments_list", proposal_id=proposal.id))
    return invalid("proposals/amendment_form.html", form=form, proposal=proposal)


@bp.route("/<int:proposal_id>/amendements/nouveau/partie", methods=["POST"])
@access("amendment.create", per_object=True)
def load_amendment_part(proposal_id: int):
    """Without JavaScript, "Charger le texte de cette partie": the form again, starting from the
    chosen part's text, the reason already typed kept. Changes nothing, so it is not rate-limited;
    a POST so that the typed reason never travels in a URL."""
    proposal = services.get_proposal(proposal_id)
    authorize("amendment.create", proposal)
    form = _amendment_form(proposal)
    _start_from(form, proposal, request.form.get("field"))
    return render("proposals/amendment_form.html", form=form, proposal=proposal)


def _amendment(proposal_id: int, amendment_id: int) -> Amendment:
    amendment = db.get_or_404(Amendment, amendment_id)
    if amendment.proposal_id != proposal_id:
        abort(404)
    return amendment


@bp.route("/<int:proposal_id>/amendements/<int:amendment_id>/accepter", methods=["POST"])
@access("amendment.decide", per_object=True)
def accept_amendment(proposal_id: int, amendment_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("amendment.decide", proposal, explain=frozen_for_author)  # calls: submitted, frozen
    amendment = _amendment(proposal_id, amendment_id)
    try:
        amendments.accept(amendment, proposal, current_user)
    except amendments.AmendmentConflict as conflict:
        return _amendment_page(
            proposal,
            status=409,
            conflict={
                "amendment": amendment,
                "label": revisions.labels_of(proposal).get(amendment.field, amendment.field),
                "current": conflict.current_text,
                "since": revisions.word_diff(amendment.base_text, conflict.current_text),
                "suggested": revisions.word_diff(conflict.current_text, amendment.new_text),
            },
        )
    except services.Frozen as frozen:
        flash(frozen.message, "error")
        return redirect(url_for("coconstruction.amendments_list", proposal_id=proposal_id))
    except (amendments.AmendmentError, services.ProposalConflict) as error:
        flash(error.message, "error")
        return redirect(url_for("coconstruction.amendments_list", proposal_id=proposal_id))
    flash(_("L'amendement est intégré à la proposition ; l'historique le crédite à son auteur."), "success")
    return redirect(url_for("coconstruction.amendments_list", proposal_id=proposal_id))


@bp.route("/<int:proposal_id>/amendements/<int:amendment_id>/decliner", methods=["POST"])
@access("amendment.decide", per_object=True)
def decline_amendment(proposal_id: int, amendment_id: int):
    proposal = services.get_proposal(proposal_id)
    authorize("amendment.decide", proposal)
    amendment = _amendment(proposal_id, amendment_id)
    form = DeclineAmendmentForm(prefix=f"a{amendment.id}")
    if not form.validate_on_submit():
        return _amendment_page(proposal, decline_forms={amendment.id: form}, status=422)
    try:
        amendments.decline(amendment, proposal, current_user, form.decline_reason.data)
    except amendments.AmendmentError as error:
        flash(error.message, "error")
    else:
        flash(_("L'amendement est décliné ; son auteur est prévenu."), "success")
    return redirect(url_for("coconstruction.amendments_list", proposal_id=proposal_id))

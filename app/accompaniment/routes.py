"""Accompaniment routes: plain forms (POST + redirect); the private space is never public."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app import identity
from app.access import access, authorize
from app.accompaniment import services
from app.accompaniment.forms import (
    DecideForm,
    LinkPartnerForm,
    LinkRelatedForm,
    MessageForm,
    PartnerForm,
    RequestForm,
)
from app.errors import RuleError
from app.extensions import db
from app.forms import invalid
from app.inputs import int_value
from app.models import Accompaniment, Partner, Pole, Proposal
from app.permissions import PUBLIC, can
from app.proposals.services import get_proposal
from app.ratelimit import rate_limit
from app.rendering import render

bp = Blueprint("accompaniment", __name__)

PROPOSAL = "/propositions/<int:proposal_id>"


def _back(proposal: Proposal, anchor: str = "accompagnement"):
    return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor=anchor))


def _refused(form: FlaskForm) -> bool:
    """These forms sit on the proposal page: what they refuse comes back there as a message."""
    if form.validate_on_submit():
        return False
    flash(next(iter(form.errors.values()))[0], "error")
    return True


def _run(fn, *args, success: str):
    try:
        fn(*args)
    except RuleError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(success, "success")


@bp.post(PROPOSAL + "/accompagnement")
@access("accompaniment.request", per_object=True)
def request_accompaniment(proposal_id: int):
    proposal = get_proposal(proposal_id)
    authorize("accompaniment.request", proposal)
    form = RequestForm()
    if _refused(form):
        return _back(proposal)
    _run(
        services.request_accompaniment,
        proposal,
        current_user,
        form.pole.data or 0,
        success=_("Votre demande d'accompagnement est transmise %(to_unit)s.", to_unit=identity.current().unit.to_the),
    )
    return _back(proposal)


@bp.post(PROPOSAL + "/accompagnement/decision")
@access("accompaniment.decide", per_object=True)
def decide(proposal_id: int):
    proposal = get_proposal(proposal_id)
    accompaniment = services.accompaniment_of(proposal) or abort(404)
    authorize("accompaniment.decide", accompaniment)
    form = DecideForm()
    if _refused(form):
        return _back(proposal)
    accept = form.decision.data == "accepter"
    _run(
        services.decide,
        accompaniment,
        proposal,
        current_user,
        accept,
        form.referent.data,
        form.reason.data or "",
        success=_("L'accompagnement est accepté.") if accept else _("La demande est refusée."),
    )
    return _back(proposal)


@bp.route(PROPOSAL + "/echanges", methods=["GET", "POST"])
@rate_limit("private_message")
@access("private_space.view", per_object=True)
def space(proposal_id: int):
    proposal = get_proposal(proposal_id)
    accompaniment = services.accompaniment_of(proposal)
    authorize("private_space.view", accompaniment)
    parent_id = int_value(request.values, "repondre")
    form = MessageForm()
    if request.method == "POST":
        authorize("private_space.post", accompaniment)
        if form.validate_on_submit():
            try:
                message = services.post_message(proposal, accompaniment, current_user, form.body.data, parent_id)
            except RuleError as error:
                form.body.errors = [error.message]
            else:
                flash(_("Votre message est envoyé."), "success")
                return redirect(
                    url_for("accompaniment.space", proposal_id=proposal.id, _anchor=f"message-{message.id}")
                )
        return invalid(
            "accompaniment/space.html",
            proposal=proposal,
            accompaniment=accompaniment,
            threads=services.messages(proposal),
            form=form,
            parent_id=parent_id,
        )
    return render(
        "accompaniment/space.html",
        proposal=proposal,
        accompaniment=accompaniment,
        threads=services.messages(proposal),
        form=form,
        parent_id=parent_id,
    )


def _managed(proposal_id: int) -> tuple[Proposal, Accompaniment | None]:
    """The proposal and its accompaniment, once this person may manage them (partners, links)."""
    proposal = get_proposal(proposal_id)
    accompaniment = services.accompaniment_of(proposal)
    authorize("accompaniment.manage", accompaniment)
    return proposal, accompaniment


@bp.post(PROPOSAL + "/partenaires")
@access("accompaniment.manage", per_object=True)
def link_partner(proposal_id: int):
    proposal, accompaniment = _managed(proposal_id)
    form = LinkPartnerForm()
    if _refused(form):
        return _back(proposal, "partenaires")
    partner = db.session.get(Partner, form.partner.data or 0)
    _run(
        services.link_partner,
        proposal,
        accompaniment,
        partner,
        current_user,
        success=_("Le partenaire est relié à la proposition."),
    )
    return _back(proposal, "partenaires")


@bp.post(PROPOSAL + "/partenaires/<int:partner_id>/retirer")
@access("accompaniment.manage", per_object=True)
def unlink_partner(proposal_id: int, partner_id: int):
    proposal, accompaniment = _managed(proposal_id)
    _run(
        services.unlink_partner,
        proposal,
        accompaniment,
        partner_id,
        current_user,
        success=_("Le partenaire est détaché de la proposition."),
    )
    return _back(proposal, "partenaires")


@bp.post(PROPOSAL + "/projets-proches")
@access("accompaniment.manage", per_object=True)
def link_related(proposal_id: int):
    proposal, accompaniment = _managed(proposal_id)
    form = LinkRelatedForm()
    if _refused(form):
        return _back(proposal, "projets-proches")
    other = db.session.get(Proposal, form.related.data or 0)
    _run(
        services.link_related,
        proposal,
        accompaniment,
        other,
        current_user,
        success=_("Les deux propositions sont reliées."),
    )
    return _back(proposal, "projets-proches")


@bp.post(PROPOSAL + "/projets-proches/<int:related_id>/retirer")
@access("accompaniment.manage", per_object=True)
def unlink_related(proposal_id: int, related_id: int):
    proposal, accompaniment = _managed(proposal_id)
    _run(services.unlink_related, proposal, accompaniment, related_id, current_user, success=_("Le lien est retiré."))
    return _back(proposal, "projets-proches")


# --- Partners directory ---------------------------------------------------------------------


def _pole(slug: str) -> Pole:
    return db.first_or_404(select(Pole).where(Pole.slug == slug))


@bp.route("/territoires/<slug>/partenaires")
@access(PUBLIC)
def partners(slug: str):
    pole = _pole(slug)
    form = PartnerForm(formdata=None) if can(current_user, "partners.manage", pole) else None
    return render(
        "accompaniment/partners.html", pole=pole, partners=services.partners_of_pole(pole, with_domains=True), form=form
    )


@bp.post("/territoires/<slug>/partenaires")
@access("partners.manage", per_object=True)
def add_partner(slug: str):
    pole = _pole(slug)
    authorize("partners.manage", pole)
    form = PartnerForm()
    if form.validate_on_submit():
        services.add_partner(
            pole, current_user, form.organisation.data, form.service.data, form.contact.data, form.domains.data or []
        )
        flash(_("Le partenaire est ajouté à l'annuaire."), "success")
        return redirect(url_for("accompaniment.partners", slug=pole.slug))
    return invalid(
        "accompaniment/partners.html", pole=pole, partners=services.partners_of_pole(pole, with_domains=True), form=form
    )


@bp.post("/territoires/<slug>/partenaires/<int:partner_id>/supprimer")
@access("partners.manage", per_object=True)
def remove_partner(slug: str, partner_id: int):
    pole = _pole(slug)
    authorize("partners.manage", pole)
    partner = db.session.get(Partner, partner_id)
    if partner is None or partner.pole_id != pole.id:
        abort(404)
    services.remove_partner(partner, current_user)
    flash(_("Le partenaire est retiré de l'annuaire."), "success")
    return redirect(url_for("accompaniment.partners", slug=pole.slug))

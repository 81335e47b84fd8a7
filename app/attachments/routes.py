"""Uploading, removing and downloading attachments; a call's required documents (admin)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.access import access, authorize
from app.associations import services as association_services
from app.attachments import services, storage
from app.attachments.forms import RequiredDocumentForm, UploadForm
from app.calls import services as call_services
from app.extensions import db
from app.models import Attachment, CallRequiredDocument
from app.models.attachments import DOCUMENT_KINDS
from app.permissions import can
from app.proposals import services as proposal_services
from app.rendering import render

bp = Blueprint("attachments", __name__)


def _uploads() -> list[services.Upload]:
    return [services.Upload(f.filename or "", f.read()) for f in request.files.getlist("files") if f and f.filename]


def _report(outcome: services.Outcome) -> None:
    """Each refused file with its reason, and how many were kept."""
    for _name, reason in outcome.refused:
        flash(reason, "error")
    if outcome.added:
        flash(
            _("Ajouté : %(names)s.", names=", ".join(a.filename for a in outcome.added)),
            "success",
        )
    elif not outcome.refused:
        flash(_("Choisissez au moins un fichier à joindre."), "error")


# --- A proposal's attachments ---------------------------------------------------------------------


@bp.route("/propositions/<int:proposal_id>/pieces-jointes", methods=["POST"])
@access("attachment.manage", per_object=True)
def add_to_proposal(proposal_id: int):
    proposal = proposal_services.get_proposal(proposal_id)
    authorize("attachment.manage", proposal)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
    else:
        try:
            _report(services.add_to_proposal(proposal, current_user, _uploads(), form.kind.data))
        except services.AttachmentError as error:
            flash(error.message, "error")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor="pieces-jointes"))


def _attachment_of(proposal_id: int, attachment_id: int) -> Attachment:
    return db.first_or_404(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.proposal_id == proposal_id)
    )


@bp.route("/propositions/<int:proposal_id>/pieces-jointes/<int:attachment_id>/retirer", methods=["POST"])
@access("attachment.manage", per_object=True)
def remove_from_proposal(proposal_id: int, attachment_id: int):
    proposal = proposal_services.get_proposal(proposal_id)
    authorize("attachment.manage", proposal)
    attachment = _attachment_of(proposal_id, attachment_id)
    if FlaskForm().validate_on_submit():
        name = attachment.filename
        try:
            services.remove_from_proposal(proposal, attachment, current_user)
        except services.AttachmentError as error:
            flash(error.message, "error")
        else:
            flash(_("« %(name)s » est retiré des pièces jointes.", name=name), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id, _anchor="pieces-jointes"))


# --- Download ------------------------------------------------------------------------------------------


@bp.route("/pieces-jointes/<int:attachment_id>")
@access("attachment.download", per_object=True)
def download(attachment_id: int):
    attachment = db.get_or_404(Attachment, attachment_id)
    authorize("attachment.download", attachment)
    try:
        data = storage.current().get(attachment.storage_key)
    except (FileNotFoundError, KeyError):
        abort(404)
    response = Response(data, mimetype=attachment.content_type)
    # Always a download, never shown inline: a file is never a page of this site.
    response.headers["Content-Disposition"] = services.content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- An association's profile documents -------------------------------------------------------------


def _documents_page(association, form=None, status=200):
    return render(
        "attachments/association_documents.html",
        association=association,
        documents=services.of_association(association.id),
        form=form or UploadForm(profile=True),
        remove_url=lambda a: url_for("attachments.remove_from_association", slug=association.slug, attachment_id=a.id),
        status=status,
    )


@bp.route("/associations/<slug>/documents")
@access("association.documents", per_object=True)
def association_documents(slug: str):
    association = association_services.get_association(slug)
    authorize("association.documents", association)
    return _documents_page(association)


@bp.route("/associations/<slug>/documents", methods=["POST"])
@access("association.edit", per_object=True)
def add_to_association(slug: str):
    association = association_services.get_association(slug)
    authorize("association.edit", association)
    form = UploadForm(profile=True)
    if not form.validate_on_submit():
        return _documents_page(association, form, status=422)
    _report(services.add_to_association(association, current_user, _uploads(), form.kind.data))
    return redirect(url_for("attachments.association_documents", slug=association.slug))


@bp.route("/associations/<slug>/documents/<int:attachment_id>/retirer", methods=["POST"])
@access("association.edit", per_object=True)
def remove_from_association(slug: str, attachment_id: int):
    association = association_services.get_association(slug)
    authorize("association.edit", association)
    attachment = db.first_or_404(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.association_id == association.id)
    )
    if FlaskForm().validate_on_submit():
        name = attachment.filename
        services.remove_from_association(attachment)
        flash(_("« %(name)s » est retiré des documents de l'association.", name=name), "success")
    return redirect(url_for("attachments.association_documents", slug=association.slug))


# --- A call's required documents (admin) ----------------------------------------------------------------


def _required_page(call, form=None, status=200):
    return render(
        "attachments/call_documents.html",
        call=call,
        documents=services.required_documents(call.id),
        form=form or RequiredDocumentForm(),
        kinds=DOCUMENT_KINDS,
        status=status,
    )


@bp.route("/appels/<slug>/documents-demandes", methods=["GET", "POST"])
@access("call.manage")
def call_documents(slug: str):
    call = call_services.get_call(slug)
    form = RequiredDocumentForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _required_page(call, form, status=422)
        services.add_required_document(
            call, form.label.data, form.help_text.data, form.kind.data, bool(form.profile_ok.data)
        )
        flash(_("Le document demandé est ajouté."), "success")
        return redirect(url_for("attachments.call_documents", slug=call.slug))
    return _required_page(call, form)


@bp.route("/appels/<slug>/documents-demandes/<int:document_id>/retirer", methods=["POST"])
@access("call.manage")
def remove_call_document(slug: str, document_id: int):
    call = call_services.get_call(slug)
    document = db.first_or_404(
        select(CallRequiredDocument).where(
            CallRequiredDocument.id == document_id, CallRequiredDocument.call_id == call.id
        )
    )
    if FlaskForm().validate_on_submit():
        db.session.delete(document)
        db.session.commit()
        flash(_("« %(label)s » n'est plus demandé.", label=document.label), "success")
    return redirect(url_for("attachments.call_documents", slug=call.slug))


def proposal_context(proposal) -> dict:
    """What the proposal page's attachments section shows (one query)."""
    manage = can(current_user, "attachment.manage", proposal)
    return {
        "attachments": services.of_proposal(proposal.id),
        "attach_form": UploadForm() if manage else None,
        "remove_attachment_url": (
            lambda a: url_for("attachments.remove_from_proposal", proposal_id=proposal.id, attachment_id=a.id)
        )
        if manage
        else None,
    }

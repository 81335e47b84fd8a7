"""The back office's association verification queue: the checks of each record, verify or refuse
with a reason. Rules live in ``app.associations.verification``."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import access, authorize
from app.admin import bp
from app.admin.forms import VerificationForm
from app.associations import verification
from app.extensions import db
from app.inputs import page_value
from app.models import Association, Commune
from app.rendering import is_htmx, render


def _queue_page(failed: tuple[int, VerificationForm] | None = None, status: int = 200):
    page = verification.queue_page(page_value(request.args))
    return render(
        "admin/verification.html",
        status=status,
        page=page,
        entries=verification.entries(page.items),
        refused=verification.refused(),
        failed=failed,
    )


@bp.route("/associations")
@access("association.verify")
def verification_queue():
    return _queue_page()


@bp.route("/associations/<int:association_id>/verification", methods=["POST"])
@access("association.verify", per_object=True)
def decide_verification(association_id: int):
    association = db.first_or_404(
        select(Association)
        .where(Association.id == association_id)
        .options(joinedload(Association.commune).joinedload(Commune.pole))
    )
    authorize("association.verify", association)
    form = VerificationForm()
    action = request.form.get("action")
    error = None
    if not form.validate_on_submit():
        error = form.reason.errors[0] if form.reason.errors else _("Le formulaire a expiré : rechargez la page.")
    else:
        try:
            if action == "verify":
                verification.verify(current_user, association)
            elif action == "refuse":
                verification.refuse(current_user, association, form.reason.data)
            else:
                error = _("Choisissez de vérifier ou de refuser.")
        except verification.VerificationError as refused:
            db.session.rollback()
            error = refused.message
    if error is not None:
        form.reason.errors = [error]
        if is_htmx():
            entry = verification.entries([association])[0]
            return render("admin/_verification_entry.html", status=422, entry=entry, form=form)
        return _queue_page((association.id, form), status=422)
    if is_htmx():
        return render("admin/_verification_entry.html", entry=verification.Entry(association), form=None, done=True)
    if association.is_verified:
        flash(_("« %(name)s » est vérifiée ; ses administrateurs sont prévenus.", name=association.name), "success")
    else:
        flash(
            _(
                "La vérification de « %(name)s » est refusée ; ses administrateurs sont prévenus.",
                name=association.name,
            ),
            "success",
        )
    return redirect(url_for("admin.verification_queue"))

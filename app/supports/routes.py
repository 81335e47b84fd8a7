"""Supports: a toggle answered in place for htmx, or by a redirect back without JavaScript."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
from app.inputs import int_value
from app.ratelimit import rate_limit
from app.rendering import is_htmx, render
from app.subjects import SLUGS, any_of, load_subject, url_of
from app.supports import services

bp = Blueprint("supports", __name__)


@bp.route(f"/<{any_of(SLUGS)}:slug>/<int:subject_id>/soutien", methods=["POST"])
@rate_limit("support")
@access("support.toggle", per_object=True)
def toggle(slug: str, subject_id: int):
    subject = load_subject(slug, subject_id)
    authorize("support.toggle", subject)
    supported = services.toggle_support(subject, current_user)
    if is_htmx():
        return render(
            "supports/_button.html", subject=subject, **services.button_context(subject, current_user, supported)
        )
    flash(_("Votre soutien est enregistré. Merci !") if supported else _("Votre soutien est retiré."), "success")
    return redirect(url_of(subject, _anchor="soutien"))


@bp.route(f"/<{any_of(SLUGS)}:slug>/<int:subject_id>/soutien-association", methods=["POST"])
@rate_limit("support")
@access("support.as_association", per_object=True)
def toggle_association(slug: str, subject_id: int):
    """A member supports in the name of one of their associations (``au_nom_de``)."""
    subject = load_subject(slug, subject_id)
    authorize("support.as_association", subject)
    try:
        supported = services.toggle_association_support(subject, current_user, int_value(request.form, "au_nom_de"))
    except services.SupportRefused as error:
        # A choice the page never offered (another association, or the proposal's own author).
        if is_htmx():
            context = services.support_context(subject, current_user)
            return render("supports/_button.html", status=422, subject=subject, support_error=error.message, **context)
        flash(error.message, "error")
        return redirect(url_of(subject, _anchor="soutien"))
    if is_htmx():
        return render("supports/_button.html", subject=subject, **services.support_context(subject, current_user))
    flash(
        _("Le soutien de votre association est enregistré.")
        if supported
        else _("Le soutien de votre association est retiré."),
        "success",
    )
    return redirect(url_of(subject, _anchor="soutien"))

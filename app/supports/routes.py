"""Supports: a toggle answered in place for htmx, or by a redirect back without JavaScript."""

from __future__ import annotations

from flask import Blueprint, flash, redirect
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
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

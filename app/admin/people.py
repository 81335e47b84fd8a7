"""The back office's people section: find an account, see its roles and what was done to it,
appoint or revoke a role (always with a reason). Rules live in ``app.admin.people_services``."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
from app.admin import bp
from app.admin import people_services as services
from app.admin.forms import AppointForm, PeopleFilterForm, RevokeForm
from app.auth import erasure
from app.auth.forms import EraseAccountForm
from app.extensions import db
from app.forms import attach
from app.inputs import page_value, parse_int
from app.models import User
from app.moderation.services import log_labels
from app.rendering import render


@bp.route("/personnes")
@access("admin.access")
def people():
    form = PeopleFilterForm(request.args)
    search = (form.q.data or "")[:120]
    role = form.role.data if form.role.data in services.ROLES else ""
    page = services.people_page(search, role, page_value(request.args))
    return render(
        "admin/people.html", form=form, page=page, roles=services.roles_of(page.items), search=search, role=role
    )


def _person_page(user: User, appoint_form=None, revoke_form=None, revoked=None, erase_form=None, status=200):
    poles, calls = services.poles(), services.calls()
    return render(
        "admin/person.html",
        status=status,
        person=user,
        roles=services.roles_of([user])[user.id],
        changes=services.changes_to(user),
        appoint_form=appoint_form or AppointForm(formdata=None, poles=poles, calls=calls),
        poles=poles,
        calls=calls,
        revoke_form=revoke_form,
        revoked=revoked,
        erase_form=erase_form or EraseAccountForm(prefix="erase", formdata=None),
        log_labels=log_labels(),
    )


@bp.route("/personnes/<int:user_id>")
@access("admin.access")
def person(user_id: int):
    return _person_page(db.get_or_404(User, user_id))


@bp.route("/personnes/<int:user_id>/nommer", methods=["POST"])
@access("people.manage")
def appoint(user_id: int):
    user = db.get_or_404(User, user_id)
    form = AppointForm(poles=services.poles(), calls=services.calls())
    if form.validate_on_submit():
        try:
            what = services.appoint(
                current_user,
                user,
                form.role.data,
                form.reason.data,
                pole_id=form.pole_id.data,
                call_id=form.call_id.data,
            )
        except services.PeopleError as error:
            db.session.rollback()
            attach(form, error)
        else:
            flash(_("%(name)s a maintenant %(what)s.", name=user.display_name, what=what), "success")
            return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, appoint_form=form, status=422)


@bp.route("/personnes/<int:user_id>/retirer", methods=["POST"])
@access("people.manage")
def revoke(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RevokeForm()
    # Which role the form was for: its row shows the error and keeps the reason typed.
    revoked = (form.role.data, parse_int(form.pole_id.data), parse_int(form.call_id.data))
    if form.validate_on_submit():
        try:
            what = services.revoke(
                current_user, user, form.role.data, form.reason.data, pole_id=revoked[1], call_id=revoked[2]
            )
        except services.PeopleError as error:
            db.session.rollback()
            form.reason.errors = [error.message]
        else:
            flash(_("%(name)s n'a plus %(what)s.", name=user.display_name, what=what), "success")
            return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, revoke_form=form, revoked=revoked, status=422)


@bp.route("/personnes/<int:user_id>/effacer", methods=["POST"])
@access("people.erase", per_object=True)
def erase(user_id: int):
    """The right to erasure exercised by post: an administrator erases the account, the reason
    (the request received) goes to the audit log."""
    user = db.get_or_404(User, user_id)
    authorize("people.erase", user)
    form = EraseAccountForm(prefix="erase")
    if form.validate_on_submit():
        try:
            reason = erasure.check_reason(form.reason.data)
            erasure.erase(user, remove_content=form.content.data == "remove", actor=current_user, reason=reason)
        except erasure.ErasureError as error:
            db.session.rollback()
            attach(form, error)
        else:
            flash(_("Le compte est supprimé ; le motif est gardé au journal."), "success")
            return redirect(url_for("admin.person", user_id=user.id))
    return _person_page(user, erase_form=form, status=422)

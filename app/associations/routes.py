from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import identity
from app.access import access, authorize
from app.associations import services, verification, voices
from app.associations.forms import AssociationForm, InviteForm
from app.comments import services as comment_services
from app.follows.services import is_following
from app.formatting import date_fr
from app.forms import check_url, field_check, invalid, reject
from app.inputs import page_value
from app.models import MembershipRole
from app.permissions import PUBLIC, can
from app.ratelimit import rate_limit
from app.rendering import is_htmx, render
from app.subjects import subject_of, url_of_item
from app.taxonomy import keep_retired

bp = Blueprint("associations", __name__, url_prefix="/associations")


@bp.route("/")
@access(PUBLIC)
def index():
    page = services.associations_page(page_value(request.args))
    return render("associations/index.html", page=page)


def _form_page(form, association=None, status=200):
    return render("associations/form.html", status=status, form=form, association=association, check_url=check_url)


@bp.route("/nouvelle", methods=["GET", "POST"])
@rate_limit("association_create")
@access("association.create")
def create():
    form = AssociationForm()
    if (checked := field_check(form)) is not None:
        return checked
    if form.validate_on_submit():
        try:
            association = services.create_association(current_user, **form.values())
        except services.AssociationError as error:
            return reject("associations/form.html", form, error, association=None, check_url=check_url)
        flash(
            _(
                "« %(name)s » est inscrite sur %(platform)s. Vous en êtes "
                "l'administrateur·rice : invitez maintenant les autres membres.",
                name=association.name,
                platform=identity.current().platform_name,
            ),
            "success",
        )
        return redirect(url_for("associations.members", slug=association.slug))
    if form.is_submitted():
        return invalid("associations/form.html", form=form, association=None, check_url=check_url)
    return _form_page(form)


@bp.route("/<slug>")
@access(PUBLIC)
def detail(slug: str):
    association = services.get_association(slug)
    return render(
        "associations/detail.html",
        association=association,
        members=services.public_members(association),
        groups=services.proposals_by_state(
            association, member=can(current_user, "association.view_members", association)
        ),
        following=is_following(current_user.id, association),
        said=voices.recent_comments(association),
        supported=voices.supported(association),
    )


@bp.route("/<slug>/commentaires/<int:comment_id>/retirer", methods=["POST"])
@access("association.remove_comment", per_object=True)
def remove_comment(slug: str, comment_id: int):
    """Its administrators take back a message said in the association's name (audit-logged)."""
    association = services.get_association(slug)
    comment = comment_services.get_comment(comment_id)
    if comment is None or comment.association_id != association.id:
        abort(404)
    authorize("association.remove_comment", comment)
    voices.remove_comment(comment, current_user)
    if is_htmx():
        discussion = comment_services.discussion_for(subject_of(comment), current_user)
        return render("comments/_deleted.html", discussion=discussion, comment=comment)
    flash(_("Le message dit au nom de « %(name)s » est retiré.", name=association.name), "success")
    if request.form.get("depuis") == "association":  # a flag, not a destination
        return redirect(url_for("associations.detail", slug=association.slug, _anchor="paroles"))
    return redirect(url_of_item(comment))


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@access("association.edit", per_object=True)
def edit(slug: str):
    association = services.get_association(slug)
    authorize("association.edit", association)
    form = AssociationForm(obj=association, association_id=association.id)
    keep_retired(form.legal_form, [association.legal_form])  # retired since: still its own
    if request.method == "GET":
        form.legal_form.data = association.legal_form.slug
    if (checked := field_check(form)) is not None:
        return checked
    if form.validate_on_submit():
        try:
            services.update_association(association, **form.values())
        except services.AssociationError as error:
            return reject("associations/form.html", form, error, association=association, check_url=check_url)
        flash(_("La fiche de « %(name)s » est enregistrée.", name=association.name), "success")
        return redirect(url_for("associations.detail", slug=association.slug))
    if form.is_submitted():
        return invalid("associations/form.html", form=form, association=association, check_url=check_url)
    return _form_page(form, association)


@bp.route("/<slug>/verification", methods=["POST"])
@access("association.verify", per_object=True)
def verify(slug: str):
    association = services.get_association(slug)
    authorize("association.verify", association)
    verified = request.form.get("verifiee") == "1"
    if verified and not association.is_verified:
        # The same outcome as the back office's queue: logged, and the association's admins told.
        verification.verify(current_user, association)
    else:
        services.set_verified(association, verified)
    if verified:
        flash(_("« %(name)s » est marquée comme vérifiée.", name=association.name), "success")
    else:
        flash(_("« %(name)s » n'est plus marquée comme vérifiée.", name=association.name), "success")
    return redirect(url_for("associations.detail", slug=association.slug))


@bp.route("/<slug>/verification/nouvelle-demande", methods=["POST"])
@access("association.edit", per_object=True)
def ask_verification_again(slug: str):
    """After a refusal, the association's administrators fixed the record: back in the queue."""
    association = services.get_association(slug)
    authorize("association.edit", association)
    try:
        verification.ask_again(association)
    except verification.VerificationError as error:
        flash(error.message, "error")
    else:
        flash(_("« %(name)s » attend de nouveau sa vérification.", name=association.name), "success")
    return redirect(url_for("associations.detail", slug=association.slug))


# --- Members ----------------------------------------------------------------------------------


def _can_manage(association) -> bool:
    return can(current_user, "association.manage_members", association)


def _members_page(association, *, block=None, invite_form=None, message=None, error=None, status=200):
    """The members page; with ``block``, only its list for an htmx action done in place."""
    return render(
        "associations/members.html",
        block=block,
        status=status,
        association=association,
        members=services.members(association),
        own=services.membership_of(association, current_user),
        invitations=services.pending_invitations(association) if _can_manage(association) else [],
        invite_form=invite_form or InviteForm(formdata=None),
        message=message,
        error=error,
    )


def _done(association, message: str):
    """After a member action: the list in place (htmx), or back to the page (plain form)."""
    if is_htmx():
        return _members_page(association, block="members", message=message)
    flash(message, "success")
    return redirect(url_for("associations.members", slug=association.slug))


def _refused(association, error: services.AssociationError):
    # Nothing changed: the page (or, for htmx, the list) comes back with the reason.
    return _members_page(association, block="members", error=error.message, status=422)


@bp.route("/<slug>/membres")
@access("association.view_members", per_object=True)
def members(slug: str):
    association = services.get_association(slug)
    authorize("association.view_members", association)
    return _members_page(association)


@bp.route("/<slug>/membres/inviter", methods=["POST"])
@rate_limit("invitation")
@access("association.manage_members", per_object=True)
def invite(slug: str):
    association = services.get_association(slug)
    authorize("association.manage_members", association)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            invitation, _token = services.invite(association, current_user, form.email.data, form.role.data)
        except services.AssociationError as error:
            form.email.errors = [error.message]
        else:
            flash(
                _(
                    "Invitation envoyée à %(email)s. Le lien reste valable jusqu'au %(date)s.",
                    email=invitation.email,
                    date=date_fr(invitation.expires_at),
                ),
                "success",
            )
            return redirect(url_for("associations.members", slug=association.slug))
    return _members_page(association, invite_form=form, status=422)


@bp.route("/<slug>/invitations/<int:invitation_id>/annuler", methods=["POST"])
@access("association.manage_members", per_object=True)
def revoke(slug: str, invitation_id: int):
    association = services.get_association(slug)
    authorize("association.manage_members", association)
    try:
        services.revoke_invitation(association, invitation_id)
    except services.AssociationError as error:
        return _refused(association, error)
    return _done(association, _("L'invitation est annulée : son lien ne fonctionne plus."))


def _member_action(slug: str, membership_id: int):
    association = services.get_association(slug)
    authorize("association.manage_members", association)
    try:
        membership = services.get_membership(association, membership_id)
    except services.AssociationError:
        abort(404)
    return association, membership


@bp.route("/<slug>/membres/<int:membership_id>/role", methods=["POST"])
@access("association.manage_members", per_object=True)
def change_role(slug: str, membership_id: int):
    association, membership = _member_action(slug, membership_id)
    role = request.form.get("role", "")
    if role not in {r.value for r in MembershipRole}:
        abort(400)
    try:
        services.change_role(association, membership, role)
    except services.AssociationError as error:
        return _refused(association, error)
    name = membership.user.display_name
    if role == MembershipRole.ADMIN:
        return _done(association, _("%(name)s administre maintenant l'association.", name=name))
    return _done(association, _("%(name)s est maintenant membre (sans rôle d'administration).", name=name))


@bp.route("/<slug>/membres/<int:membership_id>/retirer", methods=["POST"])
@access("association.manage_members", per_object=True)
def remove(slug: str, membership_id: int):
    association, membership = _member_action(slug, membership_id)
    name = membership.user.display_name
    try:
        services.remove_member(association, membership)
    except services.AssociationError as error:
        return _refused(association, error)
    if membership.user_id == current_user.id:
        flash(_("Vous avez quitté « %(name)s ».", name=association.name), "success")
        return redirect(url_for("associations.detail", slug=association.slug), 303)
    return _done(association, _("%(name)s ne fait plus partie de l'association.", name=name))


@bp.route("/<slug>/membres/<int:membership_id>/transmettre", methods=["POST"])
@access("association.manage_members", per_object=True)
def hand_over(slug: str, membership_id: int):
    association, membership = _member_action(slug, membership_id)
    try:
        services.hand_over(association, current_user, membership)
    except services.AssociationError as error:
        return _refused(association, error)
    return _done(
        association,
        _(
            "Vous avez transmis le rôle d'administration à %(name)s ; vous restez membre.",
            name=membership.user.display_name,
        ),
    )


@bp.route("/<slug>/ma-visibilite", methods=["POST"])
@access("association.own_membership", per_object=True)
def visibility(slug: str):
    association = services.get_association(slug)
    authorize("association.own_membership", association)
    shown = request.form.get("visible") == "1"
    services.set_show_publicly(association, current_user, shown)
    if shown:
        return _done(association, _("Votre nom apparaît maintenant sur la page publique de l'association."))
    return _done(association, _("Votre nom n'apparaît plus sur la page publique de l'association."))


@bp.route("/<slug>/quitter", methods=["POST"])
@access("association.own_membership", per_object=True)
def leave(slug: str):
    association = services.get_association(slug)
    authorize("association.own_membership", association)
    try:
        services.leave(association, current_user)
    except services.AssociationError as error:
        return _refused(association, error)
    flash(_("Vous avez quitté « %(name)s ».", name=association.name), "success")
    # Back to the public page: the members page is no longer open to this person.
    return redirect(url_for("associations.detail", slug=association.slug), 303)


# --- Invitations ------------------------------------------------------------------------------


def _invitation_page(token: str, invitation, error: str | None = None, status: int = 200):
    return render("associations/invitation.html", status=status, token=token, invitation=invitation, error=error)


@bp.route("/invitation/<token>")
@access(PUBLIC)
def invitation(token: str):
    """Anyone holding the link sees what it is for; answering needs the invited account."""
    invitation = services.invitation_for_token(token)
    try:
        services.check_invitation(invitation, current_user if current_user.is_authenticated else None)
    except services.InvitationError as error:
        return _invitation_page(token, invitation, error.message, error.status)
    return _invitation_page(token, invitation)


@bp.route("/invitation/<token>/accepter", methods=["POST"])
@access("invitation.respond", per_object=True)
def accept(token: str):
    invitation = services.invitation_for_token(token)
    authorize("invitation.respond", invitation)
    try:
        services.accept_invitation(invitation, current_user)
    except services.InvitationError as error:
        return _invitation_page(token, invitation, error.message, error.status)
    flash(_("Bienvenue dans « %(name)s » !", name=invitation.association.name), "success")
    return redirect(url_for("associations.members", slug=invitation.association.slug))


@bp.route("/invitation/<token>/refuser", methods=["POST"])
@access("invitation.respond", per_object=True)
def decline(token: str):
    invitation = services.invitation_for_token(token)
    authorize("invitation.respond", invitation)
    try:
        services.decline_invitation(invitation, current_user)
    except services.InvitationError as error:
        return _invitation_page(token, invitation, error.message, error.status)
    flash(_("Vous avez refusé l'invitation de « %(name)s ».", name=invitation.association.name), "success")
    return redirect(url_for("associations.index"))

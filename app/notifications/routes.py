"""Notifications: the list, marking read, the header badge, e-mail preferences, unsubscribing."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
from app.extensions import db
from app.inputs import int_value, page_value
from app.models import EmailMode, User
from app.notifications import services
from app.notifications.kinds import KINDS, MODE_LABELS
from app.permissions import PUBLIC
from app.rendering import is_htmx, render

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@access("notification.read")
def index():
    page = services.page_of(current_user.id, page_value(request.args))
    return render("notifications/index.html", page=page)


@bp.route("/badge")
@access(PUBLIC)  # answers only about the person asking; nothing for anonymous visitors
def badge():
    """Polled by the header badge: 204 (nothing to swap) while the count has not changed."""
    if not current_user.is_authenticated:
        return "", 204
    count = services.unread_count(current_user.id)
    if count == int_value(request.args, "n"):
        return "", 204
    return render("notifications/_badge.html", unread=count)


@bp.route("/<int:notification_id>/lue", methods=["POST"])
@access("notification.manage", per_object=True)
def mark_read(notification_id: int):
    notification = (
        services.own_notification(current_user.id, notification_id) if current_user.is_authenticated else None
    )
    if notification is None and current_user.is_authenticated:
        abort(404)  # someone else's notification does not exist for this person
    authorize("notification.manage", notification)
    services.mark_read(notification)
    if is_htmx():
        return render(
            "notifications/_marked.html", notification=notification, unread=services.unread_count(current_user.id)
        )
    return redirect(url_for("notifications.index"))


@bp.route("/tout-lu", methods=["POST"])
@access("notification.read")
def mark_all_read():
    services.mark_all_read(current_user.id)
    flash(_("Toutes vos notifications sont marquées comme lues."), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/preferences", methods=["GET", "POST"])
@access("account.use")
def preferences():
    if request.method == "POST":
        wanted = {}
        for kind in KINDS:
            try:
                wanted[kind] = EmailMode(request.form.get(f"mode-{kind}", ""))
            except ValueError:
                continue  # a missing or odd value leaves that kind as it was
        services.set_preferences(current_user.id, wanted)
        flash(_("Vos préférences de courriel sont enregistrées."), "success")
        return redirect(url_for("notifications.preferences"))
    return render(
        "notifications/preferences.html",
        kinds=KINDS,
        modes=MODE_LABELS,
        chosen=services.preferences(current_user.id),
    )


@bp.route("/desabonnement/<token>", methods=["GET", "POST"])
@access(PUBLIC)  # the signed link in the e-mail is the credential: no log-in needed
def unsubscribe(token: str):
    data = services.read_unsubscribe_token(token)
    user = db.session.get(User, data[0]) if data else None
    if user is None:
        return render("notifications/unsubscribe.html", status=400, valid=False)
    kind = data[1]
    label = services.kind_label(kind)
    if request.method == "POST":
        services.unsubscribe(user.id, kind)
        return render("notifications/unsubscribe.html", valid=True, done=True, label=label)
    return render("notifications/unsubscribe.html", valid=True, done=False, label=label, token=token)

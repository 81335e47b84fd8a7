from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
from app.extensions import db
from app.follows import services
from app.rendering import is_htmx, render
from app.subjects import any_of, url_of
from app.urls import redirect_back

bp = Blueprint("follows", __name__)


def _target(slug: str, target_id: int):
    kind = services.SLUGS.get(slug)
    if kind is None:
        abort(404)
    return db.get_or_404(services.MODELS[kind], target_id)


def _url(obj) -> str:
    kind = services.target_of(obj)
    if kind in (services.FollowTarget.IDEA, services.FollowTarget.PROPOSAL):
        return url_of(obj)
    if kind == services.FollowTarget.ASSOCIATION:
        return url_for("associations.detail", slug=obj.slug)
    return url_for("poles.detail", slug=obj.slug)


@bp.route(f"/<{any_of(services.SLUGS)}:slug>/<int:target_id>/suivre", methods=["POST"])
@access("follow.toggle", per_object=True)
def toggle(slug: str, target_id: int):
    obj = _target(slug, target_id)
    authorize("follow.toggle", obj)
    if services.is_following(current_user.id, obj):
        services.unfollow(current_user.id, obj)
        following = False
    else:
        services.follow(current_user.id, obj)
        following = True
    if is_htmx():
        return render("follows/_button.html", target=obj, following=following, slug=slug)
    flash(
        _("Vous suivez maintenant cette page : son activité apparaît dans votre fil.")
        if following
        else _("Vous ne suivez plus cette page."),
        "success",
    )
    return redirect_back(request.form.get("next"), _url(obj))


@bp.route("/fil")
@access("account.use")
def feed():
    return render(
        "follows/feed.html",
        activity=services.feed(current_user.id),
        followed=services.followed(current_user.id),
        url_for_target=_url,
    )

from flask import Blueprint

from app.access import access
from app.permissions import PUBLIC
from app.poles import services
from app.rendering import render

bp = Blueprint("poles", __name__, url_prefix="/territoires")


@bp.route("/")
@access(PUBLIC)
def index():
    return render("poles/index.html", poles=services.all_poles())


@bp.route("/<slug>")
@access(PUBLIC)
def detail(slug: str):
    pole = services.pole_by_slug(slug)
    return render("poles/detail.html", pole=pole, moderators=services.moderators(pole))

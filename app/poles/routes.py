from flask import Blueprint, request
from flask_login import current_user

from app.access import access
from app.accompaniment import services as accompaniment_services
from app.follows.services import is_following
from app.permissions import PUBLIC
from app.poles import services
from app.rendering import render
from app.search.filters import taxonomy_options

bp = Blueprint("poles", __name__, url_prefix="/territoires")


@bp.route("/")
@access(PUBLIC)
def index():
    return render("poles/index.html", poles=services.all_poles())


@bp.route("/<slug>")
@access(PUBLIC)
def detail(slug: str):
    pole = services.pole_by_slug(slug)
    # Ideas and proposals of the territory, filterable by domain and public (moderation work).
    domains, publics = taxonomy_options()
    domain = next((d for d in domains if d.slug == request.args.get("domaine")), None)
    public = next((p for p in publics if p.slug == request.args.get("public")), None)
    return render(
        "poles/detail.html",
        pole=pole,
        moderators=services.moderators(pole),
        ideas=services.pole_ideas(pole, domain, public),
        proposals=services.pole_proposals(pole, domain, public),
        referents=accompaniment_services.referents(pole),
        partners=accompaniment_services.partners_of_pole(pole),
        domains=domains,
        publics=publics,
        domain=domain,
        public=public,
        following=is_following(current_user.id, pole),
    )

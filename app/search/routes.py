"""The search page: one box over ideas, proposals, associations and calls."""

from flask import Blueprint, request

from app.access import access
from app.permissions import PUBLIC
from app.rendering import render
from app.search import filters, services

bp = Blueprint("search", __name__, url_prefix="/recherche")


@bp.route("/")
@access(PUBLIC)
def index():
    territory = filters.Territory.load()
    f = filters.parse(request.args, territory)
    page = services.search(f)
    return render("search/index.html", block="results", page=page, f=f, territory=territory)

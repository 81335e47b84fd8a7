"""The search page: one box over ideas, proposals, associations and calls."""

from flask import Blueprint, request

from app.access import access
from app.models import PUBLIC_STATES, Domain, ProposalState, TargetPublic
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


@bp.app_context_processor
def filter_choices() -> dict:
    # The fixed choices of the filter forms, for every list page that shows them.
    return {
        "domains": list(Domain),
        "publics": list(TargetPublic),
        "proposal_states": [s for s in ProposalState if s in PUBLIC_STATES],
        "sorts": filters.SORTS,
        "search_types": filters.TYPES,
    }

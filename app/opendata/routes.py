from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, request

from app import identity
from app.access import access
from app.calls import services as call_services
from app.opendata import exports, services
from app.opendata.licences import licence
from app.permissions import PUBLIC
from app.rendering import render
from app.search import filters as search_filters

bp = Blueprint("opendata", __name__, url_prefix="/donnees-ouvertes")

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
# The list datasets read the list pages' filters; the others have none.
FILTERED = {exports.PROPOSALS.key, exports.IDEAS.key}


@bp.route("/")
@access(PUBLIC)
def index():
    return render(
        "opendata/index.html",
        entries=services.catalogue(),
        licence=licence(identity.current().data_licence),
        list_separator=exports.LIST_SEPARATOR,
    )


@bp.route("/<dataset>.<fmt>")
@access(PUBLIC)
def export(dataset: str, fmt: str):
    chosen = exports.LISTS.get(dataset)
    if chosen is None or fmt not in CONTENT_TYPES:
        abort(404)
    source = None
    if dataset in FILTERED:
        # The page's query string, but its order: the file is sorted by id, and a random order
        # would give the download a session cookie.
        args = request.args.copy()
        args.pop("tri", None)
        source = search_filters.parse(args, search_filters.Territory.load())
    return _download(chosen, source, fmt, dataset)


@bp.route("/appels/<slug>/resultats.<fmt>")
@access(PUBLIC)
def call_results(slug: str, fmt: str):
    call = call_services.get_call(slug)
    if fmt not in CONTENT_TYPES or call.results_published_at is None:
        abort(404)
    return _download(exports.RESULTS, call, fmt, f"resultats-{call.slug}")


def _download(dataset: exports.Dataset, source, fmt: str, name: str) -> Response:
    rows = dataset.rows(source)
    chunks = exports.csv_chunks(dataset, rows) if fmt == "csv" else exports.json_chunks(rows)
    day = datetime.now(ZoneInfo("Europe/Paris")).date().isoformat()
    return Response(
        # Written while it is sent, batch by batch (see exports.Dataset.rows for the contexts).
        chunks,
        content_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}-{day}.{fmt}"'},
    )

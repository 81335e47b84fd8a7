"""The public SCDL file of a call's grants, once its results are published."""

from __future__ import annotations

from flask import Blueprint, Response

from app.access import access
from app.calls import services
from app.permissions import PUBLIC
from app.rendering import render
from app.scdl import export

bp = Blueprint("scdl", __name__)


@bp.route("/appels/<slug>/resultats/subventions.csv")
@access(PUBLIC)
def call_csv(slug: str):
    call = services.get_call(slug)
    if not export.available(call):
        # Like the results page: nothing of the decisions exists publicly before publication.
        return render("calls/results_pending.html", status=404, call=call)
    built = export.build(call)
    # Written a line at a time; the rows are built first, so the lines need no request context.
    return Response(
        built.lines(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{export.filename(call)}"'},
    )

from flask import Blueprint
from sqlalchemy import select

from app.access import access
from app.extensions import db
from app.models import Call
from app.pages.services import open_and_upcoming_calls
from app.permissions import PUBLIC
from app.rendering import render

bp = Blueprint("calls", __name__, url_prefix="/appels")


@bp.route("/")
@access(PUBLIC)
def index():
    past = db.session.scalars(select(Call).order_by(Call.closes_at.desc())).all()
    return render("calls/index.html", current=open_and_upcoming_calls(), calls=past)


@bp.route("/<slug>")
@access(PUBLIC)
def detail(slug: str):
    call = db.first_or_404(select(Call).where(Call.slug == slug))
    return render("calls/detail.html", call=call)

from flask import Blueprint
from sqlalchemy import func, select

from app.access import access
from app.extensions import db
from app.models import Association, OutboxMessage, User
from app.rendering import render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@access("admin.access")
def index():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "associations": db.session.scalar(select(func.count(Association.id))),
        "outbox_pending": db.session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.sent_at.is_(None))
        ),
    }
    return render("admin/index.html", counts=counts)


@bp.route("/courriels")
@access("outbox.read")
def outbox():
    page = db.paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()), per_page=20)
    return render("admin/outbox.html", page=page)


@bp.route("/courriels/<int:message_id>")
@access("outbox.read")
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render("admin/outbox_message.html", message=message)

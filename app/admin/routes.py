from flask import Blueprint
from sqlalchemy import func, select

from app.access import access
from app.admin import taxonomy
from app.extensions import db
from app.models import Association, OutboxMessage, User
from app.outbox import MAX_ATTEMPTS, dead_letters
from app.rendering import render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@access("admin.access")
def index():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "associations": db.session.scalar(select(func.count(Association.id))),
        "outbox_pending": db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)
            )
        ),
    }
    # Dead letters are listed here, without their text (it may hold a reset link): in production the
    # outbox itself is not readable, and nobody would know that a message never left.
    return render("admin/index.html", counts=counts, dead_letters=dead_letters())


@bp.route("/courriels")
@access("outbox.read")
def outbox():
    page = db.paginate(select(OutboxMessage).order_by(OutboxMessage.id.desc()), per_page=20)
    return render("admin/outbox.html", page=page, max_attempts=MAX_ATTEMPTS)


@bp.route("/courriels/<int:message_id>")
@access("outbox.read")
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render("admin/outbox_message.html", message=message)


# The back office's sections, each in its own module, add their URLs to this blueprint.
taxonomy.register(bp)

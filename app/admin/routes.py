"""The back office: its home page and the outbox; each further section is a module of its own on
the same blueprint (imported here so that registering the blueprint registers them)."""

from flask import request
from sqlalchemy import func, select

from app.access import access
from app.admin import associations, bp, people, statistics_views, territory  # noqa: F401  (their routes join the blueprint)
from app.admin import identity as identity_page
from app.extensions import db
from app.inputs import page_value
from app.models import Association, OutboxMessage, User
from app.outbox import MAX_ATTEMPTS, dead_letters
from app.rendering import render

bp.add_url_rule("/collectivite", "identity", identity_page.settings, methods=["GET", "POST"])
statistics_views.register(bp)


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
    # The page number read through page_value: Flask-SQLAlchemy's own reading lets a huge
    # number through to the database (an overflow, a 500).
    page = db.paginate(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()),
        page=page_value(request.args),
        per_page=20,
        error_out=False,
    )
    return render("admin/outbox.html", page=page, max_attempts=MAX_ATTEMPTS)


@bp.route("/courriels/<int:message_id>")
@access("outbox.read")
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render("admin/outbox_message.html", message=message)

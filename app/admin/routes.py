"""The back office: its home page and the outbox; each further section is a module of its own on
the same blueprint (imported here so that registering the blueprint registers them)."""

from flask import request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.access import access
from app.admin import associations, bp, people, statistics_views, taxonomy, territory  # noqa: F401  (their routes join the blueprint)
from app.admin import identity as identity_page
from app.admin.setup import setup_steps
from app.extensions import db
from app.inputs import page_value
from app.models import Association, OutboxMessage, User
from app.outbox import MAX_ATTEMPTS, dead_letters
from app.proposals import question_editor
from app.rendering import render

bp.add_url_rule("/collectivite", "identity", identity_page.settings, methods=["GET", "POST"])
statistics_views.register(bp)
taxonomy.register(bp)


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
    return render("admin/index.html", counts=counts, dead_letters=dead_letters(), setup_steps=setup_steps())


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


# --- Default questions: what a proposal drafted outside any call answers ----------------------------


def _default_questions() -> question_editor.QuestionSet:
    def url(question_id: int | None = None, action: str | None = None) -> str:
        if question_id is None:
            return url_for("admin.questions")
        if action is None:
            return url_for("admin.question_edit", question_id=question_id)
        return url_for("admin.question_action", question_id=question_id, action=action)

    return question_editor.QuestionSet(
        call=None,
        title=_("Questions par défaut des propositions"),
        back_url=url_for("admin.index"),
        back_label=_("Administration"),
        url=url,
    )


@bp.route("/questions", methods=["GET", "POST"])
@access("questions.manage")
def questions():
    qset = _default_questions()
    return question_editor.add(qset) if request.method == "POST" else question_editor.page(qset)


@bp.route("/questions/<int:question_id>", methods=["GET", "POST"])
@access("questions.manage")
def question_edit(question_id: int):
    return question_editor.edit(_default_questions(), question_id)


@bp.route("/questions/<int:question_id>/<any(monter, descendre, retirer, retablir):action>", methods=["POST"])
@access("questions.manage")
def question_action(question_id: int, action: str):
    return question_editor.act(_default_questions(), question_id, action)

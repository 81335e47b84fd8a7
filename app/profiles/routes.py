from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.access import access
from app.extensions import db
from app.models import Comment, Idea, Proposal, ProposalState, User
from app.permissions import PUBLIC
from app.rendering import render

bp = Blueprint("profiles", __name__, url_prefix="/personnes")


@bp.route("/<int:user_id>")
@access(PUBLIC)
def detail(user_id: int):
    person = db.get_or_404(User, user_id)
    if person.deleted_at is not None:
        # An erased account has no profile: gathering its contributions on one page would undo
        # the erasure (the person becomes recognisable again). They stay readable where they are.
        abort(404)
    ideas = db.session.scalars(
        select(Idea)
        .where(Idea.author_id == person.id, Idea.hidden_at.is_(None))
        .options(joinedload(Idea.commune))
        .order_by(Idea.id.desc())
        .limit(50)
    ).all()
    comments = []
    if not person.hide_comments:
        # Only comments on public subjects: ideas, and proposals that are published or withdrawn.
        visible = select(Proposal.id).where(Proposal.state != ProposalState.DRAFT, Proposal.hidden_at.is_(None))
        comments = db.session.scalars(
            select(Comment)
            .where(
                Comment.author_id == person.id,
                Comment.deleted_at.is_(None),
                Comment.hidden_at.is_(None),
                (Comment.idea_id.is_not(None)) | Comment.proposal_id.in_(visible),
            )
            .order_by(Comment.id.desc())
            .limit(30)
        ).all()
    return render("profiles/detail.html", person=person, ideas=ideas, comments=comments)


@bp.route("/moi/commentaires", methods=["POST"])
@access("profile.edit")
def toggle_comments():
    current_user.hide_comments = not current_user.hide_comments
    db.session.commit()
    flash(
        _("Vos commentaires n'apparaissent plus sur votre profil public.")
        if current_user.hide_comments
        else _("Vos commentaires apparaissent sur votre profil public."),
        "success",
    )
    return redirect(url_for("auth.account"))

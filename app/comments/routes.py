"""Discussion routes: thin. Every rule lives in app.comments.services.

With htmx each action answers a fragment (plus ``<hx-partial>`` for the count and the lists);
without JavaScript the same URLs answer with a redirect (PRG) or the whole page.
"""

from flask import Blueprint, abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
from app.comments import official, services
from app.comments.forms import CommentForm, edit_prefix, new_comment_form, speaker_id
from app.forms import invalid
from app.ideas.routes import detail_page as idea_page
from app.inputs import int_value
from app.models import Comment, Idea
from app.permissions import PUBLIC, can
from app.proposals.routes import detail_page as proposal_page
from app.ratelimit import rate_limit
from app.rendering import is_htmx, render
from app.subjects import SLUGS, Subject, any_of, belongs_to, load_subject, subject_of, url_of

bp = Blueprint("comments", __name__)

SUBJECT = f"/<{any_of(SLUGS)}:slug>/<int:subject_id>/commentaires"


def _visible(subject: Subject) -> Subject:
    # Drafts have no discussion; what this person may not read (a hidden idea or proposal
    # included) is not found.
    if (subject.kind == "proposal" and subject.state.value == "draft") or not can(
        current_user, "content.visible", subject
    ):
        abort(404)
    return subject


def _comment_of(subject: Subject, comment_id: int) -> Comment:
    comment = services.get_comment(comment_id)
    if comment is None or not belongs_to(comment, subject):
        abort(404)
    return comment


def _anchor(subject: Subject, comment: Comment) -> str:
    return url_of(subject, _anchor=f"comment-{comment.id}")


def _subject_page(subject: Subject, form: CommentForm, target_id: int | None):
    """Without JavaScript: the subject's whole page again, the form open where it was, with what was typed."""
    page = idea_page if isinstance(subject, Idea) else proposal_page
    return page(subject.id, status=422, comment_form=form, reply_target_id=target_id)


@bp.post(SUBJECT)
@rate_limit("comment")
@access("comment.create", per_object=True)
def create(slug: str, subject_id: int):
    subject = load_subject(slug, subject_id)
    authorize("comment.create", subject)
    target_id = int_value(request.form, "repondre")
    target = _comment_of(subject, target_id) if target_id else None
    form = new_comment_form(current_user, target_id)
    if form.validate_on_submit():
        try:
            comment = services.create_comment(
                subject, current_user, form.body.data, reply_to=target, association_id=speaker_id(form)
            )
        except services.CommentError as error:
            form.body.errors = [error.message]
        else:
            if not is_htmx():
                flash(_("Votre message est publié."), "success")
                return redirect(_anchor(subject, comment))
            if comment.association_id:
                comment = services.get_comment(comment.id)  # with its association's name
            discussion = services.discussion_for(subject, current_user)
            batch = services.group_new([comment])
            return render(
                "comments/_created.html",
                discussion=discussion,
                batch=batch,
                comment=comment,
                target=target,
                form=new_comment_form(current_user, formdata=None),
            )
    if is_htmx():
        discussion = services.discussion_for(subject, current_user)
        return invalid("comments/_form.html", discussion=discussion, form=form, target_id=target_id)
    return _subject_page(subject, form, target_id)


@bp.get(SUBJECT)
@access(PUBLIC)
def threads(slug: str, subject_id: int):
    """More threads ("voir plus"), or the reply form of one message (``?repondre=<id>``)."""
    subject = _visible(load_subject(slug, subject_id))
    target_id = int_value(request.args, "repondre")
    before = int_value(request.args, "avant")
    if not is_htmx():
        # The subject page shows the same thing without JavaScript.
        anchor = f"reponse-{target_id}" if target_id else "discussion"
        return redirect(url_of(subject, repondre=target_id, avant=before, _anchor=anchor))
    discussion = services.discussion_for(subject, current_user)
    if target_id:
        authorize("comment.create", subject)
        target = _comment_of(subject, target_id)
        if target.deleted_at is not None:
            abort(404)
        form = new_comment_form(current_user, target_id, formdata=None)
        return render("comments/_form.html", discussion=discussion, form=form, target_id=target_id, autofocus=True)
    discussion.page = services.thread_page(subject, before=before)
    return render("comments/_more.html", discussion=discussion)


@bp.get(SUBJECT + "/nouveaux")
@access(PUBLIC)
def new(slug: str, subject_id: int):
    """Polling: 204 and no body while nothing new (one indexed query), else the new messages."""
    criteria = {
        "after": int_value(request.args, "apres", 0),
        "since_thread": int_value(request.args, "depuis"),
        "exclude_author": current_user.id if current_user.is_authenticated else None,
    }
    if not services.anything_new(SLUGS[slug], subject_id, **criteria):
        return "", 204
    comments = services.new_comments(SLUGS[slug], subject_id, **criteria)
    if not comments:
        return "", 204
    subject = _visible(load_subject(slug, subject_id))
    if not is_htmx():
        return redirect(url_of(subject, _anchor="discussion"))
    discussion = services.discussion_for(subject, current_user)
    return render("comments/_new.html", discussion=discussion, batch=services.group_new(comments))


@bp.get("/commentaires/<int:comment_id>")
@access(PUBLIC)
def show(comment_id: int):
    """One message (htmx: to cancel an edit); otherwise its place in the discussion."""
    comment = services.get_comment(comment_id) or abort(404)
    subject = _visible(subject_of(comment))
    if not is_htmx():
        return redirect(_anchor(subject, comment))
    discussion = services.discussion_for(subject, current_user)
    return render(
        "comments/_main.html", discussion=discussion, comment=comment, reply_to_name=services.reply_to_name(comment)
    )


@bp.route("/commentaires/<int:comment_id>/modifier", methods=["GET", "POST"])
@access("comment.edit", per_object=True)
def edit(comment_id: int):
    comment = services.get_comment(comment_id) or abort(404)
    authorize("comment.edit", comment)
    subject = subject_of(comment)
    discussion = services.discussion_for(subject, current_user)
    form = CommentForm(prefix=edit_prefix(comment.id), obj=comment)
    if request.method == "GET":
        form.body.data = comment.body
    context = {"discussion": discussion, "comment": comment, "form": form}
    if form.validate_on_submit():
        try:
            services.edit_comment(comment, form.body.data)
        except services.CommentError as error:
            form.body.errors = [error.message]
        else:
            if not is_htmx():
                flash(_("Votre message est modifié."), "success")
                return redirect(_anchor(subject, comment))
            return render(
                "comments/_main.html",
                discussion=discussion,
                comment=comment,
                autofocus=True,
                reply_to_name=services.reply_to_name(comment),
            )
    if form.is_submitted():
        return invalid("comments/edit.html", block="edit_form", **context)
    return render("comments/edit.html", block="edit_form", autofocus=True, **context)


@bp.post("/commentaires/<int:comment_id>/supprimer")
@access("comment.delete", per_object=True)
def delete(comment_id: int):
    comment = services.get_comment(comment_id) or abort(404)
    authorize("comment.delete", comment)
    services.delete_comment(comment)
    subject = subject_of(comment)
    if not is_htmx():
        flash(_("Votre message est supprimé."), "success")
        return redirect(_anchor(subject, comment))
    discussion = services.discussion_for(subject, current_user)
    return render("comments/_deleted.html", discussion=discussion, comment=comment)


@bp.post("/propositions/<int:proposal_id>/commentaires/<int:comment_id>/epingler")
@access("comment.pin", per_object=True)
def pin(proposal_id: int, comment_id: int):
    """Pin an official answer at the top of the discussion, or unpin it (a second press)."""
    proposal = load_subject("propositions", proposal_id)
    authorize("comment.pin", proposal)
    comment = _comment_of(proposal, comment_id)
    before = proposal.pinned_comment_id
    try:
        pinned = official.toggle_pin(proposal, comment)
    except official.PinError as error:
        if not is_htmx():
            flash(error.message, "error")
            return redirect(_anchor(proposal, comment))
        discussion = services.discussion_for(proposal, current_user)
        discussion.pinned = services.pinned_comment(proposal)
        return render("comments/_pinned.html", status=422, discussion=discussion, changed=(), error=error.message)
    if not is_htmx():
        flash(
            _("La réponse est épinglée en haut de la discussion.") if pinned else _("La réponse est détachée."),
            "success",
        )
        return redirect(url_of(proposal, _anchor="discussion"))
    discussion = services.discussion_for(proposal, current_user)
    discussion.pinned = services.pinned_comment(proposal)
    # The pin buttons of the message pinned before and of this one change their words.
    changed = [c for c in (services.get_comment(before) if before else None, comment) if c is not None]
    return render("comments/_pinned.html", discussion=discussion, changed={c.id: c for c in changed}.values())

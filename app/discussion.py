"""What an idea or proposal page shows around its content: supports and the discussion.

The views pass in what comes from the request (its query string, a comment form that did not
validate): the rules below them never read the request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict

from app.comments.forms import new_comment_form
from app.comments.services import discussion_for, last_comment_id, pinned_comment, thread_page
from app.follows.services import is_following
from app.inputs import int_value
from app.subjects import Subject, slug_of
from app.supports.services import support_context

NO_ARGS: Mapping = ImmutableMultiDict()


def participation_context(
    subject: Subject, args: Mapping = NO_ARGS, comment_form: Any = None, reply_target_id: int | None = None
) -> dict:
    return {
        "subject": subject,
        **support_context(subject, current_user),
        **thread_context(subject, current_user, args, comment_form, reply_target_id),
        "following": is_following(current_user.id, subject),
        "follow_slug": slug_of(subject),
    }


def thread_context(
    subject: Subject, user: Any, args: Mapping = NO_ARGS, form: Any = None, form_target_id: int | None = None
) -> dict:
    """Everything templates/comments/_section.html needs, in a constant number of queries (3, and
    one more for a proposal's pinned answer).

    ``args`` is the page's query string: ``avant`` shows the threads older than a message ("voir
    plus" without JavaScript), ``repondre`` opens the reply form under one. ``form`` is a comment
    sent without JavaScript that did not validate, shown again with what was typed (under the
    message ``form_target_id`` when it was a reply)."""
    discussion = discussion_for(subject, user)
    discussion.before = int_value(args, "avant")
    discussion.page = thread_page(subject, before=discussion.before)
    discussion.last_id = last_comment_id(subject)
    if subject.kind == "proposal":
        discussion.pinned = pinned_comment(subject)
    if discussion.can_comment:
        if form_target_id:
            discussion.reply_target_id, discussion.reply_form = form_target_id, form
            form = None
        elif reply_to := int_value(args, "repondre"):
            discussion.reply_target_id = reply_to
            discussion.reply_form = new_comment_form(user, reply_to, formdata=None)
        discussion.form = form or new_comment_form(user, formdata=None)
    return {"discussion": discussion}

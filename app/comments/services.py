"""Discussion rules: threaded comments on ideas and proposals, as plain functions.

Threads show three levels (depth 0, 1, 2). A reply to a level-3 comment, or to one of the
replies already hanging under it, is stored with depth 3 under that level-3 comment: it is shown
flat, in the level-3 comment's list, and says whom it answers (``reply_to_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app import page_cache
from app.comments.official import official_role
from app.errors import RuleError
from app.extensions import db
from app.follows.services import follow, notify_followers
from app.markdown import render_markdown
from app.models import Comment, Idea, Mediation, Proposal, User
from app.models.base import utcnow
from app.moderation.brakes import post_limit_message
from app.notifications.recipients import proposal_recipients
from app.notifications.services import notify
from app.permissions import association_ids, can, open_for_discussion
from app.subjects import Subject, belongs_to, fk_column, slug_of, subject_column, subject_fk, subject_of, url_of

MAX_LENGTH = 5000
THREADS_PER_PAGE = 20
# Depth of the third (last indented) level; deeper replies are stored one below and shown flat.
LAST_LEVEL = 2
FLAT = LAST_LEVEL + 1
POLL_BATCH = 200
DEFAULT_POLL_SECONDS = 15


class CommentError(RuleError):
    """A rule refused the comment."""


# --- Writing --------------------------------------------------------------------------------


def clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise CommentError(_("Écrivez votre commentaire avant de l'envoyer."))
    if len(body) > MAX_LENGTH:
        raise CommentError(too_long_message(len(body)))
    return body


def too_long_message(length: int) -> str:
    return _(
        "Votre commentaire ne peut pas dépasser %(max)s caractères (il en compte %(length)s).",
        max=format_decimal(MAX_LENGTH),
        length=format_decimal(length),
    )


def get_comment(comment_id: int) -> Comment | None:
    return db.session.scalar(_with_author(select(Comment).where(Comment.id == comment_id)))


def _bump_count(subject: Subject, delta: int) -> None:
    # Atomic in SQL, same transaction as the row: two people commenting at once both count.
    model = type(subject)
    page_cache.touch_subject(subject)
    db.session.execute(update(model).where(model.id == subject.id).values(comment_count=model.comment_count + delta))


def visibility_changed(comment: Comment, visible: bool) -> None:
    """A comment hidden by moderation leaves its subject's count, and rejoins it when restored:
    the count is what readers can see (a deleted comment has already left it)."""
    if comment.deleted_at is None:
        _bump_count(subject_of(comment), +1 if visible else -1)


def recount_comments(comment_ids: list[int]) -> None:
    """Recount the subjects of these comments from their visible rows (bulk moderation)."""
    if not comment_ids:
        return
    rows = db.session.execute(
        select(Comment.idea_id, Comment.proposal_id).where(Comment.id.in_(comment_ids)).distinct()
    ).all()
    for model, column, ids in (
        (Idea, Comment.idea_id, {idea_id for idea_id, _proposal_id in rows if idea_id}),
        (Proposal, Comment.proposal_id, {proposal_id for _idea_id, proposal_id in rows if proposal_id}),
    ):
        if ids:
            page_cache.touch_subjects("idea" if model is Idea else "proposal", ids)
            visible = (
                select(func.count())
                .select_from(Comment)
                .where(column == model.id, Comment.hidden_at.is_(None), Comment.deleted_at.is_(None))
                .scalar_subquery()
            )
            db.session.execute(update(model).where(model.id.in_(ids)).values(comment_count=visible))


def place_reply(comment: Comment, reply_to: Comment) -> None:
    """Where a reply goes in the thread: under what it answers, or flat past the last level."""
    if reply_to.depth >= FLAT:
        # Already flat under a level-3 comment: the new reply joins the same list.
        comment.parent_id, comment.depth = reply_to.parent_id, FLAT
    else:
        comment.parent_id, comment.depth = reply_to.id, reply_to.depth + 1
    comment.root_id = reply_to.root_id or reply_to.id
    comment.reply_to_id = reply_to.id


def create_comment(
    subject: Subject, author: User, body: str, reply_to: Comment | None = None, association_id: int | None = None
) -> Comment:
    """Post a comment on ``subject``, or a reply to ``reply_to`` (a comment of the same subject);
    ``association_id``: said in the name of one of the author's associations."""
    body = clean_body(body)
    if association_id is not None:
        if association_id not in association_ids(author):
            raise CommentError(_("Vous ne pouvez parler qu'au nom d'une association dont vous êtes membre."))
    # Spam brake: a new account's first posts are limited per hour.
    if (limited := post_limit_message(author)) is not None:
        raise CommentError(limited)
    comment = Comment(
        **subject_fk(subject),
        author_id=author.id,
        association_id=association_id,
        body=body,
        body_html=str(render_markdown(body)),
    )
    if (official := official_role(subject, author, association_id)) is not None:
        comment.official_role, comment.official_name = official
    if reply_to is not None:
        if not belongs_to(reply_to, subject):
            raise CommentError(_("Ce message n'appartient pas à cette discussion."))
        if reply_to.deleted_at is not None:
            raise CommentError(_("Ce message a été supprimé : on ne peut plus y répondre."))
        place_reply(comment, reply_to)
    db.session.add(comment)
    db.session.flush()
    _bump_count(subject, +1)
    _notify_created(subject, comment, author, reply_to)
    db.session.commit()
    return comment


def edit_comment(comment: Comment, body: str) -> None:
    body = clean_body(body)
    if body == comment.body:
        return  # nothing changed: not marked "modifié"
    comment.body = body
    comment.body_html = str(render_markdown(body))
    comment.edited_at = utcnow()
    db.session.commit()


def delete_comment(comment: Comment, commit: bool = True) -> None:
    """Soft delete: the message keeps its place (its replies stay), its text is gone."""
    if comment.deleted_at is not None:
        return
    subject = subject_of(comment)
    comment.deleted_at = utcnow()
    comment.body = ""
    comment.body_html = ""
    if comment.hidden_at is None:  # a hidden message has already left the count
        _bump_count(subject, -1)
    if commit:
        db.session.commit()


# --- Notifications --------------------------------------------------------------------------


def subject_owner_ids(subject: Subject) -> list[int]:
    """Who hears about a new comment: the idea's author, or the proposal's authors."""
    if isinstance(subject, Idea):
        return [subject.author_id]
    return proposal_recipients(subject)


def _notify_created(subject: Subject, comment: Comment, actor: User, reply_to: Comment | None) -> None:
    url = url_of(subject, _anchor=f"comment-{comment.id}")
    answered: set[int] = set()
    if reply_to is not None:
        answered = {reply_to.author_id}
        notify(
            answered,
            "comment_reply",
            _l("%(name)s a répondu à votre message sur « %(title)s ».", name=actor.display_name, title=subject.title),
            url,
            exclude=actor.id,
        )
    owners = [uid for uid in subject_owner_ids(subject) if uid not in answered]
    if isinstance(subject, Idea):
        text = _l("%(name)s a commenté votre idée « %(title)s ».", name=actor.display_name, title=subject.title)
    else:
        text = _l(
            "%(name)s a commenté la proposition « %(title)s » de votre association.",
            name=actor.display_name,
            title=subject.title,
        )
    notify(owners, "comment_new", text, url, exclude=actor.id)
    # Everyone else who follows it hears of it too (in bulk); the commenter now follows it.
    notify_followers(
        subject,
        _l("%(name)s a commenté « %(title)s », que vous suivez.", name=actor.display_name, title=subject.title),
        url,
        exclude={actor.id, *answered, *owners},
    )
    follow(actor.id, subject, commit=False)


# --- Reading --------------------------------------------------------------------------------


@dataclass
class Node:
    comment: Comment
    replies: list[Node] = field(default_factory=list)
    reply_to_name: str | None = None  # shown on flat replies: "en réponse à …"

    @property
    def flat(self) -> bool:
        return self.comment.depth >= FLAT


def build_tree(comments: list[Comment], names: dict[int, str] | None = None) -> list[Node]:
    """Nest ``comments`` (sorted by id). Returns the nodes whose parent is not in the list."""
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    names = names or {}
    for comment in comments:
        node = nodes[comment.id] = Node(comment)
        if comment.depth >= FLAT and comment.reply_to_id is not None:
            target = nodes.get(comment.reply_to_id)
            node.reply_to_name = target.comment.author.display_name if target else names.get(comment.reply_to_id)
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        (parent.replies if parent else roots).append(node)
    return roots


def _with_author(query):
    # A comment collected in person shows its unit, and the association a message speaks for its
    # name: both come in the same SELECT, no extra query.
    return query.options(
        joinedload(Comment.author),
        joinedload(Comment.mediation).joinedload(Mediation.pole),
        joinedload(Comment.association),
    )


@dataclass
class ThreadPage:
    threads: list[Node]
    has_more: bool

    @property
    def oldest_id(self) -> int | None:
        return self.threads[-1].comment.id if self.threads else None


def thread_page(subject: Subject, before: int | None = None, per_page: int = THREADS_PER_PAGE) -> ThreadPage:
    """Newest threads first, ``per_page`` of them, each with all its replies: two queries."""
    query = select(Comment).where(subject_column(Comment, subject), Comment.parent_id.is_(None))
    if before:
        query = query.where(Comment.id < before)
    # The page's ids first, then their rows with the authors: joined before the LIMIT, PostgreSQL
    # hashed the whole users table for every page view (5 ms instead of 0.3 on 5 000 people).
    page_ids = query.with_only_columns(Comment.id).order_by(Comment.id.desc()).limit(per_page + 1)
    tops = list(
        db.session.scalars(_with_author(select(Comment).where(Comment.id.in_(page_ids))).order_by(Comment.id.desc()))
    )
    has_more = len(tops) > per_page
    tops = tops[:per_page]
    replies: list[Comment] = []
    if tops:
        replies = list(
            db.session.scalars(
                _with_author(select(Comment).where(Comment.root_id.in_([c.id for c in tops]))).order_by(Comment.id)
            )
        )
    by_root: dict[int, list[Comment]] = {}
    for reply in replies:
        by_root.setdefault(reply.root_id, []).append(reply)
    threads = [build_tree([top, *by_root.get(top.id, [])])[0] for top in tops]
    return ThreadPage(threads, has_more)


def last_comment_id(subject: Subject) -> int:
    return db.session.scalar(select(func.max(Comment.id)).where(subject_column(Comment, subject))) or 0


def _new_conditions(
    model: type, subject_id: int, after: int, since_thread: int | None, exclude_author: int | None
) -> list:
    conditions = [fk_column(Comment, model) == subject_id, Comment.id > after]
    if since_thread:
        # Threads older than the page's oldest are not on the page: their replies wait for "voir plus".
        conditions.append(func.coalesce(Comment.root_id, Comment.id) >= since_thread)
    if exclude_author is not None:
        conditions.append(Comment.author_id != exclude_author)
    return conditions


def anything_new(
    model: type, subject_id: int, after: int, since_thread: int | None = None, exclude_author: int | None = None
) -> bool:
    """The polling's usual answer is "nothing": one indexed lookup of an id, no objects built
    (loading comments through the ORM was most of the cost of an empty poll)."""
    conditions = _new_conditions(model, subject_id, after, since_thread, exclude_author)
    return db.session.execute(select(Comment.id).where(*conditions).limit(1)).first() is not None


def new_comments(
    model: type, subject_id: int, after: int, since_thread: int | None = None, exclude_author: int | None = None
) -> list[Comment]:
    """Comments posted after ``after`` by others, in the threads the page shows: one query."""
    query = select(Comment).where(*_new_conditions(model, subject_id, after, since_thread, exclude_author))
    return list(db.session.scalars(_with_author(query).order_by(Comment.id).limit(POLL_BATCH)))


def reply_to_name(comment: Comment) -> str | None:
    """For one flat reply shown alone (after an edit): whom it answers."""
    return reply_to_names([comment]).get(comment.reply_to_id) if comment.depth >= FLAT else None


def reply_to_names(comments: list[Comment]) -> dict[int, str]:
    """Names of the people flat replies answer, when those messages are not in ``comments``."""
    have = {c.id for c in comments}
    wanted = {c.reply_to_id for c in comments if c.depth >= FLAT and c.reply_to_id not in have}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Comment.id, User.display_name).join(User, User.id == Comment.author_id).where(Comment.id.in_(wanted))
    )
    return dict(rows.all())


@dataclass
class NewBatch:
    """New comments grouped by where they go on the page."""

    threads: list[Node]  # new top-level threads, newest first
    replies: dict[int, list[Node]]  # parent id -> new replies to append to its list
    last_id: int


def group_new(comments: list[Comment]) -> NewBatch:
    roots = build_tree(comments, reply_to_names(comments))
    threads = [n for n in roots if n.comment.parent_id is None]
    replies: dict[int, list[Node]] = {}
    for node in roots:
        if node.comment.parent_id is not None:
            replies.setdefault(node.comment.parent_id, []).append(node)
    return NewBatch(threads[::-1], replies, max(c.id for c in comments))


# --- What the page shows --------------------------------------------------------------------


@dataclass
class Discussion:
    """What the discussion templates need, about one subject and one viewer."""

    subject: Subject
    can_comment: bool
    poll_seconds: int
    last_id: int = 0
    page: ThreadPage | None = None
    before: int | None = None  # the page shows threads older than this (no-JS "voir plus")
    form: Any = None  # the top form
    reply_form: Any = None  # the open reply form, if any
    reply_target_id: int | None = None
    pinned: Comment | None = None  # a proposal's official answer, shown at the top

    @property
    def slug(self) -> str:
        return slug_of(self.subject)

    @property
    def url(self) -> str:
        return url_of(self.subject)

    @property
    def is_open(self) -> bool:
        return open_for_discussion(self.subject)

    @property
    def since_thread(self) -> int | None:
        """The oldest thread shown, when older ones are left for "voir plus"."""
        return self.page.oldest_id if self.page and self.page.has_more else None


def pinned_comment(proposal: Proposal) -> Comment | None:
    """The pinned answer, if still one of this proposal's, visible and not deleted (one query, none
    when nothing is pinned)."""
    if not proposal.pinned_comment_id:
        return None
    comment = get_comment(proposal.pinned_comment_id)
    if comment is None or comment.proposal_id != proposal.id or comment.deleted_at or comment.hidden_at:
        return None
    return comment


def discussion_for(subject: Subject, user: Any) -> Discussion:
    return Discussion(
        subject=subject,
        can_comment=can(user, "comment.create", subject),
        poll_seconds=int(current_app.config.get("COMMENT_POLL_SECONDS", DEFAULT_POLL_SECONDS)),
    )

"""Erasing an account (GDPR article 17), by the person or by an administrator on request.

The row stays, so that every foreign key still holds and what the person published keeps an
author; what identifies them goes: address, name, password, sessions, follows, notifications,
pending e-mails. Their name then reads "Compte supprimé" everywhere (``User.display_name``).
Published content stays readable, unless the person chooses to remove what nobody answered
(``removable_content``: a comment without replies, an idea without comments nor proposal).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from app import page_cache
from app.comments.services import recount_comments
from app.errors import RuleError
from app.extensions import db
from app.models import (
    Accompaniment,
    Association,
    AuditEntry,
    CallEvaluator,
    Comment,
    DataExport,
    EndedSession,
    Follow,
    FollowTarget,
    Idea,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    ModerationCase,
    Notification,
    NotificationPreference,
    OutboxMessage,
    PoleRole,
    Proposal,
    User,
)
from app.models.base import utcnow
from app.models.pole_scope import forget_pole_roles
from app.moderation.services import log
from app.permissions import forget_memberships
from app.supports.services import withdraw_all

# What an erased account's name column holds: SQL reads it as is (ordering, a reply's "à ..."),
# Python reads the translated ``User.display_name``.
ERASED_NAME = "Compte supprimé"
REASON_MAX = 1000


class ErasureError(RuleError):
    """Erasing this account is refused for now (it must hand an association over first...)."""


@dataclass
class Removable:
    """What the person may choose to remove with their account (ids), and what must stay."""

    idea_ids: list[int] = field(default_factory=list)
    comment_ids: list[int] = field(default_factory=list)
    kept: int = 0  # contributions that stay whatever the choice (answered, co-written, under review)


def sole_admin_of(user: User) -> list[Association]:
    """Associations this person alone administers: they must hand over before leaving."""
    other_admin = aliased(Membership)
    others = exists().where(
        other_admin.association_id == Membership.association_id,
        other_admin.role == MembershipRole.ADMIN,
        other_admin.user_id != user.id,
    )
    return list(
        db.session.scalars(
            select(Association)
            .join(Membership, Membership.association_id == Association.id)
            .where(Membership.user_id == user.id, Membership.role == MembershipRole.ADMIN, ~others)
            .order_by(Association.name)
        )
    )


def _is_last_platform_admin(user: User) -> bool:
    if not user.is_admin:
        return False
    others = select(User.id).where(User.is_admin.is_(True), User.deleted_at.is_(None), User.id != user.id).limit(1)
    return db.session.scalar(others) is None


def removable_content(user: User) -> Removable:
    """The rule said on the page before confirming: a comment goes if nobody replied to it; an
    idea goes if it has no comment and no proposal was built on it. Anything under a moderation
    case stays (the moderators' decision needs it). Proposals belong to their associations: they
    stay. Three queries."""
    reply = aliased(Comment)
    answered = exists().where(or_(reply.parent_id == Comment.id, reply.reply_to_id == Comment.id))
    reviewed = exists().where(ModerationCase.target_id == Comment.id, ModerationCase.kind == "comment")
    comments = db.session.execute(
        select(Comment.id, answered | reviewed).where(Comment.author_id == user.id, Comment.deleted_at.is_(None))
    ).all()
    idea_reviewed = exists().where(ModerationCase.target_id == Idea.id, ModerationCase.kind == "idea")
    idea_kept = exists().where(Comment.idea_id == Idea.id) | exists().where(Proposal.idea_id == Idea.id) | idea_reviewed
    ideas = db.session.execute(select(Idea.id, idea_kept).where(Idea.author_id == user.id)).all()
    proposals = db.session.scalar(select(db.func.count(Proposal.id)).where(Proposal.author_id == user.id)) or 0
    found = Removable(
        idea_ids=[i for i, kept in ideas if not kept],
        comment_ids=[c for c, kept in comments if not kept],
    )
    found.kept = sum(1 for _i, kept in (*ideas, *comments) if kept) + proposals
    return found


def check_erasable(user: User) -> None:
    """Raise (nothing written) when the account cannot go yet."""
    if user.deleted_at is not None:
        raise ErasureError(_("Ce compte est déjà supprimé."))
    blocking = sole_admin_of(user)
    if blocking:
        raise ErasureError(
            _(
                "Seul·e à administrer %(names)s, ce compte doit d'abord transmettre ce rôle à un autre membre "
                "(page « membres » de l'association). Rien n'a été supprimé.",
                names=", ".join(f"« {a.name} »" for a in blocking),
            )
        )
    if _is_last_platform_admin(user):
        raise ErasureError(
            _(
                "Vous êtes la dernière personne qui administre la plateforme : nommez d'abord quelqu'un d'autre. "
                "Rien n'a été supprimé."
            )
        )


def erase(user: User, *, remove_content: bool = False, actor: User | None = None, reason: str = "") -> None:
    """Erase ``user`` (``actor``: the administrator acting on a written request, with ``reason``)."""
    check_erasable(user)
    # Their name, supports and comments leave pages everywhere, by statements: every page changes.
    page_cache.touch(page_cache.SITE)
    old_name, old_email = user.stored_name, user.email
    if remove_content:
        _remove_unanswered(user)
    # Supports leave their subjects' counts in the same transaction (app.supports).
    withdraw_all(user.id)
    _end_roles(user)
    for model, column in (
        (Follow, Follow.user_id),
        (Notification, Notification.user_id),
        (NotificationPreference, NotificationPreference.user_id),
        (EndedSession, EndedSession.user_id),
        # A copy of their data (app.mydata) lives in its row: it goes with it.
        (DataExport, DataExport.user_id),
    ):
        db.session.execute(delete(model).where(column == user.id))
    # Nothing more is sent to the address, and it leaves the outbox's records.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == old_email))
    db.session.execute(
        update(Invitation)
        .where(Invitation.email == old_email, Invitation.status == InvitationStatus.PENDING)
        .values(status=InvitationStatus.REVOKED)
    )
    db.session.execute(update(Invitation).where(Invitation.email == old_email).values(email=""))
    _scrub_names(user, old_name)
    _blank(user)
    # The action's label already says it all: no name, not even the placeholder.
    log(actor or user, "erase_account", "user", user.id, "", reason.strip())
    db.session.commit()
    forget_memberships(user.id)
    forget_pole_roles(user.id)


def _remove_unanswered(user: User) -> None:
    found = removable_content(user)
    if found.comment_ids:
        # The soft delete comments already know: the message keeps its place, its text is gone.
        db.session.execute(
            update(Comment)
            .where(Comment.id.in_(found.comment_ids))
            .values(deleted_at=utcnow(), body="", body_html="")
            .execution_options(synchronize_session=False)
        )
        recount_comments(found.comment_ids)
    if found.idea_ids:
        db.session.execute(
            delete(Follow).where(Follow.target == FollowTarget.IDEA, Follow.target_id.in_(found.idea_ids))
        )
        # Supports, publics and search entries go with the idea (ON DELETE CASCADE, triggers).
        db.session.execute(delete(Idea).where(Idea.id.in_(found.idea_ids)).execution_options(synchronize_session=False))


def _end_roles(user: User) -> None:
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    db.session.execute(delete(PoleRole).where(PoleRole.user_id == user.id))
    db.session.execute(delete(CallEvaluator).where(CallEvaluator.user_id == user.id))
    # Their accompaniments wait for a new referent.
    db.session.execute(update(Accompaniment).where(Accompaniment.referent_id == user.id).values(referent_id=None))
    db.session.expire(user, ["memberships"])


def _scrub_names(user: User, old_name: str) -> None:
    """The audit log and other people's notifications keep what happened, not who it was.

    The log is append-only for the application (app.models.moderation); erasure is the one
    exception, written with SQL updates that touch only the words naming the person."""
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.target_kind == "user", AuditEntry.target_id == user.id)
        .values(target_label=ERASED_NAME)
    )
    if len(old_name) < 3:
        return  # too short to replace without mangling unrelated words
    for model, columns in ((AuditEntry, ("target_label", "reason")), (Notification, ("text",))):
        for name in columns:
            column = getattr(model, name)
            db.session.execute(
                update(model)
                .where(column.contains(old_name, autoescape=True))
                .values({name: db.func.replace(column, old_name, ERASED_NAME)})
                .execution_options(synchronize_session=False)
            )


def _blank(user: User) -> None:
    token = secrets.token_hex(8)
    # ".invalid" is reserved (RFC 2606): no one can own or register this address.
    user.email = f"deleted-{user.id}-{token}@erased.invalid"
    user.stored_name = ERASED_NAME
    # A line break no typed name can hold: never taken by, nor taking, a real name.
    user.display_name_key = f"erased\n{user.id}"
    user.password_hash = "!"  # matches no password
    user.end_all_sessions()
    user.is_admin = False
    user.hide_comments = True
    user.email_verified_at = None
    user.last_login_at = None
    user.deleted_at = utcnow()


def check_reason(reason: str | None) -> str:
    """The administrator's reason: required, kept in the audit log."""
    reason = (reason or "").strip()
    if not reason:
        raise ErasureError(_("Indiquez le motif (la demande reçue, sa date) : il est gardé au journal."), "reason")
    if len(reason) > REASON_MAX:
        raise ErasureError(_("Le motif tient en 1 000 caractères au plus."), "reason")
    return reason

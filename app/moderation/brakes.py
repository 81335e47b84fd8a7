"""Spam brakes: how many accounts one address may create, and how much a new account may post.
Plain functions over the models, so that registration, ideas and comments can all ask them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, union_all

from app.extensions import db
from app.models import Comment, Idea, RegistrationAttempt
from app.models.base import utcnow


def registration_allowed(address: str) -> bool:
    limit = int(current_app.config.get("REGISTRATIONS_PER_ADDRESS_PER_HOUR", 5))
    since = utcnow() - timedelta(hours=1)
    count = db.session.scalar(
        select(func.count(RegistrationAttempt.id)).where(
            RegistrationAttempt.address == address, RegistrationAttempt.created_at >= since
        )
    )
    return count < limit


def record_registration(address: str) -> None:
    db.session.add(RegistrationAttempt(address=address[:64]))
    # Old rows are no use to the brake: trimmed as we go.
    db.session.execute(delete(RegistrationAttempt).where(RegistrationAttempt.created_at < utcnow() - timedelta(days=1)))
    db.session.commit()


def post_limit_message(user: Any) -> str | None:
    """A French message when a new account (less than a day old) has posted too much this hour."""
    if not user.is_authenticated or user.is_admin or user.is_pole_moderator:
        return None
    now = utcnow()
    if user.created_at is None or user.created_at < now - timedelta(days=1):
        return None
    limit = int(current_app.config.get("NEW_ACCOUNT_POSTS_PER_HOUR", 10))
    since = now - timedelta(hours=1)
    recent = union_all(
        select(Idea.id).where(Idea.author_id == user.id, Idea.created_at >= since),
        select(Comment.id).where(Comment.author_id == user.id, Comment.created_at >= since),
    ).subquery()
    posted = db.session.scalar(select(func.count()).select_from(recent))  # one query for both
    if posted < limit:
        return None
    return _(
        "Votre compte est récent : il peut publier %(num)d idées "
        "ou commentaires par heure. Réessayez un peu plus tard.",
        num=limit,
    )

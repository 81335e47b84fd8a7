"""Retention: what is deleted, and when (``flask retention purge``, meant for a daily timer).

Each period is configuration (app/config.py, ``RETENTION_*``) and the "Données personnelles"
page states it from the same values (``periods``). Every purge takes ``now`` so that tests
choose the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, exists, select

from app.extensions import db
from app.models import (
    CallEvaluator,
    Comment,
    EndedSession,
    Follow,
    Idea,
    Invitation,
    Membership,
    Notification,
    NotificationPreference,
    OutboxMessage,
    PoleRole,
    Proposal,
    RateLimitCounter,
    RegistrationAttempt,
    Report,
    Support,
    User,
)
from app.models.base import utcnow
from app.mydata.services import delete_expired as delete_expired_exports


@dataclass(frozen=True)
class Periods:
    """The retention periods, in days, read from the configuration."""

    unverified_account: int
    notification: int
    sent_email: int
    registration_attempt: int
    data_export: int
    invitation: int
    password_reset_minutes: int
    remember_days: int


def periods() -> Periods:
    config = current_app.config
    return Periods(
        unverified_account=config["RETENTION_UNVERIFIED_ACCOUNT_DAYS"],
        notification=config["RETENTION_NOTIFICATION_DAYS"],
        sent_email=config["RETENTION_SENT_EMAIL_DAYS"],
        registration_attempt=config["RETENTION_REGISTRATION_ATTEMPT_DAYS"],
        data_export=config["DATA_EXPORT_DAYS"],
        invitation=config["INVITATION_MAX_AGE_DAYS"],
        password_reset_minutes=config["PASSWORD_RESET_MAX_AGE"] // 60,
        remember_days=config["REMEMBER_COOKIE_DURATION"].days,
    )


def _has_traces(user_id_column) -> list:
    """Anything that ties an account to the platform's life: such an account is never purged as
    "unverified" (deleting a person with a history is the account deletion's job)."""
    return [
        exists().where(model_column == user_id_column)
        for model_column in (
            Idea.author_id,
            Proposal.author_id,
            Comment.author_id,
            Support.user_id,
            Membership.user_id,
            PoleRole.user_id,
            CallEvaluator.user_id,
            Report.reporter_id,
        )
    ]


def purge_unverified_accounts(now: datetime) -> int:
    """Accounts whose address was never confirmed within the period (and that hold nothing)."""
    cutoff = now - timedelta(days=periods().unverified_account)
    query = select(User.id).where(User.email_verified_at.is_(None), User.created_at < cutoff, User.is_admin.is_(False))
    for trace in _has_traces(User.id):
        query = query.where(~trace)
    ids = list(db.session.scalars(query))
    if not ids:
        return 0
    # Their own rows first: not every foreign key cascades.
    for model, column in (
        (Notification, Notification.user_id),
        (NotificationPreference, NotificationPreference.user_id),
        (Follow, Follow.user_id),
        (EndedSession, EndedSession.user_id),
    ):
        db.session.execute(delete(model).where(column.in_(ids)))
    db.session.execute(delete(User).where(User.id.in_(ids)))
    return len(ids)


def purge_notifications(now: datetime) -> int:
    cutoff = now - timedelta(days=periods().notification)
    return db.session.execute(delete(Notification).where(Notification.created_at < cutoff)).rowcount or 0


def purge_sent_emails(now: datetime) -> int:
    """Sent messages past the period; messages waiting or failed stay (the outbox shows them)."""
    cutoff = now - timedelta(days=periods().sent_email)
    return (
        db.session.execute(
            delete(OutboxMessage).where(OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < cutoff)
        ).rowcount
        or 0
    )


def purge_expired_invitations(now: datetime) -> int:
    """Invitations whose link has expired: the address of someone who never joined goes too."""
    return db.session.execute(delete(Invitation).where(Invitation.expires_at < now)).rowcount or 0


def purge_rate_limit_traces(now: datetime) -> int:
    """Rate-limit windows already over, and the addresses of past registrations."""
    counters = db.session.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now.timestamp()))
    cutoff = now - timedelta(days=periods().registration_attempt)
    attempts = db.session.execute(delete(RegistrationAttempt).where(RegistrationAttempt.created_at < cutoff))
    return (counters.rowcount or 0) + (attempts.rowcount or 0)


def purge_ended_sessions(now: datetime) -> int:
    """Ended logins older than any login may live: their stamp is refused anyway."""
    cutoff = now - timedelta(days=periods().remember_days)
    return db.session.execute(delete(EndedSession).where(EndedSession.ended_at < cutoff)).rowcount or 0


def purge(now: datetime | None = None) -> dict[str, int]:
    """Everything past its period, in one transaction; returns how many rows of each kind."""
    if now is None:
        now = utcnow()
    counts = {
        "comptes non confirmés": purge_unverified_accounts(now),
        "notifications": purge_notifications(now),
        "courriels envoyés": purge_sent_emails(now),
        "invitations expirées": purge_expired_invitations(now),
        "traces de limitation": purge_rate_limit_traces(now),
        "sessions terminées": purge_ended_sessions(now),
        "copies de données": delete_expired_exports(now),
    }
    db.session.commit()
    return counts

"""Contesting a moderation decision: the author of hidden content, or a suspended person, says why
the decision is wrong; the content's case goes back to its poles' queue (a suspension to the
administrators) with that text, and the next decision closes the contestation and tells its author.

One contestation per decision: once a contestation of a hiding (or a suspension) was answered, the
same decision cannot be contested again; a new decision (hidden again later) can be.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import CaseStatus, Contestation, ModerationCase, User
from app.models.base import utcnow
from app.models.pole_scope import poles_of
from app.moderation import services
from app.notifications.services import notify
from app.subjects import kind_of

MAX_LENGTH = 2000


def _latest(kind: str, target_id: int, since: datetime | None) -> Contestation | None:
    query = select(Contestation).where(Contestation.kind == kind, Contestation.target_id == target_id)
    if since is not None:
        query = query.where(Contestation.created_at >= since)
    return db.session.scalar(query.order_by(Contestation.id.desc()).limit(1))


def of_item(item: Any) -> Contestation | None:
    """The contestation of the decision that hides this item now (None: not contested)."""
    if item.hidden_at is None:
        return None
    return _latest(kind_of(item), item.id, item.hidden_at)


def of_suspension(user: User) -> Contestation | None:
    if user.suspended_at is None:
        return None
    return _latest("user", user.id, user.suspended_at)


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise services.ModerationError(_("Expliquez pourquoi vous contestez cette décision."), "text")
    if len(text) > MAX_LENGTH:
        raise services.ModerationError(_("2 000 caractères au plus."), "text")
    return text


def _already() -> services.ModerationError:
    return services.ModerationError(
        _("Vous avez déjà contesté cette décision : l'équipe de modération l'examine ou y a répondu.")
    )


def contest_item(user: User, item: Any, text: str) -> Contestation:
    """Reopen the item's case (or open one: content hidden with a whole account has none) with the
    author's reasons, at the top of its poles' queue."""
    text = _check_text(text)
    if item.hidden_at is None:
        raise services.ModerationError(_("Ce contenu n'est pas masqué : il n'y a rien à contester."))
    if not item.hidden_reason:
        # Hidden by reports, not yet by a person: the moderators will decide anyway.
        raise services.ModerationError(
            _("Ce contenu attend la décision de l'équipe de modération : vous pourrez la contester ensuite.")
        )
    if of_item(item) is not None:
        raise _already()
    case = services._case_for(item)
    now = utcnow()
    contestation = Contestation(kind=case.kind, target_id=item.id, case_id=case.id, author_id=user.id, text=text)
    db.session.add(contestation)
    try:
        db.session.flush()
    except IntegrityError:
        # Twice at the same instant: the database keeps one open contestation per item.
        db.session.rollback()
        raise _already() from None
    # Back in the queue, newest first: ``last_reported_at`` is what the queue sorts by.
    db.session.execute(
        update(ModerationCase)
        .where(ModerationCase.id == case.id)
        .values(status=CaseStatus.OPEN, last_reported_at=now, handled_at=None)
    )
    services._refresh_case_poles(case, item)
    services.log(user, "contest", case.kind, item.id, services.label_of(item), text, poles_of(item))
    db.session.commit()
    return contestation


def contest_suspension(user: User, text: str) -> Contestation:
    """The suspended person's reasons, for the administrators (who decide suspensions)."""
    text = _check_text(text)
    if user.suspended_at is None:
        raise services.ModerationError(_("Votre compte n'est pas suspendu : il n'y a rien à contester."))
    if of_suspension(user) is not None:
        raise _already()
    contestation = Contestation(kind="user", target_id=user.id, author_id=user.id, text=text)
    db.session.add(contestation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _already() from None
    services.log(user, "contest", "user", user.id, user.display_name, text, services.content_pole_ids(user))
    admins = db.session.scalars(select(User.id).where(User.is_admin.is_(True)))
    notify(
        admins,
        "moderation_suspension_contested",
        _l("%(name)s conteste la suspension de son compte.", name=user.display_name),
        url_for("moderation.suspensions"),
    )
    db.session.commit()
    return contestation


def open_for_users(user_ids: list[int]) -> dict[int, Contestation]:
    """Open contestations of suspensions, by user (one query for the suspensions page)."""
    if not user_ids:
        return {}
    rows = db.session.scalars(
        select(Contestation).where(
            Contestation.kind == "user", Contestation.target_id.in_(user_ids), Contestation.decided_at.is_(None)
        )
    )
    return {c.target_id: c for c in rows}


def maintain_suspension(user: User, actor: User, reason: str = "") -> None:
    """The administrators answer: the suspension stays. The person is told, with the reason."""
    contestation = of_suspension(user)
    if contestation is None or contestation.decided_at is not None:
        raise services.ModerationError(_("Aucune contestation en cours pour ce compte."))
    services.close_contestations("user", user.id, "maintain", actor)
    services.log(
        actor, "contest_maintained", "user", user.id, user.display_name, reason, services.content_pole_ids(user)
    )

    def text() -> str:
        # Called in the person's language, not the administrator's.
        said = _("Votre contestation a été examinée : la suspension de votre compte est maintenue.")
        return said + " " + _("Motif : %(reason)s", reason=reason) if reason else said

    notify([user.id], "moderation_suspension_maintained", text, url_for("auth.account"))
    db.session.commit()

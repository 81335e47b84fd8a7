"""In-app notifications, and the e-mails they lead to (at once, in a daily digest, or never)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import groupby

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel.speaklater import LazyString
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from app import identity
from app.extensions import db
from app.i18n import in_locale
from app.models import Assignment, EmailMode, Notification, NotificationPreference, OutboxMessage, User
from app.models.base import utcnow
from app.notifications.kinds import KINDS, category, default_mode
from app.outbox import email_subject, queue_email
from app.urls import email_link, email_url

PER_PAGE = 30
UNSUBSCRIBE_SALT = "notifications-unsubscribe"
# Links in e-mails last long: people read old messages. Overridable by configuration.
UNSUBSCRIBE_MAX_AGE = 180 * 24 * 3600


# --- In-app ------------------------------------------------------------------------------------


def notify(
    user_ids: Iterable[int],
    kind: str,
    text: str | LazyString | Callable[[], str],
    url: str,
    *,
    exclude: int | None = None,
    email: bool = True,
) -> None:
    """Queue one notification per person, in bulk (one INSERT for many people), and the e-mails
    of those who want them at once (two more queries, whatever the number of people).

    ``text`` made with ``_l(...)`` is written in each recipient's language (one more query when
    nobody gets an e-mail at once); a plain string is written as it is, in the sender's language.
    A text built from pieces (a sentence plus a reason, a label chosen by the caller) comes as a
    function of no argument: it is called once per language, inside that language.

    ``email=False`` when the caller sends its own e-mail (an invitation with its link): the
    person must not get the same news twice."""
    ids = [uid for uid in dict.fromkeys(user_ids) if uid != exclude]
    if not ids:
        return
    now = utcnow()
    modes = email_modes(ids, category(kind)) if email else {uid: EmailMode.NEVER for uid in ids}
    immediate = [uid for uid in ids if modes[uid] is EmailMode.IMMEDIATE]
    per_language = isinstance(text, LazyString) or (callable(text) and not isinstance(text, str))
    people = (
        db.session.execute(
            # An erased account (app.auth.erasure) has no address to write to any more.
            select(User.id, User.email, User.locale).where(
                User.id.in_(ids if per_language else immediate), User.deleted_at.is_(None)
            )
        ).all()
        if per_language or immediate
        else []
    )
    locales = {uid: locale for uid, _email, locale in people}
    said: dict[str | None, str] = {}

    def text_in(locale: str | None) -> str:
        if not per_language:
            return str(text)
        if locale not in said:
            with in_locale(locale):
                said[locale] = str(text) if isinstance(text, LazyString) else text()
        return said[locale]

    rows = [
        {
            "user_id": uid,
            "kind": kind,
            "text": text_in(locales.get(uid))[:400],
            "url": url,
            "created_at": now,
            # Only daily ones wait for the digest; the others are dealt with now.
            "email_done_at": None if modes[uid] is EmailMode.DAILY else now,
        }
        for uid in ids
    ]
    db.session.execute(Notification.__table__.insert(), rows)
    if immediate:
        wanted = set(immediate)
        messages = []
        for uid, address, locale in people:
            if uid in wanted:
                # The e-mail's own words in the recipient's language.
                with in_locale(locale):
                    messages.append(_immediate_email(uid, address, kind, text_in(locale), url))
        # Straight into the outbox table in one INSERT (queue_email adds one message at a time).
        db.session.execute(OutboxMessage.__table__.insert(), messages)


def header_counts(user: User) -> tuple[int, int]:
    """Unread notifications, and evaluations still to finish (-1 when the person has none at all,
    so the header shows no link): one query for every page of the header."""
    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    mine = select(func.count(Assignment.id)).where(Assignment.evaluator_id == user.id)
    pending = mine.where(Assignment.finalised_at.is_(None)).scalar_subquery()
    count, total, todo = db.session.execute(select(unread, mine.scalar_subquery(), pending)).one()
    return count, (todo if total else -1)


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit)
        )
    )


def page_of(user_id: int, page: int):
    query = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc())
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False, count=True)


def own_notification(user_id: int, notification_id: int) -> Notification | None:
    """The notification if it is this person's: someone else's is as good as absent."""
    return db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user_id)
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.commit()


def mark_all_read(user_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()


# --- Preferences -------------------------------------------------------------------------------


def email_modes(user_ids: list[int], kind: str) -> dict[int, EmailMode]:
    """Each person's e-mail mode for ``kind`` (one query)."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.mode).where(
                NotificationPreference.user_id.in_(user_ids), NotificationPreference.kind == kind
            )
        ).all()
    )
    return {uid: chosen.get(uid, default_mode(kind)) for uid in user_ids}


def preferences(user_id: int) -> dict[str, EmailMode]:
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {name: chosen.get(name, kind.default) for name, kind in KINDS.items()}


def set_preferences(user_id: int, wanted: dict[str, EmailMode]) -> None:
    existing = {
        p.kind: p
        for p in db.session.scalars(select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    }
    for kind, mode in wanted.items():
        if kind in existing:
            existing[kind].mode = mode
        else:
            db.session.add(NotificationPreference(user_id=user_id, kind=kind, mode=mode))
    db.session.commit()


# --- E-mail ------------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a valid link; None if forged, damaged or expired."""
    max_age = current_app.config.get("NOTIFICATION_UNSUBSCRIBE_MAX_AGE", UNSUBSCRIBE_MAX_AGE)
    try:
        user_id, kind = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or not isinstance(kind, str):
        return None
    return user_id, kind


def kind_label(kind: str) -> str:
    known = KINDS.get(category(kind))
    return str(known.label) if known else _("Autres notifications")


def _footer(user_id: int, kinds: Iterable[str]) -> str:
    lines = [
        "",
        "—",
        _(
            "Vous recevez ce courriel parce que vous avez un compte sur %(platform)s.",
            platform=identity.current().platform_name,
        ),
    ]
    for kind in dict.fromkeys(kinds):
        lines.append(
            _(
                "Ne plus recevoir « %(kind)s » : %(url)s",
                kind=kind_label(kind),
                url=email_url("notifications.unsubscribe", token=unsubscribe_token(user_id, kind)),
            )
        )
    lines.append(_("Choisir quels courriels recevoir : %(url)s", url=email_url("notifications.preferences")))
    return "\n".join(lines)


def _immediate_email(user_id: int, email: str, kind: str, text: str, url: str) -> dict:
    body = "\n".join(
        [
            text,
            "",
            _("Voir sur %(platform)s : %(url)s", url=email_link(url), platform=identity.current().platform_name),
            _footer(user_id, [category(kind)]),
        ]
    )
    return {
        "recipient": email,
        "subject": email_subject(_("%(platform)s : %(text)s", text=text, platform=identity.current().platform_name)),
        "body": body,
        "created_at": utcnow(),
        "attempts": 0,
        "last_error": "",
    }


def send_digests() -> int:
    """One e-mail per person gathering their notifications waiting for the daily digest.
    Returns the number of e-mails queued."""
    rows = db.session.execute(
        select(Notification.id, Notification.user_id, Notification.kind, Notification.text, Notification.url)
        .where(Notification.email_done_at.is_(None))
        .order_by(Notification.user_id, Notification.id)
    ).all()
    if not rows:
        return 0
    user_ids = list(dict.fromkeys(r.user_id for r in rows))
    chosen = {
        (uid, kind): mode
        for uid, kind, mode in db.session.execute(
            select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id.in_(user_ids)
            )
        )
    }
    recipients = {
        uid: (email, locale)
        for uid, email, locale in db.session.execute(
            select(User.id, User.email, User.locale).where(User.id.in_(user_ids), User.deleted_at.is_(None))
        )
    }
    sent = 0
    for user_id, group in groupby(rows, key=lambda r: r.user_id):
        # A kind switched to "never" since the notification was made is left out.
        items = [
            r for r in group if chosen.get((user_id, category(r.kind)), default_mode(r.kind)) is not EmailMode.NEVER
        ]
        if not items or user_id not in recipients:
            continue
        address, locale = recipients[user_id]
        with in_locale(locale):  # the recipient's language
            subject, body = _digest(user_id, items)
        queue_email(address, subject, body)
        sent += 1
    now = utcnow()
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 500):
        db.session.execute(
            update(Notification).where(Notification.id.in_(ids[start : start + 500])).values(email_done_at=now)
        )
    db.session.commit()
    return sent


def _digest(user_id: int, items: list) -> tuple[str, str]:
    """A digest's subject and body, in the language this is called in."""
    lines = [
        _("Bonjour,"),
        "",
        _(
            "Voici ce qui s'est passé sur %(platform)s depuis notre dernier courriel :",
            platform=identity.current().platform_name,
        ),
        "",
    ]
    for r in items:
        lines.append(f"• {r.text}\n  {email_link(r.url)}")
    lines.append("")
    lines.append(_("Toutes vos notifications : %(url)s", url=email_url("notifications.index")))
    subject = ngettext(
        "%(platform)s : %(num)d nouvelle notification",
        "%(platform)s : %(num)d nouvelles notifications",
        len(items),
        platform=identity.current().platform_name,
    )
    return subject, "\n".join(lines) + "\n" + _footer(user_id, [category(r.kind) for r in items])


def unsubscribe(user_id: int, kind: str) -> None:
    set_preferences(user_id, {kind: EmailMode.NEVER})

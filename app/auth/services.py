"""Account rules, as plain functions the routes and the tests call."""

from __future__ import annotations

import hmac
import time
from functools import cache
from hashlib import sha256

from flask import Flask, current_app, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin, login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app import identity
from app.errors import RuleError
from app.extensions import db, login_manager
from app.i18n import SESSION_KEY as LOCALE_KEY
from app.i18n import current_locale, in_locale, valid_locale
from app.models import EndedSession, Membership, Pole, User
from app.models.accounts import display_name_key, normalize_email
from app.models.base import utcnow
from app.models.pole_scope import moderated_pole_ids
from app.names import name_problem, normalize_name
from app.outbox import queue_email
from app.urls import email_url, safe_next


@cache
def _dummy_hash() -> str:
    # Checked when no account matches, so that a wrong e-mail takes as long as a wrong password.
    return generate_password_hash("tisser-no-such-account")


class Anonymous(AnonymousUserMixin):
    """An anonymous visitor answers the same questions as an account, always with "no"."""

    id = None
    is_admin = False
    is_pole_moderator = False
    is_verified = False
    display_name = ""


def setup_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    login_manager.user_loader(user_for_session_id)


def user_for_session_id(session_id: str) -> User | None:
    """The account of a session or remember cookie ("<id>:<token>:<stamp>", see ``User.get_id``),
    or None once revoked (password changed or reset, "log out everywhere") or too old."""
    user_id, _sep, rest = session_id.partition(":")
    token, _sep, stamp = rest.partition(":")
    issued, _sep, _nonce = stamp.partition(".")
    if not user_id.isdigit() or len(user_id) > 18 or not token or not issued:
        return None
    try:
        age = time.time() - int(issued, 16)
    except ValueError:
        return None
    # Enforced here, not by the cookie's expiry date, which a copied cookie does not honour.
    if age > current_app.config["REMEMBER_COOKIE_DURATION"].total_seconds():
        return None
    # One query: the account, unless this very login was ended by "Se déconnecter".
    ended = exists().where(EndedSession.user_id == User.id, EndedSession.stamp == stamp)
    user = db.session.scalar(select(User).where(User.id == int(user_id), User.deleted_at.is_(None), ~ended))
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    user.login_stamp = stamp
    return user


def log_in(user: User, remember: bool = False) -> None:
    """A new login: its own stamp, so its session id and remember cookie are new too."""
    user.login_stamp = None
    login_user(user, remember=remember)
    # A language chosen in this browser before logging in is the latest choice: the account keeps it.
    chosen = valid_locale(session.get(LOCALE_KEY))
    if chosen and chosen != user.locale:
        user.locale = chosen
        db.session.commit()


def log_out(user: User) -> None:
    """ "Se déconnecter": this login ends for good, copies of its cookies included; the person's
    other devices stay logged in ("Me déconnecter partout" ends those)."""
    if user.login_stamp:
        horizon = utcnow() - current_app.config["REMEMBER_COOKIE_DURATION"]
        db.session.execute(delete(EndedSession).where(EndedSession.ended_at < horizon))
        db.session.add(EndedSession(user_id=user.id, stamp=user.login_stamp))
        db.session.commit()
    logout_user()


def end_all_sessions(user: User) -> None:
    """ "Log out everywhere": every session and remember cookie of this account stops working."""
    user.end_all_sessions()
    db.session.commit()


class AccountError(RuleError):
    """A rule of accounts refused what someone typed (``field`` names the field)."""


def check_email_available(email: str) -> None:
    if db.session.scalar(select(User.id).where(User.email == normalize_email(email))):
        raise AccountError(
            _("Un compte existe déjà avec cette adresse. Connectez-vous ou réinitialisez votre mot de passe."), "email"
        )


def check_display_name_available(display_name: str, exclude_user_id: int | None = None) -> None:
    query = select(User.id).where(User.display_name_key == display_name_key(display_name))
    if exclude_user_id is not None:
        query = query.where(User.id != exclude_user_id)
    if db.session.scalar(query):
        raise AccountError(_("Ce nom est déjà pris : choisissez-en un autre."), "display_name")


def check_public_name(display_name: str) -> None:
    """No invisible characters, no lookalike of the staff or of a pole (app/names.py)."""
    problem = name_problem(display_name)
    if problem:
        raise AccountError(problem, "display_name")


def register(email: str, display_name: str, password: str, next_path: str | None = None) -> User:
    """A new account, unverified: it browses until the link sent to its address is opened.
    ``next_path`` (a path of this site) is where the confirmation link leads back to."""
    check_email_available(email)
    display_name = normalize_name(display_name)
    check_public_name(display_name)
    check_display_name_available(display_name)
    # The language the person registered in is the one of their e-mails, until they choose another.
    user = User(email=email, display_name=display_name, password=password, locale=current_locale())
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # Someone registered the same address or name at the same instant.
        db.session.rollback()
        raise AccountError(_("Un compte existe déjà avec cette adresse ou ce nom."), "email") from None
    send_verification_email(user, next_path)
    return user


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def change_display_name(user: User, display_name: str) -> None:
    display_name = normalize_name(display_name)
    check_public_name(display_name)
    check_display_name_available(display_name, exclude_user_id=user.id)
    user.set_display_name(display_name)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(_("Ce nom est déjà pris : choisissez-en un autre."), "display_name") from None


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(_("Ce n'est pas votre mot de passe actuel."), "current_password")
    user.set_password(new)
    db.session.commit()


# --- Forgotten password ---------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="tisser-password-reset")


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, every earlier link stops working.
    return sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User) -> str:
    return _reset_serializer().dumps({"u": user.id, "p": _password_fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The account a reset link is for, or None if the link is expired, used or forged."""
    try:
        data = _reset_serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or data.get("p") != _password_fingerprint(user):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset link if an account has this address. Says nothing either way (no account
    enumeration)."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        return
    link = email_url("auth.reset_password", token=password_reset_token(user))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    # In the recipient's language, whoever's request sends it.
    with in_locale(user.locale):
        body = _(
            "Bonjour %(name)s,\n\n"
            "Vous avez demandé à réinitialiser votre mot de passe sur %(platform)s. "
            "Ouvrez ce lien pour en choisir un nouveau (il reste valable %(minutes)s minutes "
            "et ne sert qu'une fois) :\n\n%(link)s\n\n"
            "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : "
            "votre mot de passe ne change pas.\n\nL'équipe %(platform)s",
            name=user.display_name,
            platform=identity.current().platform_name,
            minutes=minutes,
            link=link,
        )
        queue_email(
            user.email,
            _("Réinitialiser votre mot de passe %(platform)s", platform=identity.current().platform_name),
            body,
        )
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    user.set_password(password)
    db.session.commit()


# --- E-mail verification --------------------------------------------------------------------


def _verification_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="tisser-email-verification")


def email_verification_token(user: User) -> str:
    # The address is part of the token: a link confirms this address, not whichever comes later.
    return _verification_serializer().dumps({"u": user.id, "e": user.email})


def user_for_verification_token(token: str) -> User | None:
    """The account a confirmation link is for, or None if it is expired or forged."""
    try:
        data = _verification_serializer().loads(token, max_age=current_app.config["EMAIL_VERIFICATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or data.get("e") != user.email:
        return None
    return user


def send_verification_email(user: User, next_path: str | None = None) -> None:
    # Someone who registered on their way somewhere (a claim link) is brought back there once confirmed.
    extra = {"next": safe} if (safe := safe_next(next_path)) else {}
    link = email_url("auth.verify_email", token=email_verification_token(user), **extra)
    days = current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 86400
    # In the recipient's language, whoever's request sends it.
    with in_locale(user.locale):
        body = _(
            "Bonjour %(name)s,\n\n"
            "Pour confirmer votre adresse e-mail et pouvoir participer sur %(platform)s (proposer une idée, "
            "commenter, soutenir, signaler, inscrire une association), ouvrez ce lien "
            "(il reste valable %(days)s jours) :\n\n%(link)s\n\n"
            "Si vous n'avez pas créé de compte sur %(platform)s, ignorez ce message.\n\nL'équipe %(platform)s",
            name=user.display_name,
            platform=identity.current().platform_name,
            days=days,
            link=link,
        )
        queue_email(
            user.email,
            _("Confirmez votre adresse e-mail sur %(platform)s", platform=identity.current().platform_name),
            body,
        )
    db.session.commit()


def verify_email(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.commit()


def memberships_of(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership).where(Membership.user_id == user.id).options(joinedload(Membership.association))
        )
    )


def moderated_poles_of(user: User) -> list[Pole]:
    ids = moderated_pole_ids(user)
    return list(db.session.scalars(select(Pole).where(Pole.id.in_(ids)).order_by(Pole.name))) if ids else []


# --- Changing one's address (GDPR art. 16) --------------------------------------------------


def _email_change_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="tisser-email-change")


def email_change_token(user: User, new_email: str) -> str:
    # The current address is part of the token: once the change is made (or another one), the
    # link stops working, so it serves once.
    return _email_change_serializer().dumps({"u": user.id, "o": user.email, "n": normalize_email(new_email)})


class EmailChangeLinkError(AccountError):
    """The link is expired, already used, forged, or its address was taken meanwhile."""


def request_email_change(user: User, new_email: str, password: str) -> str:
    """Check the password and the address, then send the confirming link to the NEW address.
    Nothing changes until it is opened. Returns the normalised address."""
    if not user.check_password(password):
        raise AccountError(_("Ce n'est pas votre mot de passe actuel."), "password")
    new_email = normalize_email(new_email)
    if new_email == user.email:
        raise AccountError(_("C'est déjà votre adresse actuelle."), "new_email")
    if db.session.scalar(select(User.id).where(User.email == new_email)):
        raise AccountError(_("Cette adresse est déjà celle d'un autre compte : choisissez-en une autre."), "new_email")
    platform = identity.current().platform_name
    hours = current_app.config["EMAIL_CHANGE_MAX_AGE"] // 3600
    body = _(
        "Bonjour %(name)s,\n\n"
        "Vous avez demandé que votre compte %(platform)s utilise désormais cette adresse. "
        "Ouvrez ce lien pour le confirmer (il reste valable %(hours)s heures et ne sert qu'une fois) :\n\n"
        "%(link)s\n\n"
        "Tant que vous ne l'avez pas ouvert, votre ancienne adresse reste celle du compte. "
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\nL'équipe %(platform)s",
        name=user.display_name,
        platform=platform,
        hours=hours,
        link=email_url("auth.confirm_email_change", token=email_change_token(user, new_email)),
    )
    queue_email(new_email, _("Confirmez votre nouvelle adresse sur %(platform)s", platform=platform), body)
    db.session.commit()
    return new_email


def email_change_for_token(token: str) -> tuple[User, str]:
    """The account and the new address a link confirms, or EmailChangeLinkError saying why not."""
    try:
        data = _email_change_serializer().loads(token, max_age=current_app.config["EMAIL_CHANGE_MAX_AGE"])
    except SignatureExpired:
        raise EmailChangeLinkError(
            _("Ce lien a expiré : demandez de nouveau le changement depuis la page « Mon compte ».")
        ) from None
    except BadSignature:
        raise EmailChangeLinkError(_("Ce lien est incomplet ou n'est pas valable.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or user.deleted_at is not None or not isinstance(data.get("n"), str):
        raise EmailChangeLinkError(_("Ce lien est incomplet ou n'est pas valable."))
    if data.get("o") != user.email:
        raise EmailChangeLinkError(
            _("Ce lien a déjà servi (ou l'adresse du compte a changé depuis) : il ne vaut plus rien.")
        )
    return user, data["n"]


def confirm_email_change(token: str) -> User:
    """Replace the address by the confirmed one and tell the old address."""
    user, new_email = email_change_for_token(token)
    if db.session.scalar(select(User.id).where(User.email == new_email)):
        raise EmailChangeLinkError(
            _("Cette adresse est devenue celle d'un autre compte entre-temps : choisissez-en une autre.")
        )
    old_email = user.email
    user.email = new_email
    # Opening the link proved the new address.
    user.email_verified_at = user.email_verified_at or utcnow()
    platform = identity.current().platform_name
    body = _(
        "Bonjour %(name)s,\n\n"
        "L'adresse e-mail de votre compte %(platform)s vient d'être changée : les messages partiront "
        "désormais vers la nouvelle adresse, et c'est elle qui sert à vous connecter.\n\n"
        "Si vous n'êtes pas à l'origine de ce changement, réinitialisez votre mot de passe "
        "et écrivez à l'équipe de la plateforme.\n\nL'équipe %(platform)s",
        name=user.display_name,
        platform=platform,
    )
    queue_email(old_email, _("L'adresse de votre compte %(platform)s a changé", platform=platform), body)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EmailChangeLinkError(
            _("Cette adresse est devenue celle d'un autre compte entre-temps : choisissez-en une autre.")
        ) from None
    return user

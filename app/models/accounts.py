"""People: accounts and the roles they hold."""

from __future__ import annotations

import enum
import secrets
import time
from datetime import datetime
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, exists, false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.base import utcnow

if TYPE_CHECKING:
    from app.models.associations import Membership
    from app.models.territories import Pole


def normalize_email(email: str) -> str:
    # E-mail addresses are unique whatever their case: "Marie@X.fr" and "marie@x.fr" are one person.
    return email.strip().lower()


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


def new_login_stamp() -> str:
    # When this login began (hex seconds) and a random part: each login gets its own session id.
    return f"{int(time.time()):x}.{secrets.token_hex(4)}"


def display_name_key(name: str) -> str:
    # Two people may not appear under names that differ only by case or spacing.
    return " ".join(name.split()).casefold()


class PoleRoleKind(enum.StrEnum):
    """What someone is for a territorial unit. An agent will act on behalf of residents
    (mediated participation): only the role exists so far."""

    MODERATOR = "moderator"
    AGENT = "agent"


class PoleRole(db.Model):
    """One person's role for one unit: a person may moderate several units."""

    __tablename__ = "pole_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    pole_id: Mapped[int] = mapped_column(ForeignKey("poles.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    pole: Mapped[Pole] = relationship(lazy="raise_on_sql")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # The public name: a pseudonym is fine, the e-mail is never shown. Read through ``display_name``,
    # which says "Compte supprimé" once the account is erased.
    stored_name: Mapped[str] = mapped_column("display_name", String(60))
    display_name_key: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    # On the public profile: a person may keep their comments off it.
    hide_comments: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Moderation: a suspended account can no longer post, comment, support or report.
    suspended_at: Mapped[datetime | None]
    # Set when the person opened the confirmation link: until then they browse but do not take part.
    email_verified_at: Mapped[datetime | None]
    # Part of every session id and remember cookie (see ``get_id``): changing it ends every session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token)
    # The language of the pages after logging in and of the e-mails sent to this person ("fr", "en").
    locale: Mapped[str] = mapped_column(String(8), default="fr", server_default="fr")
    # Erased (GDPR art. 17, app.auth.erasure): the row stays so that what the person published keeps
    # its author; e-mail and name are gone, no login works.
    deleted_at: Mapped[datetime | None]

    # Not a column: which login this object was loaded for (see ``get_id`` and app.auth.services).
    login_stamp = None

    # Loaded with the account in the same SELECT: every permission check asks it, and only a
    # moderator then reads which units (app.models.pole_scope.moderated_pole_ids).
    is_pole_moderator: Mapped[bool] = column_property(
        exists().where(PoleRole.user_id == id, PoleRole.role == PoleRoleKind.MODERATOR.value)
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", lazy="raise_on_sql", cascade="all, delete-orphan"
    )

    def __init__(self, *, email: str, display_name: str, password: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.email = normalize_email(email)
        self.set_display_name(display_name)
        self.set_password(password)

    @hybrid_property
    def display_name(self) -> str:
        # The one rule for every place a person's name is shown: an erased account has none.
        if self.deleted_at is not None:
            return gettext("Compte supprimé")
        return self.stored_name

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls):
        # In SQL (ordering, selects) the column itself: an erased account's holds "Compte supprimé".
        return cls.stored_name

    def set_display_name(self, name: str) -> None:
        self.stored_name = " ".join(name.split())
        self.display_name_key = display_name_key(name)

    def set_password(self, password: str) -> None:
        # Werkzeug's scrypt by default: a vetted memory-hard algorithm with a per-password salt.
        # (The tests choose a cheaper method through the config, never production.)
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        # A new password ends every session opened with the old one (a thief's included).
        self.end_all_sessions()

    def end_all_sessions(self) -> None:
        self.session_token = new_session_token()

    def get_id(self) -> str:
        """Flask-Login's session id, also signed into the remember cookie: "<id>:<token>:<stamp>".

        Stale once the token changes; the stamp dates the login (the server enforces its age,
        whatever a copied cookie's expiry says) and differs on every login."""
        if self.login_stamp is None:
            self.login_stamp = new_login_stamp()
        return f"{self.id}:{self.session_token}:{self.login_stamp}"

    def __eq__(self, other: object) -> bool:
        # One person, whichever login or session token two objects were loaded with.
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = object.__hash__

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.display_name!r}>"


class EndedSession(db.Model):
    """A login ended by "Se déconnecter": its session id (and any copy of its cookies) stops
    working, while the person's other devices stay logged in. Kept only as long as such a login
    could live (``REMEMBER_COOKIE_DURATION``); older stamps are refused anyway."""

    __tablename__ = "ended_sessions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(40), primary_key=True)
    ended_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

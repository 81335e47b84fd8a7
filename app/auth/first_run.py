"""First run: the first administrator of an empty platform, created by ``flask setup admin``.

Nothing else can make an administrator on a fresh database (registration makes residents), so this
is the one door in; it is closed once an administrator exists, unless the operator says
explicitly that they want another one.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.forms import PASSWORD_MAX, PASSWORD_MIN
from app.auth.services import check_display_name_available, check_email_available
from app.errors import RuleError
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.names import has_invisible, normalize_name


class FirstRunError(RuleError):
    """The set-up refused what the operator gave (``field`` names the option)."""


def administrator_exists() -> bool:
    return db.session.scalar(select(User.id).where(User.is_admin.is_(True)).limit(1)) is not None


def password_problem(password: str) -> str | None:
    """The registration form's policy (app/auth/forms.py), as a sentence, or None."""
    if not PASSWORD_MIN <= len(password or "") <= PASSWORD_MAX:
        return _("Le mot de passe doit faire entre %(min)d et %(max)d caractères.", min=PASSWORD_MIN, max=PASSWORD_MAX)
    return None


def create_administrator(email: str, display_name: str, password: str, another: bool = False) -> User:
    """An administrator, ready to log in (the operator typed the address: it counts as confirmed).

    Refused when an administrator exists and ``another`` is not set: a second run of an automated
    deployment must not add accounts silently."""
    if administrator_exists() and not another:
        raise FirstRunError(
            _(
                "Un compte d'administration existe déjà : connectez-vous avec lui, ou relancez avec "
                "--another pour en ajouter un autre."
            )
        )
    try:
        email = validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise FirstRunError(
            _("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."), "email"
        ) from None
    display_name = normalize_name(display_name or "")
    # The staff's reserved words ("Administration"...) are exactly right for this account; only
    # what would deceive anyone is refused.
    if not 2 <= len(display_name) <= 60 or "@" in display_name or has_invisible(display_name):
        raise FirstRunError(
            _("Le nom public doit faire entre 2 et 60 caractères, sans « @ » ni caractère invisible."), "name"
        )
    if problem := password_problem(password):
        raise FirstRunError(problem, "password")
    check_email_available(email)
    check_display_name_available(display_name)
    user = User(email=email, display_name=display_name, password=password, is_admin=True, email_verified_at=utcnow())
    db.session.add(user)
    db.session.commit()
    return user

"""The rules of the people back office: who holds which role, and changing it.

Every change needs a reason, is appended to the audit log (the person's name, never their e-mail)
and tells the person. Routes in ``app.admin.people`` only parse forms and call these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload

from app import identity
from app.errors import RuleError
from app.extensions import db
from app.identity import lazy
from app.models import AuditEntry, Call, CallEvaluator, Pole, PoleRole, PoleRoleKind, User
from app.models.pole_scope import forget_pole_roles
from app.moderation.services import log
from app.notifications.services import notify

PER_PAGE = 25
REASON_MAX = 1000

# The roles an administrator appoints, as the forms and the filter name them.
ROLES = {
    "admin": _l("Administration"),
    "moderator": lazy(lambda i: _("Modération %(of_a_unit)s", of_a_unit=i.unit.of_a)),
    "agent": lazy(lambda i: _("Agent %(of_a_unit)s", of_a_unit=i.unit.of_a)),
    "evaluator": _l("Évaluation d'un appel"),
}
# What each role needs besides the person.
NEEDS_POLE = {"moderator", "agent"}
NEEDS_CALL = {"evaluator"}


class PeopleError(RuleError):
    """A rule of roles refused the change."""


@dataclass
class Roles:
    """One person's roles, for a row of the list or their page."""

    is_admin: bool = False
    moderated: list[Pole] = field(default_factory=list)
    agent_of: list[Pole] = field(default_factory=list)
    evaluates: list[Call] = field(default_factory=list)

    @property
    def none(self) -> bool:
        return not (self.is_admin or self.moderated or self.agent_of or self.evaluates)


# --- Reading ------------------------------------------------------------------------------------


def _role_filter(role: str):
    if role == "admin":
        return User.is_admin.is_(True)
    if role in NEEDS_POLE:
        return User.id.in_(select(PoleRole.user_id).where(PoleRole.role == role))
    if role == "evaluator":
        return User.id.in_(select(CallEvaluator.user_id))
    return None


def people_page(search: str = "", role: str = "", page: int = 1):
    """A page of accounts, by name; ``search`` matches the name or the e-mail address."""
    query = select(User)
    words = " ".join(search.split()).casefold()
    if words:
        # Names are stored folded (display_name_key), addresses in lower case: one LIKE each.
        query = query.where(
            or_(User.display_name_key.contains(words, autoescape=True), User.email.contains(words, autoescape=True))
        )
    if (condition := _role_filter(role)) is not None:
        query = query.where(condition)
    query = query.order_by(func.lower(User.display_name), User.id)
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False, count=True)


def roles_of(users: list[User]) -> dict[int, Roles]:
    """Every role of these people: two queries, whatever their number."""
    ids = [u.id for u in users]
    roles = {u.id: Roles(is_admin=u.is_admin) for u in users}
    if not ids:
        return roles
    for row in db.session.scalars(
        select(PoleRole).where(PoleRole.user_id.in_(ids)).options(joinedload(PoleRole.pole))
    ).all():
        target = roles[row.user_id].moderated if row.role == PoleRoleKind.MODERATOR else roles[row.user_id].agent_of
        target.append(row.pole)
    for row in db.session.scalars(
        select(CallEvaluator).where(CallEvaluator.user_id.in_(ids)).options(joinedload(CallEvaluator.call))
    ).all():
        roles[row.user_id].evaluates.append(row.call)
    for r in roles.values():
        r.moderated.sort(key=lambda p: p.name)
        r.agent_of.sort(key=lambda p: p.name)
        r.evaluates.sort(key=lambda c: c.title)
    return roles


def changes_to(user: User) -> list[AuditEntry]:
    """What was done to this account (roles, suspensions), newest first."""
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_kind == "user", AuditEntry.target_id == user.id)
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.id.desc())
            .limit(100)
        )
    )


def poles() -> list[Pole]:
    return list(db.session.scalars(select(Pole).order_by(Pole.name)))


def calls() -> list[Call]:
    return list(db.session.scalars(select(Call).order_by(Call.opens_at.desc(), Call.id.desc())))


# --- Changing -----------------------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise PeopleError(
            _("Indiquez le motif de ce changement : il est gardé au journal et dit à la personne."), "reason"
        )
    if len(reason) > REASON_MAX:
        raise PeopleError(_("Le motif tient en 1 000 caractères au plus."), "reason")
    return reason


def _target(role: str, pole_id: int | None, call_id: int | None) -> tuple[Pole | None, Call | None]:
    if role not in ROLES:
        raise PeopleError(_("Choisissez un rôle dans la liste."), "role")
    pole = db.session.get(Pole, pole_id) if role in NEEDS_POLE and pole_id else None
    if role in NEEDS_POLE and pole is None:
        raise PeopleError(
            _("Choisissez %(the_unit)s concerné·e par ce rôle.", the_unit=identity.current().unit.the), "pole_id"
        )
    call = db.session.get(Call, call_id) if role in NEEDS_CALL and call_id else None
    if role in NEEDS_CALL and call is None:
        raise PeopleError(_("Choisissez l'appel à projets que cette personne évaluera."), "call_id")
    return pole, call


def _describe(role: str, pole: Pole | None, call: Call | None) -> str:
    if role == "admin":
        return _("l'administration de la plateforme")
    if role == "moderator":
        return _("la modération %(of_unit)s %(name)s", of_unit=identity.current().unit.of_the, name=pole.name)
    if role == "agent":
        return _("le rôle d'agent %(of_unit)s %(name)s", of_unit=identity.current().unit.of_the, name=pole.name)
    return _("l'évaluation de l'appel « %(title)s »", title=call.title)


def _holds(user: User, role: str, pole: Pole | None, call: Call | None) -> bool:
    if role == "admin":
        return user.is_admin
    if role in NEEDS_POLE:
        return db.session.get(PoleRole, (user.id, pole.id, role)) is not None
    return db.session.get(CallEvaluator, (call.id, user.id)) is not None


def _record(
    actor: User, user: User, action: str, what: str, reason: str, pole: Pole | None, text: Callable[[], str]
) -> None:
    # The label names the person and the role, never the address (the log is read widely).
    log(actor, action, "user", user.id, f"{user.display_name} · {what}", reason, [pole.id] if pole else [])
    # Built by a function so that the person reads it in their own language, not the admin's.
    notify(
        [user.id],
        "role_changed",
        lambda: f"{text()} {_('Motif : %(reason)s', reason=reason)}",
        url_for("auth.account"),
    )


def appoint(actor: User, user: User, role: str, reason: str, *, pole_id: int | None = None, call_id=None) -> str:
    """Give ``user`` a role; returns what was given, in French."""
    if user.deleted_at is not None:
        raise PeopleError(_("Ce compte est supprimé : on ne lui confie plus de rôle."), "role")
    reason = _reason(reason)
    pole, call = _target(role, pole_id, call_id)
    what = _describe(role, pole, call)
    if _holds(user, role, pole, call):
        raise PeopleError(_("%(name)s a déjà %(what)s.", name=user.display_name, what=what), "role")
    if role == "admin":
        user.is_admin = True
    elif role in NEEDS_POLE:
        db.session.add(PoleRole(user_id=user.id, pole_id=pole.id, role=role))
    else:
        db.session.add(CallEvaluator(call_id=call.id, user_id=user.id))
    _record(
        actor,
        user,
        f"appoint_{role}",
        what,
        reason,
        pole,
        lambda: _("On vous a confié %(what)s.", what=_describe(role, pole, call)),
    )
    _done(user)
    return what


def revoke(actor: User, user: User, role: str, reason: str, *, pole_id: int | None = None, call_id=None) -> str:
    """Take a role back; the last administrator keeps theirs."""
    reason = _reason(reason)
    pole, call = _target(role, pole_id, call_id)
    what = _describe(role, pole, call)
    if not _holds(user, role, pole, call):
        raise PeopleError(_("%(name)s n'a pas %(what)s.", name=user.display_name, what=what), "role")
    if role == "admin":
        others = db.session.scalar(
            select(func.count(User.id)).where(User.is_admin.is_(True), User.suspended_at.is_(None), User.id != user.id)
        )
        if not others:
            raise PeopleError(
                _(
                    "%(name)s est la dernière personne qui administre la plateforme : "
                    "nommez d'abord quelqu'un d'autre, sinon plus personne ne pourrait l'administrer.",
                    name=user.display_name,
                ),
                "role",
            )
        user.is_admin = False
    elif role in NEEDS_POLE:
        db.session.execute(
            delete(PoleRole).where(PoleRole.user_id == user.id, PoleRole.pole_id == pole.id, PoleRole.role == role)
        )
    else:
        db.session.execute(
            delete(CallEvaluator).where(CallEvaluator.call_id == call.id, CallEvaluator.user_id == user.id)
        )
    _record(
        actor,
        user,
        f"revoke_{role}",
        what,
        reason,
        pole,
        lambda: _("On vous a retiré %(what)s.", what=_describe(role, pole, call)),
    )
    _done(user)
    return what


def _done(user: User) -> None:
    db.session.commit()
    # The person's roles are read again on their next check (this request included).
    forget_pole_roles(user.id)

"""Who may do what: the one place that decides.

``can(user, action, obj)`` answers for any user (anonymous included). Routes declare the action
they need with ``@access`` (see ``app.access``); object-level actions are checked in the view
with ``authorize(action, obj)`` once the object is loaded. Tests call ``can`` directly too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}

PUBLIC = "public"
ANONYMOUS_ONLY = "anonymous_only"


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        if action in _RULES:
            raise ValueError(f"rule {action!r} declared twice")
        _RULES[action] = fn
        return fn

    return register


def known_actions() -> frozenset[str]:
    return frozenset(_RULES)


def can(user: Any, action: str, obj: Any = None) -> bool:
    try:
        decide = _RULES[action]
    except KeyError:
        # An unknown action is a programming error, never a silent "yes".
        raise LookupError(f"no permission rule named {action!r}") from None
    return bool(decide(user, obj))


def _authenticated(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


def _admin(user: Any) -> bool:
    return _authenticated(user) and user.is_admin


# --- Anyone ---------------------------------------------------------------------------------

@rule(PUBLIC)
def _public(user: Any, obj: Any) -> bool:
    return True


@rule(ANONYMOUS_ONLY)
def _anonymous_only(user: Any, obj: Any) -> bool:
    # Log-in and registration pages: a logged-in person is sent on instead (handled by the view).
    return True


# --- Accounts ---------------------------------------------------------------------------------

@rule("account.use")
def _account_use(user: Any, obj: Any) -> bool:
    return _authenticated(user)


# --- Administration -------------------------------------------------------------------------

@rule("admin.access")
def _admin_access(user: Any, obj: Any) -> bool:
    return _admin(user)


@rule("outbox.read")
def _outbox_read(user: Any, obj: Any) -> bool:
    return _admin(user) and current_app.config["OUTBOX_READABLE"]


# --- Poles ----------------------------------------------------------------------------------

@rule("pole.moderate")
def _pole_moderate(user: Any, pole: Any) -> bool:
    """Admins moderate everywhere; a pole moderator only their own pole."""
    if _admin(user):
        return True
    return _authenticated(user) and pole is not None and user.moderated_pole_id == pole.id

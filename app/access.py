"""Every route declares who may call it.

``@access(action)`` records the action on the view (a test walks ``app.url_map`` and fails on any
view without one) and, for actions that need no object, checks it before the view runs.
``@access(action, per_object=True)`` means the view loads its object and calls
``authorize(action, obj)``; if it returns without doing so, that is a bug and raises.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, abort, g, request
from flask_login import current_user

from app.extensions import login_manager
from app.permissions import can, known_actions


def authorize(action: str, obj: Any = None, *, explain: Callable[[Any], Response | None] | None = None) -> None:
    """Abort unless the current user may do ``action`` (on ``obj``).

    ``explain(obj)``, called only on a refusal, may return the view's own answer to it (a French
    explanation rather than a bare 403); returning None keeps the usual refusal.
    """
    g.authorized_actions = getattr(g, "authorized_actions", set()) | {action}
    if can(current_user, action, obj):
        return
    if explain is not None and (explanation := explain(obj)) is not None:
        abort(explanation)
    if not current_user.is_authenticated:
        # Anonymous people are sent to log in, then brought back.
        abort(login_manager.unauthorized())
    abort(403)


def access(action: str, *, per_object: bool = False) -> Callable:
    if action not in known_actions():
        raise LookupError(f"no permission rule named {action!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not per_object:
                authorize(action)
                return view(*args, **kwargs)
            response = view(*args, **kwargs)
            if action not in getattr(g, "authorized_actions", set()):
                raise RuntimeError(f"{request.endpoint} declares {action!r} per object but never called authorize()")
            return response

        guarded.access_action = action  # type: ignore[attr-defined]
        guarded.access_per_object = per_object  # type: ignore[attr-defined]
        return guarded

    return decorate

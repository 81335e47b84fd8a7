"""The one base of every rule error: a service refuses an action with a French ``message`` for the
person, and ``field`` names the form field it concerns ("" when it concerns the whole action), so
that a route can put it next to that field (``app.forms.reject``) or flash it."""

from __future__ import annotations


class RuleError(Exception):
    """A rule refused the action. Every area derives its error from this one, same signature."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message

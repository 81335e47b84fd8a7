"""French plurals.

French is the source language: without a catalogue, gettext would apply English plural rules
("0 soutiens"). In French, 0 and 1 take the singular ("0 soutien", "1 soutien", "2 soutiens").
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_translations


def _plural(singular: str, plural: str, num: int) -> str:
    return get_translations().ugettext(singular if abs(num) < 2 else plural)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _plural(singular, plural, num) % variables


def install_french_plurals(app: Flask) -> None:
    # Same callables as Flask-Babel installs, newstyle (variables escaped), French plural rule.
    app.jinja_env.install_gettext_callables(
        lambda s: get_translations().ugettext(s),
        _plural,
        newstyle=True,
    )

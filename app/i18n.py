"""French plurals.

French is the source language: without a catalogue, gettext would apply English plural rules
("0 soutiens"). In French, 0 and 1 take the singular ("0 soutien", "1 soutien", "2 soutiens").
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import get_translations


def _translations():
    """Flask-Babel's catalogue for this request, looked up once: a page makes a couple of hundred
    translation calls, and each ``get_translations()`` walks the request and app contexts."""
    try:
        return g._tisser_translations
    except AttributeError:
        translations = g._tisser_translations = get_translations()
        return translations


def _gettext(string: str) -> str:
    return _translations().ugettext(string)


def _plural(singular: str, plural: str, num: int) -> str:
    return _translations().ugettext(singular if abs(num) < 2 else plural)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _plural(singular, plural, num) % variables


def install_french_plurals(app: Flask) -> None:
    # Same callables as Flask-Babel installs, newstyle (variables escaped), French plural rule.
    app.jinja_env.install_gettext_callables(
        _gettext,
        _plural,
        newstyle=True,
    )

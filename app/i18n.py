"""Languages: which one a request speaks, and the gettext callables templates use.

French is the source language (the msgids are French); ``translations/fr`` and ``translations/en``
are both compiled by the Makefile. The French catalogue mirrors the msgids (``make messages`` fills
it), so that French plurals follow its own rule ("0 soutien", "1 soutien", "2 soutiens") instead of
gettext's fallback, which is English's ("0 soutiens").

Which language: ``?lang=`` for that one page (the ``hreflang`` alternates point there), then the
person's choice remembered in the session (the switch in the footer), then their account's, then
French. Browsers' Accept-Language is not followed: the collectivity's public speaks French first, a
French public body publishes in French by default, and one page must not change language from one
computer to the next behind the reader's back (a switch on every page makes the other language one
click away).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

from flask import Flask, g, has_request_context, request, session
from flask_babel import force_locale, get_locale, get_translations
from flask_login import current_user

from app.urls import is_tracking

DEFAULT_LOCALE = "fr"
# Each language named in itself, as a switch must show it.
LOCALES = {"fr": "Français", "en": "English"}
SESSION_KEY = "locale"


def compile_catalogues() -> list[str]:
    """Compile each ``.po`` whose ``.mo`` is missing or older (the tests; ``make`` does it on install).
    Written beside and renamed, so that a reader never sees half a file."""
    import os

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from app.config import PROJECT_ROOT

    done = []
    for po in sorted((PROJECT_ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        with partial.open("wb") as f:
            write_mo(f, catalog)
        partial.replace(mo)
        done.append(str(mo))
    return done


def valid_locale(value: object) -> str | None:
    return value if isinstance(value, str) and value in LOCALES else None


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = valid_locale(request.args.get("lang")) or valid_locale(session.get(SESSION_KEY))
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated:
        return valid_locale(getattr(current_user, "locale", None)) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def current_locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


def remember_locale(locale: str) -> None:
    """The switch: this browser's session, and the account of the person signed in (their e-mails
    follow it)."""
    session[SESSION_KEY] = locale
    if current_user.is_authenticated and current_user.locale != locale:
        from app.extensions import db

        current_user.locale = locale
        db.session.commit()


def safe_next(target: str | None) -> str:
    """Where the switch sends back to: a path of this site only (never another host)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def page_in(locale: str | None) -> str:
    """This page's address in ``locale`` (``?lang=``), or without it (``None``: the default, for
    ``hreflang="x-default"``): the ``hreflang`` alternates, without tracking parameters (as the
    canonical address, app.feeds.meta)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang" and not is_tracking(key)]
    if locale:
        args.append(("lang", locale))
    return request.base_url + (f"?{urlencode(args)}" if args else "")


def back_here() -> str:
    """Where the language switch brings the reader back: this page, its ``?lang=`` left out."""
    if request.method != "GET":
        return request.path
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request.path + (f"?{urlencode(args)}" if args else "")


def switch_choices() -> list[tuple[str, str]]:
    """The languages the switch offers: every one but the page's, each named in itself."""
    here = current_locale()
    return [(code, name) for code, name in LOCALES.items() if code != here]


def _translations():
    """Flask-Babel's catalogue for this request, looked up once: a page makes a couple of hundred
    translation calls, and each ``get_translations()`` walks the request and app contexts."""
    try:
        return g._tisser_translations
    except AttributeError:
        translations = g._tisser_translations = get_translations()
        return translations


def forget_translations() -> None:
    """After ``force_locale`` (an e-mail in its recipient's language), the cached catalogue is stale."""
    g.pop("_tisser_translations", None)


@contextmanager
def in_locale(locale: str | None) -> Iterator[None]:
    """Speak ``locale`` for a moment (an e-mail in its recipient's language), French if unknown."""
    forget_translations()
    try:
        with force_locale(valid_locale(locale) or DEFAULT_LOCALE):
            yield
    finally:
        forget_translations()


def _gettext(string: str) -> str:
    return _translations().ugettext(string)


def _plural(singular: str, plural: str, num: int) -> str:
    return _translations().ungettext(singular, plural, num)


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _plural(singular, plural, num) % variables


def install_gettext(app: Flask) -> None:
    # Same callables as Flask-Babel installs, newstyle (variables escaped), read from the cached catalogue.
    app.jinja_env.install_gettext_callables(_gettext, _plural, newstyle=True)

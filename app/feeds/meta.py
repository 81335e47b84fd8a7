"""What a page tells search engines and link previews: its canonical address, its OpenGraph
locale, a short plain-text excerpt (template globals and filters, app/templating.py)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import request
from flask_babel import gettext as _

from app import identity
from app.i18n import DEFAULT_LOCALE, current_locale
from app.markdown import render_markdown
from app.urls import is_tracking, public_url

OG_LOCALES = {"fr": "fr_FR", "en": "en_GB"}
EXCERPT_CHARS = 200


def canonical_url() -> str:
    """This page's address without tracking parameters. The language is named only when the page
    is not in the default one: each language has its own address (its ``hreflang`` alternate), and
    the French page's is the ``x-default`` one, without ``?lang=``."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang" and not is_tracking(key)]
    locale = current_locale()
    if locale != DEFAULT_LOCALE and request.args.get("lang") == locale:
        args.append(("lang", locale))
    return request.base_url + (f"?{urlencode(args)}" if args else "")


def og_locale() -> str:
    return OG_LOCALES.get(current_locale(), "fr_FR")


# Anything shaped like a tag: a preview is plain text, and what an author typed as markup stays out of it.
_TAG_LIKE = re.compile(r"<[^<>]*>")


# Line breaks and runs of spaces, not the no-break spaces of "12 000 €" (str.split() would take those too).
_SPACES = re.compile(r"[ \t\n\r\f\v]+")


def one_line_text(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def excerpt(text: str | None, limit: int = EXCERPT_CHARS, *, markdown: bool = False) -> str:
    """``text`` as a link preview shows it: plain, on one line, cut at a word before ``limit``
    characters. ``markdown``: the text is read as rendered (no ``**`` nor link syntax)."""
    if markdown:
        text = render_markdown(text).striptags()
    text = one_line_text(_TAG_LIKE.sub(" ", text or ""))
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:.") + "…"


# --- The feeds a page offers ------------------------------------------------------------------

# What each scope offers: ideas belong to no call.
FEED_KINDS = {
    "platform": ("propositions", "idees", "resultats"),
    "call": ("propositions", "resultats"),
    "pole": ("propositions", "idees", "resultats"),
}


def _what(kind: str) -> str:
    return {
        "propositions": _("Nouvelles propositions"),
        "idees": _("Nouvelles idées"),
        "resultats": _("Résultats des appels à projets"),
    }[kind]


def feed_title(kind: str, call=None, pole=None) -> str:
    """A feed's name: its ``<title>``, and the ``title`` of the pages' ``<link rel="alternate">``."""
    what = _what(kind)
    if call is not None:
        return _("%(what)s : appel « %(call)s »", what=what, call=call.title)
    if pole is not None:
        unit = identity.current().unit.singular
        return _("%(what)s : %(unit)s %(pole)s", what=what, unit=unit, pole=pole.name)
    return what


def feed_links(*kinds: str, call=None, pole=None) -> list[tuple[str, str, str]]:
    """(full title, absolute URL, short name) of the feeds of a page's scope: those named, or all of
    that scope's. The short name is for the visible link: the page already says which call or unit."""
    if call is not None:
        scope, endpoint, values = "call", "feeds.call", {"slug": call.slug}
    elif pole is not None:
        scope, endpoint, values = "pole", "feeds.pole", {"slug": pole.slug}
    else:
        scope, endpoint, values = "platform", "feeds.platform", {}
    return [
        (feed_title(kind, call, pole), public_url(endpoint, kind=kind, **values), _what(kind))
        for kind in kinds or FEED_KINDS[scope]
    ]

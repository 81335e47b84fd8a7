"""Dates, numbers and amounts in the reader's language, used as Jinja filters.

The filters keep their first names (``date_fr``, ``datetime_fr``): every template uses them, and they
now follow the page's locale (``app.i18n``), French by default.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from babel import Locale
from babel.numbers import format_currency
from babel.numbers import format_decimal as babel_format_decimal
from flask_babel import format_date, format_datetime, get_locale, to_user_timezone
from markupsafe import Markup

NARROW_NBSP = "\u202f"


def _locale() -> Locale:
    return get_locale() or Locale.parse("fr")


def _french() -> bool:
    return _locale().language == "fr"


def euros(amount: int | float | None) -> str:
    """``1000000`` → ``1 000 000 €`` in French (narrow no-break space between thousands),
    ``€1,000,000`` in English; cents only when there are some."""
    if amount is None:
        return ""
    locale = _locale()
    pattern = locale.currency_formats["standard"].pattern
    if float(amount).is_integer():
        pattern = pattern.replace("0.00", "0")
    return format_currency(amount, "EUR", format=pattern, locale=locale, currency_digits=False)


def number(value: int | float | None) -> str:
    """``12345`` → ``12 345`` in French, ``12,345`` in English."""
    return "" if value is None else babel_format_decimal(value, locale=_locale())


def _day(value: date | datetime) -> str:
    """The day pattern: "1er" for the first of the month, as French writes it ("1er février")."""
    # A datetime is stored naive UTC and shown in Europe/Paris: its day is the one in Paris.
    day = to_user_timezone(value).day if isinstance(value, datetime) else value.day
    return "d'er'" if day == 1 and _french() else "d"


def date_fr(value: date | datetime | None) -> str:
    """``1er février 2026``; in English ``1 February 2026`` (day first, as British English writes it)."""
    return format_date(value, format=f"{_day(value)} MMMM y") if value else ""


def datetime_fr(value: datetime | None) -> str:
    """``1er février 2026 à 14h05``; in English ``1 February 2026 at 14:05``."""
    # Stored naive UTC; Flask-Babel shows it in Europe/Paris.
    if not value:
        return ""
    time = "'à' HH'h'mm" if _french() else "'at' HH:mm"
    return format_datetime(value, format=f"{_day(value)} MMMM y {time}")


def iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") + "Z" if value else ""


# French contracts a preposition with the article that starts a name: "de Les Petits Pas" is
# written "des Petits Pas", "à Le Relais" "au Relais". La and L' do not contract.
_VOWELS = frozenset("aâàeéèêëiîïoôuûùüyœæ")
_CONTRACTIONS = {
    "de": {"le": "du", "les": "des"},
    "à": {"le": "au", "les": "aux"},
}


def contract(preposition: str, name: str) -> str:
    """``contract("de", "Les Petits Pas")`` → ``"des Petits Pas"``; any other name is left as it is
    after the preposition (``"de La Ruche"``, ``"à Médoc Entraide"``), "de" elided before a vowel.
    In English the name alone: the English sentence has its own preposition ("on behalf of %(of_name)s")."""
    if not _french():
        return name
    first, _space, rest = name.partition(" ")
    merged = _CONTRACTIONS[preposition].get(first.lower())
    if merged and rest:
        return f"{merged} {rest}"
    # "de" elides before a vowel ("d'Épicerie solidaire"); before an h it depends on the word: left alone.
    if preposition == "de" and name[:1].lower() in _VOWELS:
        return f"d'{name}"
    return f"{preposition} {name}"


def de(name: str) -> str:
    return contract("de", name)


def a(name: str) -> str:
    return contract("à", name)


def paragraphs(text: str | None) -> Markup:
    """Plain text typed in a form (a legal notice's lines) as paragraphs: blank lines part them,
    line breaks stay; everything escaped."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n"))]
    return Markup("\n").join(
        Markup("<p>%s</p>") % Markup("<br>\n").join(block.split("\n")) for block in blocks if block
    )


FILTERS = {
    "paragraphs": paragraphs,
    "euros": euros,
    "number": number,
    "date_fr": date_fr,
    "datetime_fr": datetime_fr,
    "iso": iso,
    "de": de,
    "a": a,
}

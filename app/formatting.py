"""French formatting of dates and amounts, used as Jinja filters."""

from __future__ import annotations

import re
from datetime import date, datetime

from babel.numbers import format_decimal
from flask_babel import format_date, format_datetime, to_user_timezone
from markupsafe import Markup

NARROW_NBSP = "\u202f"


def euros(amount: int | float | None) -> str:
    """``1000000`` → ``1 000 000 €`` (narrow no-break space between thousands, as in French)."""
    if amount is None:
        return ""
    pattern = "#,##0" if float(amount).is_integer() else "#,##0.00"
    return f"{format_decimal(amount, format=pattern, locale='fr_FR')}\u00a0€"


def _day(value: date | datetime) -> str:
    """The day pattern: "1er" for the first of the month, as French writes it ("1er février")."""
    # A datetime is stored naive UTC and shown in Europe/Paris: its day is the one in Paris.
    day = to_user_timezone(value).day if isinstance(value, datetime) else value.day
    return "d'er'" if day == 1 else "d"


def date_fr(value: date | datetime | None) -> str:
    return format_date(value, format=f"{_day(value)} MMMM y") if value else ""


def datetime_fr(value: datetime | None) -> str:
    # Stored naive UTC; Flask-Babel shows it in Europe/Paris.
    return format_datetime(value, format=f"{_day(value)} MMMM y 'à' HH'h'mm") if value else ""


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
    after the preposition (``"de La Ruche"``, ``"à Médoc Entraide"``), "de" elided before a vowel."""
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
    "date_fr": date_fr,
    "datetime_fr": datetime_fr,
    "iso": iso,
    "de": de,
    "a": a,
}

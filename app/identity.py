"""The collectivity's identity, as every page and e-mail reads it.

``current()`` gives the ``Collectivity`` row as an immutable ``Identity`` (or neutral wording until
the row exists: a new collectivity must not see a demo's name). Every page shows it, so it is kept
per app process for ``CACHE_SECONDS`` (setting ``IDENTITY_CACHE_SECONDS``) rather than read on each
request: saving refreshes this process at once, other workers within the minute. Wording about
territorial units goes through ``Noun``, so that French sentences take the right article whatever
the collectivity calls them ("du pôle", "de la Maison", "de l'antenne").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from flask import current_app, g
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from app import identity_presets as presets
from app.extensions import db
from app.models.collectivity import AccessibilityStatus, Collectivity

CACHE_SECONDS = 60
_CACHE_KEY = "tisser_identity"
# French elides "le"/"la" before a vowel; a leading "h" is left alone (aspirated or not, it varies).
_VOWELS = frozenset("aeiouyàâäéèêëîïôöùûüœæ")


def _english() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "en"


def upper_first(text: str) -> str:
    """ "le pôle" -> "Le pôle", leaving the rest as written (unlike ``str.capitalize``)."""
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Noun:
    """A French noun with the articles sentences need: ``the`` ("le pôle", "la Maison",
    "l'antenne"), ``of_the`` ("du pôle"), ``to_the`` ("au pôle"), ``a`` ("un pôle")..."""

    singular: str
    plural: str
    feminine: bool

    def __str__(self) -> str:
        return self.singular

    @property
    def _elided(self) -> bool:
        return self.singular[:1].lower() in _VOWELS

    # In English the same phrases without French articles, each with the preposition its French form
    # carries, as the English catalogue reads them ("sent %(to_unit)s"): "the pôle", "of the pôle",
    # "to the pôle", "a pôle"; a proper name takes no article ("of Métropole X").
    def _en(self, noun: str) -> str:
        return noun if noun[:1].isupper() else f"the {noun}"

    @property
    def the(self) -> str:
        if _english():
            return self._en(self.singular)
        return f"l'{self.singular}" if self._elided else f"{'la' if self.feminine else 'le'} {self.singular}"

    @property
    def of_the(self) -> str:
        if _english():
            return f"of {self._en(self.singular)}"
        return f"de {self.the}" if self._elided or self.feminine else f"du {self.singular}"

    @property
    def to_the(self) -> str:
        if _english():
            return f"to {self._en(self.singular)}"
        return f"à {self.the}" if self._elided or self.feminine else f"au {self.singular}"

    @property
    def a(self) -> str:
        if _english():
            return f"{'an' if self.singular[:1].lower() in 'aeiou' else 'a'} {self.singular}"
        return f"{'une' if self.feminine else 'un'} {self.singular}"

    @property
    def of_a(self) -> str:
        """ "d'un pôle", "d'une Maison"; "of a pôle"."""
        return f"of {self.a}" if _english() else f"d'{self.a}"

    @property
    def one_of_the_plural(self) -> str:
        """ "l'un des pôles", "l'une des Maisons"."""
        if _english():
            return f"one of {self._en(self.plural)}"
        return ("l'une" if self.feminine else "l'un") + f" des {self.plural}"

    @property
    def the_plural(self) -> str:
        return self._en(self.plural) if _english() else f"les {self.plural}"

    @property
    def of_the_plural(self) -> str:
        return f"of {self._en(self.plural)}" if _english() else f"des {self.plural}"

    @property
    def all_the_plural(self) -> str:
        if _english():
            return f"all {self._en(self.plural)}"
        return f"{'toutes' if self.feminine else 'tous'} les {self.plural}"


@dataclass(frozen=True)
class Identity:
    name: str
    name_feminine: bool
    platform_name: str
    tagline: str
    unit_singular: str
    unit_plural: str
    unit_short: str
    unit_short_plural: str
    unit_feminine: bool
    contact_email: str
    dpo_contact: str
    legal_publisher: str
    legal_host: str
    accessibility_status: AccessibilityStatus
    accessibility_details: str
    accessibility_date: date | None
    data_licence: str = "etalab-2.0"
    # The SCDL subsidies file's granting authority (app.scdl); a preset may leave them out.
    grant_authority_name: str = ""
    siret: str = ""

    @classmethod
    def of(cls, values: Any) -> Identity:
        """From a ``Collectivity`` row or a preset's dict."""
        if isinstance(values, dict):
            return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})
        return cls(**{f.name: getattr(values, f.name) for f in fields(cls)})

    @property
    def collectivity(self) -> Noun:
        """For sentences: "le Département", "la Métropole", "l'Eurométropole"."""
        return Noun(self.name, self.name, self.name_feminine)

    @property
    def unit(self) -> Noun:
        """The short form, in running text and before a unit's name: "le pôle Médoc"."""
        return Noun(self.unit_short, self.unit_short_plural, self.unit_feminine)

    @property
    def unit_full(self) -> Noun:
        """The full name: "une Maison de la Métropole pour les solidarités"."""
        return Noun(self.unit_singular, self.unit_plural, self.unit_feminine)


DEFAULT = Identity.of(presets.DEFAULT)

# Tisser's own wording among the values (``presets.N_``): translated while a collectivity keeps it.
OWN_WORDING = frozenset(presets.OWN_WORDING)


def _in_reader_language(value: Identity) -> Identity:
    """The identity as this page shows it: Tisser's own wording translated, the collectivity's as typed."""
    locale = get_locale()
    if locale is None or locale.language == "fr":
        return value
    # Once per page and language (templates read the identity many times).
    shown = g.get("_identity_shown")
    if shown is not None and shown[0] is value and shown[1] == locale.language:
        return shown[2]
    changes = {
        f.name: _(getattr(value, f.name))
        for f in fields(Identity)
        if isinstance(getattr(value, f.name), str) and getattr(value, f.name) in OWN_WORDING
    }
    result = replace(value, **changes) if changes else value
    g._identity_shown = (value, locale.language, result)
    return result


def fallback() -> dict:
    """The values shown until the collectivity's row exists: the neutral ones, or a preset's when the
    setting ``IDENTITY_FALLBACK_PRESET`` names one (the tests run on the first preset's wording)."""
    name = current_app.config.get("IDENTITY_FALLBACK_PRESET")
    return presets.PRESETS[name] if name else presets.DEFAULT


def _cache() -> dict:
    return current_app.extensions.setdefault(_CACHE_KEY, {})


def current() -> Identity:
    """The identity for this request: one query per process and minute, the same all request long."""
    if "identity" in g:
        return _in_reader_language(g.identity)
    cache = _cache()
    now = time.monotonic()
    if "value" not in cache or now - cache["loaded_at"] > current_app.config.get(
        "IDENTITY_CACHE_SECONDS", CACHE_SECONDS
    ):
        row = db.session.scalar(select(Collectivity).order_by(Collectivity.id).limit(1))
        cache["value"] = Identity.of(row if row is not None else fallback())
        cache["loaded_at"] = now
    g.identity = cache["value"]
    return _in_reader_language(g.identity)


def forget() -> None:
    """Read the row again on next use (after a save, or a test emptying the tables)."""
    _cache().clear()
    g.pop("identity", None)


def save(values: dict) -> Collectivity:
    """Write the identity (creating the one row if needed) and use it at once in this process."""
    row = db.session.scalar(select(Collectivity).order_by(Collectivity.id).limit(1))
    if row is None:
        row = Collectivity(**{**fallback(), **values})
        db.session.add(row)
    else:
        for name, value in values.items():
            setattr(row, name, value)
    db.session.commit()
    forget()
    return row


def load_preset(name: str) -> Collectivity:
    """Give an instance a preset's identity (the demo loaders); one already set up keeps its own,
    as loading the demo again must not undo what its administrators changed."""
    row = db.session.scalar(select(Collectivity).order_by(Collectivity.id).limit(1))
    return row if row is not None else save(dict(presets.PRESETS[name]))


def lazy(text: Callable[[Identity], str]) -> LazyString:
    """A form label or message built from the identity when shown, not when the module loads:
    ``lazy(lambda i: _("Choisissez parmi %(units)s…", units=i.unit.the_plural))``."""
    return LazyString(lambda: text(current()))

"""Public names (display names, association names) that cannot pass for the staff.

"Administration Tisser" written with a zero-width space, a Cyrillic "А" or a right-to-left
override looks exactly like the real thing. A name is therefore normalised (NFKC), refused when
it holds invisible or bidirectional control characters, and compared with the reserved names
through a *skeleton*: case, accents and lookalike letters folded away (Unicode TR39's
confusables, from the ``confusable-homoglyphs`` package).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from confusable_homoglyphs.utils import load as load_confusables
from flask_babel import gettext as _
from sqlalchemy import select

from app import identity
from app.extensions import db
from app.text import BIDI_CONTROLS, one_line

# Words that name the platform's staff, whatever the case, accents or lookalike letters. The
# poles' names are reserved too, read from the database (see ``reserved_phrases``).
RESERVED_WORDS = (
    "administration",
    "administrateur",
    "administratrice",
    "admin",
    "moderation",
    "moderateur",
    "moderatrice",
    "tisser",
)

# Default-ignorable code points that are letters or marks, not "format" characters: they render
# as nothing (Hangul fillers, the combining grapheme joiner, variation selectors...).
_IGNORABLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")


def normalize_name(value):
    """The WTForms filter of public names: NFKC (so "Ａｄｍｉｎ" is "Admin"), one line, single spaces."""
    if not isinstance(value, str):
        return value
    return " ".join(one_line(unicodedata.normalize("NFKC", value)).split())


def has_invisible(name: str) -> bool:
    """Zero-width, format, bidirectional control, private-use or unassigned characters."""
    return any(
        ch in BIDI_CONTROLS or unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"} for ch in name
    ) or bool(_IGNORABLE.search(name))


@cache
def _prototypes() -> dict[str, str]:
    """Each confusable character → the one character standing for its whole class."""
    data = load_confusables("confusables.json")
    table = {}
    for char, glyphs in data.items():
        singles = [g["c"] for g in glyphs if len(g["c"]) == 1]
        if len(char) != 1 or len(singles) != 1:
            continue  # a prototype (many lookalikes), or a sequence
        target = singles[0]
        # Two characters pointing at each other: the smaller one stands for both.
        back = [g["c"] for g in data.get(target, []) if len(g["c"]) == 1]
        table[char] = min(char, target) if back == [char] else target
    return table


def skeleton(text: str) -> str:
    """What ``text`` looks like: NFKC, case folded, lookalikes mapped to one letter, accents
    and everything but letters and digits dropped, words separated by one space."""
    prototypes = _prototypes()
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf" and ch not in BIDI_CONTROLS)
    folded = unicodedata.normalize("NFKC", _IGNORABLE.sub("", visible)).casefold()
    mapped = "".join(prototypes.get(ch, ch) for ch in folded).casefold()
    bare = "".join(ch for ch in unicodedata.normalize("NFD", mapped) if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", bare))


def _reserved() -> tuple[list[str], set[str]]:
    """Skeletons of the reserved phrases (found anywhere in a name, as whole words) and of the
    poles' names (refused as a whole name). One query."""
    from app.models import Pole

    poles = list(db.session.scalars(select(Pole.name)))
    phrases = [*RESERVED_WORDS, *(f"{prefix} {name}" for name in poles for prefix in ("pole", "pts"))]
    return [skeleton(p) for p in phrases], {skeleton(name) for name in poles}


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a public name (a French sentence), or None."""
    if has_invisible(name):
        return _("Ce nom contient des caractères invisibles ou de contrôle : retirez-les.")
    bones = skeleton(name)
    phrases, poles = _reserved()
    if bones in poles or any(f" {phrase} " in f" {bones} " for phrase in phrases):
        unit = identity.current().unit
        return _(
            "Ce nom est réservé à l'équipe de Tisser et %(to_units)s "
            "(« Administration », « Modération », « Tisser », noms %(of_units)s…) : choisissez-en un autre.",
            to_units=f"aux {unit.plural}",
            of_units=unit.of_the_plural,
        )
    return None


def validate_public_name(form, field) -> None:
    """WTForms validator of display names and association names."""
    from wtforms.validators import ValidationError

    problem = name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)

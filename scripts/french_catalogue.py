"""Fill the French catalogue from its msgids (French is the source language), after ``pybabel update``.

A French entry left empty would fall back to gettext's English plural rule ("0 soutiens"): with
every msgstr filled (and the fuzzy guesses ``pybabel update`` makes replaced by the msgid), French
plurals follow the catalogue's own rule (n > 1). An msgstr already different from its msgid (a French
wording corrected without touching the code) is kept.
Usage: python scripts/french_catalogue.py translations/fr/LC_MESSAGES/messages.po
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def fill(path: str) -> int:
    with open(path, "rb") as f:
        catalog = read_po(f, locale="fr")
    # The msgids have two forms; CLDR gives French a third one for millions ("1 000 000 de soutiens"),
    # which no msgid carries: the classic gettext rule for French, 0 and 1 singular.
    catalog._num_plurals, catalog._plural_expr = 2, "(n > 1)"
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        # A fuzzy entry holds the French of a neighbouring msgid: the msgid itself is right.
        stale = message.fuzzy
        message.flags.discard("fuzzy")
        if isinstance(message.id, (list, tuple)):
            if stale or not all(message.string or ()):
                message.string = (message.id[0], message.id[1])
                filled += 1
        elif stale or not message.string:
            message.string = message.id
            filled += 1
    with open(path, "wb") as f:
        write_po(f, catalog)  # pybabel update's own layout: make messages leaves small diffs
    return filled


if __name__ == "__main__":
    for po in sys.argv[1:]:
        print(f"{po}: {fill(po)} entr(y/ies) filled from the msgid")

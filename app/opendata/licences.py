"""The licences a collectivity may publish its data under (a setting of the identity form)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT = "etalab-2.0"


@dataclass(frozen=True)
class Licence:
    key: str
    name: str
    url: str


# Proper names: the licences are called so in every language.
LICENCES = {
    licence.key: licence
    for licence in (
        # The one French public bodies are advised to use (décret n° 2017-638).
        Licence(
            DEFAULT,
            "Licence Ouverte / Open Licence 2.0 (Etalab)",
            "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
        ),
        # Share-alike: whoever reuses the data publishes their improvements under the same terms.
        Licence("odbl-1.0", "Open Database License (ODbL) 1.0", "https://opendatacommons.org/licenses/odbl/1-0/"),
    )
}


def licence(key: str | None) -> Licence:
    """The licence named ``key``; the default one for anything unknown (a row older than the setting)."""
    return LICENCES.get(key or DEFAULT, LICENCES[DEFAULT])

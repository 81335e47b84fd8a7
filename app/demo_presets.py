"""The demo presets, one loader per collectivity (its own module), chosen by ``flask demo load --preset``
and ``make run DEMO=...``; apart from the loaders so that they may share app.demo's helpers."""

from __future__ import annotations

from collections.abc import Callable

from app import identity
from app.demo import DemoAccount, demo_accounts, load_demo
from app.demo_lyon import load_lyon, lyon_accounts
from app.errors import RuleError

# --- Presets ---------------------------------------------------------------------------------------
# One loader per collectivity, chosen by ``flask demo load --preset`` and ``make run DEMO=...``.
# Each is idempotent and runs on its own database (the Makefile gives each preset its own file).
# A new collectivity is one entry here, with its demo accounts.


PRESETS: dict[str, Callable[[], None]] = {"gironde": load_demo, "lyon": load_lyon}
ACCOUNTS: dict[str, Callable[[], list[DemoAccount]]] = {"gironde": demo_accounts, "lyon": lyon_accounts}
DEFAULT_PRESET = "gironde"


def loaded_preset() -> str:
    """The preset this database holds, known by its collectivity's name (the demo's own database)."""
    from app import identity_presets

    name = identity.current().name
    return next((key for key, values in identity_presets.PRESETS.items() if values["name"] == name), DEFAULT_PRESET)


class UnknownPreset(RuleError):
    """``flask demo load --preset`` named no preset of PRESETS."""


def load_preset(name: str = DEFAULT_PRESET) -> None:
    loader = PRESETS.get(name.strip().lower())
    if loader is None:
        known = ", ".join(sorted(PRESETS))
        raise UnknownPreset(f"Préréglage de démonstration inconnu : « {name} ». Disponibles : {known}.", "preset")
    loader()

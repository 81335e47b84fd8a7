"""Each preset's identity, the values of ``Collectivity`` (see ``app.identity``): with app/demo.py and
app/seed.py, the only place in app/ that names a collectivity."""

from __future__ import annotations

from datetime import date

from app.models.collectivity import AccessibilityStatus

# Tisser's own wording among the identity's values (marked with ``N_``).
OWN_WORDING: set[str] = set()


def N_(text: str) -> str:
    """Marks Tisser's own wording: extracted into the catalogues (``make messages``) and shown
    translated while a collectivity keeps it (``app.identity``); what a collectivity types instead is
    its data, shown as typed."""
    OWN_WORDING.add(text)
    return text


_NO_AUDIT = N_(
    "Aucun audit de conformité RGAA n'a encore été réalisé : en l'absence d'audit, le site ne peut être déclaré "
    "ni totalement ni partiellement conforme."
)
_TAGLINE = N_("innovation sociale, ensemble")

GIRONDE = {
    "name": "Département de la Gironde",
    "name_feminine": False,
    "platform_name": "Tisser",
    "tagline": _TAGLINE,
    "unit_singular": "Pôle territorial de solidarité",
    "unit_plural": "Pôles territoriaux de solidarité",
    "unit_short": "pôle",
    "unit_short_plural": "pôles",
    "unit_feminine": False,
    "contact_email": "",
    "dpo_contact": "",
    "legal_publisher": (
        "Cette instance de démonstration de Tisser présente des données fictives inspirées de l'appel à projets "
        "« Soutien à l'expérimentation et à l'innovation sociale » du Département de la Gironde. Elle n'est pas "
        "un service officiel du Département."
    ),
    "legal_host": "",
    "accessibility_status": AccessibilityStatus.NONE,
    "accessibility_details": _NO_AUDIT,
    "accessibility_date": date(2026, 11, 23),
    "data_licence": "etalab-2.0",
}

LYON = {
    "name": "Métropole de Lyon",
    "name_feminine": True,
    "platform_name": "Tisser",
    "tagline": _TAGLINE,
    "unit_singular": "Maison de la Métropole pour les solidarités",
    "unit_plural": "Maisons de la Métropole pour les solidarités",
    "unit_short": "Maison",
    "unit_short_plural": "Maisons",
    "unit_feminine": True,
    "contact_email": "",
    "dpo_contact": "",
    "legal_publisher": (
        "Cette instance de démonstration de Tisser présente des données fictives inspirées du fonds d'innovation "
        "sociale de la Métropole de Lyon. Elle n'est pas un service officiel de la Métropole."
    ),
    "legal_host": "",
    "accessibility_status": AccessibilityStatus.NONE,
    "accessibility_details": _NO_AUDIT,
    "accessibility_date": date(2026, 11, 23),
    "data_licence": "etalab-2.0",
}

# What a new instance says until its administrators set up their collectivity: nobody's name, so that
# a collectivity starting from an empty database never sees another one's identity on its pages.
NEUTRAL = {
    # Read in sentences through its article: "proposé par la collectivité".
    "name": N_("collectivité"),
    "name_feminine": True,
    "platform_name": N_("Plateforme participative"),
    "tagline": _TAGLINE,
    "unit_singular": N_("unité territoriale"),
    "unit_plural": N_("unités territoriales"),
    "unit_short": N_("unité"),
    "unit_short_plural": N_("unités"),
    "unit_feminine": True,
    "contact_email": "",
    "dpo_contact": "",
    "legal_publisher": "",
    "legal_host": "",
    "accessibility_status": AccessibilityStatus.NONE,
    "accessibility_details": _NO_AUDIT,
    "accessibility_date": None,
    "data_licence": "etalab-2.0",
}

PRESETS = {"gironde": GIRONDE, "lyon": LYON}
DEFAULT = NEUTRAL

"""What the SCDL file needs of a grant and no other data says: the decision act's reference and
date, the purpose, the nature, the payment conditions and dates, the EU notification. Entered by the
administrator with the decision (app.calls.decisions.decide), checked here with the schema's rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import RuleError

# The schema's enum for ``nature``, as written in the file (French is the format's own vocabulary).
NATURES = {
    "aide en numéraire": _l("En numéraire (versement d'argent)"),
    "aide en nature": _l("En nature (locaux, matériel, personnel)"),
    "aide en numéraire;aide en nature": _l("Les deux"),
}
DEFAULT_NATURE = "aide en numéraire"
DEFAULT_CONDITIONS = "unique"
# ``datesPeriodeVersement``: a date, or a period "start/end".
PAYMENT_DATES = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(/[0-9]{4}-[0-9]{2}-[0-9]{2})?$")
TEXT_MAX = 256
REFERENCE_MAX = 60


class TermsError(RuleError):
    """A grant's SCDL terms are missing or do not fit the format."""


@dataclass(frozen=True)
class GrantTerms:
    reference: str = ""
    convention_date: date | None = None
    purpose: str = ""
    nature: str = DEFAULT_NATURE
    conditions: str = DEFAULT_CONDITIONS
    payment_dates: str = ""
    eu_notified: bool = False


def normalize_payment_dates(value: str) -> str:
    """``2026-03-01`` or ``2026-03-01/2026-12-31``; each date must exist and a period run forward."""
    value = re.sub(r"\s+", "", value or "")
    if not value:
        raise TermsError(
            _("Indiquez la date du versement (AAAA-MM-JJ) ou sa période (AAAA-MM-JJ/AAAA-MM-JJ)."), "payment_dates"
        )
    wrong = _(
        "« %(value)s » n'est ni une date AAAA-MM-JJ ni une période AAAA-MM-JJ/AAAA-MM-JJ "
        "(exemple : 2026-03-01/2026-12-31).",
        value=value,
    )
    if not PAYMENT_DATES.match(value):
        raise TermsError(wrong, "payment_dates")
    try:
        days = [date.fromisoformat(part) for part in value.split("/")]
    except ValueError:
        raise TermsError(wrong, "payment_dates") from None
    if len(days) == 2 and days[1] < days[0]:
        raise TermsError(_("La période de versement finit avant de commencer."), "payment_dates")
    return value


def check(terms: GrantTerms) -> GrantTerms:
    """The terms as stored, or a ``TermsError`` naming the first field to correct."""
    reference = (terms.reference or "").strip()
    if not reference:
        raise TermsError(_("Indiquez la référence de l'acte de décision (exemple : 2026-03-103)."), "reference")
    if len(reference) > REFERENCE_MAX:
        raise TermsError(_("%(num)d caractères au plus.", num=REFERENCE_MAX), "reference")
    if terms.convention_date is None:
        raise TermsError(_("Indiquez la date de la convention ou de la décision."), "convention_date")
    purpose = (terms.purpose or "").strip()
    if not purpose:
        raise TermsError(_("Indiquez l'objet de la subvention."), "purpose")
    if len(purpose) > TEXT_MAX:
        raise TermsError(_("%(num)d caractères au plus.", num=TEXT_MAX), "purpose")
    if terms.nature not in NATURES:
        raise TermsError(_("Choisissez la nature de l'aide."), "nature")
    conditions = (terms.conditions or "").strip()
    if not conditions:
        raise TermsError(
            _("Indiquez les conditions de versement : « unique », « échelonné » ou une description."), "conditions"
        )
    if len(conditions) > TEXT_MAX:
        raise TermsError(_("%(num)d caractères au plus.", num=TEXT_MAX), "conditions")
    return GrantTerms(
        reference=reference,
        convention_date=terms.convention_date,
        purpose=purpose,
        nature=terms.nature,
        conditions=conditions,
        payment_dates=normalize_payment_dates(terms.payment_dates),
        eu_notified=bool(terms.eu_notified),
    )

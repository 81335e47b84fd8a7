"""French formatting of dates and amounts, used as Jinja filters."""

from __future__ import annotations

from datetime import datetime

from babel.numbers import format_decimal
from flask_babel import format_date, format_datetime

NARROW_NBSP = "\u202f"


def euros(amount: int | float | None) -> str:
    """``1000000`` → ``1 000 000 €`` (narrow no-break space between thousands, as in French)."""
    if amount is None:
        return ""
    pattern = "#,##0" if float(amount).is_integer() else "#,##0.00"
    return f"{format_decimal(amount, format=pattern, locale='fr_FR')}\u00a0€"


def date_fr(value: datetime | None) -> str:
    return format_date(value, format="long") if value else ""


def datetime_fr(value: datetime | None) -> str:
    # Stored naive UTC; Flask-Babel shows it in Europe/Paris.
    return format_datetime(value, format="d MMMM y 'à' HH'h'mm") if value else ""


def iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") + "Z" if value else ""


FILTERS = {"euros": euros, "date_fr": date_fr, "datetime_fr": datetime_fr, "iso": iso}

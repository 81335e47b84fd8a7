"""Whole numbers that come from outside: URL segments, query strings, form fields.

An id typed in a URL or a form is compared with a database column. SQLite refuses any Python
integer beyond 2^63 - 1 (``OverflowError``, a 500) and PostgreSQL's ``integer`` columns stop at
2^31 - 1, so a number outside the columns' range is read as "no such thing" before it reaches the
database: by the ``int`` URL converter (a 404) and by ``int_value`` (``None``, which the views
already treat as absent). Every ``int`` read from a request goes through here, nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest value of an ``Integer`` column on PostgreSQL (int4): no id can be larger.
MAX_ID = 2**31 - 1
# Lists are never that long; a page beyond the last one shows the last page's emptiness.
MAX_PAGE = 10_000

# ASCII digits only: int() would also accept "٣", "1_000" and surrounding spaces.
_DIGITS = re.compile(r"[0-9]{1,12}", re.ASCII)
_ALL_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` with a maximum by default: a longer number does not match the route (404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int = MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_converters(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter


def parse_int(raw: Any, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``raw`` as a whole number within [minimum, maximum], or None (not a number, out of range)."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def int_value(values: Mapping[str, Any] | None, name: str, default: int | None = None, **bounds: int) -> int | None:
    """The parameter ``name`` of request.args, request.form or request.values as a bounded integer;
    ``default`` when it is missing, not a number or out of range."""
    if not values:
        return default
    value = parse_int(values.get(name), **bounds)
    return default if value is None else value


def page_value(values: Mapping[str, Any] | None, name: str = "page") -> int:
    """A page number clamped to 1..MAX_PAGE: a huge page is the last allowed one, nonsense is the first."""
    text = str((values or {}).get(name) or "").strip()
    if not _ALL_DIGITS.fullmatch(text):
        return 1
    # Never int() a long string: Python refuses more than 4300 digits (a ValueError, a 500).
    return MAX_PAGE if len(text) > len(str(MAX_PAGE)) else max(1, min(int(text), MAX_PAGE))

"""Values that come from outside: URL segments, query strings, form fields.

Text: no NUL character ever reaches a view. Nobody types one, and PostgreSQL's text columns refuse
it (a DataError, a 500): NUL is dropped from query and form values (``Request``), and a path
segment holding a control character matches no route (``TextConverter``, a 404).

Whole numbers: an id typed in a URL or a form is compared with a database column. SQLite refuses any Python
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
from flask import Request as FlaskRequest
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter
from werkzeug.utils import cached_property

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


class TextConverter(UnicodeConverter):
    """``<slug>``, ``<token>``...: any text but a slash or a control character (NUL included)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        super().__init__(map, *args, **kwargs)
        # Werkzeug builds "[^/]{min,max}" from the length arguments: keep them, exclude controls.
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]")


def _without_nul(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True) if isinstance(value, str)):
        return values
    return ImmutableMultiDict(
        [
            (k.replace("\x00", ""), v.replace("\x00", "") if isinstance(v, str) else v)
            for k, v in values.items(multi=True)
        ]
    )


class Request(FlaskRequest):
    """Query and form values without NUL characters (``values`` combines the two)."""

    @cached_property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        return _without_nul(FlaskRequest.args.fget(self))

    def _load_form_data(self) -> None:
        super()._load_form_data()
        self.__dict__["form"] = _without_nul(self.__dict__["form"])


def register_converters(app: Flask) -> None:
    app.request_class = Request
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter


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

"""Helpers shared by the models."""

import enum
from datetime import UTC, datetime
from typing import Any, TypeVar


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL, shown in Europe/Paris."""
    return datetime.now(UTC).replace(tzinfo=None)


class LabelledEnum(enum.StrEnum):
    """A value stored as text and shown with a French label, attached by ``labels()``."""

    @property
    def label(self) -> str:
        return str(type(self)._labels[self])  # type: ignore[attr-defined]


E = TypeVar("E", bound=LabelledEnum)


def labels(enum_class: type[E], mapping: dict[E, Any]) -> dict[E, Any]:
    """Attach the labels (lazy translations) to ``enum_class`` and return them, for forms and
    filters. Every member needs one: a value added without its label fails at start-up."""
    missing = [member.name for member in enum_class if member not in mapping]
    if missing:
        raise LookupError(f"{enum_class.__name__}: no label for {', '.join(missing)}")
    enum_class._labels = mapping  # type: ignore[attr-defined]
    return mapping

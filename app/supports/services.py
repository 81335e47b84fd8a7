"""Support rules. (Skeleton: the supports work fills it in.)"""

from __future__ import annotations

from typing import Any

from app.subjects import Subject


def support_context(subject: Subject, user: Any) -> dict:
    """Everything templates/supports/_button.html needs (one query at most)."""
    return {"supported": False}

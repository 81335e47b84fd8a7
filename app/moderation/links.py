"""The "Signaler" link beside what people wrote, and the way back from the audit log to content.

Plain helpers of an item that templates call (registered in app/templating.py).
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from app.moderation import contestations
from app.moderation.services import is_own
from app.permissions import can
from app.subjects import url_of_item, word_of


def report_slot_id(item: Any) -> str:
    """Where the report form opens in the page, under the item."""
    return f"signaler-{word_of(item)}-{item.id}"


def report_url(item: Any) -> str:
    return url_for("moderation.report", word=word_of(item), item_id=item.id)


def contest_url(item: Any) -> str:
    return url_for("moderation.contest", word=word_of(item), item_id=item.id)


def contestation_of(item: Any):
    """The contestation of the decision hiding ``item`` (asked only on its author's notice)."""
    return contestations.of_item(item)


def suspension_contestation(user: Any):
    return contestations.of_suspension(user)


def show_report_link(user: Any, item: Any) -> bool:
    """Active people see "Signaler" on what others wrote and is still visible."""
    return (
        can(user, "content.report", item)
        and item.hidden_at is None
        and getattr(item, "deleted_at", None) is None
        and not is_own(user, item)
    )


def entry_url(entry: Any) -> str:
    """An audit-log entry's item, in its context."""
    return url_of_item(entry.item)


def audit_target_url(entry: Any) -> str | None:
    """Where an audit entry's line leads: the content in its context, or the account."""
    if entry.target_id is None:
        return None
    if entry.target_kind in ("idea", "proposal", "comment"):
        return url_for("moderation.content", kind=entry.target_kind, item_id=entry.target_id)
    if entry.target_kind == "user":
        return url_for("moderation.account", user_id=entry.target_id)
    return None

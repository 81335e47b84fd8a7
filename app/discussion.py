"""What an idea or proposal page shows around its content: supports and the discussion."""

from __future__ import annotations

from flask_login import current_user

from app.comments.services import thread_context
from app.subjects import Subject
from app.supports.services import support_context


def participation_context(subject: Subject) -> dict:
    return {"subject": subject, **support_context(subject, current_user), **thread_context(subject, current_user)}

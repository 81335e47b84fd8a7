"""What an idea or proposal page shows around its content: supports and the discussion."""

from __future__ import annotations

from flask_login import current_user

from app.comments.services import thread_context
from app.follows.services import is_following
from app.subjects import Subject, slug_of
from app.supports.services import support_context


def participation_context(subject: Subject) -> dict:
    return {
        "subject": subject,
        **support_context(subject, current_user),
        **thread_context(subject, current_user),
        "following": is_following(current_user.id, subject),
        "follow_slug": slug_of(subject),
    }

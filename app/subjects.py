"""Ideas and proposals are both "subjects" people discuss and support; one place maps between
the URL word, the model and the foreign-key column."""

from __future__ import annotations

from typing import Any

from flask import abort, url_for
from sqlalchemy.orm import lazyload

from app.extensions import db
from app.models import Idea, Proposal

Subject = Idea | Proposal

# The word used in URLs for each kind of subject.
SLUGS: dict[str, type[Idea] | type[Proposal]] = {"idees": Idea, "propositions": Proposal}


def load_subject(slug: str, subject_id: int) -> Subject:
    model = SLUGS.get(slug)
    if model is None:
        abort(404)
    # One subject, not a list: its co-authors are read only if a permission asks (a resident's
    # support or comment never does), instead of with every load.
    options = [lazyload(Proposal.coauthorships)] if model is Proposal else []
    return db.get_or_404(model, subject_id, options=options)


def slug_of(subject: Subject) -> str:
    return "idees" if isinstance(subject, Idea) else "propositions"


def url_of(subject: Subject, **kwargs: Any) -> str:
    if isinstance(subject, Idea):
        return url_for("ideas.detail", idea_id=subject.id, **kwargs)
    return url_for("proposals.detail", proposal_id=subject.id, **kwargs)


def subject_column(model: Any, subject: Subject) -> Any:
    """``Comment.idea_id == 3`` or ``Support.proposal_id == 5``: the filter for one subject."""
    column = model.idea_id if isinstance(subject, Idea) else model.proposal_id
    return column == subject.id


def subject_fk(subject: Subject) -> dict[str, int]:
    """Keyword arguments that attach a new row (comment, support) to its subject."""
    return {"idea_id": subject.id} if isinstance(subject, Idea) else {"proposal_id": subject.id}

"""The kinds of content moderation deals with, and the words that name them in URLs. Which poles
an item belongs to is a fact about the models: see app.models.pole_scope."""

from __future__ import annotations

from typing import Any

from app.models import Comment, Idea, Proposal

KINDS: dict[str, type] = {"idea": Idea, "proposal": Proposal, "comment": Comment}
# The word used in URLs for each kind.
URL_KINDS = {"idee": "idea", "proposition": "proposal", "commentaire": "comment"}
KIND_WORDS = {v: k for k, v in URL_KINDS.items()}


def kind_of(item: Any) -> str:
    return "comment" if isinstance(item, Comment) else item.kind

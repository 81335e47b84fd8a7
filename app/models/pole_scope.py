"""Which poles a content item belongs to: an idea its pole, a proposal its poles, a comment its
subject's. A fact about the models that the permission registry (who moderates what), moderation
and accompaniment all read. Read once per request and item (kept in ``g``)."""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context
from sqlalchemy import select

from app.extensions import db
from app.models.accounts import PoleRole, PoleRoleKind, User
from app.models.participation import Comment, Idea, Proposal, proposal_poles


def _cache() -> dict:
    return g.setdefault("moderation_poles", {}) if has_app_context() else {}


def proposal_pole_ids(proposal_id: int) -> frozenset[int]:
    cache = _cache()
    key = ("proposal", proposal_id)
    if key not in cache:
        cache[key] = frozenset(
            db.session.scalars(select(proposal_poles.c.pole_id).where(proposal_poles.c.proposal_id == proposal_id))
        )
    return cache[key]


def idea_pole_id(idea_id: int) -> int | None:
    cache = _cache()
    key = ("idea", idea_id)
    if key not in cache:
        cache[key] = db.session.scalar(select(Idea.pole_id).where(Idea.id == idea_id))
    return cache[key]


def poles_of(item: Any) -> frozenset[int]:
    if isinstance(item, Idea):
        return frozenset({item.pole_id})
    if isinstance(item, Proposal):
        return proposal_pole_ids(item.id)
    if item.idea_id is not None:
        pole_id = idea_pole_id(item.idea_id)
        return frozenset({pole_id} if pole_id else ())
    return proposal_pole_ids(item.proposal_id)


def forget_poles() -> None:
    _cache().clear()


def participation_pole_ids(user_id: int) -> frozenset[int]:
    """The poles where this person took part: their ideas, their proposals, what they commented
    on. A pole's moderators look after these accounts, not those of other poles. One query."""
    ideas = select(Idea.pole_id).where(Idea.author_id == user_id)
    idea_comments = select(Idea.pole_id).join(Comment, Comment.idea_id == Idea.id).where(Comment.author_id == user_id)
    proposals = (
        select(proposal_poles.c.pole_id)
        .join(Proposal, Proposal.id == proposal_poles.c.proposal_id)
        .where(Proposal.author_id == user_id)
    )
    proposal_comments = (
        select(proposal_poles.c.pole_id)
        .join(Comment, Comment.proposal_id == proposal_poles.c.proposal_id)
        .where(Comment.author_id == user_id)
    )
    union = ideas.union(idea_comments, proposals, proposal_comments)
    return frozenset(pole_id for pole_id in db.session.scalars(union) if pole_id is not None)


def moderated_pole_ids(user: Any) -> frozenset[int]:
    """The units this person moderates (none for most people: no query then, see
    ``User.is_pole_moderator``). Read once per request (kept in ``g``)."""
    if user is None or not user.is_authenticated or not user.is_pole_moderator:
        return frozenset()
    cache = g.setdefault("moderated_pole_ids", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(
            db.session.scalars(
                select(PoleRole.pole_id).where(
                    PoleRole.user_id == user.id, PoleRole.role == PoleRoleKind.MODERATOR.value
                )
            )
        )
    return cache[user.id]


def agent_pole_ids(user: Any) -> frozenset[int]:
    """The units this person is an agent of (no query for non-agents, see ``User.is_pole_agent``)."""
    if user is None or not user.is_authenticated or not user.is_pole_agent:
        return frozenset()
    cache = g.setdefault("agent_pole_ids", {}) if has_app_context() else {}
    if user.id not in cache:
        cache[user.id] = frozenset(
            db.session.scalars(
                select(PoleRole.pole_id).where(PoleRole.user_id == user.id, PoleRole.role == PoleRoleKind.AGENT.value)
            )
        )
    return cache[user.id]


def moderates(pole_id: int):
    """A WHERE clause on ``User``: the moderators of this unit."""
    return User.id.in_(
        select(PoleRole.user_id).where(PoleRole.pole_id == pole_id, PoleRole.role == PoleRoleKind.MODERATOR.value)
    )


def forget_pole_roles(user_id: int) -> None:
    """Call after changing someone's units within a request."""
    if has_app_context():
        g.setdefault("moderated_pole_ids", {}).pop(user_id, None)
        g.setdefault("agent_pole_ids", {}).pop(user_id, None)

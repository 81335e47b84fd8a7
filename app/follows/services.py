"""Following things, and the recent activity of what one follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import identity
from app.extensions import db
from app.models import Association, Comment, Follow, FollowTarget, Idea, Pole, Proposal, ProposalState
from app.models.participation import proposal_poles
from app.notifications.services import notify
from app.subjects import KINDS, url_of

MODELS: dict[FollowTarget, Any] = {
    FollowTarget.IDEA: Idea,
    FollowTarget.PROPOSAL: Proposal,
    FollowTarget.ASSOCIATION: Association,
    FollowTarget.POLE: Pole,
}
# The word used in URLs for each kind of target (a subject's is the one app.subjects gives).
SLUGS = {
    KINDS["idea"].slug: FollowTarget.IDEA,
    KINDS["proposal"].slug: FollowTarget.PROPOSAL,
    "associations": FollowTarget.ASSOCIATION,
    "territoires": FollowTarget.POLE,
}


def target_of(obj: Any) -> FollowTarget:
    return next(kind for kind, model in MODELS.items() if isinstance(obj, model))


def is_following(user_id: int | None, obj: Any) -> bool:
    if user_id is None:
        return False
    return (
        db.session.scalar(
            select(Follow.id).where(
                Follow.user_id == user_id, Follow.target == target_of(obj), Follow.target_id == obj.id
            )
        )
        is not None
    )


def follow(user_id: int, obj: Any, *, commit: bool = True) -> None:
    """Idempotent: following twice changes nothing (the unique constraint is the final guard)."""
    if is_following(user_id, obj):
        return
    db.session.add(Follow(user_id=user_id, target=target_of(obj), target_id=obj.id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return
    if commit:
        db.session.commit()


def unfollow(user_id: int, obj: Any) -> None:
    db.session.execute(
        delete(Follow).where(Follow.user_id == user_id, Follow.target == target_of(obj), Follow.target_id == obj.id)
    )
    db.session.commit()


def followers(obj: Any) -> list[int]:
    return list(
        db.session.scalars(select(Follow.user_id).where(Follow.target == target_of(obj), Follow.target_id == obj.id))
    )


def notify_followers(obj: Any, text: str | LazyString, url: str, *, exclude: set[int]) -> None:
    """One notification per follower, in bulk, except the people told already (``exclude``)."""
    ids = [uid for uid in followers(obj) if uid not in exclude]
    notify(ids, "followed", text, url)


@dataclass
class Activity:
    when: datetime
    text: str
    url: str


def feed(user_id: int, limit: int = 40) -> list[Activity]:
    """Recent activity of what this person follows: a handful of queries, whatever they follow."""
    rows = db.session.execute(select(Follow.target, Follow.target_id).where(Follow.user_id == user_id)).all()
    ids = {kind: [tid for k, tid in rows if k == kind] for kind in FollowTarget}
    items: list[Activity] = []
    subject_filters = []
    if ids[FollowTarget.IDEA]:
        subject_filters.append(Comment.idea_id.in_(ids[FollowTarget.IDEA]))
    if ids[FollowTarget.PROPOSAL]:
        subject_filters.append(Comment.proposal_id.in_(ids[FollowTarget.PROPOSAL]))
    if subject_filters:
        comments = db.session.scalars(
            select(Comment)
            .where(
                or_(*subject_filters),
                Comment.deleted_at.is_(None),
                Comment.hidden_at.is_(None),
                Comment.author_id != user_id,
            )
            .options(joinedload(Comment.author))
            .order_by(Comment.id.desc())
            .limit(limit)
        ).all()
        subjects = _subjects(comments)
        for c in comments:
            subject = subjects[("idea", c.idea_id) if c.idea_id else ("proposal", c.proposal_id)]
            items.append(
                Activity(
                    c.created_at,
                    _("%(name)s a commenté « %(title)s »", name=c.author.display_name, title=subject.title),
                    url_of(subject, _anchor=f"comment-{c.id}"),
                )
            )
    proposal_filters = []
    if ids[FollowTarget.ASSOCIATION]:
        proposal_filters.append(Proposal.association_id.in_(ids[FollowTarget.ASSOCIATION]))
    if ids[FollowTarget.POLE]:
        proposal_filters.append(
            Proposal.id.in_(
                select(proposal_poles.c.proposal_id).where(proposal_poles.c.pole_id.in_(ids[FollowTarget.POLE]))
            )
        )
    if proposal_filters:
        for p in db.session.scalars(
            select(Proposal)
            .where(or_(*proposal_filters), Proposal.state == ProposalState.PUBLISHED, Proposal.hidden_at.is_(None))
            .options(joinedload(Proposal.association))
            .order_by(Proposal.published_at.desc())
            .limit(limit)
        ):
            items.append(
                Activity(
                    p.published_at,
                    _("« %(association)s » publie « %(title)s »", association=p.association.name, title=p.title),
                    url_of(p),
                )
            )
    if ids[FollowTarget.POLE]:
        for idea in db.session.scalars(
            select(Idea)
            .where(Idea.pole_id.in_(ids[FollowTarget.POLE]), Idea.hidden_at.is_(None), Idea.author_id != user_id)
            .options(joinedload(Idea.pole))
            .order_by(Idea.id.desc())
            .limit(limit)
        ):
            items.append(
                Activity(
                    idea.created_at,
                    _(
                        "Nouvelle idée dans %(the_unit)s %(pole)s : « %(title)s »",
                        the_unit=identity.current().unit.the,
                        pole=idea.pole.name,
                        title=idea.title,
                    ),
                    url_of(idea),
                )
            )
    return sorted(items, key=lambda a: a.when, reverse=True)[:limit]


def _subjects(comments: list[Comment]) -> dict[tuple[str, int], Any]:
    idea_ids = {c.idea_id for c in comments if c.idea_id}
    proposal_ids = {c.proposal_id for c in comments if c.proposal_id}
    found: dict[tuple[str, int], Any] = {}
    if idea_ids:
        found |= {("idea", i.id): i for i in db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids)))}
    if proposal_ids:
        found |= {
            ("proposal", p.id): p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(proposal_ids)))
        }
    return found


def followed(user_id: int) -> list[tuple[FollowTarget, Any]]:
    """What this person follows, for the "mon fil" page (one query per kind)."""
    rows = db.session.execute(select(Follow.target, Follow.target_id).where(Follow.user_id == user_id)).all()
    out: list[tuple[FollowTarget, Any]] = []
    for kind, model in MODELS.items():
        wanted = [tid for k, tid in rows if k == kind]
        if wanted:
            out += [(kind, obj) for obj in db.session.scalars(select(model).where(model.id.in_(wanted)))]
    return out

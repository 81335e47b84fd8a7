"""Speaking as an association: which associations a member may speak for, what an association
said and supported, and its administrators taking back a comment made in its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.comments.services import delete_comment
from app.extensions import db
from app.models import PUBLIC_STATES, Association, AssociationSupport, Comment, Idea, Membership, Proposal
from app.models.pole_scope import poles_of
from app.moderation.services import log
from app.permissions import association_ids
from app.subjects import url_of_item

RECENT = 20


@dataclass(frozen=True)
class Speaker:
    id: int
    name: str


def speakers(user: Any) -> list[Speaker]:
    """The associations this person may speak for, by name (none for most people, and then no
    query: the membership ids are read once per request by the permissions)."""
    if user is None or not user.is_authenticated or not user.is_association_member or not association_ids(user):
        return []
    cache = g.setdefault("speakers", {})
    if user.id not in cache:
        rows = db.session.execute(
            select(Association.id, Association.name)
            .join(Membership, Membership.association_id == Association.id)
            .where(Membership.user_id == user.id)
            .order_by(Association.name)
        )
        cache[user.id] = [Speaker(row.id, row.name) for row in rows]
    return cache[user.id]


def speaker_choices(user: Any) -> list[tuple[str, str]]:
    """For the "speak as" radio buttons: oneself first (the default), then each association."""
    people = speakers(user)
    if not people:
        return []
    return [("", _("En votre nom (%(name)s)", name=user.display_name))] + [
        (str(s.id), _("Au nom de %(name)s", name=s.name)) for s in people
    ]


# --- The association's page -------------------------------------------------------------------


@dataclass
class Said:
    comment: Comment
    subject: Idea | Proposal

    @property
    def url(self) -> str:
        return url_of_item(self.comment)


def recent_comments(association: Association) -> list[Said]:
    """What the association said lately, with the subject it was said on: two queries."""
    comments = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.association_id == association.id, Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
            .options(joinedload(Comment.author))
            .order_by(Comment.id.desc())
            .limit(RECENT)
        )
    )
    subjects = _subjects({c.idea_id for c in comments} - {None}, {c.proposal_id for c in comments} - {None})
    return [
        Said(c, subjects[("idea", c.idea_id) if c.idea_id else ("proposal", c.proposal_id)])
        for c in comments
        if (("idea", c.idea_id) if c.idea_id else ("proposal", c.proposal_id)) in subjects
    ]


def supported(association: Association) -> list[Idea | Proposal]:
    """What the association supports, newest first: two queries."""
    rows = db.session.execute(
        select(AssociationSupport.idea_id, AssociationSupport.proposal_id)
        .where(AssociationSupport.association_id == association.id)
        .order_by(AssociationSupport.id.desc())
        .limit(RECENT)
    ).all()
    subjects = _subjects({r.idea_id for r in rows} - {None}, {r.proposal_id for r in rows} - {None})
    keys = [("idea", r.idea_id) if r.idea_id else ("proposal", r.proposal_id) for r in rows]
    return [subjects[k] for k in keys if k in subjects]


def _subjects(idea_ids: set[int], proposal_ids: set[int]) -> dict[tuple[str, int], Idea | Proposal]:
    """Visible ideas and proposals by id, at most one query each (the public ones only: this is a
    public page)."""
    found: dict[tuple[str, int], Idea | Proposal] = {}
    if idea_ids:
        for idea in db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids), Idea.hidden_at.is_(None))):
            found["idea", idea.id] = idea
    if proposal_ids:
        for proposal in db.session.scalars(
            select(Proposal).where(
                Proposal.id.in_(proposal_ids), Proposal.hidden_at.is_(None), Proposal.state.in_(PUBLIC_STATES)
            )
        ):
            found["proposal", proposal.id] = proposal
    return found


def remove_comment(comment: Comment, actor: Any) -> None:
    """An administrator of the association takes back a comment made in its name: gone like a
    deleted message (its replies stay), and written in the audit log."""
    label = comment.body[:200]
    pole_ids = poles_of(comment)
    delete_comment(comment, commit=False)
    log(actor, "association_remove", "comment", comment.id, label, "", pole_ids)
    db.session.commit()

"""Official replies: a comment by someone who answers for the subject, and the one a proposal pins.

Who answers for a subject: the moderators and agents of its unit(s), the platform's
administrators, and on a proposal the members of its author associations. The role is stored with
the comment when it is written (``Comment.official_role`` and ``official_name``): the badge says
what the person was when they spoke, even if they leave the unit later, and a thread shows its
badges without asking anyone's roles (no query per message).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import RuleError
from app.extensions import db
from app.identity import current as identity
from app.models import Association, Comment, Pole, PoleRole, Proposal
from app.models.accounts import PoleRoleKind
from app.models.pole_scope import poles_of
from app.permissions import association_ids, author_association_ids
from app.subjects import Subject

MODERATOR, AGENT, ADMIN, AUTHOR = "moderator", "agent", "admin", "author"
UNIT_ROLES = (MODERATOR, AGENT)


class PinError(RuleError):
    """This message cannot be pinned."""


def official_role(subject: Subject, user: Any, association_id: int | None = None) -> tuple[str, str] | None:
    """(role, name) if ``user`` answers for ``subject``, else None. Speaking for an author
    association comes first; then the unit (a moderator before an agent); then the platform."""
    if subject.kind == "proposal":
        authors = author_association_ids(subject) & association_ids(user)
        if authors:
            chosen = association_id if association_id in authors else min(authors)
            return AUTHOR, db.session.scalar(select(Association.name).where(Association.id == chosen))
    pole_ids = poles_of(subject)
    if pole_ids:
        roles = db.session.execute(
            select(PoleRole.role, Pole.name)
            .join(Pole, Pole.id == PoleRole.pole_id)
            .where(
                PoleRole.user_id == user.id,
                PoleRole.pole_id.in_(pole_ids),
                PoleRole.role.in_([PoleRoleKind.MODERATOR.value, PoleRoleKind.AGENT.value]),
            )
            .order_by(PoleRole.role.desc(), Pole.name)  # "moderator" before "agent"
        ).first()
        if roles is not None:
            return roles.role, roles.name
    if user.is_admin:
        return ADMIN, ""
    return None


def badge(comment: Comment) -> str:
    """What the badge says, in the reader's language and the collectivity's words."""
    role, name = comment.official_role, comment.official_name or ""
    if role in UNIT_ROLES:
        text = _("Réponse %(of_unit)s %(name)s", of_unit=identity().unit.of_the, name=name)
        kind = _("modération") if role == MODERATOR else _("agent")
        return f"{text} · {kind}"
    if role == ADMIN:
        return _("Réponse %(of_collectivity)s · administration", of_collectivity=identity().collectivity.of_the)
    if role == AUTHOR:
        return _("Association autrice · %(name)s", name=name)
    return ""


def is_official(item: Any) -> bool:
    return isinstance(item, Comment) and item.official_role is not None


# --- Pinning --------------------------------------------------------------------------------


def toggle_pin(proposal: Proposal, comment: Comment) -> bool:
    """Pin ``comment`` at the top of the discussion (replacing any other), or unpin it. Returns the
    new state."""
    if comment.proposal_id != proposal.id:
        raise PinError(_("Ce message n'appartient pas à cette discussion."))
    if proposal.pinned_comment_id == comment.id:
        proposal.pinned_comment_id = None
        db.session.commit()
        return False
    if not is_official(comment) or comment.deleted_at or comment.hidden_at:
        raise PinError(_("Seule une réponse officielle visible peut être épinglée."))
    proposal.pinned_comment_id = comment.id
    db.session.commit()
    return True

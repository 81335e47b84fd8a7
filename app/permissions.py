"""Who may do what: the one place that decides.

``can(user, action, obj)`` answers for any user (anonymous included). Routes declare the action
they need with ``@access`` (see ``app.access``); object-level actions are checked in the view
with ``authorize(action, obj)`` once the object is loaded. Tests call ``can`` directly too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g
from sqlalchemy import select

from app.extensions import db
from app.models import Membership, MembershipRole

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}

PUBLIC = "public"
ANONYMOUS_ONLY = "anonymous_only"


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        if action in _RULES:
            raise ValueError(f"rule {action!r} declared twice")
        _RULES[action] = fn
        return fn

    return register


def known_actions() -> frozenset[str]:
    return frozenset(_RULES)


def can(user: Any, action: str, obj: Any = None) -> bool:
    try:
        decide = _RULES[action]
    except KeyError:
        # An unknown action is a programming error, never a silent "yes".
        raise LookupError(f"no permission rule named {action!r}") from None
    return bool(decide(user, obj))


def _authenticated(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated)


def _admin(user: Any) -> bool:
    return _authenticated(user) and user.is_admin


# --- Anyone ---------------------------------------------------------------------------------

@rule(PUBLIC)
def _public(user: Any, obj: Any) -> bool:
    return True


@rule(ANONYMOUS_ONLY)
def _anonymous_only(user: Any, obj: Any) -> bool:
    # Log-in and registration pages: a logged-in person is sent on instead (handled by the view).
    return True


# --- Accounts ---------------------------------------------------------------------------------

@rule("account.use")
def _account_use(user: Any, obj: Any) -> bool:
    return _authenticated(user)


# --- Administration -------------------------------------------------------------------------

@rule("admin.access")
def _admin_access(user: Any, obj: Any) -> bool:
    return _admin(user)


@rule("outbox.read")
def _outbox_read(user: Any, obj: Any) -> bool:
    return _admin(user) and current_app.config["OUTBOX_READABLE"]


# --- Poles ----------------------------------------------------------------------------------

@rule("pole.moderate")
def _pole_moderate(user: Any, pole: Any) -> bool:
    """Admins moderate everywhere; a pole moderator only their own pole."""
    if _admin(user):
        return True
    return _authenticated(user) and pole is not None and user.moderated_pole_id == pole.id


# --- Association membership -----------------------------------------------------------------

def association_ids(user: Any) -> frozenset[int]:
    """The associations this person acts for; read once per request (kept in ``g``)."""
    if not _authenticated(user):
        return frozenset()
    cache = g.setdefault("association_ids", {})
    if user.id not in cache:
        cache[user.id] = frozenset(
            db.session.scalars(select(Membership.association_id).where(Membership.user_id == user.id))
        )
    return cache[user.id]


def administered_association_ids(user: Any) -> frozenset[int]:
    """The associations this person administers; read once per request (kept in ``g``)."""
    if not _authenticated(user):
        return frozenset()
    cache = g.setdefault("administered_association_ids", {})
    if user.id not in cache:
        cache[user.id] = frozenset(
            db.session.scalars(
                select(Membership.association_id).where(
                    Membership.user_id == user.id, Membership.role == MembershipRole.ADMIN
                )
            )
        )
    return cache[user.id]


def forget_memberships(user_id: int) -> None:
    """Call after changing someone's memberships within a request."""
    g.setdefault("association_ids", {}).pop(user_id, None)
    g.setdefault("administered_association_ids", {}).pop(user_id, None)


def is_author_of_proposal(user: Any, proposal: Any) -> bool:
    """Members of the proposal's association (co-authoring associations join later)."""
    return proposal is not None and proposal.association_id in association_ids(user)


# --- Associations ---------------------------------------------------------------------------

@rule("association.create")
def _association_create(user: Any, obj: Any) -> bool:
    # Anyone with an account may register an association; they become its administrator.
    return _authenticated(user)


@rule("association.edit")
def _association_edit(user: Any, association: Any) -> bool:
    return _admin(user) or (association is not None and association.id in administered_association_ids(user))


@rule("association.manage_members")
def _association_manage_members(user: Any, association: Any) -> bool:
    """Inviting, removing, promoting: the association's administrators (and the platform's, to
    rescue an association whose administrators are gone)."""
    return _admin(user) or (association is not None and association.id in administered_association_ids(user))


@rule("association.verify")
def _association_verify(user: Any, association: Any) -> bool:
    return _admin(user)


@rule("association.view_members")
def _association_view_members(user: Any, association: Any) -> bool:
    return _admin(user) or (association is not None and association.id in association_ids(user))


@rule("association.own_membership")
def _association_own_membership(user: Any, association: Any) -> bool:
    """A member's own choices: shown publicly or not, leaving."""
    return association is not None and association.id in association_ids(user)


@rule("invitation.respond")
def _invitation_respond(user: Any, invitation: Any) -> bool:
    # Whether the invitation is for this account's address is a rule of its own, with its own
    # message (see app.associations.services.check_invitation).
    return _authenticated(user)


# --- Ideas ----------------------------------------------------------------------------------

@rule("idea.create")
def _idea_create(user: Any, obj: Any) -> bool:
    return _authenticated(user)


@rule("idea.edit")
def _idea_edit(user: Any, idea: Any) -> bool:
    return _authenticated(user) and (user.id == idea.author_id or user.is_admin)


@rule("idea.take_up")
def _idea_take_up(user: Any, idea: Any) -> bool:
    """Any association member may turn a resident's idea into a proposal."""
    return bool(association_ids(user))


# --- Proposals ------------------------------------------------------------------------------

@rule("proposal.create")
def _proposal_create(user: Any, association: Any) -> bool:
    ids = association_ids(user)
    return bool(ids) if association is None else association.id in ids


@rule("proposal.view")
def _proposal_view(user: Any, proposal: Any) -> bool:
    from app.proposals.states import PUBLIC_STATES

    return proposal.state in PUBLIC_STATES or is_author_of_proposal(user, proposal) or _admin(user)


@rule("proposal.edit")
def _proposal_edit(user: Any, proposal: Any) -> bool:
    from app.proposals.states import EDITABLE_STATES

    return proposal.state in EDITABLE_STATES and is_author_of_proposal(user, proposal)


@rule("proposal.transition")
def _proposal_transition(user: Any, proposal: Any) -> bool:
    """Publishing and withdrawing belong to the proposal's authors."""
    return is_author_of_proposal(user, proposal)


# --- Discussion and supports ------------------------------------------------------------------

def open_for_participation(subject: Any) -> bool:
    from app.proposals.states import OPEN_STATES

    return subject.kind == "idea" or subject.state in OPEN_STATES


@rule("comment.create")
def _comment_create(user: Any, subject: Any) -> bool:
    return _authenticated(user) and open_for_participation(subject)


@rule("comment.edit")
def _comment_edit(user: Any, comment: Any) -> bool:
    return _authenticated(user) and comment.author_id == user.id and comment.deleted_at is None


@rule("comment.delete")
def _comment_delete(user: Any, comment: Any) -> bool:
    return _authenticated(user) and comment.author_id == user.id and comment.deleted_at is None


@rule("support.toggle")
def _support_toggle(user: Any, subject: Any) -> bool:
    if not _authenticated(user) or not open_for_participation(subject):
        return False
    # An association does not vote for its own proposal.
    return subject.kind == "idea" or not is_author_of_proposal(user, subject)


# --- Notifications ----------------------------------------------------------------------------

@rule("notification.read")
def _notification_read(user: Any, obj: Any) -> bool:
    return _authenticated(user)

"""The proposal state machine, in one place. Later work (submission to a call, evaluation,
decisions) adds states and transitions here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Proposal, ProposalState
from app.models.base import utcnow

S = ProposalState

# action -> (allowed from, goes to, label of the button)
TRANSITIONS: dict[str, tuple[frozenset[ProposalState], ProposalState, str]] = {
    "publish": (frozenset({S.DRAFT}), S.PUBLISHED, _l("Publier")),
    "withdraw": (frozenset({S.PUBLISHED}), S.WITHDRAWN, _l("Retirer")),
}

# Who may see it: drafts only their authors (checked in app.permissions).
PUBLIC_STATES = frozenset({S.PUBLISHED, S.WITHDRAWN})
# Where the co-authors may still change the text.
EDITABLE_STATES = frozenset({S.DRAFT, S.PUBLISHED})
# Where the public may comment and support.
OPEN_STATES = frozenset({S.PUBLISHED})


class InvalidTransition(Exception):
    pass


def can_transition(proposal: Proposal, action: str) -> bool:
    allowed_from, _to, _label = TRANSITIONS[action]
    return proposal.state in allowed_from


def apply_transition(proposal: Proposal, action: str) -> None:
    if action not in TRANSITIONS or not can_transition(proposal, action):
        raise InvalidTransition(action)
    _from, to, _label = TRANSITIONS[action]
    proposal.state = to
    if to == S.PUBLISHED and proposal.published_at is None:
        proposal.published_at = utcnow()

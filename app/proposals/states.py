"""The proposal state machine, in one place: which action moves a proposal from which states to
which. What each state allows (public, editable, open, frozen...) is a fact about the model: those
sets live in app.models next to ``ProposalState``."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import RuleError
from app.models import EDITABLE_STATES, Proposal, ProposalState
from app.models.base import utcnow

S = ProposalState

# action -> (allowed from, goes to, label of the button)
TRANSITIONS: dict[str, tuple[frozenset[ProposalState], ProposalState, str]] = {
    "publish": (frozenset({S.DRAFT}), S.PUBLISHED, _l("Publier")),
    "withdraw": (frozenset({S.PUBLISHED}), S.WITHDRAWN, _l("Retirer")),
}

# Kept apart from TRANSITIONS (the buttons of the proposal page): these go through app.calls,
# which checks the call (open, eligibility, envelope) before applying them.
CALL_TRANSITIONS: dict[str, tuple[frozenset[ProposalState], ProposalState, str]] = {
    # Submitted from any state where the text may still change.
    "submit": (EDITABLE_STATES, S.SUBMITTED, _l("Déposer à l'appel")),
    "send_back": (frozenset({S.SUBMITTED}), S.CHANGES_REQUESTED, _l("Renvoyer pour compléments")),
    "select": (frozenset({S.SUBMITTED}), S.SELECTED, _l("Retenir")),
    "waitlist": (frozenset({S.SUBMITTED}), S.WAITLISTED, _l("Mettre en liste d'attente")),
    "not_select": (frozenset({S.SUBMITTED}), S.NOT_SELECTED, _l("Ne pas retenir")),
}


class InvalidTransition(RuleError):
    """The action is not possible from the proposal's current state."""

    def __init__(self, action: str) -> None:
        super().__init__(_("Cette action n'est pas possible dans l'état actuel de la proposition."))
        self.action = action


def _rule(action: str):
    return TRANSITIONS.get(action) or CALL_TRANSITIONS[action]


def can_transition(proposal: Proposal, action: str) -> bool:
    allowed_from, _to, _label = _rule(action)
    return proposal.state in allowed_from


def apply_transition(proposal: Proposal, action: str) -> None:
    if (action not in TRANSITIONS and action not in CALL_TRANSITIONS) or not can_transition(proposal, action):
        raise InvalidTransition(action)
    _from, to, _label = _rule(action)
    proposal.state = to
    if to == S.PUBLISHED and proposal.published_at is None:
        proposal.published_at = utcnow()

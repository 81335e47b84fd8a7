"""The proposal state machine, in one place. Later work (submission to a call, evaluation,
decisions) adds states and transitions here."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import RuleError
from app.models import Proposal, ProposalState
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
    "submit": (frozenset({S.DRAFT, S.PUBLISHED, S.CHANGES_REQUESTED}), S.SUBMITTED, _l("Déposer à l'appel")),
    "send_back": (frozenset({S.SUBMITTED}), S.CHANGES_REQUESTED, _l("Renvoyer pour compléments")),
    "select": (frozenset({S.SUBMITTED}), S.SELECTED, _l("Retenir")),
    "waitlist": (frozenset({S.SUBMITTED}), S.WAITLISTED, _l("Mettre en liste d'attente")),
    "not_select": (frozenset({S.SUBMITTED}), S.NOT_SELECTED, _l("Ne pas retenir")),
}
# Submitted to a call: frozen until sent back for changes or decided.
CALL_STATES = frozenset({S.SUBMITTED, S.CHANGES_REQUESTED, S.SELECTED, S.WAITLISTED, S.NOT_SELECTED})
FROZEN_STATES = frozenset({S.SUBMITTED, S.SELECTED, S.WAITLISTED, S.NOT_SELECTED})

# Who may see it: drafts only their authors (checked in app.permissions). A proposal submitted
# to a call is public: the call is a public process.
PUBLIC_STATES = frozenset({S.PUBLISHED, S.WITHDRAWN}) | CALL_STATES
# What the proposal lists show by default (and search finds): public and not withdrawn.
LISTED_STATES = frozenset({S.PUBLISHED}) | CALL_STATES
# Where the co-authors may still change the text.
EDITABLE_STATES = frozenset({S.DRAFT, S.PUBLISHED, S.CHANGES_REQUESTED})
# Where the public may comment and support.
OPEN_STATES = frozenset({S.PUBLISHED})


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

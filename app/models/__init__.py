"""Tisser's data model, grouped by domain. Importing this package registers every table."""

from app.models.accounts import User
from app.models.associations import (
    Association,
    Invitation,
    InvitationStatus,
    LegalForm,
    Membership,
    MembershipRole,
)
from app.models.calls import Call
from app.models.outbox import OutboxMessage
from app.models.participation import (
    Comment,
    Domain,
    Idea,
    Notification,
    Proposal,
    ProposalState,
    Support,
    TargetPublic,
)
from app.models.territories import Commune, Pole

__all__ = [
    "Association",
    "Call",
    "Comment",
    "Domain",
    "Idea",
    "Invitation",
    "InvitationStatus",
    "Notification",
    "Proposal",
    "ProposalState",
    "Support",
    "TargetPublic",
    "Commune",
    "LegalForm",
    "Membership",
    "MembershipRole",
    "OutboxMessage",
    "Pole",
    "User",
]

"""Tisser's data model, grouped by domain. Importing this package registers every table."""

from app.models.accounts import User
from app.models.associations import Association, LegalForm, Membership, MembershipRole
# --- Calls (calls branch) ---
from app.models.calls import (
    Assignment,
    Call,
    Criterion,
    Decision,
    Indicator,
    IndicatorValue,
    ProgressUpdate,
    Replication,
    Score,
    Submission,
)
# --- end Calls ---
from app.models.coconstruction import (
    Amendment,
    AmendmentStatus,
    CoauthorStatus,
    ProposalCoauthor,
    ProposalRevision,
)
from app.models.notifications import EmailMode, NotificationPreference
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
    "Amendment",
    "AmendmentStatus",
    "CoauthorStatus",
    "ProposalCoauthor",
    "ProposalRevision",
    "Association",
    "Call",
    # calls branch
    "Assignment",
    "Criterion",
    "Decision",
    "Indicator",
    "IndicatorValue",
    "ProgressUpdate",
    "Replication",
    "Score",
    "Submission",
    "Comment",
    "Domain",
    "Idea",
    "Notification",
    "NotificationPreference",
    "EmailMode",
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

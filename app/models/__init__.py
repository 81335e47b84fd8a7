"""Tisser's data model, grouped by domain. Importing this package registers every table."""

from app.models.accompaniment import Accompaniment, AccompanimentState, Partner, PrivateMessage
from app.models.accounts import User
from app.models.associations import (
    Association,
    Invitation,
    InvitationStatus,
    LegalForm,
    Membership,
    MembershipRole,
)
from app.models.calls import (
    Assignment,
    Call,
    CallState,
    Criterion,
    Decision,
    Indicator,
    IndicatorValue,
    ProgressUpdate,
    Replication,
    Score,
    Submission,
)
from app.models.coconstruction import (
    Amendment,
    AmendmentStatus,
    CoauthorStatus,
    ProposalCoauthor,
    ProposalRevision,
)
from app.models.follows import Follow, FollowTarget
from app.models.moderation import (
    AuditEntry,
    CaseStatus,
    ModerationCase,
    RegistrationAttempt,
    Report,
    ReportReason,
    SuspensionRequest,
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
    "Follow",
    "FollowTarget",
    "Amendment",
    "AmendmentStatus",
    "CoauthorStatus",
    "ProposalCoauthor",
    "ProposalRevision",
    "Accompaniment",
    "AccompanimentState",
    "AuditEntry",
    "CaseStatus",
    "ModerationCase",
    "Partner",
    "PrivateMessage",
    "RegistrationAttempt",
    "Report",
    "ReportReason",
    "SuspensionRequest",
    "Association",
    "Call",
    "CallState",
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
    "Invitation",
    "InvitationStatus",
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

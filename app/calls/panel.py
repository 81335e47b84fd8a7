"""What a proposal's page shows about calls for projects, computed by the proposal view."""

from __future__ import annotations

from typing import Any

from app.calls import followup, services
from app.models import EDITABLE_STATES, Proposal
from app.permissions import can


def proposal_panel(proposal: Proposal, user: Any) -> dict:
    """Submission, step, decision, lineage, and the calls and associations this person may act on."""
    submission = services.submission_of(proposal)
    panel = {
        "submission": submission,
        "standing": services.standing(proposal, submission),
        "lineage": followup.lineage(proposal.id),
        "open_calls": [],
        "replicable": [],
    }
    if proposal.state in EDITABLE_STATES and can(user, "call.submit", proposal):
        panel["open_calls"] = (
            [submission.call]
            if submission and submission.call.is_open()
            else ([] if submission else _open_calls_for(proposal))
        )
    if user.is_authenticated and can(user, "project.replicate", proposal):
        panel["replicable"] = followup.replicable_associations(user, proposal)
    return panel


def _open_calls_for(proposal: Proposal) -> list:
    """A draft written for a call is offered that call only (its questions are that call's)."""
    calls = services.open_calls()
    if proposal.call_id is not None:
        return [c for c in calls if c.id == proposal.call_id]
    return calls

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
from app.models import (
    CALL_STATES,
    DISCUSSION_STATES,
    EDITABLE_STATES,
    OPEN_STATES,
    PUBLIC_STATES,
    AccompanimentState,
    Assignment,
    Membership,
    Proposal,
    Submission,
)
from app.models.pole_scope import agent_pole_ids, moderated_pole_ids, participation_pole_ids, poles_of

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}
# Rules that let someone change something (``@rule(..., write=True)``): see ``_may_write``.
_WRITES: set[str] = set()

PUBLIC = "public"
ANONYMOUS_ONLY = "anonymous_only"


def rule(action: str, *, write: bool = False) -> Callable[[Rule], Rule]:
    """Register ``fn`` as the answer for ``action``. A write rule is asked only of someone who
    may write at all (``_may_write``): no write rule can forget it."""

    def register(fn: Rule) -> Rule:
        if action in _RULES:
            raise ValueError(f"rule {action!r} declared twice")
        if write:
            _WRITES.add(action)
            _RULES[action] = lambda user, obj: _may_write(user) and fn(user, obj)
        else:
            _RULES[action] = fn
        return fn

    return register


def known_actions() -> frozenset[str]:
    return frozenset(_RULES)


def write_actions() -> frozenset[str]:
    return frozenset(_WRITES)


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


def _active(user: Any) -> bool:
    """Logged in and not suspended: may post, comment, support and report."""
    return _authenticated(user) and not user.is_suspended


def _may_write(user: Any) -> bool:
    """What every write rule requires of the person before its own question: the one place to
    add an account-wide condition (suspension today)."""
    return _active(user)


def _can_participate(user: Any) -> bool:
    """Active, and the e-mail address confirmed: may post, comment, support, report, found or
    join an association. Until then a new account browses only (no throw-away addresses)."""
    return _active(user) and user.is_verified


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
    # Reading one's account and securing it (password, log-out, e-mail preferences): a suspended
    # person keeps these, they change nothing anyone else sees.
    return _authenticated(user)


@rule("account.delete")
def _account_delete(user: Any, obj: Any) -> bool:
    # The right to erasure (GDPR art. 17) stays with a suspended person too.
    return _authenticated(user)


@rule("data.export")
def _data_export(user: Any, obj: Any) -> bool:
    # A copy of one's own data (GDPR art. 15 and 20): a right that suspension does not take away.
    return _authenticated(user)


@rule("data.download")
def _data_download(user: Any, export: Any) -> bool:
    """Only the person the copy is about, logged in: a forwarded e-mail link gives nothing."""
    return _authenticated(user) and export is not None and export.user_id == user.id


@rule("profile.edit", write=True)
def _profile_edit(user: Any, obj: Any) -> bool:
    """One's public name and profile choices."""
    return _authenticated(user)


# --- Administration -------------------------------------------------------------------------


@rule("admin.access")
def _admin_access(user: Any, obj: Any) -> bool:
    return _admin(user)


@rule("taxonomy.manage", write=True)
def _taxonomy_manage(user: Any, obj: Any) -> bool:
    """Domains and sub-domains, target publics, legal forms: the collectivity's own words."""
    return _admin(user)


@rule("collectivity.edit", write=True)
def _collectivity_edit(user: Any, obj: Any) -> bool:
    """The collectivity's names, contacts and legal pages: administrators only."""
    return _admin(user)


@rule("people.manage", write=True)
def _people_manage(user: Any, obj: Any) -> bool:
    """Appointing and revoking administrators, moderators, agents and evaluators."""
    return _admin(user)


@rule("people.erase", write=True)
def _people_erase(user: Any, person: Any) -> bool:
    """Erasing someone else's account on a written request: administrators; their own goes
    through the account page like anyone's."""
    return _admin(user) and person is not None and person.id != user.id and person.deleted_at is None


@rule("questions.manage", write=True)
def _questions_manage(user: Any, obj: Any) -> bool:
    """The default questions a proposal outside any call answers (a call's own: ``call.manage``)."""
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
    return _authenticated(user) and pole is not None and pole.id in moderated_pole_ids(user)


# --- Mediated participation (app.mediation) -------------------------------------------------


@rule("mediation.record", write=True)
def _mediation_record(user: Any, subject: Any) -> bool:
    """An agent enters what residents said in person: a new idea (no object) anywhere they are
    agent, a support or comment on a visible subject of one of their units. Being a moderator is
    not enough: the role is given on purpose, with its duties towards the residents' data."""
    units = agent_pole_ids(user)
    if subject is None:
        return bool(units)
    return bool(units & poles_of(subject)) and can(user, "content.visible", subject)


@rule("mediation.review")
def _mediation_review(user: Any, obj: Any) -> bool:
    """Admins and the units' moderators read the agents' entries (each moderator their units')."""
    return _admin(user) or (_authenticated(user) and user.is_pole_moderator)


@rule("mediation.claim", write=True)
def _mediation_claim(user: Any, obj: Any) -> bool:
    # The signed link is the proof; the service checks it and says what is wrong. A confirmed address,
    # as for anything else published under one's name.
    return _can_participate(user)


# --- Association membership -----------------------------------------------------------------


def association_ids(user: Any) -> frozenset[int]:
    """The associations this person acts for; read once per request (kept in ``g``)."""
    if not _authenticated(user):
        return frozenset()
    cache = g.setdefault("association_ids", {})
    if user.id not in cache:
        if user.__dict__.get("is_association_member") is False and user.id not in g.get("memberships_changed", ()):
            # The account was read with "member of none" (User.is_association_member) and nothing
            # changed since in this request: no query (most people, on every page and toggle).
            cache[user.id] = frozenset()
        else:
            cache[user.id] = frozenset(
                db.session.scalars(select(Membership.association_id).where(Membership.user_id == user.id))
            )
    return cache[user.id]


def forget_memberships(user_id: int) -> None:
    """Call after changing someone's memberships within a request."""
    g.setdefault("association_ids", {}).pop(user_id, None)
    g.setdefault("memberships_changed", set()).add(user_id)

    g.setdefault("admin_association_ids", {}).pop(user_id, None)


def is_evaluator_of(user: Any, call: Any) -> bool:
    """Someone assigned at least one submission of this call (being appointed to the call's
    evaluators, see ``CallEvaluator``, only makes someone assignable)."""
    return bool(
        _authenticated(user)
        and db.session.scalar(
            select(Assignment.id)
            .join(Submission)
            .where(Assignment.evaluator_id == user.id, Submission.call_id == call.id)
            .limit(1)
        )
    )


def author_association_ids(proposal: Any) -> set[int]:
    """The lead association and the co-authors that accepted."""
    return {proposal.association_id} | {c.association_id for c in proposal.coauthorships if c.status == "accepted"}


def is_author_of_proposal(user: Any, proposal: Any) -> bool:
    """Members of the lead association or of an association that accepted to co-author it."""
    # A person in no association (most residents) is never an author: the co-authors stay unloaded.
    mine = association_ids(user)
    return proposal is not None and bool(mine) and bool(author_association_ids(proposal) & mine)


def is_lead_of_proposal(user: Any, proposal: Any) -> bool:
    return proposal is not None and proposal.association_id in association_ids(user)


# --- Associations ---------------------------------------------------------------------------


@rule("association.create", write=True)
def _association_create(user: Any, obj: Any) -> bool:
    # Anyone with an account may register an association; they become its administrator.
    return _can_participate(user)


@rule("association.edit", write=True)
def _association_edit(user: Any, association: Any) -> bool:
    return _admin(user) or (association is not None and association.id in admin_association_ids(user))


@rule("association.manage_members", write=True)
def _association_manage_members(user: Any, association: Any) -> bool:
    """Inviting, removing, promoting: the association's administrators (and the platform's, to
    rescue an association whose administrators are gone)."""
    return _admin(user) or (association is not None and association.id in admin_association_ids(user))


@rule("association.verify", write=True)
def _association_verify(user: Any, association: Any) -> bool:
    return _admin(user)


@rule("association.view_members")
def _association_view_members(user: Any, association: Any) -> bool:
    return _admin(user) or (association is not None and association.id in association_ids(user))


@rule("association.own_membership", write=True)
def _association_own_membership(user: Any, association: Any) -> bool:
    """A member's own choices: shown publicly or not, leaving."""
    return association is not None and association.id in association_ids(user)


@rule("invitation.respond", write=True)
def _invitation_respond(user: Any, invitation: Any) -> bool:
    # Whether the invitation is for this account's address is a rule of its own, with its own
    # message (see app.associations.services.check_invitation). The invitation was e-mailed to
    # its address: for that address it is proof enough, like the confirmation link.
    return _can_participate(user) or (
        _active(user) and invitation is not None and getattr(invitation, "email", None) == user.email
    )


def admin_association_ids(user: Any) -> frozenset[int]:
    """Associations this person administers (they answer invitations on its behalf)."""
    if not _authenticated(user):
        return frozenset()
    cache = g.setdefault("admin_association_ids", {})
    if user.id not in cache:
        cache[user.id] = frozenset(
            db.session.scalars(
                select(Membership.association_id).where(Membership.user_id == user.id, Membership.role == "admin")
            )
        )
    return cache[user.id]


# --- Ideas ----------------------------------------------------------------------------------


@rule("idea.create", write=True)
def _idea_create(user: Any, obj: Any) -> bool:
    return _can_participate(user)


@rule("idea.edit", write=True)
def _idea_edit(user: Any, idea: Any) -> bool:
    return _authenticated(user) and (user.id == idea.author_id or user.is_admin)


@rule("idea.take_up", write=True)
def _idea_take_up(user: Any, idea: Any) -> bool:
    """Any association member may turn a resident's idea into a proposal (one they can read)."""
    return bool(association_ids(user)) and (idea is None or can(user, "content.visible", idea))


# --- Proposals ------------------------------------------------------------------------------


@rule("proposal.create", write=True)
def _proposal_create(user: Any, association: Any) -> bool:
    ids = association_ids(user)
    return bool(ids) if association is None else association.id in ids


@rule("proposal.view")
def _proposal_view(user: Any, proposal: Any) -> bool:
    if proposal.state in PUBLIC_STATES or is_author_of_proposal(user, proposal) or _admin(user):
        return True
    # An association invited to co-author may read the draft before answering.
    invited = {c.association_id for c in proposal.coauthorships if c.status == "invited"}
    return bool(invited & association_ids(user))


@rule("proposal.edit", write=True)
def _proposal_edit(user: Any, proposal: Any) -> bool:
    return proposal.state in EDITABLE_STATES and is_author_of_proposal(user, proposal)


@rule("proposal.transition", write=True)
def _proposal_transition(user: Any, proposal: Any) -> bool:
    """Publishing and withdrawing belong to the proposal's authors."""
    return is_author_of_proposal(user, proposal)


# --- Discussion and supports ------------------------------------------------------------------


def open_for_participation(subject: Any) -> bool:
    """Supports: an idea always, a proposal while its text is still open (see OPEN_STATES)."""
    return subject.kind == "idea" or subject.state in OPEN_STATES


def open_for_discussion(subject: Any) -> bool:
    """Comments: an idea always, a proposal also once deposited or decided (see DISCUSSION_STATES)."""
    return subject.kind == "idea" or subject.state in DISCUSSION_STATES


@rule("comment.create", write=True)
def _comment_create(user: Any, subject: Any) -> bool:
    return _can_participate(user) and open_for_discussion(subject) and can(user, "content.visible", subject)


@rule("comment.edit", write=True)
def _comment_edit(user: Any, comment: Any) -> bool:
    # A discussion closed (withdrawn proposal, decided call) keeps its words as they were.
    if comment.author_id != user.id or comment.deleted_at is not None:
        return False
    return comment.proposal_id is None or db.session.get(Proposal, comment.proposal_id).state in OPEN_STATES


@rule("comment.delete", write=True)
def _comment_delete(user: Any, comment: Any) -> bool:
    return _authenticated(user) and comment.author_id == user.id and comment.deleted_at is None


@rule("support.toggle", write=True)
def _support_toggle(user: Any, subject: Any) -> bool:
    if not _can_participate(user) or not open_for_participation(subject) or not can(user, "content.visible", subject):
        return False
    # Nobody backs their own idea; an association does not vote for its own proposal.
    if subject.kind == "idea":
        return subject.author_id != user.id
    return not is_author_of_proposal(user, subject)


@rule("support.as_association", write=True)
def _support_as_association(user: Any, subject: Any) -> bool:
    """A member backs a subject for one of their associations (which one: the service checks it is
    theirs and not an author of the proposal)."""
    if not _can_participate(user) or not user.is_association_member:
        return False
    if not open_for_participation(subject) or not can(user, "content.visible", subject):
        return False
    mine = association_ids(user)
    return bool(mine - author_association_ids(subject)) if subject.kind == "proposal" else bool(mine)


@rule("comment.pin", write=True)
def _comment_pin(user: Any, proposal: Any) -> bool:
    """Pinning an official answer on a proposal: its units' moderators (and the platform's
    administrators), and the administrators of its author associations."""
    if proposal is None or getattr(proposal, "kind", None) != "proposal" or proposal.state not in PUBLIC_STATES:
        return False
    if can(user, "content.moderate", proposal):
        return True
    # Most people are in no association: their (cached) membership answers without another query.
    authors = author_association_ids(proposal)
    return bool(association_ids(user) & authors) and bool(admin_association_ids(user) & authors)


@rule("association.remove_comment", write=True)
def _association_remove_comment(user: Any, comment: Any) -> bool:
    """An association's administrators may take back what a member said in its name."""
    return (
        comment is not None
        and comment.association_id is not None
        and comment.deleted_at is None
        and comment.association_id in admin_association_ids(user)
    )


# --- Notifications ----------------------------------------------------------------------------


@rule("notification.read")
def _notification_read(user: Any, obj: Any) -> bool:
    return _authenticated(user)


# --- Co-construction --------------------------------------------------------------------------


@rule("proposal.manage_coauthors", write=True)
def _manage_coauthors(user: Any, proposal: Any) -> bool:
    """The lead association invites and removes co-authors."""
    return authors_open(proposal) and proposal.state in EDITABLE_STATES and is_lead_of_proposal(user, proposal)


def authors_open(proposal: Any) -> bool:
    """Once submitted to a call, a proposal's authors are frozen (evaluators were chosen free of
    conflicts with them): no invitation, answer or removal, even when sent back for changes."""
    return proposal.state not in CALL_STATES


@rule("coauthor.respond", write=True)
def _coauthor_respond(user: Any, coauthorship: Any) -> bool:
    """An administrator of the invited association accepts or declines."""
    return (
        coauthorship.status == "invited"
        and authors_open(coauthorship.proposal)
        and coauthorship.association_id in admin_association_ids(user)
    )


@rule("coauthor.remove", write=True)
def _coauthor_remove(user: Any, coauthorship: Any) -> bool:
    """The lead removes a co-author; a co-author's members may leave."""
    if coauthorship.status == "declined" or not authors_open(coauthorship.proposal):
        return False
    ids = association_ids(user)
    return coauthorship.association_id in ids or coauthorship.proposal.association_id in ids


@rule("proposal.history")
def _proposal_history(user: Any, proposal: Any) -> bool:
    return can(user, "content.visible", proposal)


@rule("amendment.create", write=True)
def _amendment_create(user: Any, proposal: Any) -> bool:
    """Anyone logged in who is not an author suggests changes to a published proposal."""
    return (
        _can_participate(user)
        and proposal.state in OPEN_STATES
        and can(user, "content.visible", proposal)
        and not is_author_of_proposal(user, proposal)
    )


@rule("amendment.decide", write=True)
def _amendment_decide(user: Any, proposal: Any) -> bool:
    return proposal.state in EDITABLE_STATES and is_author_of_proposal(user, proposal)


@rule("notification.manage")
def _notification_manage(user: Any, notification: Any) -> bool:
    """Only the person notified may mark a notification read."""
    return _authenticated(user) and notification is not None and notification.user_id == user.id


# --- Calls for projects ---------------------------------------------------------------------


@rule("call.manage", write=True)
def _call_manage(user: Any, call: Any) -> bool:
    """Setting up calls, assigning evaluators, instruction steps, decisions and results."""
    return _admin(user)


@rule("call.submit", write=True)
def _call_submit(user: Any, proposal: Any) -> bool:
    """The co-authors (lead and accepted co-authors) submit their proposal to a call."""
    return is_author_of_proposal(user, proposal)


@rule("call.send_back", write=True)
def _call_send_back(user: Any, proposal: Any) -> bool:
    """The moderator of one of the proposal's poles, or an admin, asks for changes."""
    if _admin(user):
        return True
    mine = moderated_pole_ids(user)
    return bool(mine) and any(p.id in mine for p in proposal.poles)


@rule("call.evaluate", write=True)
def _call_evaluate(user: Any, assignment: Any) -> bool:
    """The evaluator assigned, unless their association has become an author since (a conflict
    of interest arising after assignment: see app.calls.evaluation.has_conflict)."""
    if assignment.evaluator_id != user.id:
        return False
    return not is_author_of_proposal(user, db.session.get(Proposal, assignment.submission.proposal_id))


@rule("call.rank")
def _call_rank(user: Any, call: Any) -> bool:
    """The ranking table: admins, and evaluators of this call."""
    return _admin(user) or (_authenticated(user) and is_evaluator_of(user, call))


@rule("project.report", write=True)
def _project_report(user: Any, proposal: Any) -> bool:
    """A selected project's authors report its indicators and progress."""
    return proposal.state == "selected" and is_author_of_proposal(user, proposal)


@rule("project.replicate", write=True)
def _project_replicate(user: Any, proposal: Any) -> bool:
    """Another association reproduces a selected project on its own territory."""
    return proposal.state == "selected" and bool(association_ids(user) - author_association_ids(proposal))


# --- Moderation and accompaniment -----------------------------------------------------------


def _moderates_any(user: Any, pole_ids: Any) -> bool:
    return _admin(user) or bool(moderated_pole_ids(user) & set(pole_ids))


@rule("content.report", write=True)
def _content_report(user: Any, item: Any) -> bool:
    # Own content, a second report or a hidden item get a French message from the service.
    return _can_participate(user)


@rule("content.moderate", write=True)
def _content_moderate(user: Any, item: Any) -> bool:
    """An idea, proposal or comment: by admins, and by the moderators of any of its poles."""
    if _admin(user):
        return True
    return _authenticated(user) and user.is_pole_moderator and item is not None and _moderates_any(user, poles_of(item))


@rule("content.see_hidden")
def _content_see_hidden(user: Any, item: Any) -> bool:
    """Hidden content stays readable by its authors (with a notice) and its moderators."""
    if not _authenticated(user):
        return False
    if getattr(item, "kind", None) == "proposal":
        own = is_author_of_proposal(user, item)
    else:
        own = item.author_id == user.id
    return own or can(user, "content.moderate", item)


@rule("content.contest")
def _content_contest(user: Any, item: Any) -> bool:
    """Its authors may contest a decision on their content: suspended too (not a write rule), since
    contesting is how a wrong decision gets undone. The service says when there is nothing to contest."""
    if not _authenticated(user) or item is None:
        return False
    if getattr(item, "kind", None) == "proposal":
        return is_author_of_proposal(user, item)
    return item.author_id == user.id


@rule("account.contest_suspension")
def _account_contest_suspension(user: Any, obj: Any) -> bool:
    """A suspended person may ask the administrators to review their suspension."""
    return _authenticated(user) and user.is_suspended


@rule("content.visible")
def _content_visible(user: Any, item: Any) -> bool:
    """May this person read this idea, proposal or comment? The one question every read path asks
    (a detail page shows a notice in its place): a proposal's state first (drafts are their
    authors'), then moderation (hidden content stays readable by its authors and moderators)."""
    if getattr(item, "kind", None) == "proposal" and not can(user, "proposal.view", item):
        return False
    return item.hidden_at is None or can(user, "content.see_hidden", item)


@rule("moderation.access")
def _moderation_access(user: Any, obj: Any) -> bool:
    """The moderation area: admins and pole moderators (each sees their pole's part)."""
    return _admin(user) or (_authenticated(user) and user.is_pole_moderator)


@rule("moderation.all_poles")
def _moderation_all_poles(user: Any, obj: Any) -> bool:
    return _admin(user)


@rule("account.suspend", write=True)
def _account_suspend(user: Any, target: Any) -> bool:
    # Admins suspend; nobody suspends an administrator or themselves.
    return _admin(user) and (target is None or (not target.is_admin and target.id != user.id))


def _looks_after(user: Any, target: Any) -> bool:
    """A pole moderator looks after the accounts that took part in their pole, never another
    pole's moderator; admins look after every account."""
    if _admin(user):
        return True
    if not (_authenticated(user) and user.is_pole_moderator and target is not None):
        return False
    mine = moderated_pole_ids(user)
    if not moderated_pole_ids(target) <= mine:
        return False
    return bool(mine & participation_pole_ids(target.id))


@rule("account.review")
def _account_review(user: Any, target: Any) -> bool:
    """An account's moderation summary."""
    return _looks_after(user, target)


@rule("account.propose_suspension", write=True)
def _account_propose_suspension(user: Any, target: Any) -> bool:
    return (
        not user.is_admin
        and target is not None
        and not target.is_admin
        and target.id != user.id
        and _looks_after(user, target)
    )


@rule("partners.manage", write=True)
def _partners_manage(user: Any, pole: Any) -> bool:
    return can(user, "pole.moderate", pole)


@rule("accompaniment.request", write=True)
def _accompaniment_request(user: Any, proposal: Any) -> bool:
    return proposal.state in PUBLIC_STATES and is_author_of_proposal(user, proposal)


@rule("accompaniment.decide", write=True)
def _accompaniment_decide(user: Any, accompaniment: Any) -> bool:
    """The pole asked: its moderators (and admins) accept, name the referent or decline."""
    return accompaniment is not None and _moderates_any(user, [accompaniment.pole_id])


def _accompanying(user: Any, accompaniment: Any) -> bool:
    if accompaniment is None or accompaniment.state != AccompanimentState.ACCEPTED:
        return False
    return _moderates_any(user, [accompaniment.pole_id]) or (
        _authenticated(user) and accompaniment.referent_id == user.id
    )


@rule("accompaniment.manage", write=True)
def _accompaniment_manage(user: Any, accompaniment: Any) -> bool:
    """Linking partners and related proposals: the referent, the pole's moderators, admins."""
    return _accompanying(user, accompaniment)


@rule("private_space.view")
def _private_space_view(user: Any, accompaniment: Any) -> bool:
    """Never public: the proposal's authors, the referent, the pole's moderators, admins."""
    if _accompanying(user, accompaniment):
        return True
    if accompaniment is None or accompaniment.state != AccompanimentState.ACCEPTED or not _authenticated(user):
        return False
    return accompaniment.proposal_id is not None and is_author_of_proposal(
        user, db.session.get(Proposal, accompaniment.proposal_id)
    )


@rule("private_space.post", write=True)
def _private_space_post(user: Any, accompaniment: Any) -> bool:
    return can(user, "private_space.view", accompaniment)


# --- Follows and profiles ---------------------------------------------------------------------


@rule("follow.toggle", write=True)
def _follow_toggle(user: Any, target: Any) -> bool:
    """Anyone with an account follows what they can see (a draft only its authors)."""
    if not _authenticated(user):
        return False
    if getattr(target, "kind", None) == "proposal":
        return can(user, "proposal.view", target)
    return True


@rule("territory.manage", write=True)
def _territory_manage(user: Any, obj: Any) -> bool:
    """Units, their communes and the import of official communes: administrators."""
    return _admin(user)


# --- Attachments (app/attachments) ------------------------------------------------------------


@rule("attachment.manage", write=True)
def _attachment_manage(user: Any, proposal: Any) -> bool:
    """The co-authors add and remove a proposal's files while they may change its text: once
    submitted, the files are frozen with it."""
    return proposal.state in EDITABLE_STATES and is_author_of_proposal(user, proposal)


@rule("association.documents")
def _association_documents(user: Any, association: Any) -> bool:
    """An association's profile documents (statutes, accounts, RIB: bank details among them) are
    not public: its members, the platform's administrators, and the evaluators of a call it
    deposited to, who need them to examine the dossier."""
    if _admin(user) or (association is not None and association.id in association_ids(user)):
        return True
    return bool(
        _authenticated(user)
        and association is not None
        and db.session.scalar(
            select(Assignment.id)
            .join(Submission)
            .join(Proposal, Proposal.id == Submission.proposal_id)
            .where(Assignment.evaluator_id == user.id, Proposal.association_id == association.id)
            .limit(1)
        )
    )


@rule("attachment.download")
def _attachment_download(user: Any, attachment: Any) -> bool:
    """A proposal's files are exactly as visible as the proposal (a draft's stay with its authors)."""
    if attachment.proposal_id is not None:
        # content.visible asks proposal.view first, then moderation (a hidden proposal hides its files).
        return can(user, "content.visible", attachment.proposal)
    return can(user, "association.documents", attachment.association)

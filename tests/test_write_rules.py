"""Every rule that lets someone change something requires an active account (issue 14, finding 5).

The registry says which rules are writes (``@rule(..., write=True)``); these tests walk all of
them with a suspended account of each role, and walk every POST route to check it asks one.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models import (
    Accompaniment,
    AccompanimentState,
    Assignment,
    Association,
    CoauthorStatus,
    Membership,
    ProposalCoauthor,
    ProposalState,
    Submission,
)
from app.models.base import utcnow
from app.models.participation import proposal_poles
from app.permissions import ANONYMOUS_ONLY, PUBLIC, can, known_actions, write_actions
from tests import factories
from tests.factories import make_comment, make_idea, make_proposal
from tests.helpers import html

ROLES = ["resident", "member", "moderator", "admin"]


@pytest.fixture
def world(app: Flask, territory, resident, member, moderator, admin) -> dict:
    """One object per write rule, for which at least one active role may do it."""
    association = db.session.scalar(select(Association).join(Membership).where(Membership.user_id == member.id))
    other_admin = factories.make_user("Autre association")
    other = factories.make_association("Le Relais du Bassin", territory.bassin_commune, admins=[other_admin])
    idea = make_idea(resident, territory.medoc_commune)
    comment = make_comment(idea, resident)
    proposal = make_proposal(association, member)
    db.session.execute(proposal_poles.insert().values(proposal_id=proposal.id, pole_id=territory.medoc.id))
    selected_own = make_proposal(association, member, state=ProposalState.SELECTED)
    selected_other = make_proposal(other, other_admin, state=ProposalState.SELECTED)
    theirs = make_proposal(other, other_admin)
    invitation = ProposalCoauthor(
        proposal_id=theirs.id,
        association_id=association.id,
        invited_by_id=other_admin.id,
        status=CoauthorStatus.INVITED,
    )
    db.session.add(invitation)
    db.session.commit()
    set_committed_value(invitation, "proposal", theirs)
    set_committed_value(proposal, "poles", [territory.medoc])
    # Never stored: the rules read only these attributes.
    assignment = Assignment(evaluator_id=moderator.id, submission=Submission(proposal_id=theirs.id))
    requested = Accompaniment(proposal_id=proposal.id, pole_id=territory.medoc.id, state=AccompanimentState.REQUESTED)
    accepted = Accompaniment(proposal_id=proposal.id, pole_id=territory.medoc.id, state=AccompanimentState.ACCEPTED)
    return {
        "users": {"resident": resident, "member": member, "moderator": moderator, "admin": admin},
        "objects": {
            "profile.edit": None,
            "association.create": None,
            "association.edit": association,
            "association.manage_members": association,
            "association.verify": association,
            "association.own_membership": association,
            "invitation.respond": None,
            "idea.create": None,
            "idea.edit": idea,
            "idea.take_up": idea,
            "proposal.create": association,
            "proposal.edit": proposal,
            "proposal.transition": proposal,
            "comment.create": idea,
            "comment.edit": comment,
            "comment.delete": comment,
            "support.toggle": proposal,
            "proposal.manage_coauthors": proposal,
            "coauthor.respond": invitation,
            "coauthor.remove": invitation,
            "amendment.create": proposal,
            "amendment.decide": proposal,
            "call.manage": None,
            "taxonomy.manage": None,
            "collectivity.edit": None,
            "people.manage": None,
            "people.erase": resident,
            "questions.manage": None,
            "call.submit": proposal,
            "call.send_back": proposal,
            "call.evaluate": assignment,
            "project.report": selected_own,
            "project.replicate": selected_other,
            "content.report": idea,
            "content.moderate": idea,
            "account.suspend": resident,
            "account.propose_suspension": resident,
            "partners.manage": territory.medoc,
            "accompaniment.request": proposal,
            "accompaniment.decide": requested,
            "accompaniment.manage": accepted,
            "private_space.post": accepted,
            "follow.toggle": idea,
            "territory.manage": None,
            "attachment.manage": proposal,
        },
    }


def test_the_registry_says_which_rules_are_writes(app: Flask):
    writes = write_actions()
    assert writes < known_actions()
    # Reading rules stay reads; a few writes for certain.
    assert {"proposal.view", "content.visible", "account.use", PUBLIC}.isdisjoint(writes)
    assert {"comment.create", "idea.edit", "follow.toggle", "account.propose_suspension"} <= writes


def test_every_write_rule_is_walked(world):
    # A new write rule must be added to the walk below (with an object someone may change).
    assert set(world["objects"]) == set(write_actions())


def test_every_write_rule_refuses_a_suspended_account_of_each_role(world):
    users, objects = world["users"], world["objects"]
    allowed = {action: [r for r in ROLES if can(users[r], action, obj)] for action, obj in objects.items()}
    # Not a vacuous walk: each write is open to some active role on this object.
    assert [action for action, roles in allowed.items() if not roles] == []
    for user in users.values():
        user.suspended_at = utcnow()  # the rules read the account as loaded: no commit needed
    still = {(action, r) for action, obj in objects.items() for r in ROLES if can(users[r], action, obj)}
    assert still == set()


# POST routes that change nothing anyone else sees, or whose object-level write rule is asked
# inside the view: each with the reason it is not declared as a write.
NOT_WRITES = {
    "auth.login": "anonymous: logging in",
    "auth.register": "anonymous: creating an account",
    "auth.register_check": "anonymous: checking a field while typing",
    "auth.forgot_password": "anonymous: the e-mail is the credential",
    "auth.reset_password": "anonymous: the signed link is the credential",
    "notifications.unsubscribe": "the signed link: a suspended person may stop e-mails",
    "auth.change_password": "securing one's own account stays possible when suspended",
    "auth.logout": "leaving stays possible when suspended",
    "auth.logout_everywhere": "securing one's own account stays possible when suspended",
    "auth.resend_verification": "one's own address: asking for the link again",
    "auth.verify_email": "the signed link is the credential",
    "auth.change_email": "securing one's own account (art. 16) stays possible when suspended",
    "auth.confirm_email_change": "the signed link is the credential",
    "auth.delete_account": "the right to erasure (art. 17) stays when suspended",
    "mydata.request_copy": "a copy of one's own data (art. 15 and 20) stays possible when suspended",
    "mydata.download": "one's own copy: the signed link and the login are the credential",
    "notifications.preferences": "a suspended person may stop e-mails",
    "notifications.mark_all_read": "one's own inbox",
    "notifications.mark_read": "one's own inbox",
    "moderation.bulk": "each case asks content.moderate (a write) in the view",
    "accompaniment.space": "a message asks private_space.post (a write) in the view",
    "moderation.contest": "contesting a decision stays possible when suspended: it is how a wrong one is undone",
    "moderation.contest_suspension": "only a suspended person contests a suspension",
}


def test_every_post_route_asks_a_write_rule(app: Flask):
    writes = write_actions()
    offenders = []
    for url_rule in app.url_map.iter_rules():
        if "POST" not in url_rule.methods:
            continue
        action = app.view_functions[url_rule.endpoint].access_action
        if action not in writes and url_rule.endpoint not in NOT_WRITES:
            offenders.append(f"{url_rule.rule} -> {url_rule.endpoint} ({action})")
    assert offenders == []
    # The exemptions stay honest: anonymous forms or reads, never a write rule.
    for endpoint, _reason in NOT_WRITES.items():
        action = app.view_functions[endpoint].access_action
        assert action not in writes or action in (PUBLIC, ANONYMOUS_ONLY), endpoint


def test_a_suspended_resident_cannot_rename_follow_or_edit_through_the_routes(app, territory, resident):
    idea = make_idea(resident, territory.medoc_commune)
    resident.suspended_at = utcnow()
    db.session.commit()
    client = app.test_client().login_as(resident)
    assert client.post("/compte/nom", data={"name-display_name": "Nouveau nom"}).status_code == 403
    assert client.post(f"/idees/{idea.id}/suivre").status_code == 403
    assert client.get(f"/idees/{idea.id}/modifier").status_code == 403
    assert client.post("/associations/nouvelle", data={"name": "Asso"}).status_code == 403
    # Securing the account and leaving stay possible.
    page = client.get("/compte")
    assert page.status_code == 200 and "Votre compte est suspendu" in html(page)
    assert 'action="/compte/nom"' not in html(page) and 'action="/compte/mot-de-passe"' in html(page)
    assert client.post("/deconnexion").status_code == 302

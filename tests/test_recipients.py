"""Who is told about a proposal: the members of its lead association and of the associations that
accepted to co-author it, once each. Every kind of news about a proposal reaches the same people."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accompaniment import services as accompaniment
from app.extensions import db
from app.models import CoauthorStatus, ModerationCase, Notification, ProposalCoauthor
from app.models.participation import proposal_poles
from app.moderation import services as moderation
from app.notifications.recipients import proposal_recipients
from app.proposals.services import get_proposal
from tests import factories
from tests.helpers import count_queries


def _coauthor(proposal, association, status, invited_by):
    db.session.add(
        ProposalCoauthor(
            proposal_id=proposal.id, association_id=association.id, status=status, invited_by_id=invited_by.id
        )
    )
    db.session.commit()


@pytest.fixture
def people(app, territory):
    """A lead association A, B that accepted to co-author, C still invited, D that declined."""
    p = {name: factories.make_user(name) for name in ("lead", "lead_and_co", "co", "invited", "declined", "outsider")}
    a = factories.make_association("A", territory.medoc_commune, admins=[p["lead"]], members=[p["lead_and_co"]])
    b = factories.make_association("B", territory.medoc_commune, admins=[p["co"]], members=[p["lead_and_co"]])
    c = factories.make_association("C", territory.medoc_commune, admins=[p["invited"]])
    d = factories.make_association("D", territory.medoc_commune, admins=[p["declined"]])
    proposal = factories.make_proposal(a, p["lead"], title="Un atelier vélo partagé")
    db.session.execute(proposal_poles.insert(), [{"proposal_id": proposal.id, "pole_id": territory.medoc.id}])
    _coauthor(proposal, b, CoauthorStatus.ACCEPTED, p["lead"])
    _coauthor(proposal, c, CoauthorStatus.INVITED, p["lead"])
    _coauthor(proposal, d, CoauthorStatus.DECLINED, p["lead"])
    p["proposal"] = proposal
    return p


def test_lead_and_accepted_coauthors_once_each_in_one_query(people):
    proposal = people["proposal"]
    expected = sorted(people[name].id for name in ("lead", "lead_and_co", "co"))
    db.session.refresh(proposal)  # loaded, co-authors and all: the helper asks the database anyway
    with count_queries() as log:
        assert proposal_recipients(proposal) == expected
    assert log.count == 1
    assert proposal_recipients(proposal, exclude=people["lead"].id) == expected[1:]


def _told(user, kind) -> bool:
    return (
        db.session.scalar(select(Notification.id).where(Notification.user_id == user.id, Notification.kind == kind))
        is not None
    )


def _nobody_else_told(people) -> bool:
    ids = [people[name].id for name in ("invited", "declined", "outsider")]
    return db.session.scalar(select(Notification.id).where(Notification.user_id.in_(ids))) is None


# Before one helper, comments, moderation and accompaniment told the lead association only.


def test_a_coauthor_hears_of_comments(people):
    factories.make_comment(people["proposal"], people["outsider"], "Je viendrais volontiers réparer mon vélo.")
    assert _told(people["co"], "comment_new") and _told(people["lead_and_co"], "comment_new")
    assert _nobody_else_told(people)


def test_a_coauthor_hears_of_moderation(people, moderator):
    moderation.report(people["outsider"], people["proposal"], "spam")
    moderation.act(db.session.scalar(select(ModerationCase)), "ask_edit", moderator, "Précisez le lieu.")
    assert _told(people["co"], "moderation_ask_edit")
    assert _nobody_else_told(people)


def test_a_coauthor_hears_of_accompaniment(people, moderator, territory):
    proposal = get_proposal(people["proposal"].id)  # with its association, as the page loads it
    request = accompaniment.request_accompaniment(proposal, people["lead"], territory.medoc.id)
    accompaniment.decide(request, proposal, moderator, accept=True, referent_id=moderator.id)
    assert _told(people["co"], "accompaniment_decided")
    accompaniment.post_message(proposal, request, moderator, "Bienvenue dans l'espace d'échange.")
    assert _told(people["co"], "private_message")
    assert _nobody_else_told(people)

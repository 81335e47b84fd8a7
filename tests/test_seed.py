"""``flask seed-large`` at a small scale: every counter matches its rows, every constraint holds."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, Idea, Membership, Proposal, ProposalState, Support, User
from app.models.participation import proposal_communes, proposal_poles
from app.proposals.questions import text_of
from app.seed import seed_large
from tests import factories


def _count(column, subject_id) -> int:
    return db.session.scalar(select(func.count()).where(column == subject_id))


def test_seed_large_small_scale(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-large", "--proposals", "50", "--comments", "300", "--supports", "500"])
    assert result.exit_code == 0, result.output
    assert "proposals : 50" in result.output and "comments : 300" in result.output and "supports : 500" in result.output

    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 50
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 300
    assert db.session.scalar(select(func.count()).select_from(Support)) == 500
    # Seeded people can take part (confirmed addresses), each with a session token of their own.
    users = list(db.session.scalars(select(User)))
    assert all(u.is_verified for u in users) and len({u.session_token for u in users}) == len(users)

    for idea in db.session.scalars(select(Idea)):
        assert idea.support_count == _count(Support.idea_id, idea.id)
        assert idea.comment_count == _count(Comment.idea_id, idea.id)
    for proposal in db.session.scalars(select(Proposal)):
        assert proposal.state == ProposalState.PUBLISHED and proposal.published_at is not None
        assert (
            text_of(proposal, "need")
            and text_of(proposal, "experimentation")
            and proposal.budget_eur
            and proposal.duration_months
        )
        assert proposal.support_count == _count(Support.proposal_id, proposal.id)
        assert proposal.comment_count == _count(Comment.proposal_id, proposal.id)
        assert _count(proposal_poles.c.proposal_id, proposal.id) >= 1
        assert _count(proposal_communes.c.proposal_id, proposal.id) >= 1

    # The benchmark's "proposal with 200 comments" is printed and exists.
    heavy = int(result.output.split("/propositions/")[1].split()[0])
    assert db.session.get(Proposal, heavy).comment_count >= 200

    # Threads: a reply's parent is on the same subject, one level up, under the same root.
    comments = {c.id: c for c in db.session.scalars(select(Comment))}
    replies = [c for c in comments.values() if c.parent_id]
    assert replies
    for reply in replies:
        parent = comments[reply.parent_id]
        assert (parent.idea_id, parent.proposal_id) == (reply.idea_id, reply.proposal_id)
        assert reply.depth == parent.depth + 1 <= 2
        assert reply.root_id == (parent.root_id or parent.id)
        assert comments[reply.root_id].depth == 0
        assert reply.body_html.startswith("<")

    # Nobody supports their own association's proposal; display names are unique.
    own = db.session.scalar(
        select(func.count())
        .select_from(Support)
        .join(Proposal, Proposal.id == Support.proposal_id)
        .join(
            Membership, (Membership.user_id == Support.user_id) & (Membership.association_id == Proposal.association_id)
        )
    )
    assert own == 0
    assert db.session.scalar(select(func.count(func.distinct(User.display_name_key)))) == db.session.scalar(
        select(func.count()).select_from(User)
    )

    # The seeded pages render, and new rows still get fresh ids afterwards (PostgreSQL sequences).
    client = app.test_client()
    assert client.get(f"/propositions/{heavy}").status_code == 200
    member = db.session.scalar(select(Membership).limit(1))
    author = db.session.get(User, member.user_id)
    from app.models import Association

    assert factories.make_proposal(db.session.get(Association, member.association_id), author).id > heavy


def test_seed_large_refuses_impossible_numbers(app):
    result = app.test_cli_runner().invoke(
        args=["seed-large", "--proposals", "1", "--comments", "0", "--supports", "100000"]
    )
    assert result.exit_code != 0
    assert "cannot place" in result.output
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_seed_large_twice_adds_more(app):
    first = seed_large(proposals=5, comments=20, supports=30)
    second = seed_large(proposals=5, comments=20, supports=30)
    assert second.heavy_proposal_id > first.heavy_proposal_id
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 10
    assert db.session.scalar(select(func.count()).select_from(Support)) == 60

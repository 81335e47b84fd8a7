from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD, POLES, demo_accounts, load_demo
from app.extensions import db
from app.models import (
    Association,
    Call,
    Comment,
    Commune,
    Idea,
    Membership,
    Pole,
    PoleRole,
    Proposal,
    ProposalCoauthor,
    Support,
    User,
)
from tests.helpers import text


def _snapshot():
    return {
        model.__name__: db.session.execute(select(model).order_by(model.id)).scalars().all().__len__()
        for model in (
            Pole,
            Commune,
            User,
            Association,
            Membership,
            Call,
            Idea,
            Proposal,
            Comment,
            Support,
            ProposalCoauthor,
        )
    } | {
        "users": db.session.execute(select(User.email, User.display_name, User.password_hash).order_by(User.id)).all(),
        "calls": db.session.execute(select(Call.slug, Call.opens_at, Call.closes_at)).all(),
        "counts": db.session.execute(
            select(Proposal.title, Proposal.support_count, Proposal.comment_count).order_by(Proposal.id)
        ).all(),
    }


def test_demo_load_is_idempotent(app):
    load_demo()
    first = _snapshot()
    load_demo()
    db.session.expire_all()
    assert _snapshot() == first


def test_demo_territory_is_gironde(app):
    load_demo()
    names = set(db.session.scalars(select(Pole.name)))
    assert names == {
        "Bassin",
        "Bordeaux",
        "Graves",
        "Haute-Gironde",
        "Hauts-de-Garonne",
        "Libournais",
        "Médoc",
        "Porte du Médoc",
        "Sud-Gironde",
    }
    assert names == set(POLES)
    for pole in db.session.scalars(select(Pole)):
        assert db.session.scalar(select(func.count(Commune.id)).where(Commune.pole_id == pole.id)) >= 1
    assert db.session.scalar(select(func.count(Commune.id)).where(Commune.is_demo.is_(False))) == 0


def test_demo_accounts_cover_every_role_and_log_in(app, client):
    load_demo()
    accounts = demo_accounts()
    # The erased demo account (a comment under "Compte supprimé") has no address left.
    users = {u.email: u for u in db.session.scalars(select(User).where(User.deleted_at.is_(None)))}
    assert {a.email for a in accounts} == set(users)
    # Ready to take part: every demo address is confirmed.
    assert all(u.is_verified for u in users.values())
    assert any(u.is_admin for u in users.values())
    assert set(db.session.scalars(select(PoleRole.pole_id).where(PoleRole.role == "moderator"))) == set(
        db.session.scalars(select(Pole.id))
    )
    assert db.session.scalar(select(func.count(Membership.id))) >= 3
    for email in (
        "admin@tisser.demo",
        "moderation.medoc@tisser.demo",
        "asso.bassin@tisser.demo",
        "habitant1@tisser.demo",
    ):
        c = app.test_client()
        response = c.post("/connexion", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email


def test_demo_cli_refuses_production_without_force(app):
    app.config["TISSER_ENV"] = "production"
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "Refusé en production" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_demo_cli_prints_the_accounts(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert DEMO_PASSWORD in result.output and "admin@tisser.demo" in result.output


def test_demo_has_participation_to_look_at(app, client):
    """A newcomer's `make run` shows ideas, proposals (one co-authored, one from an idea), a
    discussion with replies and supports; the draft stays with its association."""
    load_demo()
    ideas = text(client.get("/idees/"))
    assert "Rompre l'isolement des seniors de Lesparre" in ideas and "1 soutien" in ideas
    listed = text(client.get("/propositions/?tri=recent"))
    assert "Cuisine partagée et jardin pour les familles du Bassin" in listed
    assert "Visites de convivialité et pair-aidance à Lesparre" in listed
    assert "Une épicerie mobile dans les villages du Libournais" not in listed
    bassin = db.session.scalar(select(Proposal).where(Proposal.title.like("Cuisine partagée%")))
    page = text(client.get(f"/propositions/{bassin.id}"))
    assert "Épicerie solidaire du Libournais" in page  # the co-author
    assert "pendant les vacances, deux ateliers par semaine" in page  # a reply in the thread
    assert bassin.comment_count == 3 and bassin.support_count == 2
    # An erased account's comment stays, signed "Compte supprimé"; its support left the count.
    lesparre = db.session.scalar(select(Proposal).where(Proposal.title.like("Visites de convivialité%")))
    page = text(client.get(f"/propositions/{lesparre.id}"))
    assert "Je quitte la région" in page and "Compte supprimé" in page
    replies = db.session.scalars(
        select(Comment.depth).where(Comment.proposal_id == bassin.id).order_by(Comment.id)
    ).all()
    assert replies == [0, 1, 2]
    from_idea = db.session.scalar(select(Proposal).where(Proposal.title.like("Visites de convivialité%")))
    assert "Rompre l'isolement des seniors de Lesparre" in text(client.get(f"/propositions/{from_idea.id}"))
    # Its association sees the draft.
    member = db.session.scalar(select(User).where(User.email == "asso.libournais@tisser.demo"))
    drafts = text(app.test_client().login_as(member).get("/propositions/"))
    assert "Une épicerie mobile dans les villages du Libournais" in drafts

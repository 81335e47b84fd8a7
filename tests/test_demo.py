from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD, POLES, demo_accounts, load_demo
from app.extensions import db
from app.models import Association, Call, Commune, Membership, Pole, User


def _snapshot():
    return {
        model.__name__: db.session.execute(select(model).order_by(model.id)).scalars().all().__len__()
        for model in (Pole, Commune, User, Association, Membership, Call)
    } | {
        "users": db.session.execute(select(User.email, User.display_name, User.password_hash).order_by(User.id)).all(),
        "calls": db.session.execute(select(Call.slug, Call.opens_at, Call.closes_at)).all(),
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
        "Bassin", "Bordeaux", "Graves", "Haute-Gironde", "Hauts-de-Garonne",
        "Libournais", "Médoc", "Porte du Médoc", "Sud-Gironde",
    }
    assert names == set(POLES)
    for pole in db.session.scalars(select(Pole)):
        assert db.session.scalar(select(func.count(Commune.id)).where(Commune.pole_id == pole.id)) >= 1
    assert db.session.scalar(select(func.count(Commune.id)).where(Commune.is_demo.is_(False))) == 0


def test_demo_accounts_cover_every_role_and_log_in(app, client):
    load_demo()
    accounts = demo_accounts()
    users = {u.email: u for u in db.session.scalars(select(User))}
    assert {a.email for a in accounts} == set(users)
    assert any(u.is_admin for u in users.values())
    assert {u.moderated_pole_id for u in users.values() if u.moderated_pole_id} == set(db.session.scalars(select(Pole.id)))
    assert db.session.scalar(select(func.count(Membership.id))) >= 3
    for email in ("admin@tisser.demo", "moderation.medoc@tisser.demo", "asso.bassin@tisser.demo", "habitant1@tisser.demo"):
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

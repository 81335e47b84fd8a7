"""First run: ``flask setup admin`` on an empty database, and the demo presets of ``flask demo load``
and ``make run DEMO=...``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import demo, demo_presets
from app.extensions import db
from app.models import Pole, User

GOOD_PASSWORD = "une phrase de passe solide"
ROOT = Path(__file__).resolve().parent.parent


def _admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_admin.is_(True))))


def _setup(app, args=(), env=None, input=None):
    return app.test_cli_runner().invoke(args=["setup", "admin", *args], env=env or {}, input=input)


def test_interactive_setup_creates_an_administrator_who_logs_in(app, client):
    result = _setup(app, input=f"chef@collectivite.fr\n{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Compte d'administration créé : chef@collectivite.fr" in result.output and "/admin" in result.output
    [admin] = _admins()
    assert admin.display_name == "Administration" and admin.email_verified_at is not None
    response = client.post("/connexion", data={"email": "chef@collectivite.fr", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_setup_from_environment_variables_asks_nothing(app):
    env = {
        "TISSER_ADMIN_EMAIL": "Ops@Collectivite.fr",
        "TISSER_ADMIN_NAME": "Équipe numérique",
        "TISSER_ADMIN_PASSWORD": GOOD_PASSWORD,
    }
    # No input at all: a prompt would abort the command.
    result = _setup(app, env=env, input="")
    assert result.exit_code == 0, result.output
    [admin] = _admins()
    assert (admin.email, admin.display_name) == ("ops@collectivite.fr", "Équipe numérique")
    assert admin.check_password(GOOD_PASSWORD)


@pytest.mark.parametrize("password", ["court", "x" * 129])
def test_setup_refuses_a_password_registration_would_refuse(app, password):
    result = _setup(app, env={"TISSER_ADMIN_EMAIL": "chef@collectivite.fr", "TISSER_ADMIN_PASSWORD": password})
    assert result.exit_code != 0
    assert "Le mot de passe doit faire entre 12 et 128 caractères." in result.output
    assert _admins() == []


def test_interactive_setup_refuses_a_weak_password(app):
    result = _setup(app, input="chef@collectivite.fr\ncourt\ncourt\n")
    assert result.exit_code != 0 and "entre 12 et 128 caractères" in result.output
    assert _admins() == []


def test_setup_refuses_an_invalid_address(app):
    result = _setup(app, env={"TISSER_ADMIN_EMAIL": "pas-une-adresse", "TISSER_ADMIN_PASSWORD": GOOD_PASSWORD})
    assert result.exit_code != 0 and "n'est pas valide" in result.output
    assert _admins() == []


def test_setup_refuses_to_run_twice_unless_asked_for_another(app):
    env = {"TISSER_ADMIN_EMAIL": "chef@collectivite.fr", "TISSER_ADMIN_PASSWORD": GOOD_PASSWORD}
    assert _setup(app, env=env).exit_code == 0
    second = {**env, "TISSER_ADMIN_EMAIL": "autre@collectivite.fr"}
    refused = _setup(app, env=second)
    assert refused.exit_code != 0
    assert "Un compte d'administration existe déjà" in refused.output and "--another" in refused.output
    assert [a.email for a in _admins()] == ["chef@collectivite.fr"]
    added = _setup(app, args=["--another", "--name", "Seconde administration"], env=second)
    assert added.exit_code == 0, added.output
    assert sorted(a.email for a in _admins()) == ["autre@collectivite.fr", "chef@collectivite.fr"]


def test_setup_refuses_an_address_already_registered(app):
    from tests import factories

    factories.make_user("Résidente", email="chef@collectivite.fr")
    result = _setup(app, env={"TISSER_ADMIN_EMAIL": "chef@collectivite.fr", "TISSER_ADMIN_PASSWORD": GOOD_PASSWORD})
    assert result.exit_code != 0 and "Un compte existe déjà avec cette adresse" in result.output
    assert _admins() == []


# --- Demo presets ----------------------------------------------------------------------------------


def test_demo_load_takes_a_preset(app):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--preset", "gironde"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Pole.id))) == len(demo.POLES)


def test_an_unknown_preset_is_a_clear_error(app):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--preset", "atlantide"])
    assert result.exit_code != 0
    assert "Préréglage de démonstration inconnu : « atlantide ». Disponibles : gironde" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_a_preset_is_one_entry_of_the_registry(app, monkeypatch):
    loaded = []
    monkeypatch.setitem(demo_presets.PRESETS, "lyon", lambda: loaded.append("lyon"))
    result = app.test_cli_runner().invoke(args=["demo", "load", "--preset", "lyon"])
    assert result.exit_code == 0, result.output
    assert loaded == ["lyon"]
    assert db.session.scalar(select(func.count(Pole.id))) == 0


def _make_dry_run(*args: str) -> str:
    env = {"PATH": "/usr/bin:/bin"}  # no DATABASE_URL from the test run
    return subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout


def test_make_run_keeps_gironde_on_its_database_and_gives_another_preset_its_own():
    gironde = _make_dry_run()
    assert "flask demo load --preset gironde" in gironde and "DATABASE_URL" not in gironde
    lyon = _make_dry_run("DEMO=lyon")
    database = f"DATABASE_URL=sqlite:///{ROOT}/instance/tisser-lyon.sqlite3"
    assert f"{database} .venv/bin/flask db upgrade" in lyon
    assert f"{database} .venv/bin/flask demo load --preset lyon" in lyon
    assert f"{database} .venv/bin/gunicorn" in lyon

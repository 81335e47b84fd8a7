"""Links in e-mails are built from TISSER_BASE_URL, never from the request's host (issue 14,
finding 1); the site answers only to its own host in production."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from app import create_app
from app.config import from_env
from app.extensions import db
from app.models import OutboxMessage
from tests import factories
from tests.conftest import TisserClient, _base_config

BASE = "https://participer.exemple.fr"
# The attacker's own request: their session (no CSRF problem for them), the host they choose.
HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


def _links() -> list[str]:
    bodies = db.session.scalars(select(OutboxMessage.body)).all()
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


def _assert_every_link_on_the_site(links: list[str]) -> None:
    assert links
    for link in links:
        assert link.startswith(BASE + "/"), link


def test_password_reset_link_ignores_the_host_header(app, client, resident):
    app.config.update(TISSER_BASE_URL=BASE, WTF_CSRF_ENABLED=False)
    response = client.post("/mot-de-passe-oublie", data={"email": resident.email}, headers=HOSTILE)
    assert response.status_code == 302
    _assert_every_link_on_the_site(_links())


def test_invitation_link_ignores_the_host_header(app, territory):
    app.config.update(TISSER_BASE_URL=BASE, WTF_CSRF_ENABLED=False)
    admin = factories.make_user("Dominique Membre")
    association = factories.make_association("Les Jardins", territory.medoc_commune, admins=[admin])
    client = app.test_client()
    with client.session_transaction(base_url="http://evil.example") as session:
        session["_user_id"] = admin.get_id()  # logged in on the host the attacker chose
    response = client.post(
        f"/associations/{association.slug}/membres/inviter",
        data={"email": "claude@exemple.fr", "role": "member"},
        base_url="http://evil.example",
        headers=HOSTILE,
    )
    assert response.status_code == 302
    _assert_every_link_on_the_site(_links())


def test_behind_a_proxy_x_forwarded_host_is_not_trusted_unless_configured(database_url, tmp_path):
    config = {**_base_config(database_url), "PROXY_FIX": 1, "TISSER_BASE_URL": BASE, "WTF_CSRF_ENABLED": False}
    app = create_app(config)
    app.test_client_class = TisserClient

    @app.get("/host-for-test")
    def host():
        from flask import request

        return request.host

    try:
        with app.test_request_context():
            factories.make_user("Camille", email="camille@exemple.fr")
            response = app.test_client().post(
                "/mot-de-passe-oublie",
                data={"email": "camille@exemple.fr"},
                headers={"X-Forwarded-Host": "evil.example"},
            )
            assert response.status_code == 302
            _assert_every_link_on_the_site(_links())
            forwarded = {"X-Forwarded-Host": "evil.example"}
            assert app.test_client().get("/host-for-test", headers=forwarded).get_data(as_text=True) == "localhost"
    finally:
        with app.app_context():
            from tests.conftest import _empty_all_tables

            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()
    assert from_env({"SECRET_KEY": "k"})["PROXY_FIX_HOST"] == 0
    assert from_env({"SECRET_KEY": "k", "TISSER_PROXY_FIX_HOST": "1"})["PROXY_FIX_HOST"] == 1


def test_production_answers_only_to_its_own_host(app, tmp_path):
    production = from_env(
        {
            "TISSER_ENV": "production",
            "SECRET_KEY": "s" * 64,
            "TISSER_INSTANCE_DIR": str(tmp_path),
            "TISSER_BASE_URL": BASE,
        }
    )
    assert production["TRUSTED_HOSTS"] == ["participer.exemple.fr"]
    app.config["TRUSTED_HOSTS"] = production["TRUSTED_HOSTS"]
    client = app.test_client()
    assert client.get("/connexion", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/connexion", base_url=BASE).status_code == 200
    # Overridable (a health check on 127.0.0.1, a second name); open in development.
    overridden = from_env(
        {
            "TISSER_ENV": "production",
            "SECRET_KEY": "s",
            "TISSER_TRUSTED_HOSTS": "a.fr, 127.0.0.1",
            "TISSER_BASE_URL": BASE,
        }
    )
    assert overridden["TRUSTED_HOSTS"] == ["a.fr", "127.0.0.1"]
    assert from_env({"SECRET_KEY": "k"})["TRUSTED_HOSTS"] is None


def test_no_email_link_is_built_from_the_request():
    """The class of bug: every absolute URL goes through app/urls.py's ``email_url``."""
    root = Path(__file__).resolve().parent.parent / "app"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "_external=True" in path.read_text() and path.name != "urls.py"
    ]
    assert offenders == []

"""A new account confirms its address by a signed link before it takes part; it browses meanwhile."""

import re

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql

from app.auth import services
from app.auth.services import Anonymous
from app.extensions import db
from app.models import OutboxMessage, User
from app.permissions import can
from tests import factories
from tests.helpers import html, text

PASSWORD = "une phrase de passe solide"
BANNER = "Confirmez votre adresse e-mail pour participer"


def _register(client, email="alix@exemple.fr", **kwargs):
    data = {
        "email": email,
        "display_name": "Alix du Médoc",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept_terms": "y",
    }
    response = client.post("/inscription", data=data, **kwargs)
    assert response.status_code == 302
    return db.session.scalar(select(User).where(User.email == email))


def _confirmation_path() -> str:
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    assert message.subject == "Confirmez votre adresse e-mail sur Tisser"
    return re.search(r"https?://[^/\s]+(/compte/confirmer/\S+)", message.body).group(1)


@pytest.fixture
def newcomer(app):
    return factories.make_user("Nouvelle Venue", email_verified_at=None)


def test_registration_sends_a_link_built_from_the_public_address(app, client):
    # The CSRF cookie belongs to localhost: this test is about the link, not the token.
    app.config.update(TISSER_BASE_URL="https://participer.exemple.fr", WTF_CSRF_ENABLED=False)
    user = _register(client, headers={"Host": "evil.example"})
    assert not user.is_verified
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == "alix@exemple.fr"
    assert "https://participer.exemple.fr/compte/confirmer/" in message.body
    assert "evil.example" not in message.body


def test_a_new_account_browses_with_a_banner_but_does_not_take_part(app, client, territory):
    _register(client)
    idea = factories.make_idea(factories.make_user(), territory.medoc_commune)
    home = client.get("/")
    assert home.status_code == 200
    assert BANNER in text(home) and "Renvoyer le lien" in text(home) and "alix@exemple.fr" in text(home)
    page = client.get(f"/idees/{idea.id}")
    assert page.status_code == 200 and BANNER in text(page)
    assert f'action="/idees/{idea.id}/soutien"' not in html(page)
    assert "Confirmez votre adresse e-mail pour soutenir." in text(page)
    assert "pour participer à la discussion" in text(page) and 'name="body"' not in html(page)

    assert client.get("/idees/nouvelle").status_code == 403
    assert client.get("/associations/nouvelle").status_code == 403
    assert client.post(f"/idees/{idea.id}/soutien").status_code == 403
    assert client.post(f"/idees/{idea.id}/commentaires", data={"body": "Bonjour à tous !"}).status_code == 403
    assert db.session.scalar(sql("SELECT count(*) FROM supports")) == 0
    assert db.session.scalar(sql("SELECT count(*) FROM comments")) == 0


def test_every_participation_rule_needs_a_confirmed_address(app, territory, newcomer, resident):
    idea = factories.make_idea(factories.make_user(), territory.medoc_commune)
    invitation = object()  # invitation.respond checks the address separately
    actions = [
        ("idea.create", None),
        ("comment.create", idea),
        ("support.toggle", idea),
        ("content.report", idea),
        ("association.create", None),
        ("invitation.respond", invitation),
    ]
    for action, obj in actions:
        assert can(resident, action, obj), action
        assert not can(newcomer, action, obj), action
        assert not can(Anonymous(), action, obj), action


def test_an_invitation_sent_to_the_address_is_proof_enough(app, newcomer):
    from types import SimpleNamespace

    assert can(newcomer, "invitation.respond", SimpleNamespace(email=newcomer.email))
    assert not can(newcomer, "invitation.respond", SimpleNamespace(email="quelquun@exemple.fr"))
    newcomer.suspended_at = newcomer.created_at
    assert not can(newcomer, "invitation.respond", SimpleNamespace(email=newcomer.email))


def test_the_link_confirms_the_address_with_one_button(app, client):
    user = _register(client)
    path = _confirmation_path()
    page = client.get(path)
    assert page.status_code == 200
    assert "Confirmer mon adresse" in text(page) and "alix@exemple.fr" in text(page)
    # Opening the link (a mail scanner does) confirms nothing by itself.
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_verified

    response = client.post(path)
    assert response.status_code == 302
    after = client.get(response.headers["Location"])
    assert "Votre adresse e-mail est confirmée" in text(after)
    assert BANNER not in text(after)
    db.session.expire_all()
    assert db.session.get(User, user.id).is_verified
    assert client.get("/idees/nouvelle").status_code == 200


def test_the_link_works_from_another_browser_without_logging_in(app, client):
    user = _register(client)
    path = _confirmation_path()
    other = app.test_client()
    response = other.post(path)
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"
    assert other.get("/compte").status_code == 302  # confirming is not logging in
    db.session.expire_all()
    assert db.session.get(User, user.id).is_verified


def test_confirmation_needs_csrf(app, client):
    user = _register(client)
    assert client.post(_confirmation_path(), csrf=False).status_code == 400
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_verified


def test_expired_or_forged_links_are_refused_in_french(app, client, newcomer):
    token = services.email_verification_token(newcomer)
    app.config["EMAIL_VERIFICATION_MAX_AGE"] = -1
    response = client.get(f"/compte/confirmer/{token}")
    assert response.status_code == 302
    assert "Ce lien de confirmation n'est plus valable" in text(client.get(response.headers["Location"]))
    app.config["EMAIL_VERIFICATION_MAX_AGE"] = 3600
    for forged in ("nimportequoi", token[:-2] + "xx", services.password_reset_token(newcomer)):
        assert services.user_for_verification_token(forged) is None
    assert client.post(f"/compte/confirmer/{token}x").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, newcomer.id).is_verified


def test_a_link_confirms_only_the_address_it_was_sent_to(app, newcomer):
    token = services.email_verification_token(newcomer)
    assert services.user_for_verification_token(token) == newcomer
    newcomer.email = "autre@exemple.fr"
    db.session.commit()
    assert services.user_for_verification_token(token) is None


def test_resend_the_link_without_javascript(app, client, newcomer):
    client.login_as(newcomer)
    response = client.post("/compte/confirmation/renvoyer", data={"next": "/idees/"})
    assert response.status_code == 302 and response.headers["Location"] == "/idees/"
    assert "Un nouveau lien de confirmation vient d'être envoyé" in text(client.get("/idees/"))
    assert db.session.scalar(select(OutboxMessage)).recipient == newcomer.email
    # Never elsewhere than on this site.
    response = client.post("/compte/confirmation/renvoyer", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/compte"


def test_a_confirmed_account_sees_no_banner_and_gets_no_new_link(app, resident_client):
    assert BANNER not in text(resident_client.get("/"))
    response = resident_client.post("/compte/confirmation/renvoyer")
    assert "Votre adresse e-mail est déjà confirmée" in text(resident_client.get(response.headers["Location"]))
    assert db.session.scalar(select(OutboxMessage)) is None


def test_anonymous_visitors_see_no_banner(client):
    assert BANNER not in text(client.get("/"))

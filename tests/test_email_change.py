"""Changing one's address (GDPR art. 16): a signed link sent to the NEW address confirms it
before it replaces the old one, and the old address is told."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.auth import services
from app.extensions import db
from app.models import OutboxMessage, User
from tests import factories
from tests.factories import PASSWORD
from tests.helpers import text

NEW = "camille.nouvelle@exemple.fr"


def _ask(client, new_email=NEW, password=PASSWORD, **kwargs):
    return client.post("/compte/adresse", data={"email-new_email": new_email, "email-password": password}, **kwargs)


def _link_path(recipient: str = NEW) -> str:
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    )
    return re.search(r"https?://[^/\s]+(/compte/adresse/confirmer/\S+)", message.body).group(1)


def _email_of(user) -> str:
    db.session.expire_all()
    return db.session.get(User, user.id).email


def test_the_account_page_offers_the_change(resident_client):
    page = text(resident_client.get("/compte"))
    assert "Nouvelle adresse e-mail" in page and "Changer mon adresse" in page


def test_a_link_goes_to_the_new_address_and_nothing_changes_before(resident_client, resident):
    old = resident.email
    response = _ask(resident_client)
    assert response.status_code == 302
    assert _email_of(resident) == old
    path = _link_path()
    # Opening the link (a mail scanner does) changes nothing: one button, a POST.
    page = resident_client.get(path)
    assert page.status_code == 200 and NEW in text(page)
    assert _email_of(resident) == old
    assert resident_client.post(path).status_code == 302
    assert _email_of(resident) == NEW
    told = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == old))
    assert told is not None and "vient d'être changée" in told.body
    # The new address logs in, the old one no longer does.
    assert services.authenticate(NEW, PASSWORD) is not None
    assert services.authenticate(old, PASSWORD) is None


def test_a_used_link_is_refused_in_french(resident_client, resident):
    _ask(resident_client)
    path = _link_path()
    resident_client.post(path)
    response = resident_client.post(path)
    assert response.status_code == 302
    assert "Ce lien a déjà servi" in text(resident_client.get(response.headers["Location"]))


def test_an_expired_link_is_refused_in_french(app, resident_client, resident):
    _ask(resident_client)
    path = _link_path()
    app.config["EMAIL_CHANGE_MAX_AGE"] = -1
    response = resident_client.get(path)
    assert "Ce lien a expiré" in text(resident_client.get(response.headers["Location"]))
    assert _email_of(resident) != NEW
    assert resident_client.post(path[:-3] + "xyz").status_code == 302
    assert _email_of(resident) != NEW


def test_wrong_password_keeps_what_was_typed(resident_client, resident):
    response = _ask(resident_client, password="pas le bon")
    assert response.status_code == 422
    page = text(response)
    assert "Ce n'est pas votre mot de passe actuel." in page
    assert f'value="{NEW}"' in response.get_data(as_text=True)
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == NEW)) is None


@pytest.mark.parametrize("typed", ["Personne2@EXEMPLE.fr", "pas-une-adresse"])
def test_taken_or_invalid_address_is_refused_with_the_text_kept(resident_client, typed):
    factories.make_user("Autre", email="personne2@exemple.fr")
    response = _ask(resident_client, new_email=typed)
    assert response.status_code == 422
    page = text(response)
    assert "déjà celle d'un autre compte" in page or "n'est pas valide" in page
    assert f'value="{typed}"' in response.get_data(as_text=True)


def test_an_address_taken_meanwhile_is_refused_at_confirmation(resident_client, resident):
    _ask(resident_client)
    path = _link_path()
    factories.make_user("Plus rapide", email=NEW)
    response = resident_client.post(path)
    assert "devenue celle d'un autre compte" in text(resident_client.get(response.headers["Location"]))
    assert _email_of(resident) != NEW


def test_the_link_works_from_another_browser(app, resident_client, resident):
    _ask(resident_client)
    path = _link_path()
    other = app.test_client()
    assert other.get(path).status_code == 200
    assert other.post(path).status_code == 302
    assert _email_of(resident) == NEW


def test_change_needs_login_and_csrf(client, resident_client, resident):
    assert _ask(client).status_code == 302  # anonymous: sent to log in
    assert _ask(resident_client, csrf=False).status_code in (400, 422)
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == NEW)) is None


def test_confirmation_needs_csrf(resident_client, resident):
    _ask(resident_client)
    path = _link_path()
    assert resident_client.post(path, csrf=False).status_code in (400, 422)
    assert _email_of(resident) != NEW

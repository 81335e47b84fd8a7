"""Accounts: registration, log-in, log-out, passwords, public names."""

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import func, select

from app.auth import services
from app.extensions import db
from app.models import OutboxMessage, User
from tests import factories
from tests.helpers import html, text

NEW_PASSWORD = "une phrase de passe solide"


def _register(client, **overrides):
    data = {
        "email": "Alix@Exemple.fr",
        "display_name": "Alix du Médoc",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        "accept_terms": "y",
    }
    data.update(overrides)
    return client.post("/inscription", data=data)


def test_register_logs_in_and_stores_a_hashed_password(client):
    response = _register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/bienvenue"
    user = db.session.scalar(select(User))
    assert user.email == "alix@exemple.fr"  # case-insensitive: stored folded
    assert user.display_name == "Alix du Médoc"
    assert NEW_PASSWORD not in user.password_hash and user.password_hash.startswith("pbkdf2:")
    page = html(client.get("/compte"))
    assert "Alix du Médoc" in page


def test_registering_offers_next_steps_rather_than_the_settings(client):
    welcome = text(client.get(_register(client).headers["Location"]))
    for choice in ("Proposer une idée", "Choisir ma commune", "Explorer les propositions"):
        assert choice in welcome


def test_registering_from_a_link_goes_back_to_it(client):
    response = _register(client, next="/idees/")
    assert response.headers["Location"] == "/idees/"


def test_production_hashes_with_scrypt(app):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    user = factories.make_user()
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password(factories.PASSWORD)


def test_email_is_unique_whatever_its_case(client):
    factories.make_user(email="alix@exemple.fr")
    response = _register(client, email="ALIX@exemple.FR")
    assert response.status_code == 422
    page = html(response)
    assert "Un compte existe déjà avec cette adresse" in page
    # What was typed comes back.
    assert 'value="ALIX@exemple.FR"' in page
    assert 'value="Alix du Médoc"' in page
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_display_name_is_unique_whatever_its_case_and_spacing(client):
    factories.make_user("Alix du Médoc")
    response = _register(client, display_name="  alix   DU médoc ")
    assert response.status_code == 422
    assert "Ce nom est déjà pris" in html(response)


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"email": ""}, "Indiquez votre adresse e-mail."),
        ({"email": "pas-une-adresse"}, "Cette adresse e-mail n'est pas valide"),
        ({"display_name": "a"}, "Le nom public doit faire entre 2 et 60 caractères."),
        ({"display_name": "x" * 61}, "Le nom public doit faire entre 2 et 60 caractères."),
        ({"display_name": "moi@exemple.fr"}, "ne peut pas contenir d'adresse e-mail"),
        ({"password": "court", "password_confirm": "court"}, "Le mot de passe doit faire entre 12 et 128 caractères."),
        ({"password_confirm": "autre chose encore"}, "Les deux mots de passe ne sont pas identiques."),
        ({"accept_terms": ""}, "Vous devez accepter les règles pour créer un compte."),
    ],
)
def test_register_rejects_bad_input_in_french_and_keeps_it(client, overrides, message):
    response = _register(client, **overrides)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert 'class="error-summary"' in page
    # The summary links to the field in error.
    assert re.search(r'<a href="#\w+">', page)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_script_in_display_name_is_escaped(client):
    _register(client, display_name="<script>alert(1)</script>")
    page = html(client.get("/compte"))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_login_and_logout(client):
    factories.make_user("Bénédicte", email="bene@exemple.fr")
    response = client.post("/connexion", data={"email": "Bene@Exemple.fr", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert "Bénédicte" in html(client.get("/compte"))
    response = client.post("/deconnexion")
    assert response.status_code == 302
    assert client.get("/compte").status_code == 302


def test_login_failure_does_not_say_which_part_was_wrong(client):
    factories.make_user(email="bene@exemple.fr")
    wrong_password = client.post("/connexion", data={"email": "bene@exemple.fr", "password": "mauvais mot de passe"})
    unknown_email = client.post("/connexion", data={"email": "personne@exemple.fr", "password": "mauvais mot de passe"})
    for response in (wrong_password, unknown_email):
        assert response.status_code == 422
        assert "Adresse e-mail ou mot de passe incorrect." in html(response)
    assert 'value="personne@exemple.fr"' in html(unknown_email)


def test_login_brings_back_to_the_page_asked(client):
    factories.make_user(email="bene@exemple.fr")
    response = client.get("/compte")
    assert response.headers["Location"] == "/connexion?next=%2Fcompte"
    response = client.post(
        "/connexion?next=%2Fcompte", data={"email": "bene@exemple.fr", "password": factories.PASSWORD}
    )
    assert response.headers["Location"] == "/compte"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, target):
    factories.make_user(email="bene@exemple.fr")
    response = client.post(
        "/connexion", data={"email": "bene@exemple.fr", "password": factories.PASSWORD, "next": target}
    )
    assert response.headers["Location"] == "/compte"


def test_logout_is_a_post(client, resident):
    client.login_as(resident)
    assert client.get("/deconnexion").status_code == 405
    assert client.get("/compte").status_code == 200


def test_change_display_name(resident_client, resident):
    factories.make_user("Nom Pris")
    taken = resident_client.post("/compte/nom", data={"name-display_name": "nom pris"})
    assert taken.status_code == 422
    assert "Ce nom est déjà pris" in html(taken)
    ok = resident_client.post("/compte/nom", data={"name-display_name": "Camille du Bassin"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, resident.id).display_name == "Camille du Bassin"


def test_change_password_checks_the_current_one(resident_client, resident):
    data = {
        "password-current_password": "pas le bon",
        "password-new_password": NEW_PASSWORD,
        "password-new_password_confirm": NEW_PASSWORD,
    }
    wrong = resident_client.post("/compte/mot-de-passe", data=data)
    assert wrong.status_code == 422
    assert "Ce n'est pas votre mot de passe actuel." in text(wrong)
    data["password-current_password"] = factories.PASSWORD
    assert resident_client.post("/compte/mot-de-passe", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, resident.id).check_password(NEW_PASSWORD)


def _reset_link_in_outbox() -> str:
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    return re.search(r"https?://[^/\s]+(/mot-de-passe/reinitialiser/\S+)", message.body).group(1)


def test_forgotten_password_full_cycle(client, resident):
    response = client.post("/mot-de-passe-oublie", data={"email": resident.email.upper()})
    assert response.status_code == 302
    message = db.session.scalar(select(OutboxMessage))
    assert message.recipient == resident.email
    assert "Réinitialiser votre mot de passe" in message.subject
    link = _reset_link_in_outbox()

    form = client.get(link)
    assert form.status_code == 200
    short = client.post(link, data={"password": "court", "password_confirm": "court"})
    assert short.status_code == 422
    done = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, resident.id).check_password(NEW_PASSWORD)

    # The link works once: the password it was made for has changed.
    reused = client.get(link)
    assert reused.status_code == 302
    assert "n'est plus valable" in text(client.get(reused.headers["Location"]))


def test_forgotten_password_does_not_reveal_accounts(client):
    response = client.post("/mot-de-passe-oublie", data={"email": "inconnu@exemple.fr"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert "Si un compte existe avec cette adresse" in html(client.get("/connexion"))


def test_reset_link_expires(app, client, resident):
    token = services.password_reset_token(resident)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert services.user_for_reset_token(token) is None
    response = client.get(f"/mot-de-passe/reinitialiser/{token}")
    assert response.status_code == 302


@pytest.mark.parametrize("token", ["nimportequoi", "eyJ1IjoxfQ.forged.signature", ""])
def test_forged_reset_link_is_refused(app, client, resident, token):
    assert services.user_for_reset_token(token) is None


def test_inline_check_of_a_registration_field(client):
    factories.make_user("Alix", email="alix@exemple.fr")
    taken = client.htmx("POST", "/inscription/verifier/email", data={"email": "ALIX@exemple.fr"})
    assert taken.status_code == 422
    fragment = html(taken)
    assert fragment.lstrip().startswith('<div class="field field--error"')
    assert "Un compte existe déjà" in fragment and 'value="ALIX@exemple.fr"' in fragment
    free = client.htmx("POST", "/inscription/verifier/display_name", data={"display_name": "Quelqu'un d'autre"})
    assert free.status_code == 200
    assert "field--error" not in html(free)
    assert client.htmx("POST", "/inscription/verifier/password", data={}).status_code == 404


# --- Sessions that can be revoked (issue 14, finding 4) -----------------------------------------


def _log_in(app, email: str, remember: bool = False):
    client = app.test_client()
    data = {"email": email, "password": factories.PASSWORD} | ({"remember": "y"} if remember else {})
    assert client.post("/connexion", data=data).status_code == 302
    return client


def _copy(app, client, *names: str):
    """Another browser holding copies of ``client``'s cookies (a thief, or a forgotten device)."""
    other = app.test_client()
    for name in names:
        other.set_cookie(name, client.get_cookie(name).value)
    return other


def _logged_in(client) -> bool:
    return client.get("/compte").status_code == 200


def test_copied_cookies_stop_working_after_a_password_change(app, resident):
    client = _log_in(app, resident.email, remember=True)
    session_copy = _copy(app, client, "session")
    remember_copy = _copy(app, client, "remember_token")
    assert _logged_in(session_copy) and _logged_in(remember_copy)

    data = {
        "password-current_password": factories.PASSWORD,
        "password-new_password": NEW_PASSWORD,
        "password-new_password_confirm": NEW_PASSWORD,
    }
    response = client.post("/compte/mot-de-passe", data=data)
    assert response.status_code == 302
    assert "Vos autres appareils sont déconnectés" in text(client.get(response.headers["Location"]))

    assert not _logged_in(session_copy)
    assert not _logged_in(remember_copy)
    # The person who changed it stays logged in, remember cookie included (renewed).
    assert _logged_in(client)
    assert _logged_in(_copy(app, client, "remember_token"))


def test_copied_cookies_stop_working_after_a_password_reset(app, client, resident):
    device = _log_in(app, resident.email, remember=True)
    session_copy = _copy(app, device, "session")
    remember_copy = _copy(app, device, "remember_token")
    assert _logged_in(session_copy) and _logged_in(remember_copy)

    client.post("/mot-de-passe-oublie", data={"email": resident.email})
    link = _reset_link_in_outbox()
    assert client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 302

    for browser in (device, session_copy, remember_copy):
        assert not _logged_in(browser)


def test_log_out_everywhere(app, resident):
    phone = _log_in(app, resident.email, remember=True)
    laptop = _log_in(app, resident.email)
    copies = [_copy(app, phone, "session"), _copy(app, phone, "remember_token"), _copy(app, laptop, "session")]
    assert all(_logged_in(c) for c in copies)
    assert "Me déconnecter partout" in text(laptop.get("/compte"))

    response = laptop.post("/compte/deconnexion-partout")
    assert response.status_code == 302 and response.headers["Location"] == "/connexion"
    assert "déconnecté·e de tous vos appareils" in text(laptop.get("/connexion"))
    for browser in (phone, laptop, *copies):
        assert not _logged_in(browser)
    # Logging in again works, with a new session.
    assert _logged_in(_log_in(app, resident.email))


def test_log_out_ends_this_login_and_its_copies_only(app, resident):
    phone = _log_in(app, resident.email, remember=True)
    laptop = _log_in(app, resident.email, remember=True)
    copies = [_copy(app, phone, "session"), _copy(app, phone, "remember_token")]
    assert all(_logged_in(c) for c in copies)

    assert phone.post("/deconnexion").status_code == 302
    assert not _logged_in(phone)
    # A copied cookie of the phone's login is worth nothing once the phone logged out...
    for copy in copies:
        assert not _logged_in(copy)
    # ...while the laptop's own login goes on.
    assert _logged_in(laptop)
    assert _logged_in(_copy(app, laptop, "remember_token"))


def test_log_out_everywhere_is_a_post_with_csrf(app, resident_client):
    assert resident_client.get("/compte/deconnexion-partout").status_code == 405
    assert resident_client.post("/compte/deconnexion-partout", csrf=False).status_code == 400
    assert _logged_in(resident_client)


def test_every_login_gets_its_own_remember_cookie(app, resident):
    first = _log_in(app, resident.email, remember=True)
    second = _log_in(app, resident.email, remember=True)
    assert first.get_cookie("remember_token").value != second.get_cookie("remember_token").value
    # Two devices stay logged in side by side.
    assert _logged_in(_copy(app, first, "remember_token")) and _logged_in(_copy(app, second, "remember_token"))


def test_remember_cookie_lives_a_month_and_the_server_enforces_it(app, resident):
    client = app.test_client()
    response = client.post(
        "/connexion", data={"email": resident.email, "password": factories.PASSWORD, "remember": "y"}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)

    remember_copy = _copy(app, client, "remember_token")
    assert _logged_in(remember_copy)
    # A copy does not honour the cookie's expiry date: the server dates the login itself.
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(seconds=-1)
    assert not _logged_in(_copy(app, client, "remember_token"))


def test_remember_duration_is_configurable(tmp_path):
    from app.config import from_env

    env = {"SECRET_KEY": "k", "TISSER_INSTANCE_DIR": str(tmp_path)}
    assert from_env(env)["REMEMBER_COOKIE_DURATION"] == timedelta(days=30)
    assert from_env(env | {"TISSER_REMEMBER_DAYS": "7"})["REMEMBER_COOKIE_DURATION"] == timedelta(days=7)


@pytest.mark.parametrize("session_id", ["1", "1:", "1:wrong-token:67000000.ab", "x:y:z", "1:{token}", "1:{token}:zz"])
def test_stale_or_forged_session_ids_load_nobody(app, resident, session_id):
    assert (
        services.user_for_session_id(session_id.replace("1", str(resident.id), 1).format(token=resident.session_token))
        is None
    )


def test_a_valid_session_id_loads_its_account(app, resident):
    assert services.user_for_session_id(resident.get_id()) == resident

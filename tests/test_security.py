"""Security headers on every kind of response, cookies, reverse proxy, and rate limits (429 in
French with Retry-After, htmx fragment, per IP or per account)."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from app import create_app
from app.config import DEFAULT_RATELIMITS, from_env
from app.ratelimit import rate_limit
from tests import factories
from tests.conftest import _base_config
from tests.helpers import text

# --- Headers ----------------------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _assert_security_headers(response) -> None:
    csp = _csp(response)
    for directive in ("script-src", "style-src"):
        assert csp[directive] == ["'self'"], (directive, csp[directive])
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def idea(app, territory, resident):
    return factories.make_idea(resident, territory.medoc_commune)


def test_security_headers_on_a_page_a_fragment_an_error_and_a_static_file(client, idea):
    page = client.get(f"/idees/{idea.id}")
    assert page.status_code == 200
    fragment = client.get("/propositions/?q=jardin", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in text(fragment)
    not_found = client.get("/nulle-part")
    assert not_found.status_code == 404
    method = client.delete("/")
    assert method.status_code == 405
    csrf_error = client.post("/connexion", data={}, csrf=False)
    assert csrf_error.status_code == 400
    src = re.search(r'<script src="([^"]+)"', text(page)).group(1)
    static = client.get(src)
    assert static.status_code == 200
    css = client.get(re.search(r'<link rel="stylesheet" href="([^"]+)"', text(page)).group(1))
    assert css.status_code == 200
    for response in (page, fragment, not_found, method, csrf_error, static, css):
        _assert_security_headers(response)
        response.close()


def test_security_headers_on_a_server_error(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "Erreur du serveur" in text(response)
    _assert_security_headers(response)


def _cookie(response, name: str) -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def test_production_cookies_are_secure_httponly_and_samesite_lax(app, tmp_path):
    production = from_env({"TISSER_ENV": "production", "SECRET_KEY": "s" * 64, "TISSER_INSTANCE_DIR": str(tmp_path)})
    cookie_settings = {k: v for k, v in production.items() if k.startswith(("SESSION_COOKIE_", "REMEMBER_COOKIE_"))}
    assert cookie_settings["SESSION_COOKIE_SECURE"] and cookie_settings["REMEMBER_COOKIE_SECURE"]
    app.config.update(cookie_settings, WTF_CSRF_ENABLED=False)  # CSRF has its own tests
    factories.make_user(email="cookie@exemple.fr")
    response = app.test_client().post(
        "/connexion",
        data={"email": "cookie@exemple.fr", "password": factories.PASSWORD, "remember": "y"},
        base_url="https://localhost",
        csrf=False,
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "; SameSite=Lax" in cookie, cookie


def test_development_cookies_are_httponly_and_lax_but_not_secure(client):
    response = client.get("/connexion")
    cookie = _cookie(response, "session")
    assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie and "Secure" not in cookie


def test_proxy_fix_is_off_by_default_and_trusts_nginx_when_asked(database_url):
    def scheme_and_address(config):
        app = create_app({**_base_config(database_url), **config})

        @app.get("/who-for-test")
        def who():
            from flask import request

            return f"{request.scheme} {request.remote_addr}"

        headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        return app.test_client().get("/who-for-test", headers=headers).get_data(as_text=True)

    assert scheme_and_address({}) == "http 127.0.0.1"
    assert scheme_and_address({"PROXY_FIX": 1}) == "https 203.0.113.7"
    assert from_env({"TISSER_PROXY_FIX": "1", "SECRET_KEY": "k"})["PROXY_FIX"] == 1


# --- Rate limits ------------------------------------------------------------------------------


def _assert_429_in_french(response) -> None:
    assert response.status_code == 429
    page = text(response)
    assert "Trop de tentatives" in page
    assert "patientez un peu avant de réessayer" in page
    assert re.search(r"Vous pourrez réessayer dans (\d+ secondes|un instant)", page), page
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 61
    _assert_security_headers(response)


def test_login_is_limited_per_ip_in_french_with_retry_after(limited_app):
    client = limited_app.test_client()
    data = {"email": "personne@exemple.fr", "password": "mauvais"}
    for _ in range(2):
        assert client.post("/connexion", data=dict(data)).status_code == 422
    response = client.post("/connexion", data=dict(data))
    _assert_429_in_french(response)
    assert "<html" in text(response)  # the whole error page without htmx
    # Reading the page is never limited.
    assert client.get("/connexion").status_code == 200
    # Another address has its own budget.
    other = client.post("/connexion", data=dict(data), environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code == 422


def test_htmx_requests_get_a_message_fragment_and_keep_their_form(limited_app):
    client = limited_app.test_client()
    for _ in range(2):
        client.post("/mot-de-passe-oublie", data={"email": "a@exemple.fr"})
    response = client.post("/mot-de-passe-oublie", data={"email": "a@exemple.fr"}, headers={"HX-Request": "true"})
    assert response.status_code == 429
    assert "<html" not in text(response) and "Trop de tentatives" in text(response)
    assert response.headers["HX-Retarget"] == ".flashes" and response.headers["HX-Reswap"] == "innerHTML"
    assert int(response.headers["Retry-After"]) >= 1


def test_resending_the_confirmation_link_is_limited_per_account(limited_app):
    newcomer = factories.make_user(email_verified_at=None)
    client = limited_app.test_client().login_as(newcomer)
    for _ in range(2):
        assert client.post("/compte/confirmation/renvoyer").status_code == 302
    _assert_429_in_french(client.post("/compte/confirmation/renvoyer"))
    assert limited_app.config["RATELIMITS"]["verification_email"]  # a named limit, configurable
    assert (
        from_env({"SECRET_KEY": "k", "TISSER_RATELIMIT_VERIFICATION_EMAIL": "1 per hour"})["RATELIMITS"][
            "verification_email"
        ]
        == "1 per hour"
    )


def test_registration_is_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(2):
        assert client.post("/inscription", data={"email": "x"}).status_code == 422
    _assert_429_in_french(client.post("/inscription", data={"email": "x"}))


def test_comments_and_supports_are_limited_per_account(limited_app):
    territory = factories.make_territory()
    author = factories.make_user("Autrice")
    idea = factories.make_idea(author, territory.medoc_commune)
    first = limited_app.test_client().login_as(factories.make_user("Première"))
    second = limited_app.test_client().login_as(factories.make_user("Seconde"))
    url = f"/idees/{idea.id}/commentaires"
    for n in range(2):
        assert first.post(url, data={"commentaire-body": f"Message {n}"}).status_code == 302
    _assert_429_in_french(first.post(url, data={"commentaire-body": "Un de trop"}))
    # Same address, another account: its own budget.
    assert second.post(url, data={"commentaire-body": "Moi aussi"}).status_code == 302

    support = f"/idees/{idea.id}/soutien"
    for _ in range(2):
        assert first.htmx("POST", support).status_code == 200
    response = first.htmx("POST", support)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "Trop de tentatives" in text(response)


def test_a_new_action_gets_a_limit_with_one_decorator(database_url):
    """The moderation reports: ``@rate_limit("report")``, one budget over every view."""
    bp = Blueprint("report_for_test", __name__)

    @bp.post("/signaler-test/a")
    @rate_limit("report")
    def report_a():
        return "ok"

    @bp.post("/signaler-test/b")
    @rate_limit("report")
    def report_b():
        return "ok"

    config = {
        **_base_config(database_url),
        "RATELIMIT_ENABLED": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMITS": {**DEFAULT_RATELIMITS, "report": "3 per minute"},
    }
    app = create_app(config)
    app.register_blueprint(bp)
    try:
        client = app.test_client()
        statuses = [
            client.post(url).status_code
            for url in ("/signaler-test/a", "/signaler-test/b", "/signaler-test/a", "/signaler-test/b")
        ]
        assert statuses == [200, 200, 200, 429]
    finally:
        from app.extensions import db, limiter

        limiter.enabled = False
        # Its counters went through the database storage: close that engine here, not at random
        # in a later test through the garbage collector (a ResourceWarning on PostgreSQL).
        with app.app_context():
            db.engine.dispose()
    with pytest.raises(KeyError):
        rate_limit("unknown")


def test_limits_come_from_the_environment(tmp_path):
    config = from_env(
        {"SECRET_KEY": "k", "TISSER_RATELIMIT_LOGIN": "3 per minute", "RATELIMIT_STORAGE_URI": "redis://r:6379/0"}
    )
    assert config["RATELIMITS"]["login"] == "3 per minute"
    assert config["RATELIMITS"]["comment"] == DEFAULT_RATELIMITS["comment"]
    assert config["RATELIMIT_STORAGE_URI"] == "redis://r:6379/0" and config["RATELIMIT_ENABLED"] is True
    assert from_env({"SECRET_KEY": "k", "RATELIMIT_ENABLED": "0"})["RATELIMIT_ENABLED"] is False

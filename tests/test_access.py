"""Every route declares who may call it, and each role gets what it should."""

import pytest
from flask import Flask, Response

from app.access import access, authorize
from app.permissions import PUBLIC, can, known_actions
from tests import factories
from tests.helpers import html


def test_every_route_declares_an_access_rule(app: Flask):
    undeclared = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue  # files under static/ are public by nature
        view = app.view_functions[rule.endpoint]
        action = getattr(view, "access_action", None)
        if action is None or action not in known_actions():
            undeclared.append(f"{rule.rule} -> {rule.endpoint}")
    assert not undeclared, "routes without a declared access rule:\n" + "\n".join(undeclared)


def test_every_state_change_is_a_post(app: Flask):
    # GET routes must not change anything; the only methods allowed are GET and POST.
    for rule in app.url_map.iter_rules():
        assert rule.methods <= {"GET", "HEAD", "OPTIONS", "POST"}, rule


def test_unknown_action_is_an_error_not_a_yes(app: Flask):
    with pytest.raises(LookupError):
        can(None, "proposal.do-anything")
    with pytest.raises(LookupError):
        access("no.such.rule")


def test_per_object_view_that_forgets_to_authorize_fails(app: Flask):
    @app.route("/_test/forgot")
    @access(PUBLIC, per_object=True)
    def forgot():
        return "oops"

    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError, match="never called authorize"):
        app.test_client().get("/_test/forgot")


def test_a_view_may_explain_a_refusal_itself(app: Flask):
    explained = []

    def explain(obj):
        explained.append(obj)
        return Response("Expliqué", status=409) if obj == "explique" else None

    @app.route("/_test/explain/<what>")
    @access("admin.access", per_object=True)
    def refused(what):
        authorize("admin.access", what, explain=explain)
        return "allowed"

    @app.route("/_test/explain-public")
    @access(PUBLIC, per_object=True)
    def allowed():
        authorize(PUBLIC, "explique", explain=explain)
        return "allowed"

    client = app.test_client()
    response = client.get("/_test/explain/explique")
    assert (response.status_code, response.get_data(as_text=True)) == (409, "Expliqué")
    # No explanation: the usual refusal (an anonymous person is sent to log in).
    assert client.get("/_test/explain/autre").status_code == 302
    # Only a refusal is explained.
    assert client.get("/_test/explain-public").get_data(as_text=True) == "allowed"
    assert explained == ["explique", "autre"]


# (path, {role: expected status}); 302 for anonymous means "sent to log in".
PAGES = [
    ("/", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/territoires/", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/territoires/medoc", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/appels/", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/accessibilite", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/mentions-legales", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/donnees-personnelles", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/plan-du-site", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/connexion", {"anonymous": 200, "resident": 302, "member": 302, "moderator": 302, "admin": 302}),
    ("/inscription", {"anonymous": 200, "resident": 302, "member": 302, "moderator": 302, "admin": 302}),
    ("/mot-de-passe-oublie", {"anonymous": 200, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/compte", {"anonymous": 302, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/bienvenue", {"anonymous": 302, "resident": 200, "member": 200, "moderator": 200, "admin": 200}),
    ("/admin/", {"anonymous": 302, "resident": 403, "member": 403, "moderator": 403, "admin": 200}),
    ("/admin/courriels", {"anonymous": 302, "resident": 403, "member": 403, "moderator": 403, "admin": 200}),
]


@pytest.mark.parametrize("path,expected", PAGES, ids=[p for p, _ in PAGES])
def test_pages_per_role(role_client, territory, path, expected):
    role, client = role_client
    response = client.get(path)
    assert response.status_code == expected[role], (role, path)
    if expected[role] == 302 and role == "anonymous":
        assert "/connexion?next=" in response.headers["Location"]
    if expected[role] == 403:
        assert "Accès refusé" in html(response)


def test_outbox_message_is_for_admins_only(app, role_client):
    from app.extensions import db
    from app.outbox import queue_email

    message = queue_email("quelquun@exemple.fr", "Sujet", "Corps")
    db.session.commit()
    role, client = role_client
    response = client.get(f"/admin/courriels/{message.id}")
    assert response.status_code == {"anonymous": 302, "admin": 200}.get(role, 403)


def test_outbox_is_closed_when_mail_really_leaves(app, admin_client):
    app.config["OUTBOX_READABLE"] = False
    assert admin_client.get("/admin/courriels").status_code == 403


@pytest.mark.parametrize(
    "path,data",
    [
        ("/compte/nom", {"name-display_name": "Nouveau nom"}),
        (
            "/compte/mot-de-passe",
            {
                "password-current_password": factories.PASSWORD,
                "password-new_password": "un-nouveau-mot-de-passe",
                "password-new_password_confirm": "un-nouveau-mot-de-passe",
            },
        ),
        ("/deconnexion", {}),
        ("/compte/deconnexion-partout", {}),
        ("/compte/confirmation/renvoyer", {}),
    ],
)
def test_account_posts_need_an_account(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_pole_moderation_rule_is_scoped(app, territory, moderator, admin, resident):
    assert can(moderator, "pole.moderate", territory.medoc)
    assert not can(moderator, "pole.moderate", territory.bassin)
    assert can(admin, "pole.moderate", territory.bassin)
    assert not can(resident, "pole.moderate", territory.medoc)
    from app.auth.services import Anonymous

    assert not can(Anonymous(), "pole.moderate", territory.medoc)

"""CSRF protection on every state change, htmx requests included (token in a header)."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import User
from tests.helpers import html


def test_form_post_without_token_is_refused_in_french(client):
    response = client.post(
        "/inscription",
        data={
            "email": "a@exemple.fr",
            "display_name": "A B",
            "password": "x" * 12,
            "password_confirm": "x" * 12,
            "accept_terms": "y",
        },
        csrf=False,
    )
    assert response.status_code == 400
    assert "Le formulaire a expiré" in html(response)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_htmx_post_with_token_in_header_only_passes(client):
    response = client.htmx("POST", "/inscription/verifier/display_name", data={"display_name": "Libre"})
    assert response.status_code == 200


def test_htmx_post_without_header_is_refused(client):
    response = client.htmx(
        "POST", "/inscription/verifier/display_name", data={"display_name": "Libre"}, csrf_header=False
    )
    assert response.status_code == 400
    # htmx swaps error answers: it gets a fragment, not a whole page inside the form.
    assert "<html" not in html(response)


def test_logout_without_token_keeps_the_session(resident_client):
    assert resident_client.post("/deconnexion", csrf=False).status_code == 400
    assert resident_client.get("/compte").status_code == 200


def test_base_layout_sends_the_token_header_to_every_htmx_request(client):
    # A page not shared between anonymous readers (those carry no token: app/page_cache.py).
    page = html(client.get("/recherche/"))
    # htmx 4 only passes hx-headers down when it is marked :inherited.
    assert '<body hx-headers:inherited=\'{"X-CSRFToken": "' in page

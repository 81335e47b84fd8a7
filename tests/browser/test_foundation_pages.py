"""Every page of the foundation passes axe (WCAG 2.1 A/AA) at 1280 px and 375 px, in Chromium."""

import re

import pytest
from playwright.sync_api import Page, expect

from app.auth.services import password_reset_token
from app.demo import DEMO_PASSWORD, GIRONDE_CALL_SLUG, load_demo
from app.extensions import db
from app.models import User
from app.outbox import queue_email
from tests.browser.axe import VIEWPORTS, assert_accessible
from tests.browser.conftest import login

PUBLIC_PAGES = [
    "/",
    "/appels/",
    f"/appels/{GIRONDE_CALL_SLUG}",
    "/territoires/",
    "/territoires/medoc",
    "/connexion",
    "/inscription",
    "/mot-de-passe-oublie",
    "/accessibilite",
    "/mentions-legales",
    "/donnees-personnelles",
    "/plan-du-site",
]


@pytest.fixture
def demo(app):
    load_demo()


def test_public_pages_are_accessible(page: Page, demo):
    for path in PUBLIC_PAGES:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)


def test_error_pages_are_accessible(page: Page, demo):
    response = page.goto("/nulle-part")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page introuvable")
    assert_accessible(page)


def test_forms_with_errors_are_accessible(page: Page, demo):
    page.goto("/inscription")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".error-summary")).to_be_visible()
    # The summary takes the focus so the errors are read first, and links to each field.
    expect(page.locator(".error-summary")).to_be_focused()
    page.locator(".error-summary a[href='#email']").click()
    expect(page.locator("#email")).to_be_focused()
    assert_accessible(page)

    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill("personne@exemple.fr")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".error-summary")).to_contain_text("Indiquez votre mot de passe.")
    assert_accessible(page)


def test_logged_in_pages_are_accessible(page: Page, demo):
    message = queue_email("quelquun@exemple.fr", "Un message", "Bonjour,\nhttp://localhost/compte")
    db.session.commit()
    login(page, "admin@tisser.demo", DEMO_PASSWORD)
    for path in ["/compte", "/admin/", "/admin/courriels", f"/admin/courriels/{message.id}"]:
        page.goto(path)
        expect(page.locator("h1")).to_be_visible()
        assert_accessible(page)


def test_forbidden_page_is_accessible(page: Page, demo):
    login(page, "habitant1@tisser.demo", DEMO_PASSWORD)
    response = page.goto("/admin/")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Accès refusé")
    assert_accessible(page)


def test_reset_password_page_is_accessible(page: Page, demo):
    user = db.session.scalar(db.select(User).where(User.email == "habitant1@tisser.demo"))
    page.goto(f"/mot-de-passe/reinitialiser/{password_reset_token(user)}")
    expect(page.locator("h1")).to_have_text("Choisir un nouveau mot de passe")
    assert_accessible(page)


def test_htmx_is_loaded_under_the_strict_csp(page: Page, demo):
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_function("() => window.htmx !== undefined")
    assert page.evaluate("() => htmx.version") == "4.0.1"


def test_skip_link_goes_to_the_content(page: Page, demo):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#contenu$"))


def test_layout_fits_320_px(page: Page, demo):
    page.set_viewport_size({"width": 320, "height": 700})
    for path in ["/", "/inscription", "/territoires/medoc"]:
        page.goto(path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways at 320 px by {overflow}px"


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_registration_spam_trap_is_off_screen(page: Page, viewport: str):
    """The honeypot is in the DOM for robots but never on screen: a CSS mistake (a stray merge
    marker once dropped its rule) must not bring it back into view."""
    size = VIEWPORTS[viewport]
    page.set_viewport_size(size)
    page.goto("/inscription")
    trap = page.locator(".honeypot")
    expect(trap).to_have_count(1)
    document_height = page.evaluate("() => document.documentElement.scrollHeight")
    for part in (trap, trap.locator("label"), trap.locator("input")):
        box = part.bounding_box()
        assert box is not None
        on_screen = (
            box["x"] + box["width"] > 0
            and box["x"] < size["width"]
            and box["y"] + box["height"] > 0
            and box["y"] < document_height
            and box["width"] > 1
            and box["height"] > 1
        )
        assert not on_screen, f"the spam trap is on screen at {size['width']} px: {box}"
    expect(page.get_by_text("Ne pas remplir ce champ")).not_to_be_in_viewport()

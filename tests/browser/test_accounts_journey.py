"""Accounts in the real browser: register (with inline checks), log out, forgotten password."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect

from app.demo import DEMO_PASSWORD, load_demo
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login

PASSWORD = "une phrase de passe solide"


def test_register_with_inline_checks(page: Page, app):
    load_demo()
    page.goto("/inscription")
    page.wait_for_function("() => window.htmx !== undefined")

    # A taken address is reported as soon as the field loses focus, before any submit.
    email = page.get_by_label("Adresse e-mail")
    with page.expect_request(re.compile(r"/inscription/verifier/email$")) as check:
        email.fill("ADMIN@tisser.demo")
        email.press("Tab")
    # htmx 4 sends the CSRF token from <body hx-headers:inherited> as a header.
    assert check.value.headers.get("x-csrftoken")
    assert check.value.headers.get("hx-request") == "true"
    error = page.locator("#email-error")
    expect(error).to_contain_text("Un compte existe déjà avec cette adresse")
    expect(page.get_by_label("Adresse e-mail")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Adresse e-mail")).to_have_value("ADMIN@tisser.demo")
    assert_accessible(page, viewports=("desktop",))

    # Fixing it clears the error in place.
    email = page.get_by_label("Adresse e-mail")
    email.fill("nouvelle@exemple.fr")
    email.press("Tab")
    expect(page.locator("#email-error")).to_have_count(0)

    page.get_by_label("Nom public").fill("Nouvelle Habitante")
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.get_by_label(re.compile("J'ai lu comment Tisser")).check()
    page.get_by_role("button", name="Créer mon compte").click()

    # Not the settings page: the next steps people come for.
    expect(page).to_have_url(re.compile(r"/bienvenue$"))
    expect(page.locator(".flashes")).to_contain_text("Bienvenue sur Tisser, Nouvelle Habitante")
    expect(page.get_by_role("navigation", name="Mon compte")).to_contain_text("Nouvelle Habitante")
    for choice in ("Proposer une idée", "Choisir ma commune", "Explorer les propositions"):
        expect(page.locator("main").get_by_role("link", name=choice)).to_be_visible()
    assert_accessible(page)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/journeys-finish-welcome-{width}.png", full_page=True, caret="initial")
    page.locator("main").get_by_role("link", name="Proposer une idée").click()
    expect(page).to_have_url(re.compile(r"/idees/nouvelle$"))

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.locator(".flashes")).to_contain_text("Vous êtes déconnecté·e")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def test_register_without_javascript_keeps_what_was_typed(browser: Browser, base_url: str, app):
    load_demo()
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto("/inscription")
        page.get_by_label("Adresse e-mail").fill("admin@tisser.demo")
        page.get_by_label("Nom public").fill("Sans JavaScript")
        page.get_by_role("button", name="Créer mon compte").click()
        expect(page.locator(".error-summary")).to_contain_text("Un compte existe déjà avec cette adresse")
        expect(page.get_by_label("Adresse e-mail")).to_have_value("admin@tisser.demo")
        expect(page.get_by_label("Nom public")).to_have_value("Sans JavaScript")

        page.get_by_label("Adresse e-mail").fill("sansjs@exemple.fr")
        page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
        page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
        page.get_by_label(re.compile("J'ai lu comment Tisser")).check()
        page.get_by_role("button", name="Créer mon compte").click()
        expect(page).to_have_url(re.compile(r"/bienvenue$"))
        expect(page.get_by_role("link", name="Explorer les propositions")).to_be_visible()
    finally:
        context.close()


def test_forgotten_password_through_the_outbox(browser: Browser, base_url: str, page: Page, app):
    load_demo()
    page.goto("/mot-de-passe-oublie")
    page.get_by_label("Adresse e-mail").fill("habitant2@tisser.demo")
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.locator(".flashes")).to_contain_text("Si un compte existe avec cette adresse")

    # In development the admin reads the message in the outbox.
    admin = browser.new_context(base_url=base_url, locale="fr-FR")
    admin_page = admin.new_page()
    try:
        login(admin_page, "admin@tisser.demo", DEMO_PASSWORD)
        admin_page.goto("/admin/courriels")
        admin_page.get_by_role("link", name="Réinitialiser votre mot de passe Tisser").click()
        link = admin_page.locator(".mail-body a").get_attribute("href")
    finally:
        admin.close()

    # The link is on TISSER_BASE_URL (never the request's host): open its path on the test server.
    page.goto(base_url + urlsplit(link).path)
    page.get_by_label("Nouveau mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le nouveau mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.locator(".flashes")).to_contain_text("Votre mot de passe est changé")
    login(page, "habitant2@tisser.demo", PASSWORD)


def test_demo_accounts_see_their_roles(page: Page, app):
    load_demo()
    login(page, "moderation.medoc@tisser.demo", DEMO_PASSWORD)
    expect(page.locator("main")).to_contain_text("Modération du Pôle territorial de solidarité")
    expect(page.get_by_role("link", name="Administration", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Se déconnecter").click()

    login(page, "asso.bassin@tisser.demo", DEMO_PASSWORD)
    expect(page.locator("main")).to_contain_text("Les Jardins partagés du Bassin")
    page.get_by_role("button", name="Se déconnecter").click()

    login(page, "admin@tisser.demo", DEMO_PASSWORD)
    expect(page.get_by_role("link", name="Administration", exact=True)).to_be_visible()


def _register(page: Page, email: str, name: str) -> None:
    page.goto("/inscription")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Nom public").fill(name)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.get_by_label(re.compile("J'ai lu comment Tisser")).check()
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page).to_have_url(re.compile(r"/bienvenue$"))


def _confirmation_link(base_url: str) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage

    db.session.expire_all()
    message = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    assert message.subject == "Confirmez votre adresse e-mail sur Tisser"
    path = re.search(r"https?://[^/\s]+(/compte/confirmer/\S+)", message.body).group(1)
    return base_url + path


def _post_an_idea(page: Page) -> None:
    page.goto("/idees/nouvelle")
    page.get_by_label("Titre").fill("Une boîte à livres au marché")
    page.get_by_label("Description").fill("Pour échanger des livres le samedi matin, entre voisins.")
    page.get_by_label("Commune où vous constatez ce besoin").fill("Lesparre-Médoc")
    page.get_by_label("Santé, bien-être et handicap").check()
    page.get_by_label("Familles monoparentales").check()
    page.get_by_role("button", name="Publier mon idée").click()
    expect(page.locator("h1")).to_have_text("Une boîte à livres au marché")


def test_register_confirm_the_address_then_take_part(page: Page, base_url: str, app):
    from tests import factories

    factories.make_territory()
    _register(page, "confirme@exemple.fr", "Nouvelle Voisine")

    # Browsing works, with a banner saying why taking part does not yet.
    banner = page.get_by_role("region", name="Confirmez votre adresse e-mail pour participer")
    expect(banner).to_contain_text("confirme@exemple.fr")
    assert_accessible(page, viewports=("desktop", "mobile"))
    page.goto("/idees/")
    expect(banner).to_be_visible()
    assert page.goto("/idees/nouvelle").status == 403

    # "Renvoyer le lien": a plain form, back on the same page.
    page.goto("/idees/")
    banner.get_by_role("button", name="Renvoyer le lien").click()
    expect(page).to_have_url(re.compile(r"/idees/$"))
    expect(page.locator(".flashes")).to_contain_text("Un nouveau lien de confirmation vient d'être envoyé")

    page.goto(_confirmation_link(base_url))
    expect(page.locator("h1")).to_have_text("Confirmer votre adresse e-mail")
    assert_accessible(page, viewports=("desktop", "mobile"))
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.locator(".flashes")).to_contain_text("Votre adresse e-mail est confirmée")
    expect(banner).to_have_count(0)
    _post_an_idea(page)


def test_confirm_without_javascript(browser: Browser, base_url: str, app):
    from tests import factories

    factories.make_territory()
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        _register(page, "sansjs.confirme@exemple.fr", "Voisin Sans JS")
        page.get_by_role("button", name="Renvoyer le lien").click()
        expect(page.locator(".flashes")).to_contain_text("Un nouveau lien de confirmation")
        page.goto(_confirmation_link(base_url))
        page.get_by_role("button", name="Confirmer mon adresse").click()
        expect(page.locator(".flashes")).to_contain_text("Votre adresse e-mail est confirmée")
        _post_an_idea(page)
    finally:
        context.close()


def test_log_out_everywhere_from_the_account_page(browser: Browser, base_url: str, page: Page, app):
    load_demo()
    other = browser.new_context(base_url=base_url, locale="fr-FR")
    other_page = other.new_page()
    try:
        login(other_page, "habitant1@tisser.demo", DEMO_PASSWORD)
        login(page, "habitant1@tisser.demo", DEMO_PASSWORD)
        assert_accessible(page, viewports=("desktop", "mobile"))
        page.get_by_role("button", name="Me déconnecter partout").click()
        expect(page.locator(".flashes")).to_contain_text("déconnecté·e de tous vos appareils")
        other_page.goto("/compte")
        expect(other_page).to_have_url(re.compile(r"/connexion"))
    finally:
        other.close()

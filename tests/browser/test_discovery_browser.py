"""Discovery in Chromium: active search with filters and history; the notification badge."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from app.models import ProposalState
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def _cards(page: Page):
    return page.locator("#results .card__title")


def test_active_search_with_a_territory_filter_and_history(page: Page, app):
    territory = factories.make_territory()
    factories.make_user("Camille Habitante", email="camille@exemple.fr")
    factories.make_idea(title="Alimentation des seniors isolés", commune=territory.medoc_commune)
    factories.make_idea(title="Épicerie et alimentation solidaire", commune=territory.bassin_commune)
    factories.make_idea(title="Transport vers l'hôpital", commune=territory.medoc_commune)
    login(page, "camille@exemple.fr", factories.PASSWORD)

    page.goto("/idees/")
    page.wait_for_function("() => window.htmx !== undefined")
    expect(_cards(page)).to_have_count(3)
    page.evaluate("() => { window.sameDocument = true }")  # gone if the page reloads

    page.get_by_label("Pôle territorial").select_option(label="Médoc")
    expect(page).to_have_url(re.compile(r"pole=medoc"))
    expect(_cards(page)).to_have_count(2)

    page.get_by_label("Mots recherchés").press_sequentially("alimentation", delay=20)
    expect(page).to_have_url(re.compile(r"q=alimentation"))
    expect(_cards(page)).to_have_count(1)
    expect(_cards(page)).to_have_text(["Alimentation des seniors isolés"])
    expect(page.locator("#result-count[role=status]")).to_have_text("1 idée")
    assert page.evaluate("() => window.sameDocument === true"), "the list must update without a reload"
    assert_accessible(page)

    # The pushed URL is the shareable list: reloading it gives the same results.
    url = page.url
    page.reload()
    expect(_cards(page)).to_have_text(["Alimentation des seniors isolés"])
    expect(page.get_by_label("Mots recherchés")).to_have_value("alimentation")
    assert page.url == url

    # Back returns to the list filtered by territory only.
    page.go_back()
    expect(page).to_have_url(re.compile(r"pole=medoc"))
    expect(page).not_to_have_url(re.compile(r"q=alimentation"))
    expect(_cards(page)).to_have_count(2)


def test_proposal_list_narrows_to_a_call_in_place(page: Page, app):
    from app.calls import services as call_services
    from app.proposals import services as proposal_services

    territory = factories.make_territory()
    author = factories.make_user("Dominique Porteuse")
    association = factories.make_association(
        "Les Jardins du Médoc", territory.medoc_commune, admins=[author], verified=True
    )
    call = factories.make_call(poles=[territory.medoc], slug="appel-alimentation")
    inside = factories.make_proposal(
        association, author, communes=[territory.medoc_commune], title="Déposée à l'appel", via_services=True
    )
    factories.make_proposal(
        association, author, communes=[territory.medoc_commune], title="Hors de l'appel", via_services=True
    )
    call_services.submit(call_services.get_call(call.slug), proposal_services.get_proposal(inside.id), author)

    page.goto("/propositions/?tri=recent")
    page.wait_for_function("() => window.htmx !== undefined")
    expect(_cards(page)).to_have_count(2)
    page.evaluate("() => { window.sameDocument = true }")
    page.get_by_label("Appel à projets").select_option(label="Appel d'essai")
    expect(page).to_have_url(re.compile(r"appel=appel-alimentation"))
    expect(_cards(page)).to_have_text(["Déposée à l'appel"])
    assert page.evaluate("() => window.sameDocument === true"), "the list must update without a reload"
    page.go_back()
    expect(_cards(page)).to_have_count(2)


def test_search_page_and_list_without_javascript(browser: Browser, base_url: str, app):
    territory = factories.make_territory()
    factories.make_idea(title="Santé des élus locaux", commune=territory.medoc_commune)
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto("/recherche/")
        page.get_by_label("Mots recherchés").fill("sante elu")
        page.get_by_role("button", name="Filtrer").click()
        expect(page).to_have_url(re.compile(r"q=sante\+elu"))
        expect(_cards(page)).to_have_text(["Santé des élus locaux"])
        # (axe needs JavaScript: the same page is checked in the test below.)
    finally:
        context.close()


def test_search_page_is_accessible_with_js(page: Page, app):
    territory = factories.make_territory()
    factories.make_idea(title="Santé des élus locaux", commune=territory.medoc_commune)
    page.goto("/recherche/?q=sante")
    expect(_cards(page)).to_have_count(1)
    assert_accessible(page)
    page.goto("/propositions/")
    assert_accessible(page)


def test_badge_lights_up_after_someone_elses_action(page: Page, app):
    territory = factories.make_territory()
    camille = factories.make_user("Camille Habitante", email="camille@exemple.fr")
    dominique = factories.make_user("Dominique Membre")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[dominique])
    idea = factories.make_idea(title="Jardin partagé à Lesparre", commune=territory.medoc_commune, author=camille)
    login(page, "camille@exemple.fr", factories.PASSWORD)
    page.goto("/idees/")
    page.wait_for_function("() => window.htmx !== undefined")
    badge = page.locator("#notification-badge")
    expect(badge).to_have_text("")

    # Dominique takes the idea up: Camille is notified.
    with app.test_request_context():
        factories.make_proposal(
            association, dominique, state=ProposalState.DRAFT, idea=idea, title="Jardin partagé", via_services=True
        )
    page.evaluate("() => { window.sameDocument = true }")
    # The badge asks again every 45 s and as soon as the window gets the focus back.
    page.evaluate("() => window.dispatchEvent(new Event('focus'))")
    expect(badge).to_contain_text("1")
    expect(page.get_by_role("link", name=re.compile(r"Notifications.*1 non lue"))).to_be_visible()
    assert page.evaluate("() => window.sameDocument === true")

    page.get_by_role("link", name=re.compile("Notifications")).click()
    expect(page.locator("h1")).to_have_text("Mes notifications")
    item = page.locator(".notification").first
    expect(item).to_contain_text("« Les Jardins du Médoc » reprend votre idée « Jardin partagé à Lesparre »")
    assert_accessible(page)

    item.get_by_role("button", name=re.compile("Marquer comme lue")).click()
    expect(page.locator(".notification--unread")).to_have_count(0)
    expect(page.locator("#notification-badge")).to_have_text("")
    page.goto("/notifications/preferences")
    assert_accessible(page, viewports=("desktop",))

"""Ideas and proposals in Chromium: inline checks, forms, pages, accessibility."""

import re

from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def test_resident_posts_an_idea_with_inline_checks(page: Page, app, territory, resident):
    login(page, resident.email, factories.PASSWORD)
    page.goto("/idees/nouvelle")
    page.wait_for_function("() => window.htmx !== undefined")
    assert_accessible(page)

    title = page.get_by_label("Titre")
    with page.expect_response(re.compile(r"valider=title")) as checked:
        title.fill("abc")
        title.press("Tab")
    assert checked.value.status == 422
    expect(page.locator("#title-error")).to_contain_text("Le titre doit faire entre 5 et 150 caractères.")
    page.get_by_label("Titre").fill("Pas de bus le samedi au Médoc")
    page.get_by_label("Titre").press("Tab")
    expect(page.locator("#title-error")).to_have_count(0)

    page.get_by_label("Description").fill("Les seniors isolés ne peuvent pas aller au marché le samedi matin.")
    page.get_by_label("Commune où vous constatez ce besoin").fill("Lesparre-Médoc")
    page.get_by_label("Citoyenneté sociale et lutte contre le non-recours").check()
    page.get_by_label("Seniors").check()
    page.get_by_role("button", name="Publier mon idée").click()
    expect(page.locator("h1")).to_have_text("Pas de bus le samedi au Médoc")
    expect(page.locator(".flashes")).to_contain_text("Votre idée est publiée")
    assert_accessible(page)

    page.goto("/idees/")
    expect(page.get_by_role("link", name="Pas de bus le samedi au Médoc")).to_be_visible()
    assert_accessible(page)


def test_idea_form_without_javascript_keeps_what_was_typed(browser: Browser, base_url: str, app, territory, resident):
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        login(page, resident.email, factories.PASSWORD)
        page.goto("/idees/nouvelle")
        page.get_by_label("Titre").fill("Un titre correct")
        page.get_by_label("Description").fill("trop court")
        page.get_by_role("button", name="Publier mon idée").click()
        expect(page.locator(".error-summary")).to_contain_text(
            "La description doit faire entre 20 et 10000 caractères."
        )
        expect(page.get_by_label("Titre")).to_have_value("Un titre correct")
        expect(page.get_by_label("Description")).to_have_value("trop court")
        # (axe needs JavaScript: the same page with errors is checked in the test above.)
    finally:
        context.close()


def test_member_turns_an_idea_into_a_proposal_and_publishes_it(page: Page, app, territory, resident, member):
    idea = factories.make_idea(
        resident,
        territory.medoc_commune,
        title="Pas de bus le samedi au Médoc",
        description="Les seniors isolés ne peuvent pas aller au marché le **samedi**.",
        domain="citoyennete",
        publics=["seniors"],
        via_services=True,
    )
    login(page, member.email, factories.PASSWORD)
    page.goto(f"/idees/{idea.id}")
    page.get_by_role("link", name="Reprendre cette idée dans une proposition").click()
    expect(page.locator("main")).to_contain_text("Née de l'idée")
    expect(page.get_by_label("Titre")).to_have_value("Pas de bus le samedi au Médoc")
    assert_accessible(page)

    page.get_by_label("Résumé").fill("Un minibus solidaire conduit par des bénévoles, chaque samedi matin.")
    page.get_by_label("Ce qui est expérimental").fill("La réservation se fait au marché même, sans téléphone.")
    page.get_by_label("Budget demandé (en euros)").fill("18000")
    page.get_by_label("Durée de l'expérimentation (en mois)").fill("12")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flashes")).to_contain_text("Le brouillon est enregistré")
    expect(page.locator("main")).to_contain_text("Brouillon")
    assert_accessible(page)

    page.get_by_role("button", name="Publier").click()
    expect(page.locator(".flashes")).to_contain_text("La proposition est publiée")
    expect(page.locator("main")).to_contain_text("Née de l'idée")

    page.goto(f"/idees/{idea.id}")
    expect(page.get_by_role("link", name="Pas de bus le samedi au Médoc")).to_be_visible()
    page.goto("/propositions/")
    assert_accessible(page)

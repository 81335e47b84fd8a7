"""An administrator renames the territorial units in the back office; the site speaks the new words
(issue 16, identity)."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.axe import VIEWPORTS, assert_accessible
from tests.browser.conftest import login


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_an_administrator_renames_the_units_and_the_site_follows(page: Page, app, viewport):
    territory = factories.make_territory()
    admin = factories.make_user("Administration", email="admin@exemple.fr", is_admin=True)
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, admin.email, factories.PASSWORD)
    page.goto("/admin/")
    page.get_by_role("link", name="Identité de la collectivité").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Identité de la collectivité")
    assert_accessible(page)

    page.get_by_label("Nom de la collectivité").fill("")
    page.get_by_label("Nom d'une unité territoriale").fill("Maison de la Métropole pour les solidarités")
    page.get_by_role("button", name="Enregistrer").click()
    # Refused without JavaScript's help: the error is next to the field, what was typed stays.
    expect(page.locator("#name-error")).to_contain_text("Indiquez le nom de la collectivité.")
    expect(page.get_by_label("Nom d'une unité territoriale")).to_have_value(
        "Maison de la Métropole pour les solidarités"
    )
    assert_accessible(page)

    page.get_by_label("Nom de la collectivité").fill("Métropole de Lyon")
    page.get_by_role("group", name="Genre du nom de la collectivité").get_by_label("féminin").check()
    page.get_by_label("Le même au pluriel").fill("Maisons de la Métropole pour les solidarités")
    page.get_by_label("Forme courte", exact=True).fill("Maison")
    page.get_by_label("Forme courte au pluriel").fill("Maisons")
    page.get_by_role("group", name="Genre du nom des unités").get_by_label("féminin").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flash, [role=status], .flashes").first).to_contain_text("est enregistrée")
    expect(page.get_by_role("contentinfo")).to_contain_text("Tisser, une plateforme proposée par la Métropole de Lyon.")

    page.goto(f"/territoires/{territory.medoc.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Maison de la Métropole pour les solidarités Médoc")
    page.goto("/")
    expect(page.locator("main")).to_contain_text("Chaque territoire est suivi par une Maison de la Métropole")
    expect(page.locator("main")).not_to_contain_text("Pôle")
    assert_accessible(page)

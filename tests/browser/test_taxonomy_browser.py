"""The taxonomy editor in Chromium: an administrator adds, renames, reorders and retires values
with plain forms (no JavaScript needed), and the page passes axe, errors shown included."""

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login, screenshots


def test_an_administrator_edits_the_taxonomies(page: Page, app):
    admin = factories.make_user("Administration", is_admin=True)
    login(page, admin.email, factories.PASSWORD)
    page.goto("/admin/")
    page.get_by_role("link", name="Domaines, publics et formes juridiques").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Domaines, publics et formes juridiques")
    assert_accessible(page)
    screenshots(page, "taxonomies")

    domains = page.get_by_role("region", name="Domaines et sous-domaines")
    domains.get_by_label("Nouveau domaine").fill("Mobilité solidaire")
    domains.get_by_role("button", name="Ajouter le domaine").click()
    expect(page.locator(".flashes")).to_contain_text("« Mobilité solidaire » est ajouté")
    added = page.locator("li.taxonomy-value", has_text="Mobilité solidaire").first
    added.get_by_label("Nouveau sous-domaine de « Mobilité solidaire »").fill("Covoiturage")
    added.get_by_role("button", name="Ajouter le sous-domaine").click()
    expect(page.locator(".flashes")).to_contain_text("« Covoiturage » est ajouté sous « Mobilité solidaire »")

    # Moved up above "Citoyenneté sociale", then renamed, then retired.
    page.get_by_role("button", name="Monter Mobilité solidaire").click()
    labels = page.locator("#domaines > ol > li > .taxonomy-value__head strong").all_inner_texts()
    assert labels.index("Mobilité solidaire") == 2
    field = page.get_by_label("Libellé — Mobilité solidaire")
    field.fill("")
    page.get_by_role("button", name="Renommer Mobilité solidaire").click()
    expect(page.locator("main")).to_contain_text("Indiquez un libellé.")
    assert_accessible(page)
    screenshots(page, "taxonomies-error")
    page.get_by_label("Libellé — Mobilité solidaire").fill("Mobilité et solidarité")
    page.get_by_role("button", name="Renommer Mobilité solidaire").click()
    expect(page.locator(".flashes")).to_contain_text("Libellé enregistré : « Mobilité et solidarité »")
    page.get_by_role("button", name="Retirer Mobilité et solidarité").click()
    expect(page.locator(".flashes")).to_contain_text("n'est plus proposé pour les nouveaux contenus")
    expect(page.locator("li.taxonomy-value--retired", has_text="Mobilité et solidarité").first).to_contain_text(
        "Retiré"
    )

    # Never used: it may go.
    page.get_by_role("button", name="Supprimer Covoiturage").click()
    expect(page.locator(".flashes")).to_contain_text("« Covoiturage » est supprimé")

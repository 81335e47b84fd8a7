"""The back office's people and association verification pages, in Chromium: appointing a
moderator with a reason, refusing then verifying associations in place (htmx), axe on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from tests import factories
from tests.browser.axe import VIEWPORTS, assert_accessible
from tests.browser.conftest import login


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_appoint_a_moderator_then_verify_and_refuse_associations(page: Page, app, viewport):
    territory = factories.make_territory()
    factories.make_user("Administration", email="admin@exemple.fr", is_admin=True)
    factories.make_user("Expertise Extérieure", email="expert@exemple.fr")
    owner = factories.make_user("Présidence")
    first = factories.make_association("Entraide Médoc", territory.medoc_commune, admins=[owner])
    first.rna = "W332001234"
    second = factories.make_association("Jardins du Bassin", territory.bassin_commune, admins=[owner])
    second.siret = "73282932000074"
    db.session.commit()
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "admin@exemple.fr", factories.PASSWORD)

    page.goto("/admin/")
    page.get_by_role("link", name="Personnes et rôles").click()
    page.get_by_label("Nom ou adresse e-mail").fill("expert@")
    page.get_by_role("button", name="Chercher").click()
    assert_accessible(page)
    page.get_by_role("link", name="Expertise Extérieure").click()
    form = page.get_by_role("region", name="Confier un rôle")
    form.get_by_label("Rôle à confier").select_option("moderator")
    form.get_by_label("Pôle").select_option(label="Médoc")
    form.get_by_role("button", name="Confier ce rôle").click()
    # No reason: refused, the choices kept.
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif")
    expect(form.get_by_label("Pôle")).to_have_value(str(territory.medoc.id))
    form.get_by_label("Motif").fill("Renfort pendant l'appel")
    form.get_by_role("button", name="Confier ce rôle").click()
    expect(page.locator(".flash--success")).to_contain_text("la modération du pôle Médoc")
    expect(page.locator("main")).to_contain_text("Renfort pendant l'appel")
    assert_accessible(page)

    page.goto("/admin/")
    page.get_by_role("link", name="Vérification des associations").click()
    assert_accessible(page)
    entry = page.locator(f"#verification-{first.id}")
    expect(entry).to_contain_text("W332001234 : format valide")
    entry.get_by_role("button", name="Refuser").click()
    # Swapped in place: the error in the entry, the page not reloaded.
    expect(entry).to_contain_text("Indiquez le motif du refus")
    entry.get_by_label("Motif du refus").fill("Le RNA ne correspond pas au nom.")
    entry.get_by_role("button", name="Refuser").click()
    expect(entry).to_contain_text("Refusée (motif : Le RNA ne correspond pas au nom.)")
    other = page.locator(f"#verification-{second.id}")
    other.get_by_role("button", name="Vérifier").click()
    expect(other).to_contain_text("Vérifiée : ses administrateurs sont prévenus.")
    assert_accessible(page)

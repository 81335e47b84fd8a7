"""The back office's statistics at 375 and 1280 px: charts with their tables, the filter form
(a plain GET form, no JavaScript needed), axe on each page."""

import pytest
from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD, load_demo
from tests.browser.axe import VIEWPORTS, assert_accessible
from tests.browser.conftest import login


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_administrator_reads_and_filters_the_statistics(page: Page, app, viewport):
    load_demo()
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "admin@tisser.demo", DEMO_PASSWORD)
    page.goto("/admin/")
    page.get_by_role("link", name="Statistiques de participation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques de participation")
    expect(page.get_by_role("img", name="Idées par semaine")).to_be_visible()
    expect(page.get_by_role("img", name="Contributions par domaine, sur 26 semaines")).to_be_visible()
    expect(page.get_by_role("table", name="Contributions par unité territoriale, sur 26 semaines")).to_contain_text(
        "Médoc"
    )
    expect(page.get_by_role("link", name="Télécharger les entonnoirs des appels (CSV)")).to_be_visible()
    assert_accessible(page, viewports=(viewport,))
    page.get_by_label("Unité territoriale", exact=True).select_option(label="Médoc")
    page.get_by_label("Domaine", exact=True).select_option(label="Solidarité alimentaire")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**/admin/statistiques?unite=*&domaine=alimentation")
    units = page.get_by_role("table", name="Contributions par unité territoriale, sur 26 semaines")
    expect(units.get_by_role("row", name="Bordeaux")).to_contain_text("0")
    expect(page.get_by_label("Domaine", exact=True)).to_have_value("alimentation")
    assert_accessible(page, viewports=(viewport,))

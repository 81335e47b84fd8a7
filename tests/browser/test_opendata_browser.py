"""Open data in Chromium: the page (axe) and a CSV downloaded from the filtered proposal list."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.axe import assert_accessible


def test_the_open_data_page_and_a_csv_downloaded_from_the_filtered_list(page: Page, app):
    territory = factories.make_territory()
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune)
    medoc = factories.make_proposal(association, title="Jardin du Médoc", communes=(territory.medoc_commune,))
    factories.make_proposal(association, title="Jardin du Bassin", communes=(territory.bassin_commune,))

    page.goto("/")
    page.get_by_role("link", name="Données ouvertes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Données ouvertes")
    page.locator("#propositions summary").click()
    expect(page.locator("#propositions table")).to_contain_text("insee_codes")
    assert_accessible(page)

    page.goto("/propositions/?pole=medoc")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV", exact=True).click()
    download = download_info.value
    assert re.fullmatch(r"propositions-\d{4}-\d\d-\d\d\.csv", download.suggested_filename)
    body = download.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(int(r["id"]), r["title"]) for r in rows] == [(medoc.id, "Jardin du Médoc")]

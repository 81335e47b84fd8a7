"""The Lyon preset in Chromium: its home, its fund, a proposal (the replicated pilot) and a
Maison's page read well and pass axe (issue 16, the Lyon preset)."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.demo_lyon import FUND_SLUG, PILOT, REPLICA
from app.demo_presets import load_preset
from app.extensions import db
from app.models import Pole, Proposal
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshots


def test_a_visitor_walks_the_lyon_preset(page: Page, app):
    load_preset("lyon")
    pilot = db.session.scalar(select(Proposal.id).where(Proposal.title == PILOT))
    unit = db.session.scalar(select(Pole.slug).where(Pole.name == "Portes du Sud"))

    page.goto("/")
    expect(page.get_by_text("Maisons de la Métropole pour les solidarités").first).to_be_visible()
    assert_accessible(page)
    screenshots(page, "lyon-home")

    page.goto("/appels/")
    page.get_by_role("link", name="Fonds d'innovation sociale", exact=True).click()
    page.wait_for_url(f"**/appels/{FUND_SLUG}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fonds d'innovation sociale")
    expect(page.get_by_text("Rhône Amont").first).to_be_visible()  # a volunteer pilot territory
    assert_accessible(page)
    screenshots(page, "lyon-call")

    page.goto(f"/propositions/{pilot}")
    expect(page.get_by_role("heading", level=1)).to_have_text(PILOT)
    expect(page.get_by_text("Reproductions sur d'autres territoires")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "lyon-pilot")
    page.get_by_role("link", name="Régie de quartier Saint-Jean").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(REPLICA)
    expect(page.get_by_text("Reproduit le projet")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "lyon-replica")

    page.goto(f"/territoires/{unit}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Portes du Sud")
    expect(page.get_by_text("Regroupement illustratif").first).to_be_visible()
    assert_accessible(page)
    screenshots(page, "lyon-unit")

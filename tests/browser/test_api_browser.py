"""The API's documentation page: reached from the footer, readable, accessible, no script."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible


def test_api_documentation_from_the_footer(page: Page, app):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="API", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("API publique")
    expect(page.get_by_role("heading", name="GET /api/v1/proposals", exact=True)).to_be_visible()
    # Each response names its object, a link within the page.
    page.locator("#op-proposals").locator("xpath=..").get_by_role("link", name="ProposalPage").click()
    expect(page.get_by_role("heading", name="ProposalPage", exact=True)).to_be_in_viewport()
    assert_accessible(page)

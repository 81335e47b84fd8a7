"""Follow in place (htmx), "mon fil" and a public profile, in Chromium."""

from playwright.sync_api import Page, expect

from app.comments import services as comment_services
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def test_follow_then_read_my_feed(page: Page, app, territory, resident):
    idea = factories.make_idea(resident, territory.medoc_commune, title="Un lavoir couvert")
    reader = factories.make_user("Lectrice Attentive", email="lectrice@exemple.fr")
    login(page, reader.email, factories.PASSWORD)
    page.goto(f"/idees/{idea.id}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.sameDocument = true }")
    button = page.locator("#suivre button")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(page.locator("#suivre button")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("() => window.sameDocument") is True

    comment_services.create_comment(idea, resident, "Le toit pourrait être végétalisé.")
    page.goto("/fil")
    expect(page.locator(".feed")).to_contain_text("a commenté « Un lavoir couvert »")
    assert_accessible(page)

    page.goto(f"/personnes/{resident.id}")
    expect(page.locator("main")).to_contain_text("Un lavoir couvert")
    expect(page.locator("main")).to_contain_text("Le toit pourrait être végétalisé.")
    assert_accessible(page)

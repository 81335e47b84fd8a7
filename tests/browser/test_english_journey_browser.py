"""The core journey in English (issue 17): a newcomer switches to English, registers, confirms their
address from an English e-mail, posts an idea; an association drafts and publishes a proposal from
it; the newcomer supports and comments. axe checks every English page. The switch also works without
JavaScript. What the collectivity typed (domains, target publics, questions) stays in French."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshots

# An English browser: Tisser still opens in French (the collectivity's language) until asked.
BROWSER_LOCALE = "en-GB"


def _switch_to_english(page: Page) -> None:
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".flashes")).to_contain_text("Pages are now in English.")


def _english_page(browser: Browser, base_url: str, problems, js: bool = True) -> Page:
    context = browser.new_context(
        base_url=base_url, locale=BROWSER_LOCALE, timezone_id="Europe/Paris", java_script_enabled=js
    )
    page = problems.watch(context.new_page())
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    _switch_to_english(page)
    return page


def _log_in(page: Page, email: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/compte")


def _confirmation_link(base_url: str, email: str) -> str:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage

    db.session.expire_all()
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id.desc())
    )
    # The e-mail speaks the language the person registered in.
    assert message.subject == "Confirm your email address on Tisser"
    assert "Bonjour" not in message.body
    return base_url + re.search(r"https?://[^/\s]+(/compte/confirmer/\S+)", message.body).group(1)


def test_the_core_journey_in_english(browser: Browser, base_url: str, app, page_problems):
    territory = factories.make_territory()
    dominique = factories.make_user("Dominique Asso", email="dominique@exemple.fr")
    factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[dominique])

    # A newcomer: English from the footer, on every page from then on.
    sam = _english_page(browser, base_url, page_problems)
    assert_accessible(sam)
    screenshots(sam, "english-home")
    sam.get_by_role("link", name="Create an account").first.click()
    sam.get_by_label("Email address").fill("sam@example.org")
    sam.get_by_label("Public name").fill("Sam Newcomer")
    sam.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    sam.get_by_label("Confirm the password").fill(factories.PASSWORD)
    assert_accessible(sam)
    sam.get_by_label(re.compile("I have read how Tisser handles my personal data")).check()
    sam.get_by_role("button", name="Create my account").click()
    expect(sam).to_have_url(re.compile(r"/bienvenue$"))
    expect(sam.get_by_role("region", name="Confirm your email address to take part")).to_be_visible()
    assert_accessible(sam)

    sam.goto(_confirmation_link(base_url, "sam@example.org"))
    expect(sam.locator("h1")).to_have_text("Confirm your email address")
    assert_accessible(sam)
    sam.get_by_role("button", name="Confirm my address").click()
    expect(sam.locator(".flashes")).to_contain_text("Your email address has been confirmed")

    # An idea: Tisser's labels in English, the collectivity's domains and publics as it typed them.
    sam.goto("/idees/nouvelle")
    expect(sam.locator("html")).to_have_attribute("lang", "en")
    sam.get_by_label("Title").fill("A covered wash-house in Lesparre")
    sam.get_by_label("Description").fill("Families still wash their laundry outdoors, even in winter.")
    sam.get_by_label("Municipality where you see this need").fill("Lesparre-Médoc")
    sam.get_by_label("Santé, bien-être et handicap").check()
    sam.get_by_label("Familles monoparentales").check()
    assert_accessible(sam)
    sam.get_by_role("button", name="Publish my idea").click()
    expect(sam.locator("h1")).to_have_text("A covered wash-house in Lesparre")
    assert_accessible(sam)
    idea_url = sam.url

    # The association, in English too: drafts a proposal from the idea, then publishes it.
    asso = _english_page(browser, base_url, page_problems)
    _log_in(asso, "dominique@exemple.fr")
    # The account page: the language chosen before logging in is the account's now.
    expect(asso.get_by_label("English")).to_be_checked()
    assert_accessible(asso)
    screenshots(asso, "english-account")
    asso.goto(idea_url)
    asso.get_by_role("link", name="Take up this idea in a proposal").click()
    asso.get_by_label("Summary").fill("A covered, heated wash-house, run by the association twice a week.")
    asso.get_by_label("Ce qui est expérimental").fill("Le lavoir devient un lieu d'entraide entre familles.")
    asso.get_by_label("Budget requested (in euros)").fill("15000")
    asso.get_by_label("Length of the pilot (in months)").fill("12")
    assert_accessible(asso)
    asso.get_by_role("button", name="Save", exact=True).click()
    expect(asso.locator(".flashes")).to_contain_text("The draft has been saved.")
    assert_accessible(asso)
    asso.get_by_role("button", name="Publish", exact=True).click()
    expect(asso.locator(".flashes")).to_contain_text("The proposal has been published")
    expect(asso.locator("main")).to_contain_text("Born from the idea")
    # Amounts in the reader's locale.
    expect(asso.locator("main")).to_contain_text("€15,000")
    proposal_url = asso.url

    # Sam supports and comments, through htmx.
    sam.goto(proposal_url)
    sam.wait_for_function("() => window.htmx !== undefined")
    sam.locator("#soutien-bouton").click()
    expect(sam.locator("#soutien-bouton")).to_have_attribute("aria-pressed", "true")
    expect(sam.locator("#soutien-compte")).to_have_text("1 support")
    sam.locator("#soutien-bouton").click()
    expect(sam.locator("#soutien-compte")).to_have_text("0 supports")
    sam.locator("#comment-form").get_by_label("Your message").fill("Could there be a corner for children?")
    sam.locator("#comment-form").get_by_role("button", name="Publish").click()
    expect(sam.locator("#comment-threads > article").first).to_contain_text("Could there be a corner for children?")
    expect(sam.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(sam)
    for page in (sam, asso):
        page.context.close()


def test_the_switch_without_javascript(browser: Browser, base_url: str, app, page_problems):
    factories.make_territory()
    page = _english_page(browser, base_url, page_problems, js=False)
    page.get_by_role("link", name="Ideas", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # And back: the button is named in French, in French.
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page).to_have_url(re.compile(r"/idees/$"))
    expect(page.locator(".flashes")).to_contain_text("Les pages sont maintenant en français.")
    page.context.close()

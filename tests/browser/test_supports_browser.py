"""Supports in Chromium: in place with htmx, by form and redirect without JavaScript, and the
anonymous visitor's way through logging in."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Membership, ProposalState
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def _data() -> dict:
    territory = factories.make_territory()
    author = factories.make_user("Autrice")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[author])
    resident = factories.make_user("Camille Habitante")
    idea = factories.make_idea(author, territory.medoc_commune, title="Un jardin au pied des immeubles")
    proposal = factories.make_proposal(association, author, state=ProposalState.PUBLISHED, title="Paniers solidaires")
    return {
        "resident": resident.email,
        "pages": [f"/idees/{idea.id}", f"/propositions/{proposal.id}"],
    }


def _support_box(page: Page):
    return page.locator("#soutien")


def test_resident_supports_in_place(page: Page, app):
    data = _data()
    login(page, data["resident"], factories.PASSWORD)
    for path in data["pages"]:
        page.goto(path)
        page.wait_for_function("() => window.htmx !== undefined")
        page.evaluate("() => { window.notReloaded = true }")
        button = page.get_by_role("button", name="Soutenir")
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(_support_box(page)).to_contain_text("0 soutien")
        assert_accessible(page, viewports=("desktop",))

        button.click()
        button = page.locator("#soutien-bouton")
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(button).to_have_text("Soutenir")
        expect(_support_box(page)).to_contain_text("Vous soutenez")
        expect(_support_box(page)).to_contain_text("1 soutien")
        # The swap morphs the box: the keyboard focus stays on the button.
        expect(button).to_be_focused()
        assert_accessible(page)

        button.click()
        expect(button).to_have_attribute("aria-pressed", "false")
        expect(button).to_have_text("Soutenir")
        expect(_support_box(page)).to_contain_text("0 soutien")
        # Same document all along: no reload happened.
        assert page.evaluate("() => window.notReloaded === true")
        assert page.url.endswith(path)


def test_resident_supports_without_javascript(browser: Browser, base_url: str, app):
    data = _data()
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        login(page, data["resident"], factories.PASSWORD)
        for path in data["pages"]:
            page.goto(path)
            page.get_by_role("button", name="Soutenir").click()
            expect(page).to_have_url(re.compile(re.escape(path) + "#soutien$"))
            expect(page.locator(".flashes")).to_contain_text("Votre soutien est enregistré")
            button = page.locator("#soutien-bouton")
            expect(button).to_have_attribute("aria-pressed", "true")
            expect(_support_box(page)).to_contain_text("1 soutien")

            button.click()
            expect(page.locator(".flashes")).to_contain_text("Votre soutien est retiré")
            expect(page.locator("#soutien-bouton")).to_have_attribute("aria-pressed", "false")
            expect(_support_box(page)).to_contain_text("0 soutien")
    finally:
        context.close()


def test_anonymous_visitor_logs_in_and_comes_back(page: Page, app):
    data = _data()
    path = data["pages"][1]
    page.goto(path)
    expect(page.get_by_role("button", name="Soutenir")).to_have_count(0)
    link = page.get_by_role("link", name="Connectez-vous pour soutenir")
    expect(link).to_be_visible()
    assert_accessible(page)
    link.click()
    page.get_by_label("Adresse e-mail").fill(data["resident"])
    page.get_by_label("Mot de passe", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_role("button", name="Soutenir").click()
    expect(page.locator("#soutien-bouton")).to_have_attribute("aria-pressed", "true")
    expect(_support_box(page)).to_contain_text("1 soutien")


def test_association_members_see_the_count_and_a_note(page: Page, app):
    data = _data()
    author_id = db.session.scalar(select(Membership.user_id))
    email = db.session.get(factories.User, author_id).email
    login(page, email, factories.PASSWORD)
    page.goto(data["pages"][1])
    expect(_support_box(page)).to_contain_text("0 soutien")
    expect(_support_box(page)).to_contain_text("Votre association porte cette proposition")
    expect(page.locator("#soutien-bouton")).to_have_count(0)
    assert_accessible(page, viewports=("desktop",))

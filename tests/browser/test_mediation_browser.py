"""Mediated participation in Chromium: an agent at a market, on a phone without JavaScript, enters
an idea and two supports; a duplicate is refused; the unit's moderator sees the agent's entries."""

from __future__ import annotations

import os
import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Idea
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login, open_as

PHONE = {"width": 375, "height": 800}


def _world() -> dict:
    territory = factories.make_territory()
    agent = factories.make_user("Agente Médoc", agent_pole_id=territory.medoc.id)
    moderator = factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    idea = factories.make_idea(factories.make_user("Autrice"), territory.medoc_commune, title="Une épicerie solidaire")
    return {"agent": agent, "moderator": moderator, "idea_id": idea.id, "commune": territory.medoc_commune.name}


def _resident(page: Page, name: str, year: str, commune: str) -> None:
    page.get_by_label("Prénom ou initiale").fill(name)
    page.get_by_label("Commune de la personne").fill(commune)
    page.get_by_label("Année de naissance").fill(year)
    # The place and the date are kept from one entry to the next: the market is already chosen.
    expect(page.get_by_label("Marché", exact=True)).to_be_checked()
    page.get_by_label("La personne a accepté").check()


def _shots(page: Page, name: str) -> None:
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    size = page.viewport_size
    for width in (320, 375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)


def test_an_agent_at_the_market_without_javascript(browser: Browser, base_url: str, app, page_problems):
    world = _world()
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR", viewport=PHONE)
    page = page_problems.watch(context.new_page())
    try:
        login(page, world["agent"].email, factories.PASSWORD)
        page.locator(".site-menu__toggle").click()  # the phone's menu, a <details>
        page.get_by_role("link", name="Recueil", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Recueillir une idée en personne")
        _shots(page, "mediation-idea")
        # The first entry of the day: the place, its detail, then the resident and their idea.
        page.get_by_label("Marché", exact=True).check()
        page.get_by_label("Précision sur le lieu (facultatif)").fill("Marché de Lesparre")
        _resident(page, "Élise", "1958", world["commune"])
        page.get_by_label("Titre de l'idée").fill("Un bus le jour du marché")
        page.get_by_label("Ce que la personne a dit").fill("Pas de bus pour venir au marché le samedi matin.")
        page.get_by_label("Solidarité alimentaire").check()
        page.get_by_role("button", name="Publier l'idée").click()
        expect(page.locator(".flashes")).to_contain_text("L'idée est publiée")

        idea_id = db.session.scalar(select(Idea.id).where(Idea.title == "Un bus le jour du marché"))
        page.goto(f"/idees/{idea_id}")
        expect(page.locator(".subject")).to_contain_text("Idée de Élise, recueillie par le pôle Médoc le")
        _shots(page, "mediation-collected-idea")

        # Two supports on another idea, from its page.
        page.goto(f"/idees/{world['idea_id']}")
        page.get_by_role("link", name="Recueillir en personne").click()
        _shots(page, "mediation-contribution")
        for name, year in (("Élise", "1958"), ("Jean", "1971")):
            _resident(page, name, year, world["commune"])
            page.get_by_label("Un soutien").check()
            page.get_by_role("button", name="Enregistrer").click()
            expect(page.locator(".flashes")).to_contain_text(f"Le soutien de {name} est compté")
        # The same resident again: refused, what was typed kept.
        _resident(page, "elise", "1958", world["commune"])
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator(".error-summary")).to_contain_text("a déjà soutenu ce contenu")
        expect(page.get_by_label("Prénom ou initiale")).to_have_value("elise")
        _shots(page, "mediation-duplicate")

        page.goto(f"/idees/{world['idea_id']}")
        expect(page.locator("#soutien")).to_contain_text(re.compile(r"2 soutiens\s*dont 2 recueillis en personne"))
        _shots(page, "mediation-supported-idea")
    finally:
        context.close()

    # The unit's moderator sees the agent's entries, and every new page passes axe.
    context, page = open_as(browser, base_url, world["moderator"], page_problems)
    try:
        page.goto("/moderation/")
        page.get_by_role("link", name="Contributions recueillies en personne").click()
        table = page.locator("table.mediation-entries")
        expect(table).to_contain_text("Agente Médoc")
        expect(table.locator("tbody tr")).to_have_count(3)
        expect(table).to_contain_text("Un bus le jour du marché")
        assert_accessible(page)
        _shots(page, "mediation-entries")
    finally:
        context.close()

    context, page = open_as(browser, base_url, world["agent"], page_problems)
    try:
        page.goto("/recueil/")
        assert_accessible(page)
        page.goto(f"/recueil/idees/{world['idea_id']}")
        assert_accessible(page)
        page.get_by_role("button", name="Enregistrer").click()  # empty: the errors pass axe too
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page)
    finally:
        context.close()

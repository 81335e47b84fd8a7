"""A resident met at a market claims, in Chromium, what an agent recorded for her: she opens the
e-mailed link, creates an account from it, confirms her address and is brought back to claim; her
idea then shows her name, and the support counts once."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Idea, OutboxMessage
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import open_as, screenshots

EMAIL = "elise.marche@exemple.fr"


def _mailed_link(base_url: str, pattern: str) -> str:
    db.session.expire_all()
    body = db.session.scalar(
        select(OutboxMessage.body).where(OutboxMessage.recipient == EMAIL).order_by(OutboxMessage.id.desc())
    )
    return base_url + re.search(rf"https?://[^/\s]+({pattern}\S+)", body).group(1)


def _resident(page: Page, commune: str) -> None:
    page.get_by_label("Prénom ou initiale").fill("Élise")
    page.get_by_label("Commune de la personne").fill(commune)
    page.get_by_label("Année de naissance").fill("1958")
    page.get_by_label("E-mail (facultatif)").fill(EMAIL)
    page.get_by_label("La personne a accepté").check()


def test_a_resident_registers_from_the_claim_link_and_claims(browser: Browser, base_url: str, app, page_problems):
    territory = factories.make_territory()
    agent = factories.make_user("Agente Médoc", agent_pole_id=territory.medoc.id)
    other = factories.make_idea(factories.make_user("Autrice"), territory.medoc_commune, title="Une épicerie solidaire")
    commune = territory.medoc_commune.name

    # The agent records an idea and a support for Élise, who gave her e-mail.
    context, page = open_as(browser, base_url, agent, page_problems)
    try:
        page.goto("/recueil/")
        page.get_by_label("Marché", exact=True).check()
        _resident(page, commune)
        page.get_by_label("Titre de l'idée").fill("Un bus le jour du marché")
        page.get_by_label("Ce que la personne a dit").fill("Pas de bus pour venir au marché le samedi matin.")
        page.get_by_label("Solidarité alimentaire").check()
        page.get_by_role("button", name="Publier l'idée").click()
        expect(page.locator(".flashes")).to_contain_text("L'idée est publiée")
        page.goto(f"/recueil/idees/{other.id}")
        _resident(page, commune)
        page.get_by_label("Un soutien").check()
        page.get_by_role("button", name="Enregistrer").click()
        expect(page.locator(".flashes")).to_contain_text("Le soutien de Élise est compté")
    finally:
        context.close()
    idea_id = db.session.scalar(select(Idea.id).where(Idea.title == "Un bus le jour du marché"))

    # Élise opens the link from her mailbox: no account yet.
    context, page = open_as(browser, base_url, None, page_problems)
    try:
        claim_url = _mailed_link(base_url, "/recueil/retrouver/")
        page.goto(claim_url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Retrouver vos contributions")
        assert_accessible(page, viewports=("desktop", "mobile"))
        screenshots(page, "mediation-claim-anonymous")
        page.locator("main").get_by_role("link", name="Créer un compte").click()
        page.get_by_label("Adresse e-mail").fill(EMAIL)
        page.get_by_label("Nom public").fill("Élise Martin")
        page.get_by_label("Mot de passe", exact=True).fill(factories.PASSWORD)
        page.get_by_label("Confirmez le mot de passe").fill(factories.PASSWORD)
        page.get_by_label(re.compile("J'ai lu comment")).check()
        page.get_by_role("button", name="Créer mon compte").click()

        # Back on the claim, which first asks to confirm the address.
        expect(page).to_have_url(claim_url)
        expect(page.locator("main")).to_contain_text("Confirmez d'abord votre adresse e-mail")
        assert_accessible(page)
        screenshots(page, "mediation-claim-unconfirmed")
        page.goto(_mailed_link(base_url, "/compte/confirmer/"))
        page.get_by_role("button", name="Confirmer mon adresse").click()
        expect(page).to_have_url(claim_url)
        assert_accessible(page)
        screenshots(page, "mediation-claim-ready")
        page.get_by_role("button", name="Rattacher à mon compte").click()
        expect(page.locator(".flashes")).to_contain_text("2 contributions sont rattachées à votre compte")

        page.goto(f"/idees/{idea_id}")
        expect(page.locator(".subject")).to_contain_text("Idée de Élise Martin")
        expect(page.locator("main")).not_to_contain_text("recueilli")
        page.goto(f"/idees/{other.id}")
        # Still one support, now hers: no longer one "collected in person".
        expect(page.locator("#soutien")).to_contain_text("1 soutien")
        expect(page.locator("#soutien")).not_to_contain_text("recueilli")
        expect(page.get_by_role("button", name="Soutenir")).to_have_attribute("aria-pressed", "true")
    finally:
        context.close()

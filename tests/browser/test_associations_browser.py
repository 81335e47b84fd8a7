"""Associations in the real browser: invitation journey, inline identifier checks, accessibility."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Membership, OutboxMessage
from app.models.base import utcnow
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def _latest_invitation_path() -> str:
    # The live server wrote it; end this session's read snapshot before looking.
    db.session.rollback()
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/associations/invitation/[A-Za-z0-9_\-]+", message.body).group(0)


def test_admin_invites_and_the_invitee_accepts(browser: Browser, base_url: str, page: Page, app, page_problems):
    territory = factories.make_territory()
    admin = factories.make_user("Dominique Admin", email="admin.asso@exemple.fr")
    factories.make_user("Claude Invitée", email="claude@exemple.fr")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[admin])
    slug = association.slug

    login(page, "admin.asso@exemple.fr", factories.PASSWORD)
    page.goto(f"/associations/{slug}/membres")
    assert_accessible(page)
    page.get_by_label("Adresse e-mail de la personne à inviter").fill("claude@exemple.fr")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.locator(".flashes")).to_contain_text("Invitation envoyée à claude@exemple.fr")
    expect(page.locator("#members")).to_contain_text("claude@exemple.fr")

    path = _latest_invitation_path()
    invitee = browser.new_context(base_url=base_url, locale="fr-FR")
    invitee_page = page_problems.watch(invitee.new_page())
    try:
        login(invitee_page, "claude@exemple.fr", factories.PASSWORD)
        invitee_page.goto(path)
        expect(invitee_page.locator("h1")).to_contain_text("Invitation à rejoindre « Les Jardins du Médoc »")
        assert_accessible(invitee_page)
        invitee_page.get_by_role("button", name="Accepter l'invitation").click()
        expect(invitee_page).to_have_url(re.compile(rf"/associations/{slug}/membres$"))
        expect(invitee_page.locator(".flashes")).to_contain_text("Bienvenue dans « Les Jardins du Médoc »")
        expect(invitee_page.locator("#members")).to_contain_text("Claude Invitée")

        # The member chooses to appear publicly, in place (htmx).
        invitee_page.wait_for_function("() => window.htmx !== undefined")
        invitee_page.get_by_role("button", name="Apparaître sur la page publique").click()
        expect(invitee_page.locator("#members")).to_contain_text("Votre nom apparaît maintenant sur la page publique")
    finally:
        invitee.close()

    # The administrator sees the new member and promotes them without leaving the page.
    page.reload()
    page.wait_for_function("() => window.htmx !== undefined")
    expect(page.locator("#members")).to_contain_text("Claude Invitée")
    with page.expect_request(re.compile(r"/membres/\d+/role$")) as request:
        page.get_by_role("button", name="Nommer administrateur·rice (Claude Invitée)").click()
    assert request.value.headers.get("hx-request") == "true"
    expect(page.locator("#members")).to_contain_text("Claude Invitée administre maintenant l'association.")
    db.session.rollback()
    roles = {
        m.role.value for m in db.session.scalars(select(Membership).where(Membership.association_id == association.id))
    }
    assert roles == {"admin"}

    page.goto(f"/associations/{slug}")
    expect(page.locator("main")).to_contain_text("Claude Invitée")
    expect(page.locator("main")).not_to_contain_text("Dominique Admin")


def test_malformed_siret_is_reported_on_blur_and_on_submit(page: Page, app):
    territory = factories.make_territory()
    factories.make_user("Camille Habitante", email="camille@exemple.fr")
    login(page, "camille@exemple.fr", factories.PASSWORD)
    page.goto("/associations/nouvelle")
    page.wait_for_function("() => window.htmx !== undefined")

    siret = page.get_by_label("Numéro SIRET (facultatif)")
    with page.expect_request(re.compile(r"/associations/nouvelle\?valider=siret$")) as check:
        siret.fill("732 829 320 00075")
        siret.press("Tab")
    assert check.value.headers.get("x-csrftoken")
    expect(page.locator("#siret-error")).to_contain_text(
        "Ce numéro SIRET n'est pas valide : sa clé de contrôle ne correspond pas."
    )
    expect(page.get_by_label("Numéro SIRET (facultatif)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Numéro SIRET (facultatif)")).to_have_value("732 829 320 00075")
    assert_accessible(page, viewports=("desktop",))

    siret = page.get_by_label("Numéro SIRET (facultatif)")
    siret.fill("7328293200007")
    siret.press("Tab")
    expect(page.locator("#siret-error")).to_contain_text("Le numéro SIRET compte 14 chiffres : vous en avez saisi 13.")

    page.get_by_label("Nom de la structure").fill("Les Petits Débrouillards")
    page.get_by_label("Association ou groupement d'associations (loi 1901)").check()
    page.get_by_label("Commune du siège").fill("Lesparre-Médoc")
    page.get_by_role("button", name="Inscrire la structure").click()

    expect(page.locator(".error-summary")).to_contain_text(
        "Le numéro SIRET compte 14 chiffres : vous en avez saisi 13."
    )
    expect(page.get_by_label("Numéro SIRET (facultatif)")).to_have_value("7328293200007")
    expect(page.get_by_label("Nom de la structure")).to_have_value("Les Petits Débrouillards")
    assert_accessible(page)

    # Corrected, the form goes through and its creator manages the members.
    page.get_by_label("Numéro SIRET (facultatif)").fill("73282932000074")
    page.get_by_role("button", name="Inscrire la structure").click()
    expect(page).to_have_url(re.compile(r"/associations/les-petits-debrouillards/membres$"))
    assert territory is not None


def test_list_and_public_page_are_accessible(page: Page, app):
    territory = factories.make_territory()
    admin = factories.make_user("Dominique Admin")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[admin])
    association.rna, association.siret = "W332001234", "73282932000074"
    association.contact_email, association.contact_phone = "contact@jardins.fr", "05 56 00 00 00"
    association.description = "Des jardins partagés et des ateliers cuisine à Lesparre."
    association.verified_at = utcnow()
    db.session.execute(
        Membership.__table__.update().where(Membership.association_id == association.id).values(show_publicly=True)
    )
    factories.make_proposal(
        association, admin, title="Potager du quartier", summary="Un potager partagé au pied des immeubles."
    )
    factories.make_association("Bassin Solidaire", territory.bassin_commune)
    db.session.commit()

    page.goto("/associations/")
    expect(page.locator("main")).to_contain_text("Structure vérifiée")
    assert_accessible(page)
    page.get_by_role("link", name="Les Jardins du Médoc").click()
    expect(page.locator("h1")).to_have_text("Les Jardins du Médoc")
    expect(page.locator("main")).to_contain_text("Potager du quartier")
    expect(page.locator("main")).to_contain_text("Dominique Admin")
    assert_accessible(page)

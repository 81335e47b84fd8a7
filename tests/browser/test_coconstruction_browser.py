"""Co-construction in Chromium: co-authors, concurrent edits merged or shown as a conflict,
an amendment accepted and credited in the history."""

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Association, Proposal
from app.proposals.questions import text_of
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def _context(browser: Browser, base_url: str, user):
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    page = context.new_page()
    login(page, user.email, factories.PASSWORD)
    return context, page


def test_two_associations_write_together(browser: Browser, base_url: str, page: Page, app, territory, member, resident):
    lead = db.session.scalar(select(Association))
    partner_admin = factories.make_user("Alex Partenaire")
    factories.make_association("Épicerie solidaire du Bassin", territory.bassin_commune, admins=[partner_admin])
    # The amendment below rewrites this text: its diff is one insertion.
    proposal = factories.make_proposal(
        lead, member, communes=[territory.medoc_commune], experimentation="Une garde entre parents.", via_services=True
    )

    # A invites B as co-author.
    a_ctx, a = _context(browser, base_url, member)
    b_ctx, b = _context(browser, base_url, partner_admin)
    try:
        a.goto(f"/propositions/{proposal.id}")
        a.get_by_label("Inviter une association à co-écrire").select_option(label="Épicerie solidaire du Bassin")
        a.get_by_role("button", name="Inviter", exact=True).click()
        expect(a.locator(".flashes")).to_contain_text("L'invitation est envoyée")
        expect(a.locator("#coauteurs")).to_contain_text("invitée, en attente de réponse")

        # B accepts.
        b.goto(f"/propositions/{proposal.id}")
        assert_accessible(b)
        b.get_by_role("button", name="Accepter au nom d'Épicerie solidaire du Bassin").click()
        expect(b.locator(".flashes")).to_contain_text("Votre association co-écrit maintenant cette proposition")
        expect(b.get_by_role("link", name="Modifier")).to_be_visible()

        # Both open the form; each changes a different part; both saves survive.
        a.goto(f"/propositions/{proposal.id}/modifier")
        b.goto(f"/propositions/{proposal.id}/modifier")
        a.get_by_label("Titre").fill("Garde solidaire du soir au Médoc")
        a.get_by_role("button", name="Enregistrer").click()
        expect(a.locator(".flashes")).to_contain_text("La proposition est enregistrée")
        b.get_by_label("Résumé").fill("Des parents et des bénévoles se relaient le soir, deux fois par semaine.")
        b.get_by_role("button", name="Enregistrer").click()
        expect(b.locator(".flashes")).to_contain_text("vos modifications ont été fusionnées")
        expect(b.locator("h1")).to_have_text("Garde solidaire du soir au Médoc")
        expect(b.locator("main")).to_contain_text("deux fois par semaine")

        # Both change the same part: the second sees the conflict, their text kept.
        a.goto(f"/propositions/{proposal.id}/modifier")
        b.goto(f"/propositions/{proposal.id}/modifier")
        a.get_by_label("Le besoin social peu ou pas couvert").fill(
            "Les mères seules du Médoc travaillent tard, souvent loin."
        )
        a.get_by_role("button", name="Enregistrer").click()
        expect(a.locator(".flashes")).to_contain_text("La proposition est enregistrée")
        b.get_by_label("Le besoin social peu ou pas couvert").fill(
            "Les familles monoparentales n'ont aucune garde après 18 h."
        )
        b.get_by_role("button", name="Enregistrer").click()
        conflict = b.locator(".conflict")
        expect(conflict).to_contain_text("Quelqu'un a enregistré cette proposition")
        expect(conflict).to_contain_text("Les mères seules du Médoc travaillent tard, souvent loin.")
        expect(b.get_by_role("textbox", name="Le besoin social peu ou pas couvert")).to_have_value(
            "Les familles monoparentales n'ont aucune garde après 18 h."
        )
        assert_accessible(b)
        # B merges by hand and saves: nothing else is undone (A's title stays).
        b.get_by_role("textbox", name="Le besoin social peu ou pas couvert").fill(
            "Les mères seules du Médoc travaillent tard ; aucune garde après 18 h."
        )
        b.get_by_role("button", name="Enregistrer").click()
        expect(b.locator(".flashes")).to_contain_text("La proposition est enregistrée")
        expect(b.locator("h1")).to_have_text("Garde solidaire du soir au Médoc")
    finally:
        a_ctx.close()
        b_ctx.close()

    # A resident suggests an amendment; A accepts it; the history credits the resident with a diff.
    login(page, resident.email, factories.PASSWORD)
    page.goto(f"/propositions/{proposal.id}")
    page.get_by_role("link", name="Proposer un amendement").click()
    page.get_by_label("Partie de la proposition à amender").select_option(label="Ce qui est expérimental")
    # The form loads the chosen part's current text (htmx): write once it is there.
    expect(page.get_by_label("Texte proposé")).to_have_value(text_of(proposal, "experimentation"))
    page.get_by_label("Texte proposé").fill("Une garde entre parents, avec une halte-garderie itinérante le mercredi.")
    page.get_by_label("Pourquoi cet amendement ?").fill("Le mercredi est le jour le plus difficile pour les familles.")
    assert_accessible(page)
    page.get_by_role("button", name="Envoyer l'amendement").click()
    expect(page.locator(".flashes")).to_contain_text("Votre amendement est envoyé")
    assert_accessible(page)

    a_ctx, a = _context(browser, base_url, member)
    try:
        a.goto(f"/propositions/{proposal.id}/amendements")
        expect(a.locator(".amendment")).to_contain_text("halte-garderie itinérante")
        a.get_by_role("button", name="Accepter l'amendement").click()
        expect(a.locator(".flashes")).to_contain_text("L'amendement est intégré")
        a.goto(f"/propositions/{proposal.id}/historique")
        latest = a.locator(".history__item").first
        expect(latest).to_contain_text(f"Par {resident.display_name}")
        expect(latest).to_contain_text("Amendement de")
        expect(latest.locator("ins")).to_contain_text("halte-garderie")
        assert_accessible(a)
    finally:
        a_ctx.close()

    db.session.expire_all()
    saved = db.session.get(Proposal, proposal.id)
    assert saved.title == "Garde solidaire du soir au Médoc"
    assert "deux fois par semaine" in saved.summary
    assert "halte-garderie" in text_of(saved, "experimentation")
    assert re.search("aucune garde après 18 h", text_of(saved, "need"))

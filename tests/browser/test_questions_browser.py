"""Issue 16, each call asks its own questions, in Chromium: an administrator edits a call's
questions and the default ones with plain forms (no JavaScript needed), then a member drafts a
proposal for that call and answers them."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Proposal
from app.proposals.questions import text_of
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login, screenshots


def test_an_admin_edits_a_calls_questions_and_a_member_answers_them(page: Page, browser, base_url, app, territory):
    w = factories.calls_world(territory)
    login(page, w["admin"].email, factories.PASSWORD)
    page.goto("/appels/gestion")
    page.get_by_role("link", name="Questions").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Questions de l'appel")
    assert_accessible(page)

    page.get_by_label("Intitulé de la question").fill("Lien avec le climat")
    page.get_by_label("Aide affichée sous la question").fill("Ce que le projet change pour le climat.")
    page.get_by_label("Réponse obligatoire pour publier et pour déposer").check()
    page.get_by_role("button", name="Ajouter la question").click()
    expect(page.get_by_text("La question est ajoutée.")).to_be_visible()
    page.get_by_role("button", name="Monter « Lien avec le climat »").click()
    cards = page.locator(".question-list > li h2")
    expect(cards.nth(4)).to_have_text("Lien avec le climat")
    page.get_by_role("button", name="Retirer « Coopération et partenaires »").click()
    expect(page.get_by_text("La question est supprimée")).to_be_visible()
    screenshots(page, "questions-call-editor")

    page.get_by_role("link", name="Modifier « Lien avec le climat »").click()
    assert_accessible(page)
    page.get_by_label("Longueur maximale de la réponse (en caractères)").fill("3")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#max_length-error")).to_contain_text("entre 50 et 20000")
    expect(page.get_by_label("Intitulé de la question")).to_have_value("Lien avec le climat")
    page.get_by_label("Longueur maximale de la réponse (en caractères)").fill("300")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("300 caractères au plus")).to_be_visible()
    expect(page.get_by_text("20\u202f000 caractères au plus").first).to_be_visible()

    page.goto("/admin/")
    page.get_by_role("link", name="Questions par défaut des propositions").click()
    assert_accessible(page)
    screenshots(page, "questions-default-editor")

    # A member drafts for the call from its page: the form asks the call's questions.
    context = browser.new_context(base_url=base_url, locale="fr-FR", timezone_id="Europe/Paris")
    member = context.new_page()
    login(member, w["lead"].email, factories.PASSWORD)
    member.goto(f"/appels/{w['call'].slug}")
    member.get_by_role("link", name="Rédiger une proposition pour cet appel").click()
    expect(member.get_by_label("Lien avec le climat")).to_be_visible()
    expect(member.get_by_label("Coopération et partenaires")).to_have_count(0)
    assert_accessible(member)
    screenshots(member, "questions-proposal-form")
    member.get_by_label("Titre").fill("Des vélos cargos pour les familles")
    member.get_by_label("Résumé").fill("Des vélos cargos prêtés aux familles pour les trajets du quotidien.")
    member.get_by_label("Lien avec le climat").fill("Moins de trajets en voiture.")
    member.get_by_label("Citoyenneté sociale et lutte contre le non-recours").check()
    member.get_by_label("Femmes", exact=True).check()
    member.get_by_label("Médoc", exact=True).check()  # the whole unit: no commune picker needed
    member.get_by_role("button", name="Enregistrer").click()
    expect(member.get_by_role("heading", name="Lien avec le climat")).to_be_visible()
    context.close()
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == "Des vélos cargos pour les familles"))
    assert proposal.call_id == w["call"].id
    assert text_of(proposal, "lien_avec_le_climat") == "Moins de trajets en voiture."

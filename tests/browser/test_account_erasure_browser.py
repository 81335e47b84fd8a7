"""Deleting one's account and changing one's address, in Chromium: the rule read before
confirming, "Compte supprimé" on the comments with exact support counts, the association's last
administrator told to hand over, the administrator's erasure with a reason; axe on each page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxMessage, User
from app.supports.services import toggle_support
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login, screenshots


def test_a_resident_deletes_their_account_and_their_comments_say_compte_supprime(page: Page, app):
    territory = factories.make_territory()
    resident = factories.make_user("Camille Habitante", email="camille@exemple.fr")
    neighbour = factories.make_user("Voisine Attentive")
    idea = factories.make_idea(factories.make_user("Autrice"), territory.medoc_commune, title="Un banc place du marché")
    factories.make_comment(idea, resident, "Il manque aussi de l'ombre.")
    toggle_support(idea, resident)
    toggle_support(idea, neighbour)

    login(page, "camille@exemple.fr", factories.PASSWORD)
    page.get_by_role("link", name="Supprimer mon compte…").click()
    # The rule is on the page before the confirmation.
    expect(page.locator("main")).to_contain_text("seulement s'ils n'ont reçu aucune réponse")
    assert_accessible(page)
    screenshots(page, "delete-account")
    page.get_by_label("Votre mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_role("alert")).to_contain_text("Ce n'est pas votre mot de passe actuel.")
    assert_accessible(page)
    page.get_by_label("Les laisser lisibles sous « Compte supprimé »").check()
    page.get_by_label("Votre mot de passe").fill(factories.PASSWORD)
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.locator(".flash--success")).to_contain_text("Votre compte est supprimé.")

    page.goto(f"/idees/{idea.id}")
    comment = page.locator(".comment", has_text="Il manque aussi de l'ombre.")
    expect(comment.locator(".comment__author")).to_have_text("Compte supprimé")
    expect(page.locator("#soutien-compte")).to_have_text("1 soutien")
    expect(page.locator("main")).not_to_contain_text("Camille")
    # Logged out, and the old address no longer opens the account.
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill("camille@exemple.fr")
    page.get_by_label("Mot de passe", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Adresse e-mail ou mot de passe incorrect.")


def test_an_associations_last_administrator_is_told_to_hand_over_first(page: Page, app):
    territory = factories.make_territory()
    owner = factories.make_user("Présidence Seule", email="presidence@exemple.fr")
    factories.make_association("Entraide Médoc", territory.medoc_commune, admins=[owner])

    login(page, "presidence@exemple.fr", factories.PASSWORD)
    page.goto("/compte/supprimer")
    note = page.get_by_role("note")
    expect(note).to_contain_text("Vous êtes seul·e à administrer")
    expect(note.get_by_role("link", name="Entraide Médoc")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "delete-account-blocked")
    page.get_by_label("Votre mot de passe").fill(factories.PASSWORD)
    page.get_by_role("button", name="Supprimer définitivement mon compte").click()
    expect(page.get_by_role("alert")).to_contain_text("doit d'abord transmettre ce rôle")
    db.session.expire_all()
    assert db.session.get(User, owner.id).deleted_at is None


def test_an_administrator_erases_an_account_on_a_written_request(page: Page, app):
    factories.make_user("Administration", email="admin@exemple.fr", is_admin=True)
    person = factories.make_user("Dominique Courrier", email="dominique@exemple.fr")

    login(page, "admin@exemple.fr", factories.PASSWORD)
    page.goto(f"/admin/personnes/{person.id}")
    form = page.get_by_role("region", name="Effacer ce compte (droit à l'effacement)")
    form.get_by_role("button", name="Effacer définitivement ce compte").click()
    expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif")
    assert_accessible(page)
    form.get_by_label("Motif").fill("Courrier reçu le 3 novembre, identité vérifiée")
    form.get_by_role("button", name="Effacer définitivement ce compte").click()
    expect(page.locator(".flash--success")).to_contain_text("Le compte est supprimé")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Compte supprimé")
    expect(main).to_contain_text("Courrier reçu le 3 novembre, identité vérifiée")
    expect(main).not_to_contain_text("Dominique")
    screenshots(page, "admin-erased-person")
    assert_accessible(page)


def test_a_resident_changes_their_address_through_the_link(page: Page, app):
    factories.make_user("Camille Habitante", email="camille@exemple.fr")

    login(page, "camille@exemple.fr", factories.PASSWORD)
    section = page.get_by_role("region", name="Adresse e-mail")
    section.get_by_label("Nouvelle adresse e-mail").fill("camille.nouvelle@exemple.fr")
    section.get_by_label("Votre mot de passe").fill("pas le bon mot de passe")
    section.get_by_role("button", name="Changer mon adresse").click()
    expect(section.get_by_label("Nouvelle adresse e-mail")).to_have_value("camille.nouvelle@exemple.fr")
    expect(page.locator("main")).to_contain_text("Ce n'est pas votre mot de passe actuel.")
    assert_accessible(page)
    screenshots(page, "account-email-error")
    section.get_by_label("Votre mot de passe").fill(factories.PASSWORD)
    section.get_by_role("button", name="Changer mon adresse").click()
    expect(page.locator(".flash--success")).to_contain_text("Un lien de confirmation vient d'être envoyé")

    body = db.session.scalar(select(OutboxMessage.body).where(OutboxMessage.recipient == "camille.nouvelle@exemple.fr"))
    page.goto(re.search(r"https?://[^/\s]+(/compte/adresse/confirmer/\S+)", body).group(1))
    assert_accessible(page)
    screenshots(page, "confirm-email-change")
    page.get_by_role("button", name="Confirmer ma nouvelle adresse").click()
    expect(page.locator(".flash--success")).to_contain_text("camille.nouvelle@exemple.fr")
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.recipient == "camille@exemple.fr"))

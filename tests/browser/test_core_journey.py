"""The core loop end to end in Chromium, with htmx and again without JavaScript: a resident posts
an idea; an association member turns it into a proposal and publishes it; another resident
comments, a third replies, the first page shows the reply; supports toggle."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def _people():
    territory = factories.make_territory()
    people = {
        "alice": factories.make_user("Alice Habitante", email="alice@exemple.fr"),
        "bruno": factories.make_user("Bruno Voisin", email="bruno@exemple.fr"),
        "chloe": factories.make_user("Chloé Riveraine", email="chloe@exemple.fr"),
        "dominique": factories.make_user("Dominique Asso", email="dominique@exemple.fr"),
    }
    factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[people["dominique"]])
    return people


def _new_page(browser: Browser, base_url: str, who: str, js: bool, problems=None) -> Page:
    context = browser.new_context(base_url=base_url, locale="fr-FR", java_script_enabled=js)
    page = context.new_page()
    if problems is not None:
        problems.watch(page)
    login(page, f"{who}@exemple.fr", factories.PASSWORD)
    return page


def _post_idea(page: Page) -> str:
    page.goto("/idees/nouvelle")
    page.get_by_label("Titre").fill("Un lavoir couvert à Lesparre")
    page.get_by_label("Description").fill("Les familles lavent encore leur linge dehors, même l'hiver.")
    page.get_by_label("Commune où vous constatez ce besoin").fill("Lesparre-Médoc")
    page.get_by_label("Santé, bien-être et handicap").check()
    page.get_by_label("Familles monoparentales").check()
    page.get_by_role("button", name="Publier mon idée").click()
    expect(page.locator("h1")).to_have_text("Un lavoir couvert à Lesparre")
    return page.url


def _take_up_and_publish(page: Page, idea_url: str) -> str:
    page.goto(idea_url)
    page.get_by_role("link", name="Reprendre cette idée dans une proposition").click()
    page.get_by_label("Résumé").fill("Un lavoir couvert et chauffé, animé par l'association deux fois par semaine.")
    page.get_by_label("Ce qui est expérimental").fill("Le lavoir devient un lieu d'entraide entre familles.")
    page.get_by_label("Budget demandé (en euros)").fill("15000")
    page.get_by_label("Durée de l'expérimentation (en mois)").fill("12")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flashes")).to_contain_text("Le brouillon est enregistré")
    page.get_by_role("button", name="Publier").click()
    expect(page.locator(".flashes")).to_contain_text("La proposition est publiée")
    expect(page.locator("main")).to_contain_text("Née de l'idée")
    return page.url


def test_core_loop_with_htmx(browser: Browser, base_url: str, app, page_problems):
    _people()
    alice = _new_page(browser, base_url, "alice", True, page_problems)
    idea_url = _post_idea(alice)
    dominique = _new_page(browser, base_url, "dominique", True, page_problems)
    proposal_url = _take_up_and_publish(dominique, idea_url)
    # The idea shows the proposal it gave birth to.
    alice.goto(idea_url)
    expect(alice.get_by_role("link", name="Un lavoir couvert à Lesparre")).to_be_visible()

    # Bruno comments, his page stays open.
    bruno = _new_page(browser, base_url, "bruno", True, page_problems)
    bruno.clock.install()
    bruno.goto(proposal_url)
    bruno.wait_for_function("() => window.htmx !== undefined")
    bruno.evaluate("() => { window.sameDocument = true }")
    bruno.locator("#comment-form").get_by_label("Votre message").fill("Et un coin pour les enfants ?")
    bruno.locator("#comment-form").get_by_role("button", name="Publier").click()
    thread = bruno.locator("#comment-threads > article").first
    expect(thread).to_contain_text("Et un coin pour les enfants ?")
    comment_id = thread.get_attribute("id")

    # Chloé replies from her own browser.
    chloe = _new_page(browser, base_url, "chloe", True, page_problems)
    chloe.goto(proposal_url)
    chloe.wait_for_function("() => window.htmx !== undefined")
    chloe.locator(f"#{comment_id}").get_by_role("link", name="Répondre à Bruno Voisin").click()
    reply_form = chloe.locator(f"#reponse-{comment_id.removeprefix('comment-')}-form")
    reply_form.get_by_label("Votre message").fill("Oui, avec des jeux !")
    reply_form.get_by_role("button", name="Envoyer la réponse").click()
    expect(chloe.locator(f"#replies-{comment_id.removeprefix('comment-')}")).to_contain_text("Oui, avec des jeux !")

    # Bruno's page shows the reply without a reload.
    bruno.clock.run_for(16_000)
    expect(bruno.locator(f"#replies-{comment_id.removeprefix('comment-')}")).to_contain_text(
        "Oui, avec des jeux !", timeout=10_000
    )
    assert bruno.evaluate("() => window.sameDocument") is True

    # Supports toggle in place.
    button = bruno.locator("#soutien-bouton")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(bruno.locator("#soutien-bouton")).to_have_attribute("aria-pressed", "true")
    expect(bruno.locator("#soutien-compte")).to_have_text("1 soutien")
    bruno.locator("#soutien-bouton").click()
    expect(bruno.locator("#soutien-bouton")).to_have_attribute("aria-pressed", "false")
    expect(bruno.locator("#soutien-compte")).to_have_text("0 soutien")
    assert bruno.evaluate("() => window.sameDocument") is True
    # The association cannot support its own proposal.
    dominique.goto(proposal_url)
    expect(dominique.locator("#soutien-bouton")).to_have_count(0)
    assert_accessible(bruno)
    for page in (alice, bruno, chloe, dominique):
        page.context.close()


def test_core_loop_without_javascript(browser: Browser, base_url: str, app, page_problems):
    _people()
    alice = _new_page(browser, base_url, "alice", False, page_problems)
    idea_url = _post_idea(alice)
    dominique = _new_page(browser, base_url, "dominique", False, page_problems)
    proposal_url = _take_up_and_publish(dominique, idea_url)

    bruno = _new_page(browser, base_url, "bruno", False, page_problems)
    bruno.goto(proposal_url)
    bruno.locator("#comment-form").get_by_label("Votre message").fill("Et un coin pour les enfants ?")
    bruno.locator("#comment-form").get_by_role("button", name="Publier").click()
    expect(bruno).to_have_url(re.compile(r"#comment-\d+$"))
    thread = bruno.locator("#comment-threads > article").first
    comment_id = thread.get_attribute("id")

    chloe = _new_page(browser, base_url, "chloe", False, page_problems)
    chloe.goto(proposal_url)
    chloe.locator(f"#{comment_id}").get_by_role("link", name="Répondre à Bruno Voisin").click()
    chloe.get_by_role("button", name="Envoyer la réponse").wait_for()
    chloe.locator(".comment-form--reply").get_by_label("Votre message").fill("Oui, avec des jeux !")
    chloe.get_by_role("button", name="Envoyer la réponse").click()
    expect(chloe.locator(f"#replies-{comment_id.removeprefix('comment-')}")).to_contain_text("Oui, avec des jeux !")

    # Without JavaScript the reply appears on Bruno's next visit.
    bruno.goto(proposal_url)
    expect(bruno.locator(f"#replies-{comment_id.removeprefix('comment-')}")).to_contain_text("Oui, avec des jeux !")
    bruno.get_by_role("button", name="Soutenir").click()
    expect(bruno.locator("#soutien-bouton")).to_have_attribute("aria-pressed", "true")
    expect(bruno.locator("#soutien-compte")).to_have_text("1 soutien")
    bruno.get_by_role("button", name="Soutenir", pressed=True).click()
    expect(bruno.locator("#soutien-compte")).to_have_text("0 soutien")
    for page in (alice, bruno, chloe, dominique):
        page.context.close()

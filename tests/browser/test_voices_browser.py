"""Issue 18 in Chromium: an official reply's badge survives reports until a moderator decides, a
pinned answer (htmx), and a member who comments and supports in their association's name."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, Idea
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login, screenshots

BADGE = "Réponse du pôle Médoc · modération"


def _as(browser: Browser, base_url: str, page_problems, email: str) -> Page:
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    page = page_problems.watch(context.new_page())
    login(page, email, factories.PASSWORD)
    return page


def test_an_official_reply_survives_three_reports_until_a_moderator_decides(
    page: Page, browser: Browser, base_url: str, app, page_problems
):
    territory = factories.make_territory()
    author = factories.make_user("Odile Autrice")
    moderator = factories.make_user("Modération Médoc", email="medoc@exemple.fr", moderated_pole_id=territory.medoc.id)
    for n in range(3):
        factories.make_user(f"Voisin {n}", email=f"voisin{n}@exemple.fr")
    idea = factories.make_idea(author, territory.medoc_commune, title="Un lavoir partagé")
    with app.test_request_context():
        answer = factories.make_comment(idea, moderator, "Le pôle passe voir le lavoir jeudi.")
    main = f"#comment-{answer.id}-main"

    for n in range(3):
        resident = _as(browser, base_url, page_problems, f"voisin{n}@exemple.fr")
        resident.goto(f"/idees/{idea.id}")
        resident.wait_for_function("() => window.htmx !== undefined")
        expect(resident.locator(main).locator(".official-badge")).to_have_text(BADGE)
        resident.get_by_role("link", name="Signaler le message de Modération Médoc").click()
        slot = resident.locator(f"#signaler-commentaire-{answer.id}")
        slot.get_by_label("Spam").check()
        slot.get_by_role("button", name="Envoyer le signalement").click()
        expect(slot).to_contain_text("Merci, votre signalement est transmis")
        if n == 2:
            # Three reports: still there, badge and words, for everyone.
            resident.reload()
            expect(resident.locator(main)).to_contain_text("Le pôle passe voir le lavoir jeudi.")
            expect(resident.locator(main).locator(".official-badge")).to_have_text(BADGE)
            assert_accessible(resident, viewports=("desktop",))
        resident.context.close()

    # The moderator finds it in the queue, and decides.
    login(page, "medoc@exemple.fr", factories.PASSWORD)
    page.goto("/moderation/medoc")
    case = page.locator("article.case").filter(has_text="Le pôle passe voir le lavoir jeudi.")
    expect(case).to_contain_text("3 signalements")
    case.get_by_label("Motif écrit ou précisions").fill("Message à reformuler")
    case.get_by_role("button", name="Masquer").click()
    expect(page.locator("article.case").first).to_contain_text("c'est fait")
    db.session.expire_all()
    assert db.session.get(Comment, answer.id).hidden_at is not None
    anonymous = browser.new_context(base_url=base_url, locale="fr-FR").new_page()
    anonymous.goto(f"/idees/{idea.id}")
    expect(anonymous.locator("#comment-threads")).not_to_contain_text("Le pôle passe voir le lavoir jeudi.")
    anonymous.context.close()


def test_pin_an_official_answer_in_place(page: Page, app):
    territory = factories.make_territory()
    member = factories.make_user("Dominique Membre", email="membre@exemple.fr")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[member])
    moderator = factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    proposal = factories.make_proposal(
        association, member, title="Un jardin partagé", communes=(territory.medoc_commune,)
    )
    with app.test_request_context():
        for n in range(3):
            factories.make_comment(proposal, factories.make_user(f"Habitant {n}"), f"Question {n} sur le jardin")
        answer = factories.make_comment(proposal, moderator, "Le pôle soutient le projet et prête un terrain.")
    login(page, "membre@exemple.fr", factories.PASSWORD)  # the author association's administrator
    page.goto(f"/propositions/{proposal.id}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.notReloaded = true }")
    pinned = page.locator("#discussion-pinned")
    expect(pinned).to_be_empty()
    page.locator(f"#epingler-{answer.id}").click()
    expect(pinned).to_contain_text("Réponse épinglée")
    expect(pinned).to_contain_text("Le pôle soutient le projet et prête un terrain.")
    expect(pinned.locator(".official-badge")).to_have_text(BADGE)
    expect(page.locator(f"#epingler-{answer.id}")).to_have_text("Détacher du haut de la discussion")
    assert page.evaluate("() => window.notReloaded === true")
    assert_accessible(page)
    screenshots(page, "voices-pinned")
    page.reload()
    expect(page.locator("#discussion-pinned")).to_contain_text("Le pôle soutient le projet")
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator(f"#epingler-{answer.id}").click()
    expect(page.locator("#discussion-pinned")).to_be_empty()
    expect(page.locator(f"#epingler-{answer.id}")).to_have_text("Épingler en haut de la discussion")


def test_a_member_comments_and_supports_as_their_association(page: Page, app):
    territory = factories.make_territory()
    member = factories.make_user("Dominique Membre", email="membre@exemple.fr")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[member])
    author = factories.make_user("Odile Autrice")
    idea = factories.make_idea(author, territory.medoc_commune, title="Un lavoir partagé")
    residents = [factories.make_user(f"Habitant {n}") for n in range(2)]
    from app.supports.services import toggle_support

    with app.test_request_context():
        for person in residents:
            toggle_support(idea, person)

    login(page, "membre@exemple.fr", factories.PASSWORD)
    page.goto(f"/idees/{idea.id}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.notReloaded = true }")
    form = page.locator("#comment-form")
    expect(form.get_by_label("En votre nom (Dominique Membre)")).to_be_checked()
    form.get_by_label("Au nom de Les Jardins du Médoc").check()
    form.get_by_label("Votre message").fill("Notre association peut prêter ses outils.")
    form.get_by_role("button", name="Publier").click()
    thread = page.locator("#comment-threads article").first
    expect(thread.locator(".comment__author")).to_contain_text("Les Jardins du Médoc")
    expect(thread.locator(".comment__member")).to_have_text("par Dominique Membre")

    box = page.locator("#soutien")
    expect(box).to_contain_text("2 soutiens")
    page.get_by_role("button", name="Soutenir au nom de Les Jardins du Médoc").click()
    expect(box.locator("#soutien-compte")).to_have_text("2 soutiens d'habitants · 1 association")
    expect(page.locator(f"#soutien-association-{association.id}")).to_have_attribute("aria-pressed", "true")
    # The member's own support is still theirs to give, counted with the residents'.
    page.locator("#soutien-bouton").click()
    expect(box.locator("#soutien-compte")).to_have_text("3 soutiens d'habitants · 1 association")
    assert page.evaluate("() => window.notReloaded === true")
    assert_accessible(page)
    screenshots(page, "voices-idea")
    db.session.expire_all()
    counted = db.session.get(Idea, idea.id)
    assert (counted.support_count, counted.association_support_count) == (3, 1)
    said = db.session.scalar(select(Comment).where(Comment.idea_id == idea.id))
    assert said.association_id == association.id

    page.goto(f"/associations/{association.slug}")
    expect(page.locator("#paroles")).to_contain_text("Notre association peut prêter ses outils.")
    expect(page.locator("main")).to_contain_text("Un lavoir partagé")
    assert_accessible(page)
    screenshots(page, "voices-association")
    # Its administrator takes the message back (no JavaScript needed: a plain form).
    page.locator("#paroles").get_by_role("button", name="Retirer ce message").click()
    expect(page.locator(".flashes")).to_contain_text("est retiré")
    expect(page.locator("#paroles")).not_to_contain_text("Notre association peut prêter ses outils.")

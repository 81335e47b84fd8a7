"""Issue 15, the last journeys in Chromium: contesting a moderation decision, the only administrator
of an association not offered a step down that would be refused, a moderation case that states its
state once, a call's results kept on the home page, and results not yet published said as such."""

from datetime import timedelta

from playwright.sync_api import Browser, expect

from app.extensions import db
from app.models import Idea
from app.models.base import utcnow
from app.moderation import services as moderation
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import open_as, screenshots


def test_the_only_administrator_is_not_offered_to_step_down(
    browser: Browser, base_url: str, app, territory, page_problems
):
    lead = factories.make_user("Alix Responsable")
    other = factories.make_user("Sacha Bénévole")
    association = factories.make_association("Les Petits Pas", territory.medoc_commune, admins=[lead], members=[other])
    context, page = open_as(browser, base_url, lead, page_problems)
    try:
        page.goto(f"/associations/{association.slug}/membres")
        members = page.locator("#members")
        # Alone at the helm: no "Repasser membre" (the server would refuse it), no "Retirer" either, and why.
        expect(members.get_by_role("button", name="Repasser membre")).to_have_count(0)
        expect(members.get_by_role("button", name="Retirer (Alix Responsable)")).to_have_count(0)
        expect(members).to_contain_text("Seul·e administrateur·rice : nommez-en un·e autre")
        assert_accessible(page)
        screenshots(page, "members-sole-admin")

        # A second administrator: each may now step down (htmx, in place).
        members.get_by_role("button", name="Nommer administrateur·rice (Sacha Bénévole)").click()
        expect(members).to_contain_text("Sacha Bénévole administre maintenant l'association.")
        expect(members.get_by_role("button", name="Repasser membre")).to_have_count(2)
        expect(members).not_to_contain_text("Seul·e administrateur·rice")
        members.get_by_role("button", name="Repasser membre (Sacha Bénévole)").click()
        expect(members.get_by_role("button", name="Repasser membre")).to_have_count(0)
        expect(members).to_contain_text("Seul·e administrateur·rice")
    finally:
        context.close()


def test_published_results_stay_on_the_home_page(browser: Browser, base_url: str, app, territory, page_problems):
    now = utcnow()
    factories.make_call("Appel ouvert aux familles", poles=[territory.medoc])
    done = factories.make_call(
        "Appel 2026 : isolement des aînés",
        poles=[territory.medoc],
        opens=now - timedelta(days=90),
        closes=now - timedelta(days=30),
    )
    done.results_published_at = now - timedelta(days=2)
    # Closed, results not published yet: not among the results.
    factories.make_call(
        "Appel 2026 : mobilité solidaire",
        poles=[territory.medoc],
        opens=now - timedelta(days=60),
        closes=now - timedelta(days=5),
    )
    old = factories.make_call("Appel 2024 : ancien", opens=now - timedelta(days=800), closes=now - timedelta(days=700))
    old.results_published_at = now - timedelta(days=600)
    db.session.commit()
    context, page = open_as(browser, base_url, None, page_problems)
    try:
        page.goto("/")
        section = page.locator("section[aria-labelledby=results-title]")
        expect(section.get_by_role("heading", name="Résultats publiés")).to_be_visible()
        link = section.get_by_role("link", name="Résultats : Appel 2026 : isolement des aînés")
        expect(link).to_be_visible()
        # Only recent results: last year's winners, not those of two years ago.
        expect(section).not_to_contain_text("Appel 2024 : ancien")
        expect(section).not_to_contain_text("mobilité solidaire")
        expect(page.locator("main")).to_contain_text("Appel ouvert aux familles")
        assert_accessible(page)
        screenshots(page, "home-results")
        link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Résultats de l'appel « Appel 2026 : isolement des aînés »"
        )
    finally:
        context.close()


def test_results_not_yet_published_say_so_with_the_dates_and_the_way_back(
    browser: Browser, base_url: str, app, territory, page_problems
):
    now = utcnow()
    waiting = factories.make_call(
        "Appel 2026 : mobilité solidaire",
        poles=[territory.medoc],
        opens=now - timedelta(days=60),
        closes=now - timedelta(days=5),
    )
    context, page = open_as(browser, base_url, None, page_problems)
    try:
        # Not published yet: said plainly, with the call's dates and the way back to it.
        response = page.goto(f"/appels/{waiting.slug}/resultats")
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Résultats pas encore publiés")
        main = page.locator("main")
        expect(main).to_contain_text(
            "Les résultats de l'appel « Appel 2026 : mobilité solidaire » ne sont pas encore publiés."
        )
        expect(main).to_contain_text("L'appel s'est clos le")
        assert_accessible(page)
        screenshots(page, "results-pending")
        main.get_by_role("link", name="Voir l'appel « Appel 2026 : mobilité solidaire »").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Appel 2026 : mobilité solidaire")
    finally:
        context.close()


WHY = "Mon idée parle d'un lavoir, pas d'une personne : rien de personnel n'y figure."


def _hidden_idea(territory, author, moderator, reason="Données personnelles"):
    """An idea a neighbour reported and the Médoc moderator hid, with a reason."""
    idea = factories.make_idea(author, territory.medoc_commune, title="Un lavoir partagé")
    result = moderation.report(factories.make_user("Voisin Signaleur"), idea, "donnees_personnelles")
    moderation.act(result.case, "hide", moderator, reason)
    return db.session.get(Idea, idea.id)


def test_the_author_contests_a_hiding_and_sees_the_answer(
    browser: Browser, base_url: str, app, territory, moderator, page_problems
):
    author = factories.make_user("Odile Autrice")
    idea = _hidden_idea(territory, author, moderator)
    contexts = []
    try:
        ctx, page = open_as(browser, base_url, author, page_problems)
        contexts.append(ctx)
        page.goto(f"/idees/{idea.id}")
        page.locator(".moderation-notice").get_by_role("link", name="Contester cette décision").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Contester une décision de modération")
        expect(page.locator("main")).to_contain_text(
            "« Un lavoir partagé » a été masqué par la modération : Données personnelles."
        )
        # Empty: refused, the summary links to the field.
        page.get_by_role("button", name="Envoyer la contestation").click()
        expect(page.locator(".error-summary")).to_contain_text("Expliquez pourquoi vous contestez cette décision.")
        field = page.get_by_label("Pourquoi contestez-vous cette décision ?")
        expect(field).to_have_attribute("aria-invalid", "true")
        assert_accessible(page)
        field.fill(WHY)
        screenshots(page, "contest-form")
        page.get_by_role("button", name="Envoyer la contestation").click()
        page.wait_for_url(f"**/idees/{idea.id}")
        expect(page.locator("body")).to_contain_text("Votre contestation est transmise à l'équipe de modération")
        expect(page.locator(".moderation-notice--contest")).to_contain_text("Contestation en cours")
        expect(page.get_by_role("link", name="Contester cette décision")).to_have_count(0)
        assert_accessible(page)
        screenshots(page, "contest-pending")

        # The pole's moderator finds the case back in the queue, with the author's words.
        mctx, mod = open_as(browser, base_url, moderator, page_problems)
        contexts.append(mctx)
        mod.goto("/moderation/medoc")
        mod.wait_for_function("() => window.htmx !== undefined")
        case = mod.locator("article.case").filter(has_text="Un lavoir partagé")
        expect(case.locator(".case__meta")).to_contain_text("contesté par l'auteur")
        expect(case.locator(".case__contest")).to_contain_text(WHY)
        assert_accessible(mod)
        screenshots(mod, "contest-queue")
        case.get_by_label("Motif du masquage").select_option(label="Données personnelles")
        case.get_by_label("Motif écrit ou précisions").fill("le nom d'une voisine figure dans le texte")
        case.get_by_role("button", name="Masquer").click()
        expect(case).to_contain_text("Masquer : c'est fait.")
        expect(case.locator(".case__contest")).to_have_count(0)

        # The author sees the answer, and cannot contest the same decision again.
        page.reload()
        answer = page.locator(".moderation-notice--contest")
        expect(answer).to_contain_text("Contestation examinée")
        expect(answer).to_contain_text("l'équipe de modération a maintenu sa décision.")
        expect(page.locator(".moderation-notice").first).to_contain_text("le nom d'une voisine figure dans le texte")
        expect(page.get_by_role("link", name="Contester cette décision")).to_have_count(0)
        screenshots(page, "contest-answered")
    finally:
        for ctx in contexts:
            ctx.close()


def test_a_suspended_person_contests_the_suspension(
    browser: Browser, base_url: str, app, territory, admin, page_problems
):
    person = factories.make_user("Compte Suspendu")
    with app.test_request_context():
        moderation.suspend(person, admin, "Messages répétés")
    context, page = open_as(browser, base_url, person, page_problems)
    try:
        page.get_by_role("link", name="Contester la suspension").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Contester la suspension de votre compte")
        page.get_by_label("Pourquoi contestez-vous cette décision ?").fill(WHY)
        page.get_by_role("button", name="Envoyer la contestation").click()
        page.wait_for_url("**/compte")
        expect(page.locator(".moderation-notice--contest")).to_contain_text("Contestation en cours")
        expect(page.get_by_role("link", name="Contester la suspension")).to_have_count(0)
        assert_accessible(page)
    finally:
        context.close()
    context, page = open_as(browser, base_url, admin, page_problems)
    try:
        page.goto("/moderation/suspensions")
        expect(page.locator(".case__contest")).to_contain_text(WHY)
        assert_accessible(page)
        screenshots(page, "contest-suspensions")
        page.get_by_role("button", name="Maintenir la suspension (Compte Suspendu)").click()
        expect(page.locator("body")).to_contain_text("La suspension est maintenue")
        expect(page.locator(".case__contest")).to_have_count(0)
    finally:
        context.close()


def test_a_case_header_says_its_state_once(browser: Browser, base_url: str, app, territory, moderator, page_problems):
    idea = _hidden_idea(territory, factories.make_user("Odile Autrice"), moderator, reason="Hors sujet")
    context, page = open_as(browser, base_url, moderator, page_problems)
    try:
        page.goto("/moderation/medoc/masques")
        meta = page.locator("article.case").filter(has_text=idea.title).locator(".case__meta")
        expect(meta).to_contain_text("Masqué (Hors sujet)")
        assert meta.inner_text().lower().count("masqué") == 1, meta.inner_text()
        screenshots(page, "case-header")
    finally:
        context.close()

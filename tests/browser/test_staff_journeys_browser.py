"""Issue 15, the staff's journeys in Chromium: decisions a funder would accept (not while the call is
open, not on an uninstructed file, a grant above the request confirmed, publication confirmed), and
the people told when a project is funded or when they are asked to evaluate."""

from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from app.calls import services as call_services
from app.extensions import db
from app.follows import services as follows
from app.models.base import utcnow
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login, open_as, screenshots


def _grant_terms(section, reference: str) -> None:
    # A grant's terms for the SCDL open-data file (issue 20); the purpose is offered from the title.
    section.get_by_label("Référence de l'acte de décision").fill(reference)
    section.get_by_label("Date de la convention ou de la décision").fill("2026-03-12")
    section.get_by_label("Date ou période de versement").fill("2026-04-01/2026-12-31")


def test_decisions_wait_for_the_closing_confirm_the_unusual_and_tell_the_people_concerned(
    browser: Browser, base_url: str, app, territory, page_problems
):
    admin = factories.make_user("Administration", is_admin=True)
    lead = factories.make_user("Admin A")
    resident = factories.make_user("Camille Habitante")
    follower = factories.make_user("Dominique Curieux")
    association = factories.make_association(
        "Les Jardins du Médoc", territory.medoc_commune, admins=[lead], verified=True
    )
    call = factories.make_call(poles=[territory.medoc])
    # "Garde du soir" grew from the resident's idea; someone follows it.
    idea = factories.make_idea(resident, territory.medoc_commune, title="Faire garder les enfants le soir")
    communes = [territory.medoc_commune]
    big = factories.make_proposal(
        association, lead, communes=communes, title="Garde du soir", budget_eur=15_000, idea=idea, via_services=True
    )
    small = factories.make_proposal(
        association, lead, communes=communes, title="Épicerie mobile", budget_eur=10_000, via_services=True
    )
    follows.follow(follower.id, big)
    for proposal in (big, small):
        call_services.submit(call_services.get_call(call.slug), proposal, lead)
    big_id = call_services.submission_of(big).id
    contexts = []
    try:
        ctx, p = open_as(browser, base_url, admin, page_problems)
        contexts.append(ctx)
        # While the call is open: no decision form, no publish button, and the page says when.
        p.goto(f"/appels/{call.slug}/instruction")
        expect(p.locator("main")).to_contain_text("La décision se prendra après la clôture de l'appel, le")
        expect(p.locator("main")).to_contain_text("la publication des résultats seront possibles après la clôture")
        expect(p.get_by_role("button", name="Enregistrer la décision")).to_have_count(0)
        expect(p.get_by_text("Publier les résultats")).to_have_count(0)
        assert_accessible(p)
        screenshots(p, "instruction-open")

        # Closed, but still at "Reçu": the page asks to instruct first.
        call.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        p.reload()
        section = p.locator(f"section[aria-labelledby=sub-{big_id}]")
        expect(section).to_contain_text("passez d'abord la proposition à une étape d'instruction")
        for sub in p.locator("section.calls-instruction").all():
            sub.get_by_label("Étape").select_option("Recevable")
            sub.get_by_role("button", name="Changer l'étape").click()
            expect(p.locator(".flashes")).to_contain_text("L'étape est enregistrée")

        # 20 000 € on a 15 000 € request: a warning next to the amount and a box to confirm.
        section = p.locator(f"section[aria-labelledby=sub-{big_id}]")
        section.get_by_role("radio", name="Retenu", exact=True).check()
        section.get_by_label("Montant accordé (en euros, si retenu)").fill("20000")
        section.get_by_label("Raison publique de la décision").fill("Un besoin que personne ne couvre ici.")
        _grant_terms(section, "2026-03-103")
        section.get_by_role("button", name="Enregistrer la décision").click()
        expect(p.locator(f"#amount-{big_id}-error")).to_contain_text(
            "20\u202f000\u00a0€ accordés pour 15\u202f000\u00a0€ demandés"
        )
        expect(p.locator(f"#reason-{big_id}")).to_have_value("Un besoin que personne ne couvre ici.")
        assert_accessible(p)
        screenshots(p, "instruction-above-request")
        section.get_by_label("Je confirme accorder plus que le montant demandé").check()
        section.get_by_role("button", name="Enregistrer la décision").click()
        expect(p.locator(".flashes")).to_contain_text("La décision est enregistrée")
        expect(p.locator(f"section[aria-labelledby=sub-{big_id}]")).to_contain_text("Retenu (20\u202f000\u00a0€)")
        other = p.locator("section.calls-instruction").filter(has_text="Épicerie mobile")
        other.get_by_role("radio", name="Retenu", exact=True).check()
        other.get_by_label("Montant accordé (en euros, si retenu)").fill("10000")
        other.get_by_label("Raison publique de la décision").fill("Un service itinérant attendu.")
        _grant_terms(other, "2026-03-104")
        other.get_by_role("button", name="Enregistrer la décision").click()
        expect(p.locator(".flashes")).to_contain_text("La décision est enregistrée")

        # Publishing is irreversible: a confirmation page first (a link, then a button: no JavaScript needed).
        p.get_by_role("link", name="Publier les résultats…").click()
        expect(p.locator("main")).to_contain_text("La publication est définitive")
        expect(p.locator("main")).to_contain_text("2 propositions retenues")
        assert_accessible(p)
        screenshots(p, "publish-confirm")
        p.get_by_role("button", name="Confirmer la publication").click()
        expect(p.get_by_role("heading", name="Retenus (2)")).to_be_visible()
        screenshots(p, "results")

        # The resident whose idea became the project, and its follower, are told.
        for person, words in (
            (resident, "Votre idée « Faire garder les enfants le soir »"),
            (follower, "que vous suivez"),
        ):
            c, page = open_as(browser, base_url, person, page_problems)
            contexts.append(c)
            page.goto("/notifications")
            expect(page.locator("main")).to_contain_text(words)
            expect(page.locator("main")).to_contain_text("20\u202f000\u00a0€ accordés")
            screenshots(page, f"notifications-{person.id}")
    finally:
        for c in contexts:
            c.close()


def test_an_evaluator_is_told_and_finds_the_to_do_list_in_the_header(
    browser: Browser, base_url: str, app, territory, page_problems
):
    admin = factories.make_user("Administration", is_admin=True)
    evaluator = factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    lead = factories.make_user("Admin A")
    association = factories.make_association(
        "Les Jardins du Médoc", territory.medoc_commune, admins=[lead], verified=True
    )
    call = factories.make_call(poles=[territory.medoc])
    proposal = factories.make_proposal(
        association, lead, communes=[territory.medoc_commune], title="Garde du soir", via_services=True
    )
    call_services.submit(call_services.get_call(call.slug), proposal, lead)
    contexts = []
    try:
        ctx, p = open_as(browser, base_url, admin, page_problems)
        contexts.append(ctx)
        # No assignment: no link in the header.
        expect(p.get_by_role("link", name="Mes évaluations")).to_have_count(0)
        p.goto(f"/appels/{call.slug}/instruction")
        p.get_by_label("Affecter un évaluateur").select_option(label="Modération Médoc")
        p.get_by_role("button", name="Affecter").click()
        expect(p.locator(".flashes")).to_contain_text("évaluera")

        c, pe = open_as(browser, base_url, evaluator, page_problems)
        contexts.append(c)
        pe.goto("/notifications")
        expect(pe.locator("main")).to_contain_text("Vous êtes chargé·e d'évaluer « Garde du soir »")
        link = pe.get_by_role("link", name="Mes évaluations")
        expect(link).to_contain_text("1")
        link.click()
        expect(pe.get_by_role("heading", name="Mes évaluations")).to_be_visible()
        expect(pe.locator("main")).to_contain_text("1 évaluation à finir.")
        assert_accessible(pe)
        screenshots(pe, "my-evaluations")
        pe.get_by_role("link", name="Garde du soir").click()
        expect(pe.get_by_role("button", name="Finaliser l'évaluation")).to_be_visible()
    finally:
        for c in contexts:
            c.close()


def test_a_hidden_comment_is_listed_restored_later_and_the_log_repeats_no_personal_data(
    browser: Browser, base_url: str, app, territory, page_problems
):
    from app.models import ModerationCase, ReportReason
    from app.moderation import services as moderation

    author = factories.make_user("Odile Autrice")
    reporter = factories.make_user("Voisin Attentif")
    moderator = factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    idea = factories.make_idea(author, territory.medoc_commune, title="Un lavoir partagé")
    comment = factories.make_comment(idea, author, "Appelez-moi au 06 12 34 56 78 ou odile.autrice@exemple.fr")
    moderation.report(reporter, comment, ReportReason.PERSONAL_DATA)
    contexts = []
    try:
        ctx, p = open_as(browser, base_url, moderator, page_problems)
        contexts.append(ctx)
        p.goto("/moderation/medoc")
        case = p.locator("article.case").filter(has_text="Appelez-moi")
        case.get_by_label("Motif écrit ou précisions").fill("Numéro de téléphone 06 12 34 56 78 publié")
        case.get_by_role("button", name="Masquer").click()
        expect(p.locator("article.case").first).to_contain_text("Masquer : c'est fait.")

        # The audit log links the entry to the content, and repeats neither the phone nor the e-mail.
        p.goto("/moderation/journal")
        log = p.locator(".audit-table")
        expect(log).to_contain_text("[téléphone masqué]")
        expect(log).to_contain_text("[e-mail masqué]")
        expect(log).not_to_contain_text("06 12 34 56 78")
        expect(log).not_to_contain_text("odile.autrice@exemple.fr")
        assert_accessible(p)
        screenshots(p, "audit")
        log.get_by_role("link", name="Commentaire « Appelez-moi", exact=False).first.click()
        expect(p).to_have_url(f"{base_url}/idees/{idea.id}#comment-{comment.id}")

        # Later, the pole's "Contenus masqués" lists it, and "Rétablir" works in place (htmx)...
        p.goto("/moderation/medoc")
        p.get_by_role("link", name="Contenus masqués").click()
        expect(p.get_by_role("heading", name="1 contenu masqué")).to_be_visible()
        assert_accessible(p)
        screenshots(p, "hidden")
        p.wait_for_function("() => window.htmx !== undefined")
        p.locator("article.case").get_by_role("button", name="Rétablir").click()
        expect(p.locator("article.case").first).to_contain_text("Rétablir : c'est fait.")
        db.session.expire_all()
        moderation.act(db.session.scalar(select(ModerationCase)), "hide", moderator, "Toujours le numéro")

        # ...and without JavaScript: the form posts, and the page comes back with the message.
        nojs = browser.new_context(base_url=base_url, locale="fr-FR", java_script_enabled=False)
        contexts.append(nojs)
        q = page_problems.watch(nojs.new_page())
        login(q, moderator.email, factories.PASSWORD)
        q.goto("/moderation/medoc/masques")
        q.locator("article.case").get_by_role("button", name="Rétablir").click()
        expect(q.locator(".flashes")).to_contain_text("Rétablir : c'est fait.")
        expect(q.get_by_role("heading", name="0 contenu masqué")).to_be_visible()
    finally:
        for c in contexts:
            c.close()


def test_the_participation_rules_exist_and_are_linked_from_the_footer_and_the_registration_form(
    page, base_url: str, app, page_problems
):
    page.goto("/inscription")
    form = page.locator("main form")
    expect(form).to_contain_text("j'accepte les règles de participation")
    form.get_by_role("link", name="Lire les règles de participation").click()
    expect(page.get_by_role("heading", name="Règles de participation", exact=True)).to_be_visible()
    for heading in ("Ce qui est bienvenu", "Ce qui est masqué, et pourquoi", "Comment contester une décision"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert_accessible(page)
    screenshots(page, "rules")
    page.goto("/")
    page.locator("footer").get_by_role("link", name="Règles de participation").click()
    expect(page).to_have_url(f"{base_url}/regles-de-participation")

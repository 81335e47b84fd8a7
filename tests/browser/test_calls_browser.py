"""A call for projects in Chromium, end to end: the admin opens a call; two associations submit
after fixing what the eligibility check reported; two evaluators score; the admin decides within
the envelope and publishes; a resident reads the results; the association reports an indicator
and the chart shows it; another territory's association replicates it, with the lineage shown."""

from datetime import timedelta

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from app.calls import services as call_services
from app.extensions import db
from app.models import Call, Proposal
from app.models.base import utcnow
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import open_as


def _paris(dt):
    return call_services.utc_to_paris(dt).strftime("%Y-%m-%dT%H:%M")


def test_a_call_end_to_end(browser: Browser, base_url: str, app, territory, page_problems):
    admin = factories.make_user("Administration", is_admin=True)
    evaluator = factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    lead, co, other = factories.make_user("Admin A"), factories.make_user("Admin B"), factories.make_user("Admin C")
    resident = factories.make_user("Camille Habitante")
    a = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead], verified=True)
    b = factories.make_association("Épicerie du Bassin", territory.bassin_commune, admins=[co], verified=True)
    sud = factories.make_pole("Sud-Gironde")
    factories.make_association("Entraide du Sud", factories.make_commune("Langon", sud), admins=[other])
    db.session.commit()
    contexts = []
    try:
        # The admin opens a call.
        ctx, p = open_as(browser, base_url, admin, page_problems)
        contexts.append(ctx)
        p.goto("/appels/nouveau")
        assert_accessible(p)
        p.get_by_label("Titre").fill("Innovation sociale 2026")
        p.get_by_label("Financeur").fill("Département de la Gironde")
        p.get_by_label("Résumé").fill("Soutenir des expérimentations sociales de proximité.")
        p.get_by_label("Enveloppe totale (en euros)").fill("40000")
        p.get_by_label("Subvention maximum (en euros)").fill("30000")
        p.get_by_label("Ouverture (heure de Paris)").fill(_paris(utcnow() - timedelta(days=1)))
        p.get_by_label("Clôture (heure de Paris)").fill(_paris(utcnow() + timedelta(days=10)))
        p.get_by_label("Association ou groupement d'associations (loi 1901)").check()
        p.get_by_label("Grille d'évaluation").fill("Besoin non couvert | 1\nAller vers | 1\nImpact mesurable | 2")
        p.get_by_role("button", name="Enregistrer l'appel").click()
        expect(p.locator(".flashes")).to_contain_text("L'appel est enregistré")
        expect(p.locator("main")).to_contain_text("Ouvert")
        assert_accessible(p)
        slug = db.session.scalar(select(Call.slug).where(Call.title == "Innovation sociale 2026"))
        # The call asks the default questions; this one also requires the "aller vers" answer.
        p.goto(f"/appels/{slug}/questions")
        p.get_by_role("link", name="Modifier « La démarche « aller vers » »").click()
        p.get_by_label("Réponse obligatoire pour publier et pour déposer").check()
        p.get_by_role("button", name="Enregistrer").click()
        expect(p.locator("main")).to_contain_text("obligatoire")

        # Two associations co-write a proposal; the check says what is missing; they fix it and submit.
        proposal = factories.make_proposal(
            a,
            lead,
            communes=[territory.medoc_commune],
            coauthors=[(b, co)],
            outreach="",
            budget_eur=35000,
            via_services=True,
        )
        ctx_b, pb = open_as(browser, base_url, co, page_problems)
        contexts.append(ctx_b)
        pb.goto(f"/propositions/{proposal.id}")
        pb.get_by_role("link", name="Vérifier l'éligibilité et déposer à « Innovation sociale 2026 »").click()
        expect(pb.locator(".calls-checks")).to_contain_text("dépasse le maximum de l'appel")
        expect(pb.locator(".calls-checks")).to_contain_text("la démarche « aller vers »")
        assert_accessible(pb)
        pb.get_by_role("link", name="Compléter la proposition").click()
        pb.get_by_label("La démarche « aller vers »").fill("Permanences aux sorties d'école.")
        pb.get_by_label("Budget demandé (en euros)").fill("25000")
        pb.get_by_role("button", name="Enregistrer").click()
        # Wait for the save before leaving the page: navigating away would cancel it.
        expect(pb.locator(".flashes")).to_contain_text("La proposition est enregistrée")
        pb.goto(f"/appels/{slug}/deposer/{proposal.id}")
        pb.get_by_role("button", name="Déposer la proposition").click()
        expect(pb.locator(".flashes")).to_contain_text("La proposition est déposée")
        expect(pb.get_by_role("link", name="Modifier", exact=True)).to_have_count(0)

        # The admin assigns two evaluators, who score it.
        p.goto(f"/appels/{slug}/instruction")
        assert_accessible(p)
        for person in ("Administration", "Modération Médoc"):
            p.get_by_label("Affecter un évaluateur").select_option(label=person)
            p.get_by_role("button", name="Affecter").click()
            expect(p.locator(".flashes")).to_contain_text("évaluera")
        ctx_e, pe = open_as(browser, base_url, evaluator, page_problems)
        contexts.append(ctx_e)
        for who, notes in ((p, "4"), (pe, "2")):
            who.goto(f"/appels/{slug}/classement")
            who.get_by_role("link", name=proposal.title).first.click()
            if who is pe:
                assert_accessible(who)
            for radio in who.locator(f"input[type=radio][name^=score-][value='{notes}']").all():
                radio.check()
            who.get_by_role("button", name="Finaliser l'évaluation").click()
            expect(who.locator(".flashes")).to_contain_text("Votre évaluation est finalisée")
        pe.goto(f"/appels/{slug}/classement")
        expect(pe.locator("#ranking")).to_contain_text("3,00")
        pe.get_by_label("Attention particulière").select_option("qpv")
        expect(pe.locator("#ranking")).to_contain_text("Aucune proposition ne correspond")
        assert "critere=qpv" in pe.url
        assert_accessible(pe)

        # After the closing, the admin moves the file past "Reçu", decides within the envelope, publishes.
        call = db.session.scalar(select(Call).where(Call.slug == slug))
        call.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        p.goto(f"/appels/{slug}/instruction")
        p.get_by_label("Étape").select_option("Recevable")
        p.get_by_role("button", name="Changer l'étape").click()
        expect(p.locator(".flashes")).to_contain_text("L'étape est enregistrée")
        p.get_by_role("radio", name="Retenu", exact=True).check()
        p.get_by_label("Montant accordé (en euros, si retenu)").fill("45000")
        p.get_by_label("Raison publique de la décision").fill("Répond à un besoin non couvert en milieu rural.")
        p.get_by_role("button", name="Enregistrer la décision").click()
        # Refused next to the amount; the choice and the reason typed are still there.
        expect(p.locator(".field--error")).to_contain_text("maximum")
        expect(p.get_by_label("Raison publique de la décision")).to_have_value(
            "Répond à un besoin non couvert en milieu rural."
        )
        expect(p.get_by_role("radio", name="Retenu", exact=True)).to_be_checked()
        p.get_by_label("Montant accordé (en euros, si retenu)").fill("25000")
        # A grant's terms for the SCDL open-data file; the purpose is offered from the title.
        p.get_by_label("Référence de l'acte de décision").fill("2026-03-103")
        p.get_by_label("Date de la convention ou de la décision").fill("2026-03-12")
        p.get_by_label("Date ou période de versement").fill("2026-04-01/2026-12-31")
        p.get_by_role("button", name="Enregistrer la décision").click()
        expect(p.locator(".flashes")).to_contain_text("La décision est enregistrée")
        p.get_by_role("link", name="Publier les résultats…").click()
        p.get_by_role("button", name="Confirmer la publication").click()
        expect(p.locator("main")).to_contain_text("Enveloppe utilisée")
        # The administrator reads what the SCDL file could not publish: no SIRET anywhere here.
        expect(p.locator("#scdl-report")).to_contain_text("La collectivité n'a pas de SIRET")
        expect(p.locator("#scdl-report")).to_contain_text("Pas de SIRET")
        assert_accessible(p)

        # A resident reads the results.
        ctx_r, pr = open_as(browser, base_url, resident, page_problems)
        contexts.append(ctx_r)
        pr.goto(f"/appels/{slug}/resultats")
        expect(pr.locator("main")).to_contain_text("Répond à un besoin non couvert")
        assert_accessible(pr)

        # The association reports an indicator; the chart shows it.
        pb.goto(f"/propositions/{proposal.id}")
        expect(pb.locator(".calls-panel")).to_contain_text("Décision : Retenu")
        pb.get_by_role("link", name="Suivi du projet : indicateurs et nouvelles").click()
        pb.get_by_label("Nouvel indicateur").fill("Familles accompagnées")
        pb.get_by_label("Unité").fill("familles")
        pb.get_by_label("Cible").fill("40")
        pb.get_by_role("button", name="Ajouter l'indicateur").click()
        pb.get_by_role("textbox", name="Valeur", exact=True).fill("12")
        pb.get_by_role("button", name="Ajouter la valeur").click()
        expect(pb.locator("svg.chart circle")).to_have_count(1)
        expect(pb.locator("main table")).to_contain_text("12 familles")
        assert_accessible(pb)

        # Another territory's association replicates it; both pages show the lineage.
        ctx_c, pc = open_as(browser, base_url, other, page_problems)
        contexts.append(ctx_c)
        pc.goto(f"/propositions/{proposal.id}")
        pc.get_by_role("button", name="Reproduire sur mon territoire").click()
        expect(pc.locator(".flashes")).to_contain_text("Un brouillon reprenant le projet est créé")
        expect(pc.locator(".lineage")).to_contain_text("Reproduit le projet")
        assert_accessible(pc)
        pr.goto(f"/propositions/{proposal.id}")
        expect(pr.locator(".lineage")).to_contain_text("Entraide du Sud")
        assert_accessible(pr)
        assert db.session.scalar(
            select(Proposal.id).where(Proposal.association_id != a.id, Proposal.title == proposal.title)
        )
    finally:
        for ctx in contexts:
            ctx.close()


def test_instruction_keeps_what_was_typed_and_shows_the_current_step(
    browser: Browser, base_url: str, app, territory, page_problems
):
    admin = factories.make_user("Administration", is_admin=True)
    lead = factories.make_user("Admin A")
    association = factories.make_association(
        "Les Jardins du Médoc", territory.medoc_commune, admins=[lead], verified=True
    )
    call = factories.make_call(poles=[territory.medoc])
    decided = factories.make_proposal(
        association, lead, communes=[territory.medoc_commune], title="Projet déjà retenu", via_services=True
    )
    pending = factories.make_proposal(
        association, lead, communes=[territory.medoc_commune], title="Projet à décider", via_services=True
    )
    for proposal in (decided, pending):
        call_services.submit(call_services.get_call(call.slug), proposal, lead)
    decided_id = call_services.submission_of(decided).id
    pending_id = call_services.submission_of(pending).id
    from app.calls import decisions
    from app.models import Decision

    # Decisions come after the closing, on instructed files.
    call.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    for proposal in (decided, pending):
        call_services.set_step(call_services.submission_of(proposal), "Recevable")

    decisions.decide(decided_id, Decision.SELECTED, 12_000, "Très bon projet.")
    ctx, p = open_as(browser, base_url, admin, page_problems)
    try:
        p.goto(f"/appels/{call.slug}/instruction")
        # The decided submission is at "Retenu": its selector says so (it showed "Reçu").
        expect(p.locator(f"#step-{decided_id}")).to_have_value("Retenu")
        expect(p.locator(f"#step-{pending_id}")).to_have_value("Recevable")
        # A decision without an amount: refused next to the amount; what was typed stays.
        section = p.locator(f"section[aria-labelledby=sub-{pending_id}]")
        section.get_by_role("radio", name="Retenu", exact=True).check()
        section.get_by_label("Montant accordé (en euros, si retenu)").fill("²")
        section.get_by_label("Raison publique de la décision").fill("Un besoin que personne ne couvre ici.")
        section.get_by_role("button", name="Enregistrer la décision").click()
        error = p.locator(f"#amount-{pending_id}-error")
        expect(error).to_contain_text("Le montant doit être un nombre entier d'euros")
        expect(p.locator(f"#amount-{pending_id}")).to_have_attribute("aria-invalid", "true")
        expect(p.locator(f"#amount-{pending_id}")).to_have_value("²")
        expect(p.locator(f"#reason-{pending_id}")).to_have_value("Un besoin que personne ne couvre ici.")
        expect(p.locator(f"#decision-{pending_id}-0")).to_be_checked()
        # The summary at the top links to the field; the other submission still shows its step.
        p.locator(".error-summary").get_by_role("link").click()
        expect(p.locator(f"#amount-{pending_id}")).to_be_focused()
        expect(p.locator(f"#step-{decided_id}")).to_have_value("Retenu")
        assert_accessible(p)
        # Corrected, it is saved; changing the step of the decided one keeps "Retenu" selectable.
        p.locator(f"#amount-{pending_id}").fill("15 000")
        # The grant's SCDL terms: a payment date that does not exist is refused, the rest kept.
        section.get_by_label("Référence de l'acte de décision").fill("2026-03-104")
        section.get_by_label("Date de la convention ou de la décision").fill("2026-03-12")
        section.get_by_label("Date ou période de versement").fill("2026-02-30")
        section.get_by_role("button", name="Enregistrer la décision").click()
        expect(p.locator(f"#payment_dates-{pending_id}-error")).to_contain_text("AAAA-MM-JJ")
        expect(p.locator(f"#reference-{pending_id}")).to_have_value("2026-03-104")
        expect(p.locator(f"#amount-{pending_id}")).to_have_value("15 000")
        assert_accessible(p)
        p.locator(f"#payment_dates-{pending_id}").fill("2026-04-01")
        section.get_by_role("button", name="Enregistrer la décision").click()
        expect(p.locator(".flashes")).to_contain_text("La décision est enregistrée")
        expect(p.locator(f"#step-{pending_id}")).to_have_value("Retenu")
    finally:
        ctx.close()

"""Issue 15, the journeys around proposals, in Chromium: what a resident sees of a proposal
deposited to a call or decided, following, amending, the history and the associations' pages."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import Page, expect

from app.calls import services as call_services
from app.extensions import db
from app.models import ProposalState, Submission
from app.models.base import utcnow
from app.models.calls import Decision
from app.proposals import coauthors
from app.proposals import services as proposal_services
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def _in_call(proposal, call, author, state, *, decision=None, granted=None):
    """A proposal deposited to ``call`` and, when ``decision`` is given, decided and published."""
    db.session.add(
        Submission(
            call_id=call.id, proposal_id=proposal.id, submitted_by_id=author.id, decision=decision, granted_eur=granted
        )
    )
    proposal.state = state
    db.session.commit()
    return proposal


def test_deposited_and_decided_proposals_say_where_they_stand(page: Page, app, territory, resident):
    lead = factories.make_user("Admin Jardins")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    call = factories.make_call(poles=(territory.medoc,))
    deposited = _in_call(
        factories.make_proposal(
            association, lead, communes=(territory.medoc_commune,), via_services=True, title="Garde du soir"
        ),
        call,
        lead,
        ProposalState.SUBMITTED,
    )
    waiting = _in_call(
        factories.make_proposal(
            association, lead, communes=(territory.medoc_commune,), via_services=True, title="Atelier vélo"
        ),
        call,
        lead,
        ProposalState.WAITLISTED,
        decision=Decision.WAITLIST,
    )
    funded = _in_call(
        factories.make_proposal(
            association, lead, communes=(territory.medoc_commune,), via_services=True, title="Épicerie mobile"
        ),
        call,
        lead,
        ProposalState.SELECTED,
        decision=Decision.SELECTED,
        granted=15000,
    )

    login(page, resident.email, factories.PASSWORD)
    for proposal, state in [
        (deposited, "Déposée à l'appel « Appel d'essai » : en cours d'examen."),
        (waiting, "En liste d'attente de l'appel « Appel d'essai »."),
        (funded, "Financée : 15 000 € accordés par l'appel « Appel d'essai »."),
    ]:
        page.goto(f"/propositions/{proposal.id}")
        main = page.locator("main")
        expect(main).not_to_contain_text("retirée")
        expect(page.locator(".standing")).to_contain_text(state)
        # What residents can still do, said on the page: ask the authors; supports stopped at the deposit.
        expect(page.locator("#discussion")).to_contain_text("posez vos questions aux associations autrices")
        expect(page.locator("#discussion")).to_contain_text("Les soutiens sont arrêtés depuis le dépôt")
        expect(page.locator("#soutien-bouton")).to_have_count(0)
    assert_accessible(page)

    # A question to the authors of the funded project is posted and shown.
    page.get_by_label("Votre message").fill("Quand l'épicerie passera-t-elle à Pauillac ?")
    page.get_by_role("button", name="Publier").click()
    expect(page.locator("#comment-threads")).to_contain_text("Quand l'épicerie passera-t-elle à Pauillac ?")


def test_commenting_makes_a_follower_and_the_button_says_so(page: Page, app, territory, resident):
    lead = factories.make_user("Admin Jardins")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    proposal = factories.make_proposal(
        association, lead, communes=(territory.medoc_commune,), via_services=True, title="Garde du soir"
    )
    login(page, resident.email, factories.PASSWORD)
    page.goto(f"/propositions/{proposal.id}")
    page.wait_for_function("() => window.htmx !== undefined")
    expect(page.locator("#suivre button")).to_have_attribute("aria-pressed", "false")

    # With htmx: the message appears in place, and the follow button shows the person now follows.
    page.get_by_label("Votre message").fill("Les horaires conviendraient aux infirmières de nuit ?")
    page.get_by_role("button", name="Publier").click()
    expect(page.locator("#comment-threads")).to_contain_text("infirmières de nuit")
    expect(page.locator("#suivre button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#suivre")).to_contain_text("Vous suivez")
    assert_accessible(page)

    # Pressing it now unfollows, as its state said; the page read again agrees.
    page.locator("#suivre button").click()
    expect(page.locator("#suivre button")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#suivre")).not_to_contain_text("Vous suivez")
    page.reload()
    expect(page.locator("#suivre button")).to_have_attribute("aria-pressed", "false")


def test_commenting_without_javascript_shows_the_follow_state(browser, base_url, app, territory, resident):
    lead = factories.make_user("Admin Jardins")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    proposal = factories.make_proposal(
        association, lead, communes=(territory.medoc_commune,), via_services=True, title="Garde du soir"
    )
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR")
    try:
        page = context.new_page()
        login(page, resident.email, factories.PASSWORD)
        page.goto(f"/propositions/{proposal.id}")
        page.get_by_label("Votre message").fill("Les horaires conviendraient aux infirmières de nuit ?")
        page.get_by_role("button", name="Publier").click()
        expect(page.locator("#suivre button")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#suivre")).to_contain_text("Vous suivez")
    finally:
        context.close()


def test_the_amendment_form_starts_from_the_chosen_part(browser, page: Page, base_url, app, territory, resident):
    lead = factories.make_user("Admin Jardins")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    proposal = factories.make_proposal(
        association, lead, communes=(territory.medoc_commune,), via_services=True, title="Garde du soir"
    )
    login(page, resident.email, factories.PASSWORD)
    page.goto(f"/propositions/{proposal.id}")
    # "Amender" beside each part of the proposal opens the form on that part, from its current text.
    page.get_by_role("link", name="Amender la partie « Ce qui est expérimental »").click()
    expect(page.locator("#field")).to_have_value("experimentation")
    expect(page.locator("#new_text")).to_have_value("Une garde entre parents, organisée par eux.")
    assert_accessible(page)

    # With htmx: choosing another part loads its text.
    page.wait_for_function("() => window.htmx !== undefined")
    page.locator("#field").select_option("outreach")
    expect(page.locator("#new_text")).to_have_value("Nous allons au-devant des familles aux sorties d'école.")
    page.locator("#field").select_option("cooperation")
    expect(page.locator("#new_text")).to_have_value("Avec le Pôle territorial de solidarité et la mairie.")
    # Once htmx is done with the swap (the text typed must not land in a textarea being replaced).
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    page.locator("#new_text").fill("Avec le Pôle territorial de solidarité, la mairie et le CCAS.")
    expect(page.locator("#new_text")).to_have_value("Avec le Pôle territorial de solidarité, la mairie et le CCAS.")
    page.get_by_label("Pourquoi cet amendement ?").fill("Le CCAS connaît les familles concernées.")
    page.get_by_role("button", name="Envoyer l'amendement").click()
    expect(page.locator(".flashes")).to_contain_text("Votre amendement est envoyé")

    # Without JavaScript: a button loads the chosen part's text, and the reason typed is kept.
    context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR")
    try:
        nojs = context.new_page()
        login(nojs, resident.email, factories.PASSWORD)
        nojs.goto(f"/propositions/{proposal.id}/amendements/nouveau")
        expect(nojs.locator("#new_text")).to_have_value("Les mères seules travaillent tard.")
        nojs.get_by_label("Pourquoi cet amendement ?").fill("Mesurer aussi le retour à l'emploi.")
        nojs.locator("#field").select_option("impact_indicators")
        nojs.get_by_role("button", name="Charger le texte actuel de cette partie").click()
        expect(nojs.locator("#field")).to_have_value("impact_indicators")
        expect(nojs.locator("#new_text")).to_have_value("40 familles accompagnées en 12 mois.")
        expect(nojs.get_by_label("Pourquoi cet amendement ?")).to_have_value("Mesurer aussi le retour à l'emploi.")
    finally:
        context.close()


def test_the_history_shows_labels_names_and_amounts(page: Page, app, territory, resident):
    lead = factories.make_user("Admin Jardins")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    proposal = factories.make_proposal(
        association, lead, communes=(territory.medoc_commune,), via_services=True, title="Garde du soir"
    )
    proposal_services.update_proposal(
        proposal,
        {
            "domain": "alimentation",
            "publics": ["enfants_jeunes", "familles_monoparentales"],
            "poles": [territory.medoc.id, territory.bassin.id],
            "communes": [territory.medoc_commune.id, territory.bassin_commune.id],
            "budget_eur": 15000,
            "duration_months": 18,
        },
        expected_version=proposal.version,
        author_id=lead.id,
    )
    login(page, resident.email, factories.PASSWORD)
    page.goto(f"/propositions/{proposal.id}/historique")
    latest = page.locator(".history__item").first
    for shown in [
        "Solidarité alimentaire",
        "Enfants et jeunes, Familles monoparentales",
        f"{territory.medoc.name}, {territory.bassin.name}",
        territory.bassin_commune.name,
        "15\u00a0000\u00a0€",
        "18 mois",
    ]:
        expect(latest).to_contain_text(shown)
    for raw in ["alimentation", "enfants_jeunes", "familles_monoparentales", "15000"]:
        expect(latest).not_to_contain_text(raw)
    assert_accessible(page)


def test_association_pages_list_proposals_by_state(page: Page, app, territory, resident):
    lead = factories.make_user("Admin Jardins")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    call = factories.make_call(poles=(territory.medoc,))
    where = territory.medoc_commune
    _in_call(
        factories.make_proposal(association, lead, communes=(where,), via_services=True, title="Garde du soir"),
        call,
        lead,
        ProposalState.SUBMITTED,
    )
    _in_call(
        factories.make_proposal(association, lead, communes=(where,), via_services=True, title="Épicerie mobile"),
        call,
        lead,
        ProposalState.SELECTED,
        decision=Decision.SELECTED,
        granted=15000,
    )
    _in_call(
        factories.make_proposal(association, lead, communes=(where,), via_services=True, title="Atelier vélo"),
        call,
        lead,
        ProposalState.WAITLISTED,
        decision=Decision.WAITLIST,
    )
    factories.make_proposal(association, lead, communes=(where,), via_services=True, title="Potager partagé")
    factories.make_proposal(
        association, lead, communes=(where,), state=ProposalState.DRAFT, via_services=True, title="Brouillon secret"
    )

    # A visitor: every public proposal, by state; not the draft.
    page.goto(f"/associations/{association.slug}")
    proposals = page.locator("section[aria-labelledby=proposals-title]")
    expect(proposals).not_to_contain_text("Aucune proposition")
    expect(proposals.locator("section", has=page.get_by_role("heading", name="Retenues"))).to_contain_text(
        "Épicerie mobile"
    )
    expect(proposals.locator("section", has=page.get_by_role("heading", name="Déposées à un appel"))).to_contain_text(
        "Garde du soir"
    )
    expect(proposals.locator("section", has=page.get_by_role("heading", name="En liste d'attente"))).to_contain_text(
        "Atelier vélo"
    )
    expect(proposals).to_contain_text("Potager partagé")
    expect(proposals).not_to_contain_text("Brouillon secret")
    assert_accessible(page)

    # A member: the drafts too; and the proposals page lists what is in progress, not what is decided.
    login(page, lead.email, factories.PASSWORD)
    page.goto(f"/associations/{association.slug}")
    expect(proposals.locator("section", has=page.get_by_role("heading", name="Brouillons"))).to_contain_text(
        "Brouillon secret"
    )
    assert_accessible(page)
    page.goto("/propositions/")
    in_progress = page.locator("section[aria-labelledby=drafts-title]")
    expect(in_progress.get_by_role("heading", name="En cours dans mes associations")).to_be_visible()
    expect(in_progress).to_contain_text("Brouillon secret")
    expect(in_progress).to_contain_text("Garde du soir")
    expect(in_progress).not_to_contain_text("Épicerie mobile")
    expect(in_progress).not_to_contain_text("Atelier vélo")
    assert_accessible(page)


def test_an_unverified_association_is_told_why_it_cannot_deposit(page: Page, app, territory):
    lead = factories.make_user("Admin Jardins")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    call = factories.make_call(poles=(territory.medoc,))
    proposal = factories.make_proposal(
        association,
        lead,
        communes=(territory.medoc_commune,),
        via_services=True,
        title="Garde du soir",
        budget_eur=15000,
    )
    login(page, lead.email, factories.PASSWORD)
    page.goto(f"/appels/{call.slug}/deposer/{proposal.id}")
    expect(page.locator("main")).to_contain_text(
        "Cet appel est réservé aux associations vérifiées, et « Les Jardins du Médoc » ne l'est pas encore."
    )
    expect(page.get_by_role("button", name="Déposer la proposition")).to_have_count(0)
    assert_accessible(page)

    association.verified_at = utcnow()
    db.session.commit()
    page.reload()
    expect(page.locator("main")).to_contain_text("Vérifiée par l'équipe de Tisser.")
    page.get_by_role("button", name="Déposer la proposition").click()
    expect(page.locator(".standing")).to_contain_text("Déposée à l'appel « Appel d'essai »")


def test_smaller_things_a_visitor_and_an_author_see(page: Page, app, territory, resident):
    lead = factories.make_user("Admin Jardins")
    petits = factories.make_user("Admin Petits Pas")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    coauthor = factories.make_association("Les Petits Pas", territory.medoc_commune, admins=[petits])
    call = factories.make_call(poles=(territory.medoc,))
    call.description = ""
    db.session.commit()
    proposal = factories.make_proposal(
        association, lead, communes=(territory.medoc_commune,), via_services=True, title="Garde du soir"
    )
    proposal.published_at = datetime(2026, 2, 1, 10, 0)
    db.session.commit()
    coauthors.invite(proposal_services.get_proposal(proposal.id), coauthor, lead)

    # A visitor: "1er février"; one message for an empty discussion; no empty accompaniment blocks.
    page.goto(f"/propositions/{proposal.id}")
    expect(page.locator("main")).to_contain_text("publiée le 1er février 2026")
    expect(page.locator("#discussion")).to_contain_text("Aucun commentaire pour l'instant.")
    expect(page.locator("#discussion")).not_to_contain_text("Aucun message")
    expect(page.locator("#accompagnement")).to_have_count(0)
    # A call without a description has no empty "Ce que l'appel finance" heading.
    page.goto(f"/appels/{call.slug}")
    expect(page.get_by_role("heading", name="Ce que l'appel finance")).to_have_count(0)
    assert_accessible(page)

    # The invited association's administrator: "au nom des Petits Pas", not "de Les Petits Pas".
    login(page, petits.email, factories.PASSWORD)
    page.goto(f"/propositions/{proposal.id}")
    page.get_by_role("button", name="Accepter au nom des Petits Pas").click()
    expect(page.locator("#coauteurs")).to_contain_text("Les Petits Pas")

    # Once deposited, the lead is not offered to remove a co-author it could not remove.
    association.verified_at = utcnow()
    db.session.commit()
    call_services.submit(call_services.get_call(call.slug), proposal_services.get_proposal(proposal.id), lead)
    page.context.clear_cookies()
    login(page, lead.email, factories.PASSWORD)
    page.goto(f"/propositions/{proposal.id}")
    expect(page.locator("#coauteurs")).to_contain_text("Les Petits Pas")
    expect(page.locator("#coauteurs").get_by_role("button", name="Retirer Les Petits Pas")).to_have_count(0)

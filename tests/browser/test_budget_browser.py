"""Issue 19 in Chromium: the call's eligibility check names an unbalanced budget prévisionnel, the
association fixes it in the table (no JavaScript needed: adding a line is a submit) and submits;
an evaluator opens the frozen dossier's print view and its PDF."""

import io

from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from app.extensions import db
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import open_as, screenshots


def _line(page, n: int, category: str, label: str, amount: str) -> None:
    page.get_by_label(f"Poste de la ligne {n}", exact=True).select_option(label=category)
    page.get_by_label(f"Précision de la ligne {n}", exact=True).fill(label)
    page.get_by_label(f"Montant de la ligne {n}, en euros", exact=True).fill(amount)


def test_an_unbalanced_budget_is_named_fixed_and_the_dossier_printed(
    browser: Browser, base_url: str, app, territory, page_problems
):
    lead = factories.make_user("Admin A")
    evaluator = factories.make_user("Évaluatrice", is_admin=True)
    a = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead], verified=True)
    call = factories.make_call("Innovation sociale 2026", poles=[territory.medoc])
    call.requires_budget = True
    db.session.commit()
    proposal = factories.make_proposal(
        a, lead, communes=[territory.medoc_commune], via_services=True, title="Jardins partagés du Médoc"
    )
    contexts = []
    try:
        ctx, p = open_as(browser, base_url, lead, page_problems)
        contexts.append(ctx)
        p.goto(f"/propositions/{proposal.id}")
        p.get_by_role("link", name="Remplir le budget prévisionnel").click()
        assert_accessible(p)
        _line(p, 1, "Charges de personnel", "Animatrice mi-temps", "12 000")
        _line(p, 2, "Montant demandé à cet appel", "", "10 000")
        p.get_by_role("button", name="Ajouter une ressource").click()
        _line(p, 3, "Autre financeur public (nommez-le)", "CAF de la Gironde", "1 000")
        p.get_by_role("button", name="Enregistrer le budget").click()
        expect(p.locator(".flashes")).to_contain_text("Il manque 1\u202f000\u00a0€ de ressources")

        # The call's check names it; the association adds its own funds and submits.
        p.goto(f"/appels/{call.slug}/deposer/{proposal.id}")
        expect(p.locator(".calls-checks")).to_contain_text("Il manque 1\u202f000\u00a0€ de ressources")
        screenshots(p, "budget-eligibility")
        expect(p.get_by_role("button", name="Déposer la proposition")).to_have_count(0)
        p.get_by_role("link", name="Compléter le budget prévisionnel").click()
        p.get_by_role("button", name="Ajouter une ressource").click()
        _line(p, 4, "Fonds propres", "", "abc")
        p.get_by_role("button", name="Enregistrer le budget").click()
        # A wrong amount: nothing saved, everything typed still there.
        expect(p.locator(".error-summary")).to_contain_text("euros entiers")
        expect(p.get_by_label("Précision de la ligne 3", exact=True)).to_have_value("CAF de la Gironde")
        assert_accessible(p)
        screenshots(p, "budget-form-error")
        p.get_by_label("Montant de la ligne 4, en euros", exact=True).fill("1 000")
        p.get_by_role("button", name="Enregistrer le budget").click()
        expect(p.locator(".flashes")).to_contain_text("Le budget est enregistré.")
        expect(p.locator("#budget")).to_contain_text("Le budget est équilibré.")
        p.locator("#budget").scroll_into_view_if_needed()
        screenshots(p, "budget-on-proposal")
        p.goto(f"/appels/{call.slug}/deposer/{proposal.id}")
        expect(p.locator(".calls-checks")).to_contain_text("Équilibré")
        p.get_by_role("button", name="Déposer la proposition").click()
        expect(p.locator(".flashes")).to_contain_text("La proposition est déposée")

        # An evaluator opens the frozen dossier and its PDF.
        ctx_e, pe = open_as(browser, base_url, evaluator, page_problems)
        contexts.append(ctx_e)
        pe.goto(f"/propositions/{proposal.id}")
        pe.get_by_role("link", name="Dossier imprimable").click()
        expect(pe.locator("h1")).to_have_text("Jardins partagés du Médoc")
        expect(pe.locator("#dossier-budget-table")).to_contain_text("CAF de la Gironde")
        expect(pe.locator("main")).to_contain_text("Le budget est équilibré.")
        expect(pe.locator("nav")).to_have_count(0)
        assert_accessible(pe)
        screenshots(pe, "dossier-print")
        pe.emulate_media(media="print")
        screenshots(pe, "dossier-print-media")
        pe.emulate_media(media="screen")
        href = pe.get_by_role("link", name="PDF du dossier déposé").get_attribute("href")
        response = pe.request.get(href)
        assert response.ok and response.headers["content-type"] == "application/pdf"
        words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.body())).pages)
        words = words.replace("\u202f", " ").replace("\u00a0", " ")
        assert "Jardins partagés du Médoc" in words
        assert "Total des dépenses" in words and "12 000 €" in words and "CAF de la Gironde" in words
    finally:
        for c in contexts:
            c.close()

"""Attachments in Chromium: an association keeps its statutes on its profile and attaches a budget
spreadsheet and a photo to a proposal; a renamed HTML file is refused and nothing else is lost; a
co-author removes a file and the history shows it; the eligibility check names a missing required
document, then passes once it is joined; a resident cannot download a draft's file by its URL."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from app.attachments import services as attachment_services
from app.extensions import db
from app.models import Attachment, ProposalState
from tests import attachment_samples as s
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import open_as, screenshots


def _file(name: str, mime: str, data: bytes) -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_attachments_end_to_end(browser: Browser, base_url: str, app, territory, page_problems):
    w = factories.calls_world(territory)
    call = w["call"]
    attachment_services.add_required_document(
        call, "Statuts de l'association", "La dernière version signée.", "statuts", True
    )
    proposal = factories.make_proposal(
        w["A"],
        w["lead"],
        communes=[territory.medoc_commune],
        coauthors=[(w["B"], w["co"])],
        state=ProposalState.DRAFT,
        via_services=True,
        title="Potager partagé du Médoc",
    )
    contexts = []
    try:
        ctx, p = open_as(browser, base_url, w["lead"], page_problems)
        contexts.append(ctx)
        # The eligibility check names the missing document.
        p.goto(f"/appels/{call.slug}/deposer/{proposal.id}")
        expect(p.locator("main")).to_contain_text("Manquantes : Statuts de l'association.")

        # Statutes on the association's profile.
        p.goto(f"/associations/{w['A'].slug}")
        p.get_by_role("link", name="Documents", exact=True).click()
        assert_accessible(p)
        p.get_by_label("Type de document").select_option(label="Statuts")
        p.get_by_label("Fichiers").set_input_files([_file("Statuts 2024.pdf", "application/pdf", s.PDF)])
        p.get_by_role("button", name="Ajouter").click()
        expect(p.locator(".flashes")).to_contain_text("Ajouté : Statuts 2024.pdf.")
        expect(p.get_by_role("link", name="Statuts 2024.pdf")).to_be_visible()
        assert_accessible(p)
        screenshots(p, "association-documents")

        # A spreadsheet, a photo and a renamed HTML file on the proposal.
        p.goto(f"/propositions/{proposal.id}")
        section = p.locator("#pieces-jointes")
        section.get_by_label("Type de document").select_option(label="Budget prévisionnel")
        section.get_by_label("Fichiers").set_input_files(
            [
                _file("budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", s.xlsx()),
                _file("jardin.png", "image/png", s.png()),
                _file("devis.pdf", "application/pdf", s.HTML),
            ]
        )
        section.get_by_role("button", name="Joindre").click()
        expect(p.locator(".flashes")).to_contain_text("« devis.pdf » n'est pas d'un type accepté")
        expect(p.locator(".flashes")).to_contain_text("Ajouté : budget.xlsx, jardin.png.")
        expect(p.locator("#pieces-jointes").get_by_role("link", name="budget.xlsx")).to_be_visible()
        expect(p.locator("#pieces-jointes").get_by_role("link", name="jardin.png")).to_be_visible()
        assert_accessible(p)
        screenshots(p, "proposal-attachments")

        # The download is a file, with its name.
        with p.expect_download() as download:
            p.locator("#pieces-jointes").get_by_role("link", name="budget.xlsx").click()
        assert download.value.suggested_filename == "budget.xlsx"

        # Now the call's check passes for the statutes.
        p.goto(f"/appels/{call.slug}/deposer/{proposal.id}")
        expect(p.locator("main")).not_to_contain_text("Manquantes : Statuts")
        expect(p.locator("main")).to_contain_text("Toutes jointes.")

        # A co-author removes the photo; the history shows it.
        ctx2, co = open_as(browser, base_url, w["co"], page_problems)
        contexts.append(ctx2)
        co.goto(f"/propositions/{proposal.id}")
        co.get_by_role("button", name="Retirer jardin.png").click()
        expect(co.locator(".flashes")).to_contain_text("« jardin.png » est retiré des pièces jointes.")
        expect(co.locator("#pieces-jointes")).not_to_contain_text("jardin.png")
        co.get_by_role("link", name="Historique des versions").click()
        latest = co.locator(".history__item").first
        expect(latest).to_contain_text("Pièces jointes")
        expect(latest.locator("del")).to_contain_text("jardin.png")
        assert_accessible(co)

        # A resident cannot fetch the draft's file by its URL.
        attachment_id = db.session.scalar(select(Attachment.id).where(Attachment.filename == "budget.xlsx"))
        ctx3, resident = open_as(browser, base_url, w["resident"], page_problems)
        contexts.append(ctx3)
        response = resident.request.get(f"/pieces-jointes/{attachment_id}")
        assert response.status == 403 and b"PK" not in response.body()
    finally:
        for ctx in contexts:
            ctx.close()


def test_the_admin_lists_a_calls_required_documents(browser: Browser, base_url: str, app, territory, page_problems):
    admin = factories.make_user("Administration", is_admin=True)
    call = factories.make_call()
    ctx, p = open_as(browser, base_url, admin, page_problems)
    try:
        p.goto(f"/appels/{call.slug}")
        p.get_by_role("link", name="Documents demandés").click()
        assert_accessible(p)
        p.get_by_role("button", name="Ajouter").click()
        expect(p.locator(".error-summary")).to_contain_text("Intitulé")
        p.get_by_label("Intitulé").fill("Relevé d'identité bancaire")
        p.get_by_label("Type de document").select_option(label="Relevé d'identité bancaire (RIB)")
        p.get_by_label("Le document du profil de l'association suffit").check()
        p.get_by_role("button", name="Ajouter").click()
        expect(p.locator(".flashes")).to_contain_text("Le document demandé est ajouté.")
        expect(p.locator(".required-documents")).to_contain_text("Relevé d'identité bancaire")
        assert_accessible(p)
        screenshots(p, "call-documents")
        # The public call page now says what an application holds.
        p.goto(f"/appels/{call.slug}")
        expect(p.get_by_role("region", name="Le dossier de candidature")).to_contain_text("Relevé d'identité bancaire")
        assert_accessible(p)
        screenshots(p, "call-page-dossier")
    finally:
        ctx.close()

"""Attachments end to end: upload (good files kept, bad ones reported), limits, the virus scan,
downloads and who may fetch them, revisions, frozen submissions, profile documents and the
documents a call requires."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from app.attachments import services as attachment_services
from app.calls import services as call_services
from app.extensions import db
from app.models import Assignment, Attachment, CallRequiredDocument, ProposalRevision, ProposalState, Submission
from tests import attachment_samples as s
from tests import factories
from tests.helpers import count_queries, text
from tests.test_attachment_storage import clamd_socket  # noqa: F401  (a fixture)


@pytest.fixture
def w(app, territory):
    return factories.calls_world(territory)


def _client(app, user=None):
    client = app.test_client()
    return client.login_as(user) if user is not None else client


def _proposal(w, **overrides):
    return factories.world_proposal(w, **overrides)


def _files(*pairs):
    return [(io.BytesIO(data), name) for name, data in pairs]


def _upload(client, proposal, *pairs, kind="autre"):
    return client.post(
        f"/propositions/{proposal.id}/pieces-jointes",
        data={"kind": kind, "files": _files(*pairs)},
        content_type="multipart/form-data",
    )


def _names(proposal_id):
    db.session.expire_all()
    return [a.filename for a in attachment_services.of_proposal(proposal_id)]


def test_good_files_are_kept_and_a_renamed_html_file_is_refused_by_name(app, w):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    client = _client(app, w["lead"])
    response = _upload(
        client,
        proposal,
        ("budget.xlsx", s.xlsx()),
        ("piège.pdf", s.HTML),
        ("photo du jardin.png", s.png()),
        ("logo.svg", s.SVG),
    )
    assert response.status_code == 302 and response.location.endswith("#pieces-jointes")
    assert _names(proposal.id) == ["budget.xlsx", "photo du jardin.png"]
    page = text(client.get(response.location))
    assert "« piège.pdf » n'est pas d'un type accepté" in page
    assert "« logo.svg » n'est pas d'un type accepté" in page
    assert "Ajouté : budget.xlsx, photo du jardin.png." in page
    # Stored under random keys, never the uploaded name.
    keys = db.session.scalars(select(Attachment.storage_key)).all()
    assert all(len(k) == 32 and "." not in k for k in keys)
    # One revision names both files.
    revision = db.session.scalar(select(ProposalRevision).order_by(ProposalRevision.id.desc()))
    assert revision.changed_fields == ["attachments"]
    assert revision.snapshot["attachments"] == {"added": ["budget.xlsx", "photo du jardin.png"], "removed": []}


def test_the_stored_name_takes_the_detected_types_extension(app, w):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    _upload(_client(app, w["lead"]), proposal, ("../../etc/rapport.html", s.PDF))
    assert _names(proposal.id) == ["rapport.pdf"]


def test_size_limits_per_file_and_per_proposal(app, w):
    app.config.update(ATTACHMENT_MAX_BYTES=len(s.PDF) + 10, ATTACHMENTS_MAX_TOTAL_BYTES=2 * len(s.PDF) + 5)
    proposal = _proposal(w, state=ProposalState.DRAFT)
    client = _client(app, w["lead"])
    big = s.PDF + b" " * 100
    response = _upload(client, proposal, ("gros.pdf", big), ("a.pdf", s.PDF), ("b.pdf", s.PDF), ("c.pdf", s.PDF))
    assert _names(proposal.id) == ["a.pdf", "b.pdf"]
    page = text(client.get(response.location))
    assert "« gros.pdf » dépasse la taille maximale d'un fichier" in page
    assert "« c.pdf » ferait dépasser la taille totale autorisée des pièces jointes" in page


def test_an_infected_file_is_refused_when_clamd_is_configured(app, w, clamd_socket):  # noqa: F811
    app.config["CLAMD_SOCKET"] = clamd_socket
    proposal = _proposal(w, state=ProposalState.DRAFT)
    client = _client(app, w["lead"])
    response = _upload(client, proposal, ("sain.pdf", s.PDF), ("infecte.pdf", s.PDF + s.EICAR))
    assert _names(proposal.id) == ["sain.pdf"]
    assert "« infecte.pdf » contient un virus (Eicar-Signature) : il est refusé." in text(client.get(response.location))


def test_without_clamd_files_are_accepted_unscanned(app, w):
    assert app.config["CLAMD_SOCKET"] == ""
    proposal = _proposal(w, state=ProposalState.DRAFT)
    _upload(_client(app, w["lead"]), proposal, ("eicar.pdf", s.PDF + s.EICAR))
    assert _names(proposal.id) == ["eicar.pdf"]


# --- Downloads ---------------------------------------------------------------------------------------


def test_download_is_an_attachment_with_its_name_and_nosniff(app, w):
    proposal = _proposal(w)
    _upload(_client(app, w["lead"]), proposal, ("Budget prévisionnel 2027.xlsx", s.xlsx()))
    attachment = db.session.scalar(select(Attachment))
    response = _client(app).get(f"/pieces-jointes/{attachment.id}")
    assert response.status_code == 200
    assert response.data == s.xlsx() or response.data[:2] == b"PK"
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Budget previsionnel 2027.xlsx"')
    assert f"filename*=UTF-8''{quote('Budget prévisionnel 2027.xlsx', safe='')}" in disposition


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("resident", 403), ("other", 403), ("mod_medoc", 403), ("lead", 200), ("co", 200)],
)
def test_a_drafts_files_are_as_private_as_the_draft(app, w, who, status):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    _upload(_client(app, w["lead"]), proposal, ("statuts.pdf", s.PDF))
    attachment = db.session.scalar(select(Attachment))
    response = _client(app, None if who == "anonymous" else w[who]).get(f"/pieces-jointes/{attachment.id}")
    assert response.status_code == status
    if status != 200:
        assert s.PDF not in response.data


@pytest.mark.parametrize("who", ["anonymous", "resident", "other", "mod_medoc", "admin"])
def test_only_co_authors_add_or_remove_files_even_by_direct_post(app, w, who):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    _upload(_client(app, w["lead"]), proposal, ("garde.pdf", s.PDF))
    attachment = db.session.scalar(select(Attachment))
    client = _client(app, None if who == "anonymous" else w[who])
    assert _upload(client, proposal, ("intrus.pdf", s.PDF)).status_code in (302, 403)
    client.post(f"/propositions/{proposal.id}/pieces-jointes/{attachment.id}/retirer")
    assert _names(proposal.id) == ["garde.pdf"]


def test_a_post_without_csrf_token_changes_nothing(app, w):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    response = _client(app, w["lead"]).post(
        f"/propositions/{proposal.id}/pieces-jointes",
        data={"kind": "autre", "files": _files(("a.pdf", s.PDF))},
        content_type="multipart/form-data",
        csrf=False,
    )
    assert response.status_code in (302, 400)
    assert _names(proposal.id) == []


def test_a_co_author_removes_a_file_and_the_history_names_it(app, w):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    _upload(_client(app, w["lead"]), proposal, ("devis.pdf", s.PDF), ("photo.png", s.png()))
    attachment = db.session.scalar(select(Attachment).where(Attachment.filename == "devis.pdf"))
    key = attachment.storage_key
    co = _client(app, w["co"])
    response = co.post(f"/propositions/{proposal.id}/pieces-jointes/{attachment.id}/retirer")
    assert response.status_code == 302
    assert _names(proposal.id) == ["photo.png"]
    with pytest.raises(FileNotFoundError):
        attachment_services.storage.current().get(key)
    history = co.get(f"/propositions/{proposal.id}/historique").get_data(as_text=True)
    assert "Pièces jointes" in history
    assert "[supprimé : </span>devis.pdf" in history
    assert "[ajouté : </span>devis.pdf, photo.png" in history


def test_restoring_an_old_version_keeps_the_files(app, w):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    client = _client(app, w["lead"])
    _upload(client, proposal, ("devis.pdf", s.PDF))
    db.session.expire_all()
    response = client.post(f"/propositions/{proposal.id}/historique/1/restaurer")
    assert response.status_code == 302
    assert _names(proposal.id) == ["devis.pdf"]


def test_a_submitted_proposals_files_are_frozen(app, w):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    client = _client(app, w["lead"])
    _upload(client, proposal, ("devis.pdf", s.PDF))
    call_services.submit(call_services.get_call(w["call"].slug), proposal, w["lead"])
    attachment = db.session.scalar(select(Attachment))
    assert _upload(client, proposal, ("tard.pdf", s.PDF)).status_code == 403
    assert client.post(f"/propositions/{proposal.id}/pieces-jointes/{attachment.id}/retirer").status_code == 403
    assert _names(proposal.id) == ["devis.pdf"]
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert "Les pièces jointes sont figées avec le dépôt." in page and 'type="file"' not in page
    # Public once deposited, like the dossier.
    assert _client(app).get(f"/pieces-jointes/{attachment.id}").status_code == 200


def test_the_proposal_page_lists_files_in_one_query(app, w):
    proposal = _proposal(w, state=ProposalState.DRAFT)
    client = _client(app, w["lead"])
    _upload(client, proposal, ("a.pdf", s.PDF))
    client.get(f"/propositions/{proposal.id}")
    with count_queries() as one:
        client.get(f"/propositions/{proposal.id}")
    _upload(client, proposal, ("b.pdf", s.PDF), ("c.png", s.png()), ("d.xlsx", s.xlsx()))
    with count_queries() as four:
        page = text(client.get(f"/propositions/{proposal.id}"))
    assert "d.xlsx" in page
    assert four.count == one.count


# --- Profile documents ------------------------------------------------------------------------------------


def _upload_profile(client, association, *pairs, kind="statuts"):
    return client.post(
        f"/associations/{association.slug}/documents",
        data={"kind": kind, "files": _files(*pairs)},
        content_type="multipart/form-data",
    )


def test_an_association_keeps_its_statutes_on_its_profile(app, w):
    client = _client(app, w["lead"])
    response = _upload_profile(client, w["A"], ("Statuts 2024.pdf", s.PDF), ("page.pdf", s.HTML))
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert "Statuts 2024.pdf" in page and "Statuts" in page
    assert "« page.pdf » n'est pas d'un type accepté" in page
    assert [a.filename for a in attachment_services.of_association(w["A"].id)] == ["Statuts 2024.pdf"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("resident", 403), ("other", 403), ("mod_medoc", 403), ("lead", 200), ("admin", 200)],
)
def test_profile_documents_are_not_public(app, w, who, status):
    _upload_profile(_client(app, w["lead"]), w["A"], ("rib.pdf", s.PDF), kind="rib")
    document = db.session.scalar(select(Attachment))
    client = _client(app, None if who == "anonymous" else w[who])
    assert client.get(f"/associations/{w['A'].slug}/documents").status_code == status
    assert client.get(f"/pieces-jointes/{document.id}").status_code == status


def test_an_evaluator_of_a_call_it_deposited_to_reads_its_profile_documents(app, w):
    _upload_profile(_client(app, w["lead"]), w["A"], ("rib.pdf", s.PDF), kind="rib")
    document = db.session.scalar(select(Attachment))
    evaluator = factories.make_user("Évaluatrice")
    assert _client(app, evaluator).get(f"/pieces-jointes/{document.id}").status_code == 403
    proposal = _proposal(w, call=w["call"])
    submission = db.session.scalar(select(Submission).where(Submission.proposal_id == proposal.id))
    db.session.add(Assignment(submission_id=submission.id, evaluator_id=evaluator.id))
    db.session.commit()
    assert _client(app, evaluator).get(f"/pieces-jointes/{document.id}").status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "resident", "other", "co"])
def test_only_the_associations_admins_change_its_documents(app, w, who):
    _upload_profile(_client(app, w["lead"]), w["A"], ("statuts.pdf", s.PDF))
    document = db.session.scalar(select(Attachment))
    client = _client(app, None if who == "anonymous" else w[who])
    assert _upload_profile(client, w["A"], ("faux.pdf", s.PDF)).status_code in (302, 403)
    assert client.post(f"/associations/{w['A'].slug}/documents/{document.id}/retirer").status_code in (302, 403)
    assert [a.filename for a in attachment_services.of_association(w["A"].id)] == ["statuts.pdf"]


def test_the_profile_documents_page_lists_them_in_constant_queries(app, w):
    client = _client(app, w["lead"])
    _upload_profile(client, w["A"], ("statuts.pdf", s.PDF))
    with count_queries() as one:
        client.get(f"/associations/{w['A'].slug}/documents")
    _upload_profile(client, w["A"], ("rib.pdf", s.PDF), ("comptes.pdf", s.PDF), kind="comptes")
    with count_queries() as three:
        assert "comptes.pdf" in text(client.get(f"/associations/{w['A'].slug}/documents"))
    assert three.count == one.count


# --- Documents a call requires ----------------------------------------------------------------------------


def test_the_eligibility_check_names_missing_documents_until_they_are_joined(app, w):
    admin = _client(app, w["admin"])
    call = w["call"]
    admin.post(
        f"/appels/{call.slug}/documents-demandes",
        data={"label": "Statuts de l'association", "kind": "statuts", "profile_ok": "y"},
    )
    admin.post(f"/appels/{call.slug}/documents-demandes", data={"label": "Devis des achats", "kind": "devis"})
    assert db.session.scalar(select(func.count(CallRequiredDocument.id))) == 2
    proposal = _proposal(w)
    lead = _client(app, w["lead"])
    url = f"/appels/{call.slug}/deposer/{proposal.id}"
    assert "Manquantes : Statuts de l'association, Devis des achats." in text(lead.get(url))
    assert lead.post(url).status_code == 422
    # Statutes on the profile satisfy the first; a quote must be on the proposal itself.
    _upload_profile(lead, w["A"], ("statuts.pdf", s.PDF))
    _upload_profile(lead, w["A"], ("devis.pdf", s.PDF), kind="autre")
    assert "Manquantes : Devis des achats." in text(lead.get(url))
    _upload(lead, proposal, ("devis.pdf", s.PDF), kind="devis")
    assert "Pièces demandées" in text(lead.get(url)) and "Toutes jointes." in text(lead.get(url))
    assert lead.post(url).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Submission.id).where(Submission.proposal_id == proposal.id))


def test_a_profile_document_does_not_count_when_the_call_says_so(app, w):
    call = w["call"]
    attachment_services.add_required_document(call, "Statuts signés pour ce projet", "", "statuts", False)
    proposal = _proposal(w)
    _upload_profile(_client(app, w["lead"]), w["A"], ("statuts.pdf", s.PDF))
    assert [d.label for d in attachment_services.missing_documents(call, proposal)] == ["Statuts signés pour ce projet"]


def test_a_call_without_required_documents_adds_no_line(app, w):
    proposal = _proposal(w)
    assert "Pièces demandées" not in text(
        _client(app, w["lead"]).get(f"/appels/{w['call'].slug}/deposer/{proposal.id}")
    )


@pytest.mark.parametrize(("who", "status"), [("anonymous", 302), ("resident", 403), ("lead", 403), ("mod_medoc", 403)])
def test_only_admins_set_a_calls_required_documents(app, w, who, status):
    client = _client(app, None if who == "anonymous" else w[who])
    url = f"/appels/{w['call'].slug}/documents-demandes"
    assert client.get(url).status_code == status
    assert client.post(url, data={"label": "Statuts", "kind": "statuts"}).status_code == status
    assert db.session.scalar(select(func.count(CallRequiredDocument.id))) == 0


def test_the_required_documents_page_says_what_is_missing_in_french(app, w):
    admin = _client(app, w["admin"])
    url = f"/appels/{w['call'].slug}/documents-demandes"
    response = admin.post(url, data={"label": "", "kind": "statuts"})
    assert response.status_code == 422
    admin.post(url, data={"label": "RIB", "kind": "rib", "help_text": "Au nom de l'association.", "profile_ok": "y"})
    page = text(admin.get(url))
    assert (
        "RIB" in page and "Au nom de l'association." in page and "le document du profil de l'association suffit" in page
    )
    document = db.session.scalar(select(CallRequiredDocument))
    admin.post(f"{url}/{document.id}/retirer")
    assert db.session.scalar(select(func.count(CallRequiredDocument.id))) == 0


def test_the_demo_keeps_statutes_on_an_associations_profile(app):
    from app.demo import ASSOCIATIONS, load_demo
    from app.models import Association

    load_demo(participation=False)
    load_demo(participation=False)  # twice: still one file
    association = db.session.scalar(select(Association).where(Association.name == ASSOCIATIONS[0].name))
    documents = attachment_services.of_association(association.id)
    assert [(d.filename, d.kind) for d in documents] == [("Statuts.pdf", "statuts")]
    data = attachment_services.storage.current().get(documents[0].storage_key)
    assert data.startswith(b"%PDF-1.4") and b"Statuts de l'association" in data


def test_the_service_refuses_files_for_a_proposal_submitted_meanwhile(app, w):
    """The route's rule already refuses; the guarded version bump covers a submission between the
    page and the upload: nothing kept, not even the bytes."""
    proposal = _proposal(w, state=ProposalState.DRAFT)
    call_services.submit(call_services.get_call(w["call"].slug), proposal, w["lead"])
    root = Path(app.config["ATTACHMENTS_DIR"])
    files_before = {p for p in root.rglob("*") if p.is_file()}
    with pytest.raises(attachment_services.AttachmentError):
        attachment_services.add_to_proposal(proposal, w["lead"], [attachment_services.Upload("tard.pdf", s.PDF)])
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert {p for p in root.rglob("*") if p.is_file()} == files_before


def test_the_public_call_page_says_what_an_application_holds(app, w):
    call = w["call"]
    call.min_grant_eur = call.max_grant_eur = None
    db.session.commit()
    page = text(_client(app).get(f"/appels/{call.slug}"))
    assert "Le dossier de candidature" not in page  # nothing asked: no empty section
    attachment_services.add_required_document(call, "Statuts de l'association", "Signés.", "statuts", True)
    call.requires_budget, call.min_grant_eur, call.max_grant_eur = True, 5_000, 30_000
    db.session.commit()
    with count_queries() as log:
        page = text(_client(app).get(f"/appels/{call.slug}"))
    assert "Le dossier de candidature" in page
    assert "Statuts de l'association" in page and "Signés." in page and "un document du profil" in page
    assert "budget prévisionnel équilibré" in page
    # One query for the documents, however many (the rest of the page as before).
    attachment_services.add_required_document(call, "Devis", "", "devis", False)
    with count_queries() as more:
        _client(app).get(f"/appels/{call.slug}")
    assert more.count == log.count

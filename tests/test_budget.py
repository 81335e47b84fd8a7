"""Issue 19: the budget prévisionnel (balance rules, the call's minimum and maximum, the editable
table without JavaScript, revisions), the printable dossier and the PDF kept at submission."""

import io
import secrets

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.calls import evaluation
from app.calls import services as call_services
from app.calls.services import CallError
from app.extensions import db
from app.models import Attachment, Proposal, ProposalRevision, ProposalState, Submission, SubmissionDossier
from app.proposals import budget, services
from tests import factories
from tests.helpers import count_queries, html, text

NBSP = "\u00a0"
NNBSP = "\u202f"


def _eur(amount: int) -> str:
    return budget.euros(amount)


BALANCED = [
    {"side": "expense", "category": "personnel", "label": "Animatrice mi-temps", "amount": 14_000},
    {"side": "expense", "category": "achats", "label": "Matériel", "amount": 4_000},
    {"side": "resource", "category": "asked", "label": "", "amount": 12_000},
    {"side": "resource", "category": "public", "label": "CAF de la Gironde", "amount": 5_000},
    {"side": "resource", "category": "own", "label": "", "amount": 1_000},
]


@pytest.fixture
def w(app, territory):
    world = factories.calls_world(territory)
    world["call"].requires_budget = True
    db.session.commit()
    return world


def _proposal(w, **fields):
    return factories.world_proposal(w, coauthored=False, **fields)


def _client(app, user=None):
    client = app.test_client()
    return client.login_as(user) if user is not None else client


def _form(rows, **extra):
    data = MultiDict()
    for i, (side, category, label, amount) in enumerate(rows):
        data.update({f"side-{i}": side, f"category-{i}": category, f"label-{i}": label, f"amount-{i}": amount})
    for key, value in extra.items():
        data[key] = value
    return data


# --- The rules -------------------------------------------------------------------------------------


def test_amounts_are_whole_euros_and_each_line_says_what_is_wrong(app):
    lines = budget.parse_form(
        _form(
            [
                ("expense", "personnel", "Animatrice", "12 000 €"),
                ("expense", "achats", "Matériel", "1200,50"),
                ("resource", "public", "", "3000"),
                ("resource", "own", "", ""),  # blank: dropped
                ("expense", "", "Sans poste", "10"),
                ("resource", "asked", "", "200000000"),
            ]
        )
    )
    assert [line.amount for line in lines] == [12_000, None, 3_000, 10, 200_000_000]
    assert lines[0].errors == []
    assert "euros entiers" in lines[1].errors[0] and lines[1].typed == "1200,50"  # kept as typed
    assert lines[2].errors == ["Nommez ce financeur public."]
    assert lines[3].errors == ["Choisissez une catégorie."]
    assert "100 000 000" in lines[4].errors[0]
    assert budget.parse_amount("12.000") == 12_000 and budget.parse_amount("1\u202f200\u00a0€") == 1_200
    for cents in ("12.50", "1200.5", "12,50", "-5", "²"):
        with pytest.raises(ValueError):
            budget.parse_amount(cents)


def test_balance_names_the_difference(app):
    lines = budget.lines_of(BALANCED)
    assert budget.totals(lines) == budget.Totals(expenses=18_000, resources=18_000, asked=12_000)
    assert budget.balance_problem(lines) is None
    short = budget.lines_of([*BALANCED[:4]])  # without the own funds
    assert budget.balance_problem(short).startswith(f"Il manque {_eur(1_000)} de ressources")
    over = budget.lines_of([*BALANCED, {"side": "resource", "category": "in_kind", "label": "", "amount": 1_200}])
    assert budget.balance_problem(over).startswith(f"Les ressources dépassent les dépenses de {_eur(1_200)}")
    assert budget.balance_problem(budget.lines_of(BALANCED[2:])) == "Indiquez les dépenses prévues."
    no_ask = [line for line in BALANCED if line["category"] != "asked"]
    assert "montant demandé" in budget.balance_problem(budget.lines_of(no_ask))


def test_the_amount_asked_sits_within_the_calls_minimum_and_maximum(app):
    assert budget.grant_problem(5_000, 1_000, 30_000) is None
    assert budget.grant_problem(1_000, 1_000, 1_000) is None  # bounds included
    assert budget.grant_problem(800, 1_000, 30_000).endswith(f"il manque {_eur(200)}.")
    assert budget.grant_problem(31_200, 1_000, 30_000).endswith(f"de {_eur(1_200)}.")
    assert budget.grant_problem(10**6, None, None) is None


# --- Eligibility and submission ---------------------------------------------------------------------


def _checks(w, proposal):
    call = call_services.get_call(w["call"].slug)
    return {c.label: c for c in call_services.eligibility(call, services.get_proposal(proposal.id), w["A"])}


def test_a_call_requiring_a_budget_refuses_a_missing_or_unbalanced_one(app, w):
    proposal = _proposal(w)
    check = _checks(w, proposal)["Budget prévisionnel"]
    assert not check.ok and "Remplissez le budget prévisionnel" in check.detail
    services.update_proposal(proposal, {"budget_lines": BALANCED[:4]}, expected_version=proposal.version)
    proposal = services.get_proposal(proposal.id)
    assert _checks(w, proposal)["Budget prévisionnel"].detail.startswith(f"Il manque {_eur(1_000)} de ressources")
    with pytest.raises(CallError):
        call_services.submit(call_services.get_call(w["call"].slug), services.get_proposal(proposal.id), w["lead"])
    db.session.rollback()
    assert db.session.scalar(select(func.count(Submission.id))) == 0
    proposal = services.get_proposal(proposal.id)
    services.update_proposal(proposal, {"budget_lines": BALANCED}, expected_version=proposal.version)
    assert all(c.ok for c in _checks(w, proposal).values())
    call_services.submit(call_services.get_call(w["call"].slug), services.get_proposal(proposal.id), w["lead"])
    assert services.get_proposal(proposal.id).state is ProposalState.SUBMITTED


def test_the_amount_asked_replaces_the_single_figure_and_is_checked_against_the_maximum(app, w):
    proposal = _proposal(w, budget_eur=5_000)
    lines = [
        {"side": "expense", "category": "services", "label": "", "amount": 40_000},
        {"side": "resource", "category": "asked", "label": "", "amount": 40_000},
    ]
    services.update_proposal(proposal, {"budget_lines": lines}, expected_version=proposal.version)
    proposal = services.get_proposal(proposal.id)
    assert proposal.budget_eur == 40_000  # the ranking, decisions and envelope read it
    checks = _checks(w, proposal)
    assert checks["Budget prévisionnel"].ok
    assert not checks["Budget demandé"].ok
    assert checks["Budget demandé"].detail.endswith(f"de {_eur(10_000)}.")


def test_a_call_without_the_requirement_still_checks_the_single_figure(app, w):
    w["call"].requires_budget = False
    db.session.commit()
    proposal = _proposal(w, budget_eur=20_000)
    checks = call_services.eligibility(call_services.get_call(w["call"].slug), proposal, w["A"])
    assert "Budget prévisionnel" not in {c.label for c in checks}
    assert all(c.ok for c in checks)


def test_the_call_editor_sets_the_requirement(app, w):
    page = text(_client(app, w["admin"]).get(f"/appels/{w['call'].slug}/modifier"))
    assert "Exiger un budget prévisionnel équilibré" in page


# --- The editable table ----------------------------------------------------------------------------


def test_the_budget_page_is_for_the_authors_only(app, w):
    proposal = _proposal(w)
    url = f"/propositions/{proposal.id}/budget"
    assert _client(app, w["lead"]).get(url).status_code == 200
    for who in ("resident", "other", "mod_medoc", "admin"):
        assert _client(app, w[who]).get(url).status_code == 403, who
        response = _client(app, w[who]).post(url, data=_form([("expense", "autres", "", "1")], save="1"))
        assert response.status_code == 403, who
    assert _client(app).post(url, data=_form([("expense", "autres", "", "1")])).status_code in (302, 401, 403)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).budget_lines is None


def test_adding_a_line_without_javascript_saves_nothing_and_keeps_what_was_typed(app, w):
    proposal = _proposal(w)
    client = _client(app, w["lead"])
    page = client.get(f"/propositions/{proposal.id}/budget")
    version = proposal.version
    rows = [("expense", "personnel", "Animatrice", "12 000"), ("resource", "asked", "", "abc")]
    response = client.post(f"/propositions/{proposal.id}/budget", data=_form(rows, version=version, add="resource"))
    assert response.status_code == 200
    body = html(response)
    assert 'value="Animatrice"' in body and 'value="abc"' in body
    assert body.count('name="side-') == 3  # a new blank line
    # Removing the first line: the others stay as typed.
    response = client.post(f"/propositions/{proposal.id}/budget", data=_form(rows, version=version, remove="0"))
    assert 'value="Animatrice"' not in html(response) and 'value="abc"' in html(response)
    # Saving with a wrong amount: 422, nothing saved, the amount as typed.
    response = client.post(f"/propositions/{proposal.id}/budget", data=_form(rows, version=version))
    assert response.status_code == 422
    assert "euros entiers" in text(response) and 'value="abc"' in html(response)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).budget_lines is None
    assert page.status_code == 200


def test_saving_the_budget_records_a_revision_and_the_history_shows_it(app, w):
    proposal = _proposal(w)
    client = _client(app, w["lead"])
    rows = [
        ("expense", "personnel", "Animatrice", "12 000"),
        ("resource", "asked", "", "10 000"),
        ("resource", "public", "CAF de la Gironde", "1 000"),
    ]
    response = client.post(f"/propositions/{proposal.id}/budget", data=_form(rows, version=proposal.version))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Proposal, proposal.id)
    assert saved.budget_eur == 10_000
    assert [line["amount"] for line in saved.budget_lines] == [12_000, 10_000, 1_000]
    revision = db.session.scalar(
        select(ProposalRevision).where(ProposalRevision.proposal_id == proposal.id).order_by(ProposalRevision.id.desc())
    )
    assert revision.changed_fields == ["budget_lines"]
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert f"Il manque {_eur(1_000)} de ressources" in page and "CAF de la Gironde" in page
    history = text(client.get(f"/propositions/{proposal.id}/historique"))
    assert "Budget prévisionnel" in history and "CAF de la Gironde" in history
    # The main form no longer offers the single figure: the budget computes it.
    assert "Budget demandé (en euros)" not in text(client.get(f"/propositions/{proposal.id}/modifier"))


def test_a_stale_version_keeps_the_lines_and_saves_nothing(app, w):
    proposal = _proposal(w)
    client = _client(app, w["lead"])
    started_from = proposal.version  # this person opened the table, then someone else saved
    services.update_proposal(proposal, {"budget_lines": BALANCED}, expected_version=started_from)
    rows = [("expense", "autres", "Mon budget", "5 000"), ("resource", "asked", "", "5 000")]
    response = client.post(f"/propositions/{proposal.id}/budget", data=_form(rows, version=started_from))
    assert response.status_code == 409
    assert 'value="Mon budget"' in html(response)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).budget_lines == BALANCED


def test_a_submitted_proposals_budget_is_frozen(app, w):
    proposal = _proposal(w, budget_lines=BALANCED, budget_eur=12_000)
    call_services.submit(call_services.get_call(w["call"].slug), services.get_proposal(proposal.id), w["lead"])
    response = _client(app, w["lead"]).post(
        f"/propositions/{proposal.id}/budget", data=_form([("expense", "autres", "", "1")], version=99)
    )
    assert response.status_code == 302  # explained, not saved
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).budget_lines == BALANCED


# --- The printable dossier and its PDF ---------------------------------------------------------------


def _attach(proposal, *names: str) -> None:
    # Only the listing is read here: rows without stored bytes are enough.
    for name in names:
        db.session.add(
            Attachment(
                storage_key=secrets.token_hex(16),
                filename=name,
                content_type="application/pdf",
                size=2048,
                proposal_id=proposal.id,
            )
        )
    db.session.commit()


def test_the_print_view_follows_the_proposals_access(app, w):
    proposal = _proposal(w, budget_lines=BALANCED, state=ProposalState.DRAFT)
    _attach(proposal, "budget-detaille.xlsx", "statuts.pdf")
    url = f"/propositions/{proposal.id}/imprimer"
    with count_queries() as log:
        response = _client(app, w["lead"]).get(url)
    assert response.status_code == 200
    body = text(response)
    assert "Budget prévisionnel" in body and "CAF de la Gironde" in body and "Pièces jointes" in body
    assert "budget-detaille.xlsx" in body and "statuts.pdf" in body
    assert "Navigation principale" not in body
    # The user, the proposal and its relationships, the questions and answers, the submission, the
    # attachments: 10 whatever the number of questions, budget lines or files.
    assert log.count <= 10, log.statements
    for who in ("resident", "other"):
        assert _client(app, w[who]).get(url).status_code == 403
    # No dossier PDF for a draft.
    assert _client(app, w["lead"]).get(f"/propositions/{proposal.id}/dossier.pdf").status_code == 404


def test_the_submitted_dossiers_pdf_is_made_once_and_kept(app, w, monkeypatch):
    monkeypatch.setitem(app.config, "DOSSIER_PDF_AT_SUBMISSION", True)  # as in production
    proposal = _proposal(w, budget_lines=BALANCED, title="Jardins partagés du Médoc")
    _attach(proposal, "budget-detaille.xlsx")
    response = _client(app, w["lead"]).post(f"/appels/{w['call'].slug}/deposer/{proposal.id}")
    assert response.status_code == 302
    kept = db.session.scalar(select(SubmissionDossier))
    assert kept is not None and kept.pdf.startswith(b"%PDF")
    response = _client(app, w["admin"]).get(f"/propositions/{proposal.id}/dossier.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data == kept.pdf
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    words = words.replace(NNBSP, " ").replace(NBSP, " ")
    assert "Jardins partagés du Médoc" in words
    assert "18 000 €" in words and "CAF de la Gironde" in words
    assert "budget-detaille.xlsx" in words  # the list of attachments, as submitted
    # A resident may read a submitted proposal, hence its dossier: the same rule as the proposal.
    assert _client(app, w["resident"]).get(f"/propositions/{proposal.id}/dossier.pdf").status_code == 200


def test_the_evaluator_reads_the_budget_beside_the_grid(app, w):
    proposal = _proposal(w, budget_lines=BALANCED, budget_eur=12_000)
    call_services.submit(call_services.get_call(w["call"].slug), services.get_proposal(proposal.id), w["lead"])
    submission = db.session.scalar(select(Submission).where(Submission.proposal_id == proposal.id))
    assignment = evaluation.assign(submission, services.get_proposal(proposal.id), w["mod_medoc"])
    page = text(_client(app, w["mod_medoc"]).get(f"/appels/evaluations/{assignment.id}"))
    assert "CAF de la Gironde" in page and "Total des ressources" in page and "Le budget est équilibré." in page
    assert "PDF du dossier déposé" in page


def test_a_revision_from_before_the_budget_merges_with_a_budget_saved_since(app, w):
    """The other person's text and this person's budget both stay (an old snapshot has no budget key)."""
    proposal = _proposal(w)
    started_from = proposal.version
    revision = db.session.scalar(
        select(ProposalRevision).where(
            ProposalRevision.proposal_id == proposal.id, ProposalRevision.version == started_from
        )
    )
    revision.snapshot = {k: v for k, v in revision.snapshot.items() if k != "budget_lines"}
    db.session.commit()
    services.update_proposal(proposal, {"summary": "Un autre résumé."}, expected_version=started_from)
    result = services.update_proposal(
        services.get_proposal(proposal.id), {"budget_lines": BALANCED}, expected_version=started_from
    )
    assert result.merged and result.changed == ["budget_lines"]
    saved = services.get_proposal(proposal.id)
    assert saved.summary == "Un autre résumé." and saved.budget_lines == BALANCED and saved.budget_eur == 12_000


def test_without_a_pdf_at_submission_the_first_opening_makes_it_while_still_frozen(app, w):
    first = _proposal(w, budget_lines=BALANCED, budget_eur=12_000)
    second = _proposal(w, budget_lines=BALANCED, budget_eur=12_000)
    for proposal in (first, second):
        call_services.submit(call_services.get_call(w["call"].slug), services.get_proposal(proposal.id), w["lead"])
    assert db.session.scalar(select(func.count()).select_from(SubmissionDossier)) == 0  # off in the tests
    assert _client(app, w["admin"]).get(f"/propositions/{first.id}/dossier.pdf").data.startswith(b"%PDF")
    # Sent back for changes before anyone opened it: its text may change, no PDF claims to be "as submitted".
    submission = db.session.scalar(select(Submission).where(Submission.proposal_id == second.id))
    call_services.send_back(submission, services.get_proposal(second.id), w["admin"], "Précisez le budget.")
    assert _client(app, w["admin"]).get(f"/propositions/{second.id}/dossier.pdf").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(SubmissionDossier)) == 1

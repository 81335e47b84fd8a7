"""Each call asks its own questions: the editors (a call's, the default ones), the proposal form
built from them, and everything that reads answers (eligibility, submission, amendments, history,
search, replication)."""

import pytest
from sqlalchemy import select

from app.calls import services as call_services
from app.extensions import db
from app.models import Proposal, ProposalAnswer, ProposalQuestion, ProposalState
from app.proposals import amendments, questions, services
from app.proposals.questions import text_of
from tests import factories
from tests.helpers import count_queries, field_error, html, text


@pytest.fixture
def w(app, territory):
    return factories.calls_world(territory)


def _client(app, user=None):
    client = app.test_client()
    return client.login_as(user) if user is not None else client


def _asked(call_id):
    return [(q.key, q.label, q.required) for q in questions.questions_of(call_id)]


def _form(w, **answers):
    """What the lead association's member posts in the proposal form."""
    return {
        **{k: v for k, v in factories.PROPOSAL_FIELDS.items() if k not in factories.ANSWER_KEYS},
        "association_id": w["A"].id,
        "communes": [w["territory"].medoc_commune.id],
        "publics": ["femmes"],
        **answers,
    }


# --- The call's editor -------------------------------------------------------------------------------


def test_an_admin_gives_a_call_its_own_questions(app, w):
    admin = _client(app, w["admin"])
    call = w["call"]
    base = f"/appels/{call.slug}/questions"
    assert "Le besoin social peu ou pas couvert" in text(admin.get(base))

    response = admin.post(
        base,
        data={"label": "Lien avec le climat", "help_text": "Ce que le projet change pour le climat.", "required": "y"},
    )
    assert response.status_code == 302
    added = db.session.scalar(select(ProposalQuestion).where(ProposalQuestion.label == "Lien avec le climat"))
    assert (added.call_id, added.key, added.required, added.max_length) == (call.id, "lien_avec_le_climat", True, 20000)
    assert _asked(call.id)[-1] == ("lien_avec_le_climat", "Lien avec le climat", True)
    # The default questions did not change.
    assert [k for k, *_ in _asked(None)] == factories.ANSWER_KEYS

    # Edit: the label and the length change, the key stays (revisions and amendments name it).
    response = admin.post(
        f"{base}/{added.id}", data={"label": "Climat et justice sociale", "help_text": "", "max_length": "800"}
    )
    assert response.status_code == 302
    db.session.refresh(added)
    assert (added.label, added.key, added.required, added.max_length) == (
        "Climat et justice sociale",
        "lien_avec_le_climat",
        False,
        800,
    )

    # Reorder: up twice, then it is third from the end.
    for _ in range(2):
        assert admin.post(f"{base}/{added.id}/monter").status_code == 302
    assert [k for k, *_ in _asked(call.id)][-3] == "lien_avec_le_climat"
    assert admin.post(f"{base}/{added.id}/descendre").status_code == 302
    assert [k for k, *_ in _asked(call.id)][-2] == "lien_avec_le_climat"


def test_the_question_form_keeps_what_was_typed_and_says_what_is_wrong(app, w):
    admin = _client(app, w["admin"])
    response = admin.post(
        f"/appels/{w['call'].slug}/questions", data={"label": "", "help_text": "Une aide gardée", "max_length": "10"}
    )
    assert response.status_code == 422
    assert "Écrivez l'intitulé de la question." in field_error(response, "label")
    assert "Indiquez une longueur entre 50 et 20000 caractères." in field_error(response, "max_length")
    assert "Une aide gardée" in html(response)


def test_an_answered_question_is_retired_never_deleted(app, w):
    call = w["call"]
    proposal = factories.make_proposal(
        w["A"], w["lead"], communes=[w["territory"].medoc_commune], via_services=True, state=ProposalState.DRAFT
    )
    call_services.submit(call_services.get_call(call.slug), services.get_proposal(proposal.id), w["lead"])
    outreach = db.session.scalar(
        select(ProposalQuestion).where(ProposalQuestion.call_id == call.id, ProposalQuestion.key == "outreach")
    )
    admin = _client(app, w["admin"])
    assert admin.post(f"/appels/{call.slug}/questions/{outreach.id}/retirer").status_code == 302
    db.session.refresh(outreach)
    assert outreach.retired_at is not None
    assert "outreach" not in [k for k, *_ in _asked(call.id)]
    # The answer stays on the proposal's page, under its label.
    page = text(_client(app, w["lead"]).get(f"/propositions/{proposal.id}"))
    assert "La démarche « aller vers »" in page and factories.PROPOSAL_FIELDS["outreach"] in page
    # Asked again: back in the list.
    assert admin.post(f"/appels/{call.slug}/questions/{outreach.id}/retablir").status_code == 302
    assert "outreach" in [k for k, *_ in _asked(call.id)]

    # Nobody answered this one: it goes.
    admin.post(f"/appels/{call.slug}/questions", data={"label": "Question vide"})
    empty = db.session.scalar(select(ProposalQuestion).where(ProposalQuestion.label == "Question vide"))
    assert admin.post(f"/appels/{call.slug}/questions/{empty.id}/retirer").status_code == 302
    assert db.session.scalar(select(ProposalQuestion.id).where(ProposalQuestion.id == empty.id)) is None


def test_a_question_of_another_set_is_not_found_here(app, w):
    default = db.session.scalar(select(ProposalQuestion).where(ProposalQuestion.call_id.is_(None)))
    admin = _client(app, w["admin"])
    assert admin.get(f"/appels/{w['call'].slug}/questions/{default.id}").status_code == 404
    assert admin.post(f"/appels/{w['call'].slug}/questions/{default.id}/retirer").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "resident", "mod_medoc", "lead"])
def test_only_administrators_edit_questions(app, w, who):
    client = _client(app, None if who == "anonymous" else w[who])
    default = db.session.scalar(select(ProposalQuestion).where(ProposalQuestion.call_id.is_(None)))
    mine = db.session.scalar(select(ProposalQuestion).where(ProposalQuestion.call_id == w["call"].id))
    expected = 302 if who == "anonymous" else 403  # anonymous: sent to log in
    slug = w["call"].slug
    for method, url in [
        ("get", f"/appels/{slug}/questions"),
        ("post", f"/appels/{slug}/questions"),
        ("get", f"/appels/{slug}/questions/{mine.id}"),
        ("post", f"/appels/{slug}/questions/{mine.id}/retirer"),
        ("get", "/admin/questions"),
        ("post", "/admin/questions"),
        ("post", f"/admin/questions/{default.id}"),
        ("post", f"/admin/questions/{default.id}/monter"),
    ]:
        response = getattr(client, method)(url, data={"label": "Intrusion"} if method == "post" else None)
        assert response.status_code == expected, (method, url)
    assert db.session.scalar(select(ProposalQuestion).where(ProposalQuestion.label == "Intrusion")) is None
    db.session.expire_all()
    assert db.session.get(ProposalQuestion, mine.id).retired_at is None


def test_the_back_office_edits_the_default_questions(app, w):
    admin = _client(app, w["admin"])
    assert "Questions par défaut des propositions" in text(admin.get("/admin/"))
    assert admin.post("/admin/questions", data={"label": "Budget détaillé", "max_length": "2000"}).status_code == 302
    assert _asked(None)[-1] == ("budget_detaille", "Budget détaillé", False)
    # A proposal drafted outside any call now shows it; a call's own form does not.
    member = _client(app, w["lead"])
    assert "Budget détaillé" in text(member.get("/propositions/nouvelle"))
    assert "Budget détaillé" not in text(member.get(f"/propositions/nouvelle?appel={w['call'].slug}"))


def test_the_question_lists_have_a_fixed_number_of_queries(app, w):
    admin = _client(app, w["admin"])
    with count_queries() as few:
        assert admin.get(f"/appels/{w['call'].slug}/questions").status_code == 200
    for n in range(6):
        questions.add_question(w["call"].id, f"Question supplémentaire {n}")
    with count_queries() as many:
        assert admin.get(f"/appels/{w['call'].slug}/questions").status_code == 200
    # The call (with its domains, publics and legal forms: three link tables since they are data),
    # its questions, and what every page of the site asks (the account, the menu's counts).
    assert many.count == few.count <= 10, many.statements


# --- The proposal form and everything that reads answers ------------------------------------------------


def test_a_proposal_drafted_for_a_call_answers_its_questions(app, w):
    call = w["call"]
    climate = questions.add_question(call.id, "Lien avec le climat", "Dites-le en deux phrases.", True, 200)
    member = _client(app, w["lead"])
    page = text(member.get(f"/propositions/nouvelle?appel={call.slug}"))
    assert "Lien avec le climat" in page and "Dites-le en deux phrases." in page
    assert 'name="appel" value="' + call.slug in page

    # Too long for this question: an error next to it, everything typed kept.
    response = member.post(
        "/propositions/nouvelle",
        data=_form(w, appel=call.slug, need="Un besoin gardé.", lien_avec_le_climat="x" * 201),
    )
    assert response.status_code == 422
    assert "trop long (200 caractères au plus)" in field_error(response, "lien_avec_le_climat")
    assert "Un besoin gardé." in html(response) and "x" * 201 in html(response)

    response = member.post(
        "/propositions/nouvelle",
        data=_form(w, appel=call.slug, need="Un besoin.", lien_avec_le_climat="Moins de trajets en voiture."),
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal).order_by(Proposal.id.desc()))
    assert proposal.call_id == call.id
    assert text_of(proposal, "lien_avec_le_climat") == "Moins de trajets en voiture."
    answered = db.session.scalars(
        select(ProposalQuestion.call_id).join(ProposalAnswer).where(ProposalAnswer.proposal_id == proposal.id)
    ).all()
    assert set(answered) == {call.id}
    detail = text(member.get(f"/propositions/{proposal.id}"))
    assert "Lien avec le climat" in detail and "Moins de trajets en voiture." in detail

    # The call's eligibility check names the required answers still missing, by their labels.
    check = text(member.get(f"/appels/{call.slug}/deposer/{proposal.id}"))
    assert "À compléter : ce qui est expérimental, la démarche « aller vers »" in check
    assert climate.label not in check.split("À compléter")[1].split(".")[0]


def test_submitting_a_proposal_written_outside_any_call_moves_its_answers_to_the_call(app, w):
    call = w["call"]
    proposal = factories.make_proposal(
        w["A"], w["lead"], communes=[w["territory"].medoc_commune], via_services=True, state=ProposalState.DRAFT
    )
    assert proposal.call_id is None
    questions.add_question(call.id, "Lien avec le climat", required=True)
    refused = call_services.eligibility(call_services.get_call(call.slug), services.get_proposal(proposal.id), w["A"])
    assert [c.detail for c in refused if not c.ok] == ["À compléter : lien avec le climat."]
    services.update_proposal(
        services.get_proposal(proposal.id), {"title": "Garde solidaire du soir"}, expected_version=proposal.version
    )
    # Only the call's questions count: answering it is done by key once drafted for the call.
    questions.adopt_call(services.get_proposal(proposal.id), call_services.get_call(call.slug))
    db.session.commit()
    proposal = services.get_proposal(proposal.id)
    assert proposal.call_id == call.id
    services.update_proposal(proposal, {"lien_avec_le_climat": "Moins de trajets."}, expected_version=proposal.version)
    call_services.submit(call_services.get_call(call.slug), services.get_proposal(proposal.id), w["lead"])
    proposal = services.get_proposal(proposal.id)
    assert proposal.state == ProposalState.SUBMITTED
    sets = db.session.scalars(
        select(ProposalQuestion.call_id).join(ProposalAnswer).where(ProposalAnswer.proposal_id == proposal.id)
    ).all()
    assert set(sets) == {call.id} and len(sets) == 6
    assert text_of(proposal, "need") == factories.PROPOSAL_FIELDS["need"]


def test_a_draft_for_a_call_is_offered_that_call_only(app, w, territory):
    other = factories.make_call("Un autre appel", poles=[territory.medoc])
    proposal = services.create_proposal(
        w["lead"],
        w["A"],
        {**factories.PROPOSAL_FIELDS, "communes": [territory.medoc_commune.id]},
        call_id=w["call"].id,
    )
    page = text(_client(app, w["lead"]).get(f"/propositions/{proposal.id}"))
    assert f"/appels/{w['call'].slug}/deposer/{proposal.id}" in page
    assert f"/appels/{other.slug}/deposer/{proposal.id}" not in page


def test_amendments_history_and_search_read_answers_under_their_labels(app, w):
    call = w["call"]
    questions.add_question(call.id, "Lien avec le climat")
    proposal = services.create_proposal(
        w["lead"],
        w["A"],
        {**factories.PROPOSAL_FIELDS, "lien_avec_le_climat": "Des vélos cargos.", "communes": []},
        call_id=call.id,
    )
    services.transition(services.get_proposal(proposal.id), "publish")
    resident = _client(app, w["resident"])
    form = text(resident.get(f"/propositions/{proposal.id}/amendements/nouveau?partie=lien_avec_le_climat"))
    assert "Des vélos cargos." in form
    page = text(resident.get(f"/propositions/{proposal.id}/amendements/nouveau"))
    for label in ("Titre", "Résumé", "Le besoin social peu ou pas couvert", "Lien avec le climat"):
        assert f">{label}</option>" in page
    amendment = amendments.suggest(
        services.get_proposal(proposal.id),
        w["resident"],
        "lien_avec_le_climat",
        "Des vélos cargos électriques.",
        "Plus loin.",
    )
    amendments.accept(amendment, services.get_proposal(proposal.id), w["lead"])
    assert text_of(services.get_proposal(proposal.id), "lien_avec_le_climat") == "Des vélos cargos électriques."

    history = html(_client(app, w["lead"]).get(f"/propositions/{proposal.id}/historique"))
    assert "Lien avec le climat" in history and "lien_avec_le_climat" not in history
    assert "électriques." in history and "<ins>" in history

    # Full-text search reads answers, kept up to date when one changes.
    assert "Garde solidaire du soir" in text(resident.get("/recherche/?q=electriques"))
    proposal = services.get_proposal(proposal.id)
    services.update_proposal(proposal, {"lien_avec_le_climat": "Des trottinettes."}, expected_version=proposal.version)
    assert "Garde solidaire du soir" not in text(resident.get("/recherche/?q=electriques"))
    assert "Garde solidaire du soir" in text(resident.get("/recherche/?q=trottinettes"))


def test_the_proposal_page_reads_every_answer_in_one_query(app, w):
    proposal = factories.make_proposal(w["A"], w["lead"], communes=[w["territory"].medoc_commune])
    client = _client(app)
    with count_queries() as few:
        assert client.get(f"/propositions/{proposal.id}").status_code == 200
    for n in range(8):
        q = questions.add_question(None, f"Question {n}")
        db.session.add(ProposalAnswer(proposal_id=proposal.id, question_id=q.id, body=f"Réponse numéro {n}."))
    db.session.commit()
    with count_queries() as many:
        page = text(client.get(f"/propositions/{proposal.id}"))
    assert "Réponse numéro 7." in page
    assert many.count == few.count, many.statements

"""Calls for projects end to end: eligibility, closing time in Paris, frozen proposals, send back,
evaluation (conflict of interest, blind scores, weighted average), ranking, envelope, results,
follow-up and replication; every route per role."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from app import taxonomy
from app.calls import decisions, evaluation, followup
from app.calls import services as call_services
from app.calls.services import CallError
from app.extensions import db
from app.models import (
    Assignment,
    Association,
    Call,
    Decision,
    Domain,
    Indicator,
    LegalForm,
    Notification,
    Proposal,
    ProposalRevision,
    ProposalState,
    Replication,
    Score,
    Submission,
)
from app.models.base import utcnow
from app.proposals import amendments, services
from app.proposals.questions import questions_of, text_of
from tests import factories
from tests.helpers import count_queries, field_error, html, text


@pytest.fixture
def w(app, territory):
    return factories.calls_world(territory)


def _proposal(w, **overrides):
    return factories.world_proposal(w, **overrides)


def _call(w):
    # Fresh, with its poles and grid (relationships never load lazily).
    return call_services.get_call(w["call"].slug)


def _client(app, user=None):
    client = app.test_client()
    return client.login_as(user) if user is not None else client


def _submitted(w, **overrides):
    return _proposal(w, call=w["call"], **overrides)


def _submission(proposal):
    return db.session.scalar(select(Submission).where(Submission.proposal_id == proposal.id))


def _instructed(w, *proposals):
    """Decisions come after the call closes and once each file is past "Reçu": get there."""
    w["call"].closes_at = utcnow() - timedelta(hours=1)
    for proposal in proposals:
        call_services.set_step(_submission(proposal), "En instruction")
    db.session.commit()


def test_call_page_names_its_restrictions_and_state_in_french(app, w):
    call = _call(w)
    call.domains = taxonomy.by_slugs(Domain, ["sante"])
    db.session.commit()
    page = text(_client(app).get(f"/appels/{call.slug}"))
    # Each restriction by its enum's label, not its stored value.
    assert "Structure de l'Économie sociale et solidaire" in page
    assert "Santé, bien-être et handicap" in page and "Seniors" in page
    assert "Ouvert" in page


# --- Eligibility -------------------------------------------------------------------------------


def test_eligibility_lists_every_point_in_french(app, w):
    w["A"].legal_form = db.session.scalar(select(LegalForm).where(LegalForm.slug == "autre"))
    db.session.commit()
    call = call_services.get_call(w["call"].slug)
    call.domains = taxonomy.by_slugs(Domain, ["sante"])
    call.poles = [w["territory"].bassin]
    db.session.commit()
    proposal = _proposal(w, outreach="", budget_eur=45_000)
    response = _client(app, w["lead"]).get(f"/appels/{call.slug}/deposer/{proposal.id}")
    page = text(response)
    assert response.status_code == 200
    assert "« Association A » est déclarée « Autre », qui n'est pas éligible à cet appel" in page
    assert "Hors du territoire de l'appel : Médoc" in page
    assert "n'est pas un domaine de cet appel" in page
    assert "dépasse le maximum de l'appel" in page
    assert "À compléter : la démarche « aller vers »" in page
    assert "Déposer la proposition" not in page
    # A direct POST is refused too, and nothing changes.
    response = _client(app, w["lead"]).post(f"/appels/{call.slug}/deposer/{proposal.id}")
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.PUBLISHED
    assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_the_refusal_points_to_the_verification_queue_outcome(app, w):
    w["A"].verified_at = None
    db.session.commit()
    proposal = _proposal(w)
    url = f"/appels/{w['call'].slug}/deposer/{proposal.id}"
    assert "attend dans la file de vérification" in text(_client(app, w["lead"]).get(url))
    w["A"].verification_refused_at = utcnow()
    w["A"].verification_refusal = "Le numéro RNA ne correspond pas au nom."
    db.session.commit()
    page = text(_client(app, w["lead"]).get(url))
    assert "a été refusée (motif : Le numéro RNA ne correspond pas au nom.)" in page
    assert "demandez une nouvelle vérification" in page


def test_an_unverified_association_cannot_deposit_unless_the_call_allows_it(app, w):
    w["A"].verified_at = None
    db.session.commit()
    proposal = _proposal(w)
    call = call_services.get_call(w["call"].slug)
    assert call.requires_verified_association  # the default
    page = text(_client(app, w["lead"]).get(f"/appels/{call.slug}/deposer/{proposal.id}"))
    assert "Cet appel est réservé aux associations vérifiées, et « Association A » ne l'est pas encore." in page
    assert "Déposer la proposition" not in page
    with pytest.raises(call_services.CallError):
        call_services.submit(call, services.get_proposal(proposal.id), w["lead"])
    assert db.session.scalar(select(func.count(Submission.id))) == 0
    # A call that says so accepts it.
    call.requires_verified_association = False
    db.session.commit()
    call_services.submit(call_services.get_call(call.slug), services.get_proposal(proposal.id), w["lead"])
    assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_budget_under_minimum_and_eligible_proposal(app, w):
    low = _proposal(w, budget_eur=500)
    checks = call_services.eligibility(_call(w), low, w["A"])
    assert any("en dessous du minimum" in c.detail for c in checks if not c.ok)
    ok = _proposal(w)
    assert all(c.ok for c in call_services.eligibility(_call(w), ok, w["A"]))


# --- Closing time in Paris -----------------------------------------------------------------------


def test_paris_times_across_daylight_saving():
    # 29 March 2026: clocks go forward at 2:00; 25 October 2026: back at 3:00.
    assert call_services.paris_to_utc(datetime(2026, 3, 28, 12, 0)) == datetime(2026, 3, 28, 11, 0)
    assert call_services.paris_to_utc(datetime(2026, 3, 29, 12, 0)) == datetime(2026, 3, 29, 10, 0)
    assert call_services.paris_to_utc(datetime(2026, 10, 25, 12, 0)) == datetime(2026, 10, 25, 11, 0)
    assert call_services.utc_to_paris(datetime(2026, 7, 1, 10, 0)) == datetime(2026, 7, 1, 12, 0)


@pytest.mark.parametrize(
    "paris_close", [datetime(2026, 3, 29, 12, 0), datetime(2026, 10, 25, 12, 0), datetime(2026, 1, 15, 23, 59)]
)
def test_submission_one_minute_after_closing_in_paris_is_refused(app, w, paris_close):
    call = _call(w)
    call.opens_at = datetime(2025, 12, 1)
    call.closes_at = call_services.paris_to_utc(paris_close)
    db.session.commit()
    proposal = _proposal(w)
    call = _call(w)
    with pytest.raises(CallError, match="clos"):
        call_services.submit(call, proposal, w["lead"], now=call.closes_at + timedelta(minutes=1))
    with pytest.raises(CallError, match="clos"):
        call_services.submit(call, proposal, w["lead"], now=call.closes_at)
    call_services.submit(call, proposal, w["lead"], now=call.closes_at - timedelta(minutes=1))
    assert db.session.get(Proposal, proposal.id).state == ProposalState.SUBMITTED


def test_submission_after_closing_by_http_is_refused(app, w):
    proposal = _proposal(w)
    w["call"].closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = _client(app, w["lead"]).post(f"/appels/{w['call'].slug}/deposer/{proposal.id}")
    assert response.status_code == 422
    assert "plus aucun dépôt n'est possible" in text(response)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.PUBLISHED


def test_call_form_takes_paris_times(app, w, territory):
    client = _client(app, w["admin"])
    response = client.post(
        "/appels/nouveau",
        data={
            "title": "Appel été",
            "funder": "Département",
            "summary": "Un appel d'été.",
            "description": "",
            "envelope_eur": "100000",
            "min_grant_eur": "1000",
            "max_grant_eur": "20000",
            "opens_at": "2036-06-01T09:00",
            "closes_at": "2036-07-01T12:00",
            "legal_forms": ["association"],
            "poles": [str(territory.medoc.id)],
            "domains": ["sante"],
            "publics": ["seniors"],
            "criteria": "Besoin | 2\nImpact",
            "steps": "Reçu\nEn instruction",
        },
    )
    assert response.status_code == 302, text(response)
    call = db.session.scalar(select(Call).where(Call.slug == "appel-ete"))
    assert call.closes_at == datetime(2036, 7, 1, 10, 0)  # summer time: UTC+2
    assert [(c.label, c.weight) for c in call_services.get_call("appel-ete").criteria] == [("Besoin", 2), ("Impact", 1)]
    assert call.steps == ["Reçu", "En instruction"]
    # A new call starts from a copy of the default questions (with domains chosen, as here: their
    # lookup autoflushes the new call before the copy is decided).
    assert [q.key for q in questions_of(call.id)] == [q.key for q in questions_of(None)] != []
    page = text(_client(app).get("/appels/appel-ete"))
    assert "juillet 2036 à 12h00" in page and "À venir" in page


def test_call_form_rejects_closing_before_opening(app, w):
    response = _client(app, w["admin"]).post(
        "/appels/nouveau",
        data={
            "title": "Appel",
            "funder": "D",
            "summary": "S",
            "envelope_eur": "1000",
            "opens_at": "2026-06-01T09:00",
            "closes_at": "2026-05-01T12:00",
            "criteria": "Besoin",
        },
    )
    assert response.status_code == 422
    assert "La clôture doit venir après l'ouverture" in text(response)


CALL_DATA = {
    "title": "Appel",
    "funder": "D",
    "summary": "S",
    "envelope_eur": "1000",
    "opens_at": "2036-06-01T09:00",
    "closes_at": "2036-07-01T12:00",
    "criteria": "Besoin",
    "steps": "Reçu",
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("steps", None, "au moins une étape"),
        ("opens_at", "0001-01-01T00:00", "entre 2000 et 2100"),
        ("closes_at", "9999-12-31T23:59", "entre 2000 et 2100"),
        ("envelope_eur", "²", "nombre entier"),
    ],
)
def test_call_form_bad_inputs_are_field_errors(app, w, field, value, message):
    data = {k: v for k, v in CALL_DATA.items() if k != field}
    if value is not None:
        data[field] = value
    response = _client(app, w["admin"]).post("/appels/nouveau", data=data)
    assert response.status_code == 422
    assert message in field_error(response, field)
    if value is not None:
        assert f'value="{value}"' in html(response)


# --- Frozen, sent back, resubmitted --------------------------------------------------------------


def test_submitted_proposal_is_frozen(app, w):
    proposal = _submitted(w)
    with pytest.raises(services.Frozen):
        services.update_proposal(
            proposal, {"title": "Nouveau titre du projet"}, expected_version=proposal.version, author_id=w["lead"].id
        )
    response = _client(app, w["lead"]).post(
        f"/propositions/{proposal.id}/modifier", data={"title": "Nouveau titre du projet", "version": proposal.version}
    )
    assert response.status_code == 302
    page = text(_client(app, w["lead"]).get(f"/propositions/{proposal.id}"))
    assert "Déposée à un appel" in page
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == "Garde solidaire du soir"


def test_amendment_acceptance_refused_while_frozen(app, w):
    proposal = _proposal(w)
    amendment = amendments.suggest(proposal, w["resident"], "need", "Un besoin mieux décrit.", "Plus précis ainsi.")
    call_services.submit(_call(w), proposal, w["lead"])
    client = _client(app, w["lead"])
    client.post(f"/propositions/{proposal.id}/amendements/{amendment.id}/accepter")
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert "ne peut plus être modifiée" in page
    db.session.expire_all()
    assert text_of(db.session.get(Proposal, proposal.id), "need") == "Les mères seules travaillent tard."


def test_pole_sends_back_then_authors_edit_and_resubmit(app, w):
    proposal = _submitted(w)
    versions_before = db.session.scalar(
        select(func.count(ProposalRevision.id)).where(ProposalRevision.proposal_id == proposal.id)
    )
    response = _client(app, w["mod_medoc"]).post(
        f"/appels/depots/{_submission(proposal).id}/renvoyer", data={"message": "Précisez le budget."}
    )
    assert response.status_code == 302
    db.session.expire_all()
    fresh = services.get_proposal(proposal.id)
    assert fresh.state == ProposalState.CHANGES_REQUESTED
    assert _submission(fresh).sent_back_message == "Précisez le budget."
    assert (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == w["co"].id, Notification.kind == "evaluation"
            )
        )
        == 1
    )
    services.update_proposal(fresh, {"budget_eur": 18000}, expected_version=fresh.version, author_id=w["co"].id)
    assert (
        db.session.scalar(select(func.count(ProposalRevision.id)).where(ProposalRevision.proposal_id == proposal.id))
        == versions_before + 1
    )
    response = _client(app, w["co"]).post(f"/appels/{w['call'].slug}/deposer/{proposal.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.SUBMITTED
    assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_send_back_refused_for_other_pole_and_authors(app, w):
    proposal = _submitted(w)
    sid = _submission(proposal).id
    for who in ("mod_bassin", "lead", "co", "other", "resident"):
        # Bassin's moderator: the proposal is in Médoc only.
        assert (
            _client(app, w[who]).post(f"/appels/depots/{sid}/renvoyer", data={"message": "Non."}).status_code == 403
        ), who
    assert _client(app).post(f"/appels/depots/{sid}/renvoyer", data={"message": "Non."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.SUBMITTED


# --- Evaluation --------------------------------------------------------------------------------------


def test_member_of_an_authoring_association_cannot_evaluate_it(app, w):
    proposal = _submitted(w)
    # The Bassin moderator is also a member of the co-authoring association B.
    from app.models import Membership

    db.session.add(Membership(association_id=w["B"].id, user_id=w["mod_bassin"].id))
    db.session.commit()
    with pytest.raises(CallError, match="conflit d'intérêts"):
        evaluation.assign(_submission(proposal), proposal, w["mod_bassin"])
    response = _client(app, w["admin"]).post(
        f"/appels/depots/{_submission(proposal).id}/evaluateurs", data={"evaluator_id": w["mod_bassin"].id}
    )
    # Refused on the instruction page, the reason next to the selector, the person still chosen.
    assert response.status_code == 422
    assert "conflit d'intérêts" in field_error(response, f"evaluator_id-{_submission(proposal).id}")
    assert db.session.scalar(select(func.count(Assignment.id))) == 0
    evaluation.assign(_submission(proposal), proposal, w["mod_medoc"])
    assert db.session.scalar(select(func.count(Assignment.id))) == 1


def test_an_outside_expert_appointed_to_the_call_is_offered_assigned_and_evaluates(app, w):
    proposal = _submitted(w)
    expert = factories.make_user("Experte Extérieure")
    admin = _client(app, w["admin"])
    url = f"/appels/{w['call'].slug}/instruction"
    assert "Experte Extérieure" not in text(admin.get(url))
    assign = f"/appels/depots/{_submission(proposal).id}/evaluateurs"
    assert admin.post(assign, data={"evaluator_id": expert.id}).status_code == 422
    # Appointed in the back office: the call's assignment selector offers her.
    response = admin.post(
        f"/admin/personnes/{expert.id}/nommer",
        data={"role": "evaluator", "call_id": w["call"].id, "reason": "Experte de l'alimentation"},
    )
    assert response.status_code == 302
    assert "Experte Extérieure" in text(admin.get(url))
    assert admin.post(assign, data={"evaluator_id": expert.id}).status_code == 302
    assignment = db.session.scalar(select(Assignment).where(Assignment.evaluator_id == expert.id))
    mine = _client(app, expert)
    assert "Mes évaluations" in text(mine.get("/"))
    assert mine.get(f"/appels/evaluations/{assignment.id}").status_code == 200


def test_residents_and_association_members_are_not_evaluators(app, w):
    proposal = _submitted(w)
    with pytest.raises(CallError):
        evaluation.assign(_submission(proposal), proposal, w["other"])


def _scores(call, values):
    criteria = evaluation.criteria_of(call.id)
    return {c.id: (str(v), f"Commentaire {i}") for i, (c, v) in enumerate(zip(criteria, values, strict=True))}


def test_scores_are_blind_until_finalised(app, w):
    proposal = _submitted(w)
    sub = _submission(proposal)
    a1 = evaluation.assign(sub, proposal, w["mod_medoc"])
    a2 = evaluation.assign(sub, proposal, w["admin"])
    assert (
        evaluation.save_scores(evaluation.get_assignment(a1.id), _scores(w["call"], [4, 4, 4, 4, 4]), final=True) == []
    )
    assert (
        evaluation.save_scores(evaluation.get_assignment(a2.id), _scores(w["call"], [1, 1, 1, 1, 1]), final=False) == []
    )
    # The admin (draft) does not see the moderator's finalised scores on their page...
    page = text(_client(app, w["admin"]).get(f"/appels/evaluations/{a2.id}"))
    assert "Modération Médoc" not in page and "Commentaire 0" in page
    # ...and the moderator (final) does not see the admin's draft.
    page = text(_client(app, w["mod_medoc"]).get(f"/appels/evaluations/{a1.id}"))
    assert "Aucune autre évaluation finalisée" in page
    # Nobody opens someone else's evaluation.
    assert _client(app, w["mod_medoc"]).get(f"/appels/evaluations/{a2.id}").status_code == 403
    assert (
        evaluation.save_scores(evaluation.get_assignment(a2.id), _scores(w["call"], [1, 1, 1, 1, 1]), final=True) == []
    )
    page = text(_client(app, w["mod_medoc"]).get(f"/appels/evaluations/{a1.id}"))
    assert "Administration" in page and "1 / 4" in page


def test_evaluator_does_not_see_averages_before_finalising(app, w):
    proposal = _submitted(w)
    sub = _submission(proposal)
    a1 = evaluation.assign(sub, proposal, w["admin"])
    evaluation.assign(sub, proposal, w["mod_medoc"])
    evaluation.save_scores(evaluation.get_assignment(a1.id), _scores(w["call"], [3, 3, 3, 3, 3]), final=True)
    page = text(_client(app, w["mod_medoc"]).get(f"/appels/{w['call'].slug}/classement"))
    assert "visible après votre évaluation finale" in page and "3,00" not in page


def test_scores_out_of_range_are_refused_and_nothing_saved(app, w):
    proposal = _submitted(w)
    a = evaluation.assign(_submission(proposal), proposal, w["mod_medoc"])
    criteria = evaluation.criteria_of(w["call"].id)
    data = {f"score-{c.id}": "3" for c in criteria}
    data[f"score-{criteria[0].id}"] = "5"
    data["action"] = "finaliser"
    client = _client(app, w["mod_medoc"])
    response = client.post(f"/appels/evaluations/{a.id}", data=data)
    assert response.status_code == 422
    assert "la note doit être un nombre entier de 0 à 4" in text(response)
    data[f"score-{criteria[0].id}"] = ""
    response = client.post(f"/appels/evaluations/{a.id}", data=data)
    assert response.status_code == 422 and "avant de finaliser" in text(response)
    assert db.session.scalar(select(func.count(Score.id))) == 0
    db.session.expire_all()
    assert db.session.get(Assignment, a.id).finalised_at is None
    # A draft may leave a score empty; finalised scores no longer change.
    assert client.post(f"/appels/evaluations/{a.id}", data={**data, "action": "brouillon"}).status_code == 302
    data[f"score-{criteria[0].id}"] = "2"
    assert client.post(f"/appels/evaluations/{a.id}", data=data).status_code == 302
    data[f"score-{criteria[0].id}"] = "0"
    assert client.post(f"/appels/evaluations/{a.id}", data=data).status_code == 422
    assert db.session.scalar(select(Score.value).where(Score.criterion_id == criteria[0].id)) == 2


def test_weighted_average_and_spread(app, w):
    proposal = _submitted(w)
    sub = _submission(proposal)
    a1 = evaluation.assign(sub, proposal, w["admin"])
    a2 = evaluation.assign(sub, proposal, w["mod_medoc"])
    # Weights 1,1,1,1,2: (4+4+4+4+2*0)/6 = 2.667 and (2+2+2+2+2*2)/6 = 2.
    evaluation.save_scores(evaluation.get_assignment(a1.id), _scores(w["call"], [4, 4, 4, 4, 0]), final=True)
    evaluation.save_scores(evaluation.get_assignment(a2.id), _scores(w["call"], [2, 2, 2, 2, 2]), final=True)
    [row] = evaluation.ranking(_call(w), w["admin"], evaluation.RankingFilters())
    assert row.average == pytest.approx((16 / 6 + 2) / 2)
    assert row.spread == pytest.approx(16 / 6 - 2)
    assert row.evaluations == 2


def _many_submissions(w, n, start=0):
    proposals = []
    for i in range(start, start + n):
        p = _submitted(w, title=f"Projet numéro {i}", budget_eur=10_000 + i)
        sub = _submission(p)
        a = evaluation.assign(sub, p, w["admin"])
        evaluation.save_scores(evaluation.get_assignment(a.id), _scores(w["call"], [i % 5] * 5), final=True)
        proposals.append(p)
    return proposals


def test_ranking_table_has_a_constant_query_count(app, w):
    client = _client(app, w["admin"])
    url = f"/appels/{w['call'].slug}/classement"
    _many_submissions(w, 1)
    client.get(url)
    with count_queries() as one:
        assert client.get(url).status_code == 200
    _many_submissions(w, 5, start=1)
    with count_queries() as six:
        response = client.get(url)
    assert response.status_code == 200 and "Projet numéro 5" in text(response)
    assert six.count == one.count


def test_ranking_sort_filter_htmx_and_csv(app, w):
    proposals = _many_submissions(w, 3)
    services.get_proposal(proposals[0].id)
    client = _client(app, w["admin"])
    response = client.htmx("GET", f"/appels/{w['call'].slug}/classement?tri=budget")
    body = html(response)
    assert response.status_code == 200 and "<html" not in body and 'id="ranking"' in body
    assert body.index("Projet numéro 0") < body.index("Projet numéro 2")
    body = html(client.get(f"/appels/{w['call'].slug}/classement?tri=note")).split('id="ranking"')[1]
    assert body.index("Projet numéro 2") < body.index("Projet numéro 0")
    assert "Aucune proposition ne correspond" in html(client.get(f"/appels/{w['call'].slug}/classement?critere=qpv"))
    response = client.get(f"/appels/{w['call'].slug}/classement.csv?tri=note")
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("rang;proposition;association;note_ponderee_sur_4")
    assert lines[1].startswith("1;Projet numéro 2;Association A;2,00;0,00;1;10002;Médoc;oui;non;oui")
    assert len(lines) == 4


# --- Decisions, envelope and results ---------------------------------------------------------------


def test_decisions_never_exceed_the_envelope(app, w):
    p1 = _submitted(w, title="Premier projet", budget_eur=30_000)
    p2 = _submitted(w, title="Second projet", budget_eur=30_000)
    _instructed(w, p1, p2)
    decisions.decide(_submission(p1).id, Decision.SELECTED, 30_000, "Très bon projet.")
    with pytest.raises(CallError, match="Enveloppe dépassée"):
        decisions.decide(_submission(p2).id, Decision.SELECTED, 25_000, "Bon projet.")
    assert decisions.granted_total(w["call"].id) == 30_000
    # Over the maximum grant, or without reason: refused.
    with pytest.raises(CallError, match="maximum"):
        decisions.decide(_submission(p2).id, Decision.SELECTED, 31_000, "Bon projet.")
    with pytest.raises(CallError, match="raison"):
        decisions.decide(_submission(p2).id, Decision.WAITLIST, None, "")
    admin = _client(app, w["admin"])
    response = admin.post(
        f"/appels/depots/{_submission(p2).id}/decision",
        data={"decision": "selected", "amount": "25000", "reason": "Bon."},
    )
    # Refused next to the amount, with what was typed kept.
    assert response.status_code == 422
    assert "Enveloppe dépassée" in field_error(response, f"amount-{_submission(p2).id}")
    page = html(response)
    assert 'id="amount-2" inputmode="numeric" name="amount" type="text" value="25000"' in page
    assert 'id="reason-2" name="reason" rows="2">\r\nBon.</textarea>' in page
    decisions.decide(_submission(p2).id, Decision.SELECTED, 20_000, "Bon projet.")
    assert decisions.granted_total(w["call"].id) == 50_000


def test_decisions_wait_for_the_closing_and_for_instruction(app, w):
    proposal = _submitted(w)
    sub = _submission(proposal)
    with pytest.raises(CallError, match="encore ouvert jusqu'au"):
        decisions.decide(sub.id, Decision.REJECTED, None, "Hors sujet.")
    page = text(_client(app, w["admin"]).get(f"/appels/{w['call'].slug}/instruction"))
    assert "La décision se prendra après la clôture de l'appel" in page and "Enregistrer la décision" not in page
    # Publishing is not offered while the call is open; the page says when it becomes possible.
    assert "Publier les résultats" not in page
    assert "publication des résultats seront possibles après la clôture de l'appel, le" in page
    w["call"].closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    with pytest.raises(CallError, match="« Reçu » : elle n'a pas encore été instruite"):
        decisions.decide(sub.id, Decision.REJECTED, None, "Hors sujet.")
    assert "passez d'abord la proposition à une étape d'instruction" in text(
        _client(app, w["admin"]).get(f"/appels/{w['call'].slug}/instruction")
    )
    call_services.set_step(_submission(proposal), "Recevable")
    decisions.decide(sub.id, Decision.REJECTED, None, "Hors sujet.")
    assert _submission(proposal).decision is Decision.REJECTED


def test_a_grant_above_the_request_needs_a_confirmation(app, w):
    proposal = _submitted(w, budget_eur=15_000)
    _instructed(w, proposal)
    with pytest.raises(decisions.AboveRequest, match="20 000 € accordés pour 15 000 € demandés"):
        decisions.decide(_submission(proposal).id, Decision.SELECTED, 20_000, "Très bon projet.")
    assert _submission(proposal).decision is None
    decisions.decide(_submission(proposal).id, Decision.SELECTED, 20_000, "Très bon projet.", above_request=True)
    assert _submission(proposal).granted_eur == 20_000


def test_publishing_asks_for_confirmation_and_results_follow_the_ranking(app, w):
    titles = ["Projet moyen", "Projet excellent", "Projet refusé"]
    proposals = [_submitted(w, title=t) for t in titles]
    for proposal, note in zip(proposals, (2, 4, 1), strict=True):
        a = evaluation.assign(_submission(proposal), proposal, w["admin"])
        evaluation.save_scores(evaluation.get_assignment(a.id), _scores(w["call"], [note] * 5), final=True)
    _instructed(w, *proposals)
    decisions.decide(_submission(proposals[0]).id, Decision.SELECTED, 20_000, "Bien.")
    decisions.decide(_submission(proposals[1]).id, Decision.SELECTED, 10_000, "Très bien.")
    admin = _client(app, w["admin"])
    instruction = text(admin.get(f"/appels/{w['call'].slug}/instruction"))
    assert "Publier les résultats…" in instruction
    # One proposal without decision: the confirmation page says so and offers no button.
    page = text(admin.get(f"/appels/{w['call'].slug}/resultats/publier"))
    assert "1 proposition déposée n'a pas encore de décision" in page and "Confirmer la publication" not in page
    decisions.decide(_submission(proposals[2]).id, Decision.REJECTED, None, "Hors sujet.")
    page = text(admin.get(f"/appels/{w['call'].slug}/resultats/publier"))
    assert "La publication est définitive" in page and "2 propositions retenues" in page
    assert "1 proposition non retenue" in page and "Confirmer la publication" in page
    admin.post(f"/appels/{w['call'].slug}/resultats/publier", data={"confirm": "1"})
    page = text(_client(app).get(f"/appels/{w['call'].slug}/resultats"))
    assert "Retenus (2)" in page and "Non retenu (1)" in page
    # Ranking order (the best average first), not the amount.
    assert page.index("Projet excellent") < page.index("Projet moyen")


def test_concurrent_decisions_never_exceed_the_envelope(app, w):
    proposals = [_submitted(w, title=f"Projet concurrent {i}") for i in range(6)]
    _instructed(w, *proposals)
    ids = [_submission(p).id for p in proposals]
    results: list[str] = []
    barrier = threading.Barrier(len(ids))

    def decide(submission_id):
        with app.app_context():
            barrier.wait()
            try:
                decisions.decide(submission_id, Decision.SELECTED, 20_000, "Retenu.")
                results.append("ok")
            except CallError:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.session.expire_all()
    assert sorted(results) == ["ok", "ok"] + ["refused"] * 4
    assert decisions.granted_total(w["call"].id) == 40_000


def test_publishing_results_notifies_every_coauthor_and_shows_them(app, w):
    p1 = _submitted(w, title="Projet retenu", budget_eur=25_000)
    p2 = _submitted(w, title="Projet non retenu")
    publish = f"/appels/{w['call'].slug}/resultats/publier"
    # Not before closing.
    assert _client(app, w["admin"]).post(publish, data={"confirm": "1"}).status_code == 302
    assert db.session.get(Call, w["call"].id).results_published_at is None
    assert _client(app).get(f"/appels/{w['call'].slug}/resultats").status_code == 404
    _instructed(w, p1, p2)
    decisions.decide(_submission(p1).id, Decision.SELECTED, 25_000, "Répond à un besoin non couvert.")
    decisions.decide(_submission(p2).id, Decision.REJECTED, None, "Trop proche d'un dispositif existant.")
    # Without the confirmation page's button, nothing is published: the answer is that page.
    response = _client(app, w["admin"]).post(publish)
    assert response.headers["Location"].endswith(publish)
    assert db.session.get(Call, w["call"].id).results_published_at is None
    assert _client(app, w["admin"]).post(publish, data={"confirm": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, p1.id).state == ProposalState.SELECTED
    assert db.session.get(Proposal, p2.id).state == ProposalState.NOT_SELECTED
    for user in (w["lead"], w["co"]):
        texts = db.session.scalars(
            select(Notification.text).where(Notification.user_id == user.id, Notification.kind == "evaluation")
        ).all()
        assert any("est retenue, 25" in t for t in texts) and any("Non retenu" in t for t in texts)
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == w["other"].id)) == 0
    page = text(_client(app).get(f"/appels/{w['call'].slug}/resultats"))
    assert "Projet retenu" in page and "25\u202f000\u00a0€" in page and "Trop proche d'un dispositif existant" in page
    assert "Enveloppe utilisée : 25\u202f000\u00a0€ sur 50\u202f000\u00a0€" in page
    assert "Résultats publiés" in text(_client(app).get(f"/appels/{w['call'].slug}"))
    # After publication, decisions no longer change.
    with pytest.raises(CallError):
        decisions.decide(_submission(p1).id, Decision.SELECTED, 1_000, "Changement.")


def test_instruction_step_is_shown_on_the_proposal_page(app, w):
    proposal = _submitted(w)
    sub = _submission(proposal)
    assert "« Reçu » depuis le" in text(_client(app).get(f"/propositions/{proposal.id}"))
    assert (
        _client(app, w["admin"]).post(f"/appels/depots/{sub.id}/etape", data={"step": "Recevable"}).status_code == 302
    )
    assert "« Recevable » depuis le" in text(_client(app).get(f"/propositions/{proposal.id}"))
    _client(app, w["admin"]).post(f"/appels/depots/{sub.id}/etape", data={"step": "Inventée"})
    db.session.expire_all()
    assert _submission(proposal).step == "Recevable"


# --- Follow-up and replication ------------------------------------------------------------------------


def _selected(w):
    proposal = _submitted(w, title="Projet à suivre")
    _instructed(w, proposal)
    decisions.decide(_submission(proposal).id, Decision.SELECTED, 20_000, "Excellent.")
    decisions.publish_results(db.session.get(Call, w["call"].id))
    return services.get_proposal(proposal.id)


def test_follow_up_indicator_values_and_chart(app, w):
    proposal = _selected(w)
    client = _client(app, w["co"])
    assert (
        client.post(
            f"/appels/projets/{proposal.id}/indicateurs",
            data={"label": "Familles accompagnées", "unit": "familles", "target": "40"},
        ).status_code
        == 302
    )
    indicator = db.session.scalar(select(Indicator))
    for day, value in (("2026-01-15", "12"), ("2026-02-15", "19,5")):
        client.post(
            f"/appels/projets/{proposal.id}/indicateurs/{indicator.id}/valeurs",
            data={"measured_on": day, "value": value},
        )
    client.post(
        f"/appels/projets/{proposal.id}/indicateurs/{indicator.id}/valeurs",
        data={"measured_on": "2026-03-01", "value": "-3"},
    )
    client.post(f"/appels/projets/{proposal.id}/nouvelles", data={"body": "Dix nouvelles familles ce mois-ci."})
    db.session.expire_all()
    assert [v.value for v in followup.indicators_of(proposal.id)[0].values] == [12, 19.5]
    page = html(_client(app).get(f"/appels/projets/{proposal.id}"))
    assert '<svg class="chart"' in page and 'role="img"' in page and "<title" in page
    assert "<polyline" in page and "style=" not in page.split("<main", 1)[1]
    assert "19,5 familles" in text(_client(app).get(f"/appels/projets/{proposal.id}"))
    assert "Dix nouvelles familles" in page
    # Others may not report.
    for who in ("other", "resident", "mod_medoc"):
        assert (
            _client(app, w[who]).post(f"/appels/projets/{proposal.id}/nouvelles", data={"body": "Intrus."}).status_code
            == 403
        )


def test_follow_up_only_for_selected_projects(app, w):
    proposal = _submitted(w)
    assert _client(app).get(f"/appels/projets/{proposal.id}").status_code == 404
    assert (
        _client(app, w["lead"]).post(f"/appels/projets/{proposal.id}/indicateurs", data={"label": "X"}).status_code
        == 403
    )


def test_replication_lineage_on_both_pages_and_results(app, w):
    original = _selected(w)
    # An author association may not replicate its own project; C (another territory) may.
    assert (
        _client(app, w["lead"])
        .post(f"/appels/projets/{original.id}/reproduire", data={"association_id": w["A"].id})
        .status_code
        == 403
    )
    response = _client(app, w["other"]).post(
        f"/appels/projets/{original.id}/reproduire", data={"association_id": w["C"].id}
    )
    assert response.status_code == 302
    replication = db.session.scalar(select(Replication))
    replica = services.get_proposal(replication.proposal_id)
    assert replica.state == ProposalState.DRAFT and replica.association_id == w["C"].id
    assert text_of(replica, "need") == text_of(original, "need") and [p.name for p in replica.poles] == ["Sud-Gironde"]
    assert "Reproduit le projet" in text(_client(app, w["other"]).get(f"/propositions/{replica.id}"))
    page = text(_client(app).get(f"/propositions/{original.id}"))
    assert "Reproductions sur d'autres territoires" in page and "Association C" in page and "Sud-Gironde" in page
    assert "Reproduit sur :" in text(_client(app).get(f"/appels/{w['call'].slug}/resultats"))
    assert db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == w["lead"].id, Notification.text.contains("reproduit")
        )
    )


# --- Routes per role -------------------------------------------------------------------------------------

ROLES = ["anonymous", "resident", "lead", "other", "mod_medoc", "admin"]


def test_admin_pages_per_role(app, w):
    slug = w["call"].slug
    for path in ("/appels/gestion", "/appels/nouveau", f"/appels/{slug}/modifier", f"/appels/{slug}/instruction"):
        for role in ROLES:
            client = _client(app, None if role == "anonymous" else w[role])
            expected = {"anonymous": 302, "admin": 200}.get(role, 403)
            assert client.get(path).status_code == expected, (path, role)


def test_direct_posts_by_the_wrong_role_change_nothing(app, w):
    proposal = _submitted(w)
    sub = _submission(proposal)
    slug = w["call"].slug
    posts = [
        (f"/appels/depots/{sub.id}/evaluateurs", {"evaluator_id": w["mod_medoc"].id}),
        (f"/appels/depots/{sub.id}/decision", {"decision": "selected", "amount": "1000", "reason": "x"}),
        (f"/appels/depots/{sub.id}/etape", {"step": "Recevable"}),
        (f"/appels/{slug}/resultats/publier", {}),
        (f"/appels/{slug}/modifier", {"title": "Piraté"}),
    ]
    for role in ("resident", "lead", "other", "mod_medoc"):
        for path, data in posts:
            assert _client(app, w[role]).post(path, data=dict(data)).status_code == 403, (role, path)
    for path, data in posts:
        assert _client(app).post(path, data=dict(data)).status_code == 302
    db.session.expire_all()
    sub = _submission(proposal)
    assert sub.decision is None and sub.step == "Reçu"
    assert db.session.scalar(select(func.count(Assignment.id))) == 0
    assert db.session.get(Call, w["call"].id).title == "Appel d'essai"


def test_submit_page_per_role(app, w):
    proposal = _proposal(w)
    path = f"/appels/{w['call'].slug}/deposer/{proposal.id}"
    for role, expected in {
        "anonymous": 302,
        "resident": 403,
        "other": 403,
        "mod_medoc": 403,
        "admin": 403,
        "lead": 200,
        "co": 200,
    }.items():
        client = _client(app, None if role == "anonymous" else w[role])
        assert client.get(path).status_code == expected, role
    for role in ("resident", "other", "admin"):
        assert _client(app, w[role]).post(path).status_code == 403
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.PUBLISHED


def test_ranking_per_role(app, w):
    proposal = _submitted(w)
    evaluation.assign(_submission(proposal), proposal, w["mod_medoc"])
    path = f"/appels/{w['call'].slug}/classement"
    expected = {"anonymous": 302, "resident": 403, "lead": 403, "other": 403, "mod_medoc": 200, "admin": 200}
    for role in ROLES:
        client = _client(app, None if role == "anonymous" else w[role])
        assert client.get(path).status_code == expected[role], role
        assert client.get(path + ".csv").status_code == expected[role], role
    assert _client(app, w["mod_bassin"]).get(path).status_code == 403


def test_public_pages(app, w):
    page = text(_client(app).get(f"/appels/{w['call'].slug}"))
    assert "Ouvert" in page and "Besoin non couvert" in page and "poids 2" in page
    assert "Structure de l'Économie sociale et solidaire" in page
    proposal = _proposal(w)
    page = text(_client(app, w["lead"]).get(f"/propositions/{proposal.id}"))
    assert "Vérifier l'éligibilité et déposer" in page
    assert "Vérifier l'éligibilité" not in text(_client(app, w["other"]).get(f"/propositions/{proposal.id}"))


def test_demo_call_has_the_five_gironde_criteria(app):
    from app.demo import GIRONDE_CALL_SLUG, load_demo
    from app.models import Criterion

    load_demo()
    load_demo()
    call = db.session.scalar(select(Call).where(Call.slug == GIRONDE_CALL_SLUG))
    labels = db.session.scalars(
        select(Criterion.label).where(Criterion.call_id == call.id).order_by(Criterion.position)
    ).all()
    assert len(labels) == 5 and "Pôles territoriaux de solidarité" in labels[3]
    forms = [f.slug for f in call_services.get_call(GIRONDE_CALL_SLUG).legal_forms]
    assert call.max_grant_eur == 50_000 and "association" in forms and "autre" not in forms


def test_submitted_proposals_stay_listed_and_findable(app, client, territory, member):
    """Submitting to a call is public: the proposal stays in the list and in the search."""
    from app.calls import services as call_services

    association = db.session.scalar(select(Association))
    association.verified_at = utcnow()  # calls require a verified association by default
    call = factories.make_call(poles=[territory.medoc, territory.bassin])
    proposal = factories.make_proposal(
        association, member, communes=[territory.medoc_commune], title="Maraudes solidaires du soir", via_services=True
    )
    call_services.submit(call_services.get_call(call.slug), services.get_proposal(proposal.id), member)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.SUBMITTED
    assert "Maraudes solidaires du soir" in text(client.get("/propositions/?tri=recent"))
    assert "Maraudes solidaires du soir" in text(client.get("/recherche/?q=maraudes"))


def test_proposal_list_filters_by_call(app, client, territory, member):

    association = db.session.scalar(select(Association))
    association.verified_at = utcnow()  # calls require a verified association by default
    call = factories.make_call(poles=[territory.medoc, territory.bassin], slug="appel-filtre")
    inside = factories.make_proposal(
        association, member, communes=[territory.medoc_commune], title="Déposée à l'appel", via_services=True
    )
    factories.make_proposal(
        association, member, communes=[territory.medoc_commune], title="Hors de l'appel", via_services=True
    )
    call_services.submit(call_services.get_call(call.slug), services.get_proposal(inside.id), member)
    page = text(client.get("/propositions/?appel=appel-filtre&tri=recent"))
    assert "Déposée à l'appel" in page and "Hors de l'appel" not in page
    # An unknown call is ignored, never an error.
    everything = text(client.get("/propositions/?appel=nimporte-quoi&tri=recent"))
    assert "Déposée à l'appel" in everything and "Hors de l'appel" in everything
    # The filter is kept by the pagination and offered in the form.
    assert 'name="appel"' in everything


# --- Instruction page: refused forms keep what was typed; the current step is selected -----------


def test_instruction_step_selector_shows_the_current_step(app, w):
    proposal = _submitted(w)
    _instructed(w, proposal)
    sub = _submission(proposal)
    decisions.decide(sub.id, Decision.SELECTED, 12_000, "Très bon projet.")
    admin = _client(app, w["admin"])
    page = html(admin.get(f"/appels/{w['call'].slug}/instruction"))
    select_ = page[page.index(f'id="step-{sub.id}"') :].split("</select>")[0]
    # A decision sets the step to "Retenu": the selector shows it rather than the first step.
    assert '<option selected value="Retenu">' in select_ and select_.count("selected") == 1
    # Saving the step as shown keeps it.
    assert admin.post(f"/appels/depots/{sub.id}/etape", data={"step": "Retenu"}).status_code == 302
    db.session.expire_all()
    assert _submission(proposal).step == "Retenu"


def test_instruction_step_refused_next_to_the_field(app, w):
    sub = _submission(_submitted(w))
    response = _client(app, w["admin"]).post(f"/appels/depots/{sub.id}/etape", data={"step": "Inventée"})
    assert response.status_code == 422
    assert field_error(response, f"step-{sub.id}") == "Cette étape n'existe pas pour cet appel."
    assert f'href="#step-{sub.id}"' in html(response)  # the error summary links to the field


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "selected", "amount": "12000", "reason": ""}, "reason", "Donnez la raison"),
        ({"decision": "selected", "amount": "²", "reason": "Bien."}, "amount", "nombre entier d'euros"),
        ({"decision": "selected", "amount": "", "reason": "Bien."}, "amount", "Indiquez le montant"),
        ({"amount": "12000", "reason": "Bien."}, "decision", "Choisissez une décision"),
        ({"decision": "peut-être", "amount": "12000", "reason": "Bien."}, "decision", "Choisissez une décision"),
    ],
)
def test_instruction_decision_refused_keeps_what_was_typed(app, w, data, field, message):
    proposal = _submitted(w)
    _instructed(w, proposal)
    sub = _submission(proposal)
    response = _client(app, w["admin"]).post(f"/appels/depots/{sub.id}/decision", data=data)
    assert response.status_code == 422
    assert message in field_error(response, f"{field}-{sub.id}")
    page = html(response)
    if data["amount"]:
        assert f'id="amount-{sub.id}" inputmode="numeric" name="amount" type="text" value="{data["amount"]}"' in page
    if data["reason"]:
        assert f'id="reason-{sub.id}" name="reason" rows="2">\r\n{data["reason"]}</textarea>' in page
    db.session.expire_all()
    assert _submission(services.get_proposal(sub.proposal_id)).decision is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", "Indiquez un nombre"),
        ("inf", "Indiquez un nombre"),
        ("-Infinity", "Indiquez un nombre"),
        ("1e308", "au plus 1 000 000 000"),
        ("douze", "Indiquez un nombre"),
        ("-3", "valeur positive"),
    ],
)
def test_indicator_values_refused_next_to_the_field(app, w, value, message):
    proposal = _selected(w)
    client = _client(app, w["co"])
    client.post(f"/appels/projets/{proposal.id}/indicateurs", data={"label": "Familles", "unit": "familles"})
    indicator = db.session.scalar(select(Indicator))
    response = client.post(
        f"/appels/projets/{proposal.id}/indicateurs/{indicator.id}/valeurs",
        data={"measured_on": "2026-01-15", "value": value},
    )
    assert response.status_code == 422
    assert message in field_error(response, f"value-{indicator.id}")
    assert f'value="{value}"' in html(response)
    assert followup.indicators_of(proposal.id)[0].values == []
    # The target of a new indicator is checked the same way; the label typed stays.
    response = client.post(
        f"/appels/projets/{proposal.id}/indicateurs", data={"label": "Ateliers", "unit": "", "target": value}
    )
    assert response.status_code == 422
    assert message in field_error(response, "target-indicateur")
    assert 'value="Ateliers"' in html(response)


def test_follow_up_dates_and_news_refused_next_to_the_field(app, w):
    proposal = _selected(w)
    client = _client(app, w["co"])
    client.post(f"/appels/projets/{proposal.id}/indicateurs", data={"label": "Familles"})
    indicator = db.session.scalar(select(Indicator))
    url = f"/appels/projets/{proposal.id}/indicateurs/{indicator.id}/valeurs"
    future = client.post(url, data={"measured_on": "2999-01-01", "value": "3"})
    assert future.status_code == 422 and "futur" in field_error(future, f"measured_on-{indicator.id}")
    garbled = client.post(url, data={"measured_on": "hier", "value": "3"})
    assert garbled.status_code == 422 and "date valide" in field_error(garbled, f"measured_on-{indicator.id}")
    empty = client.post(f"/appels/projets/{proposal.id}/nouvelles", data={"body": "  "})
    assert empty.status_code == 422 and "quelques mots" in field_error(empty, "body-nouvelle")


@pytest.mark.parametrize(
    ("decision", "amount", "acting_in", "reader", "expected"),
    [
        (Decision.SELECTED, 20_000, "fr", "en", "“Au jardin” is selected, €20,000 awarded. Excellent."),
        (Decision.WAITLIST, None, "fr", "en", "“Au jardin” — Waiting list. Excellent."),
        (Decision.SELECTED, 20_000, "en", "fr", "« Au jardin » est retenue, 20\u202f000\u00a0€ accordés. Excellent."),
        (Decision.WAITLIST, None, "en", "fr", "« Au jardin » — Liste d'attente. Excellent."),
    ],
)
def test_the_results_are_told_in_each_recipients_language(app, w, decision, amount, acting_in, reader, expected):
    from app.i18n import in_locale
    from app.models import Notification, User
    from app.notifications.recipients import proposal_recipients

    proposal = _submitted(w, title="Au jardin")
    _instructed(w, proposal)
    recipients = proposal_recipients(proposal)
    for uid in recipients:
        db.session.get(User, uid).locale = reader
    db.session.commit()
    decisions.decide(_submission(proposal).id, decision, amount, "Excellent.")
    with in_locale(acting_in):
        decisions.publish_results(db.session.get(Call, w["call"].id))
    said = db.session.scalars(select(Notification.text).where(Notification.kind == "evaluation")).all()
    assert recipients and len(said) == len(recipients)
    assert all(text.endswith(expected) for text in said), said


@pytest.mark.parametrize(
    ("acting_in", "reader", "expected"),
    [
        ("fr", "en", "which you follow, is selected by the call “Appel d'essai”: €20,000 awarded."),
        ("en", "fr", "que vous suivez, est retenu par l'appel « Appel d'essai » : 20\u202f000\u00a0€ accordés."),
    ],
)
def test_followers_hear_of_the_funding_in_their_language(app, w, acting_in, reader, expected):
    from app.follows.services import follow
    from app.i18n import in_locale
    from app.models import Notification

    proposal = _submitted(w, title="Au jardin")
    _instructed(w, proposal)
    follower = factories.make_user("Kim", locale=reader)
    follow(follower.id, proposal)
    decisions.decide(_submission(proposal).id, Decision.SELECTED, 20_000, "Excellent.")
    with in_locale(acting_in):
        decisions.publish_results(db.session.get(Call, w["call"].id))
    said = db.session.scalar(select(Notification.text).where(Notification.user_id == follower.id))
    assert said.endswith(expected), said

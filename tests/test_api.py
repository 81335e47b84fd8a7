"""The public API (/api/v1): what it shows is what an anonymous visitor may read, whoever asks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Association, Decision, ProposalState, Submission
from app.models.base import utcnow
from app.models.calls import Assignment, Criterion, Indicator, IndicatorValue, Score
from tests import factories
from tests.conftest import ROLES
from tests.helpers import count_queries

API = "/api/v1"
# Words that only private items hold: none may appear in any answer, to anyone.
SECRETS = [
    "BROUILLON-SECRET",
    "PROPOSITION-MASQUEE",
    "IDEE-MASQUEE",
    "COMMENTAIRE-MASQUE",
    "COMMENTAIRE-EFFACE",
    "RAISON-SECRETE",
    "NOTE-SECRETE",
    "98765",  # the amount of a decision not yet published
    "@",  # no e-mail address, of a person or an association
]


def _world(territory, member, moderator) -> dict:
    """Public items, and private ones the member (author), the moderator (their unit) and the
    admin could read on the pages: a draft, hidden content, a decision and scores not published."""
    association = db.session.scalar(select(Association).where(Association.name == "Les Jardins du Médoc"))
    association.contact_email = "contact@jardins.example"
    resident = factories.make_user("Camille Publique")
    commune = territory.medoc_commune
    public = factories.make_proposal(association, member, communes=(commune,), title="Proposition publique")
    draft = factories.make_proposal(
        association, member, communes=(commune,), state=ProposalState.DRAFT, title="BROUILLON-SECRET"
    )
    hidden = factories.make_proposal(association, member, communes=(commune,), title="PROPOSITION-MASQUEE")
    hidden.hidden_at = utcnow()
    idea = factories.make_idea(resident, commune, title="Idée publique")
    hidden_idea = factories.make_idea(member, commune, title="IDEE-MASQUEE", hidden_at=utcnow())
    db.session.commit()
    factories.make_comment(public, resident, "Un commentaire public")
    masked = factories.make_comment(public, member, "COMMENTAIRE-MASQUE")
    masked.hidden_at = utcnow()
    erased = factories.make_comment(idea, member, "COMMENTAIRE-EFFACE")
    erased.deleted_at = utcnow()
    factories.make_comment(hidden_idea, resident, "Sous une idée masquée")
    # A call whose decisions are made but not published, with an evaluator's scores.
    pending_call = factories.make_call("Appel en délibération", poles=(territory.medoc,))
    submitted = factories.make_proposal(
        association, member, communes=(commune,), state=ProposalState.SUBMITTED, title="Déposée publique"
    )
    submission = Submission(
        call_id=pending_call.id,
        proposal_id=submitted.id,
        submitted_by_id=member.id,
        decision=Decision.SELECTED,
        granted_eur=98765,
        decision_reason="RAISON-SECRETE",
    )
    db.session.add(submission)
    db.session.flush()
    assignment = Assignment(submission_id=submission.id, evaluator_id=moderator.id, finalised_at=utcnow())
    db.session.add(assignment)
    db.session.flush()
    criterion = db.session.scalar(select(Criterion).where(Criterion.call_id == pending_call.id))
    db.session.add(Score(assignment_id=assignment.id, criterion_id=criterion.id, value=3, comment="NOTE-SECRETE"))
    # A call with published results and a selected project that reports an indicator.
    done_call = factories.make_call("Appel terminé", poles=(territory.medoc,))
    done_call.results_published_at = utcnow()
    selected = factories.make_proposal(
        association, member, communes=(commune,), state=ProposalState.SELECTED, title="Projet retenu"
    )
    db.session.add(
        Submission(
            call_id=done_call.id,
            proposal_id=selected.id,
            submitted_by_id=member.id,
            decision=Decision.SELECTED,
            granted_eur=15000,
            decision_reason="Raison publique",
        )
    )
    indicator = Indicator(proposal_id=selected.id, label="Familles accompagnées", unit="familles", target=40)
    db.session.add(indicator)
    db.session.flush()
    db.session.add(
        IndicatorValue(indicator_id=indicator.id, measured_on=date(2026, 6, 1), value=12, author_id=member.id)
    )
    db.session.commit()
    return {
        "public": public.id,
        "draft": draft.id,
        "hidden": hidden.id,
        "idea": idea.id,
        "hidden_idea": hidden_idea.id,
        "submitted": submitted.id,
        "selected": selected.id,
        "pending_call": pending_call.id,
        "done_call": done_call.id,
    }


def _urls(w: dict) -> dict[str, int]:
    """Every endpoint (lists, each object, public or not) and the status an anonymous visitor gets."""
    urls = {
        f"{API}/territorial-units": 200,
        f"{API}/communes": 200,
        f"{API}/domains": 200,
        f"{API}/publics": 200,
        f"{API}/calls": 200,
        f"{API}/ideas": 200,
        f"{API}/proposals": 200,
        f"{API}/proposals?etat=withdrawn": 200,
        f"{API}/proposals?etat=submitted": 200,
        f"{API}/calls/{w['pending_call']}": 200,
        f"{API}/calls/{w['done_call']}": 200,
        f"{API}/calls/{w['done_call']}/results": 200,
        f"{API}/calls/{w['pending_call']}/results": 404,
        f"{API}/ideas/{w['idea']}": 200,
        f"{API}/ideas/{w['hidden_idea']}": 404,
        f"{API}/ideas/{w['idea']}/comments": 200,
        f"{API}/ideas/{w['hidden_idea']}/comments": 404,
        f"{API}/proposals/{w['public']}/comments": 200,
        f"{API}/proposals/{w['draft']}/comments": 404,
        f"{API}/proposals/{w['selected']}/indicators": 200,
        f"{API}/proposals/{w['public']}/indicators": 404,
    }
    for name in ("public", "submitted", "selected"):
        urls[f"{API}/proposals/{w[name]}"] = 200
    for name in ("draft", "hidden"):
        urls[f"{API}/proposals/{w[name]}"] = 404
    return urls


@pytest.fixture
def world(app, territory, member, moderator, admin):
    return _world(territory, member, moderator)


def test_every_endpoint_shows_each_role_exactly_what_a_visitor_sees(app, world, member, moderator, admin, resident):
    urls = _urls(world)
    clients = {"anonymous": app.test_client()}
    for role, user in zip(ROLES[1:], (resident, member, moderator, admin), strict=True):
        clients[role] = app.test_client().login_as(user)
    anonymous = {}
    for url, status in urls.items():
        response = clients["anonymous"].get(url)
        assert response.status_code == status, url
        body = response.get_data(as_text=True)
        for secret in SECRETS:
            assert secret not in body, (url, secret)
        anonymous[url] = body
    # The people who could read the private items on the pages get the very same bytes here.
    for role, client in clients.items():
        for url, status in urls.items():
            response = client.get(url)
            assert (response.status_code, response.get_data(as_text=True)) == (status, anonymous[url]), (role, url)


def test_lists_hold_the_public_items_with_their_public_details(client, world):
    proposals = client.get(f"{API}/proposals").get_json()["items"]
    assert [p["title"] for p in proposals] == ["Proposition publique", "Déposée publique", "Projet retenu"]
    first = proposals[0]
    assert first["association"]["name"] == "Les Jardins du Médoc"
    assert first["communes"][0]["insee_code"] is not None or first["communes"][0]["name"]
    assert {a["key"] for a in first["answers"]} == {"need", "experimentation"}
    assert first["url"].endswith(f"/propositions/{world['public']}")
    assert first["call_id"] is None
    ideas = client.get(f"{API}/ideas").get_json()["items"]
    assert [(i["title"], i["author_name"]) for i in ideas] == [("Idée publique", "Camille Publique")]
    comments = client.get(f"{API}/proposals/{world['public']}/comments").get_json()["items"]
    assert [c["body"] for c in comments] == ["Un commentaire public"]
    results = client.get(f"{API}/calls/{world['done_call']}/results").get_json()
    assert [(r["title"], r["granted_eur"], r["decision"]) for r in results["items"]] == [
        ("Projet retenu", 15000, "selected")
    ]
    indicators = client.get(f"{API}/proposals/{world['selected']}/indicators").get_json()["items"]
    assert indicators[0]["values"] == [{"measured_on": "2026-06-01", "value": 12.0}]
    call = client.get(f"{API}/calls/{world['pending_call']}").get_json()
    assert call["state"] == "open" and len(call["criteria"]) == 5 and call["results_published_at"] is None


def test_filters_are_the_list_pages_filters(client, app, territory, member):
    association = db.session.scalar(select(Association))
    factories.make_proposal(association, member, communes=(territory.medoc_commune,), title="Au Médoc")
    factories.make_proposal(association, member, communes=(territory.bassin_commune,), title="Au Bassin", is_rural=True)
    by = lambda query: [p["title"] for p in client.get(f"{API}/proposals?{query}").get_json()["items"]]  # noqa: E731
    assert by(f"pole={territory.medoc.slug}") == ["Au Médoc"]
    assert by("rural=1") == ["Au Bassin"]
    assert by("q=bassin") == ["Au Bassin"]


@pytest.mark.parametrize(
    "query", ["cursor=%%%", "cursor=aWQ6eA", "limit=0", "limit=101", "limit=abc", "domaine=inconnu", "rural=oui"]
)
def test_a_bad_parameter_is_a_problem_in_french(client, query):
    response = client.get(f"{API}/proposals?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400 and problem["title"] == "Requête incorrecte" and problem["detail"]


def test_problems_follow_the_language_asked(client):
    response = client.get(f"{API}/proposals?limit=0&lang=en")
    with force_locale("en"):
        assert response.get_json()["title"] == gettext("Requête incorrecte")
    missing = client.get(f"{API}/ideas/999999?lang=en")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    with force_locale("en"):
        assert missing.get_json()["title"] == gettext("Introuvable")
    assert client.get(f"{API}/nulle-part").mimetype == "application/problem+json"


def test_pages_stay_stable_while_items_are_added(client, territory):
    author = factories.make_user()
    for n in range(3):
        factories.make_idea(author, territory.medoc_commune, title=f"Idée {n}")
    first = client.get(f"{API}/ideas?limit=2").get_json()
    assert [i["title"] for i in first["items"]] == ["Idée 0", "Idée 1"]
    # Newest first on the page, but the API walks by id: a new idea comes last, nothing shifts.
    factories.make_idea(author, territory.medoc_commune, title="Idée nouvelle")
    second = client.get(first["next"]).get_json()
    assert [i["title"] for i in second["items"]] == ["Idée 2", "Idée nouvelle"]
    assert second["next"] is None


def test_etag_gives_304_and_answers_are_public_and_open_to_other_sites(client, world):
    url = f"{API}/proposals/{world['public']}"
    response = client.get(url)
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    preflight = client.options(url, headers={"Origin": "https://ailleurs.example"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_the_limit_answers_429_as_a_problem(limited_app):
    client = limited_app.test_client()
    statuses = [client.get(f"{API}/publics").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get(f"{API}/publics")
    assert response.mimetype == "application/problem+json" and int(response.headers["Retry-After"]) >= 1


def _proposal_list_queries(client, association, member, territory, n: int) -> int:
    for _ in range(n - len(client.get(f"{API}/proposals?limit=100").get_json()["items"])):
        proposal = factories.make_proposal(association, member, communes=(territory.medoc_commune,))
        proposal.published_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with count_queries() as log:
        items = client.get(f"{API}/proposals?limit=100&pole={territory.medoc.slug}").get_json()["items"]
    assert len(items) == n
    return log.count


def test_query_count_does_not_grow_with_the_page(client, territory, member):
    association = db.session.scalar(select(Association))
    two = _proposal_list_queries(client, association, member, territory, 2)
    twenty = _proposal_list_queries(client, association, member, territory, 20)
    assert two == twenty

"""Mediated participation (issue 18): agents record ideas, comments and supports collected in
person; counts stay exact, one resident counts once per subject, moderators review, residents claim."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.mediation import services
from app.models import AuditEntry, Comment, Idea, Mediation, OutboxMessage, Proposal, ProposalState, Support, User
from app.supports.services import toggle_support
from tests import factories
from tests.helpers import count_queries, field_error, html, text

TODAY = date.today().isoformat()


@pytest.fixture
def agent(app, territory):
    return factories.make_user("Agente Médoc", agent_pole_id=territory.medoc.id)


@pytest.fixture
def agent_client(app, agent):
    return app.test_client().login_as(agent)


@pytest.fixture
def idea(app, territory):
    return factories.make_idea(factories.make_user("Autrice"), territory.medoc_commune, title="Une épicerie solidaire")


def _resident(territory, name="Élise", year=1958, **changes) -> services.Resident:
    fields = {
        "name": name,
        "commune_id": territory.medoc_commune.id,
        "birth_year": year,
        "place": "market",
        "place_detail": "Marché de Lesparre",
        "met_on": date.today(),
    }
    return services.Resident(**{**fields, **changes})


def _form(territory, **changes) -> dict:
    data = {
        "name": "Élise",
        "commune_id": str(territory.medoc_commune.id),
        "birth_year": "1958",
        "place": "market",
        "place_detail": "Marché de Lesparre",
        "met_on": TODAY,
        "consent": "y",
        "kind": "support",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _fresh(model, item_id):
    db.session.expire_all()
    return db.session.get(model, item_id)


# --- Rules ----------------------------------------------------------------------------------


def test_resident_key_ignores_accents_case_and_spacing():
    assert services.resident_key(" élise ", 3, 1958) == services.resident_key("ELISE", 3, 1958)
    assert services.resident_key("Elise", 3, 1958) != services.resident_key("Elise", 3, 1959)


def test_a_mediated_support_counts_once_per_resident_and_subject(agent, territory, idea):
    services.record_support(agent, _resident(territory), idea)
    services.record_support(agent, _resident(territory, name="Jean"), idea)
    with pytest.raises(services.MediationError, match="déjà soutenu"):
        services.record_support(agent, _resident(territory, name="ELISE "), idea)
    fresh = _fresh(Idea, idea.id)
    assert (fresh.support_count, fresh.mediated_support_count) == (2, 2)
    rows = db.session.scalar(select(func.count()).select_from(Support).where(Support.idea_id == idea.id))
    assert rows == 2
    # Another birth year is another person.
    services.record_support(agent, _resident(territory, year=1990), idea)
    assert _fresh(Idea, idea.id).support_count == 3


def test_every_entry_is_in_the_audit_log_under_the_agents_name(agent, territory, idea):
    services.record_support(agent, _resident(territory), idea)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "mediation_support"))
    assert entry.actor_id == agent.id and entry.target_id == idea.id
    assert "Marché de Lesparre" in entry.reason


def test_an_agent_records_only_in_their_units(app, territory):
    bassin_agent = factories.make_user("Agent Bassin", agent_pole_id=territory.bassin.id)
    idea = factories.make_idea(factories.make_user(), territory.medoc_commune)
    from app.permissions import can

    assert not can(bassin_agent, "mediation.record", idea)
    with pytest.raises(services.MediationError):
        services.record_idea(
            bassin_agent,
            _resident(territory),
            title="Un besoin du Médoc",
            description="Une description assez longue du besoin.",
            commune_id=territory.medoc_commune.id,
            domain="alimentation",
            publics=[],
        )


# --- Routes: the agent's forms without JavaScript -------------------------------------------


def test_an_agent_enters_an_idea_shown_as_collected_by_the_unit(agent_client, agent, territory, client):
    data = _form(
        territory, title="Un bus le jour du marché", description="Pas de bus pour venir au marché le samedi matin."
    )
    data["domain"] = "alimentation"
    response = agent_client.post("/recueil/", data=data)
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea).where(Idea.title == "Un bus le jour du marché"))
    assert idea.mediation_id is not None and idea.author_id == agent.id
    page = text(client.get(f"/idees/{idea.id}"))
    assert "Idée de Élise, recueillie par le pôle Médoc le" in page
    assert "Agente Médoc" not in page
    # In the lists too: the card names the unit, never the agent.
    listing = text(client.get("/idees/"))
    assert "Recueillie en personne par le pôle Médoc, à Lesparre-Médoc" in listing
    assert "Agente Médoc" not in listing
    # The next entry keeps the meeting's place and date.
    again = html(agent_client.get("/recueil/"))
    assert 'value="Marché de Lesparre"' in again


def test_consent_is_required_and_what_was_typed_is_kept(agent_client, territory, idea):
    response = agent_client.post(f"/recueil/idees/{idea.id}", data=_form(territory, consent=None, name="Aïcha"))
    assert response.status_code == 422
    assert "Sans l'accord de la personne" in field_error(response, "consent")
    assert 'value="Aïcha"' in html(response)
    assert _fresh(Idea, idea.id).support_count == 0


def test_a_duplicate_support_is_refused_with_a_clear_message(agent_client, territory, idea, client):
    assert agent_client.post(f"/recueil/idees/{idea.id}", data=_form(territory)).status_code == 302
    assert agent_client.post(f"/recueil/idees/{idea.id}", data=_form(territory, name="Marc")).status_code == 302
    response = agent_client.post(f"/recueil/idees/{idea.id}", data=_form(territory, name="élise"))
    assert response.status_code == 422
    assert "a déjà soutenu ce contenu" in text(response)
    assert 'value="élise"' in html(response)
    assert _fresh(Idea, idea.id).support_count == 2
    page = text(client.get(f"/idees/{idea.id}"))
    assert re.search(r"2 soutiens\s*<span[^>]*>dont 2 recueillis en personne</span>", page)


def test_a_comment_collected_in_person_shows_the_resident_and_unit(agent_client, territory, idea, client):
    response = agent_client.post(
        f"/recueil/idees/{idea.id}", data=_form(territory, kind="comment", body="Il faudrait aussi le mardi.")
    )
    assert response.status_code == 302
    page = text(client.get(f"/idees/{idea.id}"))
    assert "Il faudrait aussi le mardi." in page
    assert "recueilli par le pôle Médoc le" in page
    assert _fresh(Idea, idea.id).comment_count == 1


def test_a_comment_needs_its_text(agent_client, territory, idea):
    response = agent_client.post(f"/recueil/idees/{idea.id}", data=_form(territory, kind="comment", body=""))
    assert response.status_code == 422
    assert "Écrivez le commentaire" in field_error(response, "body")


@pytest.mark.parametrize("who", ["anonymous", "resident", "member", "moderator", "admin", "other_agent"])
def test_refused_roles_cannot_record(app, who, territory, idea, request):
    if who == "anonymous":
        client = app.test_client()
    elif who == "other_agent":
        client = app.test_client().login_as(factories.make_user("Agent Bassin", agent_pole_id=territory.bassin.id))
    else:
        client = app.test_client().login_as(request.getfixturevalue(who))
    expected = 302 if who == "anonymous" else 403
    assert client.get(f"/recueil/idees/{idea.id}").status_code == expected
    assert client.post(f"/recueil/idees/{idea.id}", data=_form(territory)).status_code == expected
    if who != "other_agent":  # an agent elsewhere may enter ideas of their own units
        assert client.get("/recueil/").status_code == expected
        assert client.post("/recueil/", data=_form(territory, title="Titre", description="x" * 30)).status_code == (
            expected
        )
    assert _fresh(Idea, idea.id).support_count == 0
    assert db.session.scalar(select(func.count()).select_from(Mediation)) == 0


def test_the_form_needs_csrf(agent_client, territory, idea):
    response = agent_client.post(f"/recueil/idees/{idea.id}", data=_form(territory), csrf=False)
    assert response.status_code == 400


# --- Moderators -----------------------------------------------------------------------------


def test_moderators_see_their_units_entries_in_two_queries(app, agent, territory, idea, moderator_client):
    for i in range(3):
        services.record_support(agent, _resident(territory, name=f"Personne {i}"), idea)
    services.record_comment(agent, _resident(territory), idea, "Un premier message recueilli.")
    with count_queries() as few:
        assert moderator_client.get("/moderation/recueils").status_code == 200
    other_idea = factories.make_idea(factories.make_user(), territory.medoc_commune)
    for i in range(10):
        services.record_support(agent, _resident(territory, name=f"Autre {i}"), other_idea)
        services.record_comment(agent, _resident(territory, name=f"Autre {i}"), other_idea, f"Message {i}.")
    url = f"/moderation/recueils?agent={agent.id}"
    with count_queries() as many:
        page = text(moderator_client.get(url))
    assert many.count == few.count, many.statements
    # The user, the count, the page, the agents filter, the comments: the rest is the layout's.
    assert many.count <= 10, many.statements
    assert "Agente Médoc" in page and "Autre 9" in page
    # Another unit's moderator sees none of it.
    bassin = app.test_client().login_as(factories.make_user("Modé Bassin", moderated_pole_id=territory.bassin.id))
    assert "Autre 9" not in text(bassin.get("/moderation/recueils"))


@pytest.mark.parametrize("who", ["anonymous", "resident", "member"])
def test_only_moderators_review_entries(app, who, request):
    client = app.test_client() if who == "anonymous" else app.test_client().login_as(request.getfixturevalue(who))
    assert client.get("/moderation/recueils").status_code == (302 if who == "anonymous" else 403)


def test_a_moderator_hides_an_agents_idea(agent, territory, moderator_client, resident_client):
    idea = services.record_idea(
        agent,
        _resident(territory),
        title="Une idée à masquer",
        description="Une description assez longue pour passer.",
        commune_id=territory.medoc_commune.id,
        domain="alimentation",
        publics=[],
    )
    response = resident_client.post(f"/moderation/recueils/{idea.mediation_id}/masquer", data={"motif": "x"})
    assert response.status_code == 403
    response = moderator_client.post(f"/moderation/recueils/{idea.mediation_id}/masquer", data={"motif": "Hors sujet"})
    assert response.status_code == 302
    assert _fresh(Idea, idea.id).hidden_at is not None


# --- Pages stay cheap -----------------------------------------------------------------------


def test_an_idea_page_with_mediated_contributions_costs_no_extra_query(client, agent, territory, idea):
    factories.make_comment(idea, factories.make_user(), "Un message ordinaire.")
    with count_queries() as plain:
        client.get(f"/idees/{idea.id}")
    for i in range(4):
        services.record_comment(agent, _resident(territory, name=f"Voisin {i}"), idea, f"Message recueilli {i}.")
        services.record_support(agent, _resident(territory, name=f"Voisin {i}"), idea)
    with count_queries() as mediated:
        page = text(client.get(f"/idees/{idea.id}"))
    assert mediated.count == plain.count, mediated.statements
    assert page.count("recueilli par le pôle Médoc") == 4
    assert "dont 4 recueillis en personne" in page


# --- Claiming -------------------------------------------------------------------------------


def _claim_link() -> str:
    body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"https?://[^/\s]+(/recueil/retrouver/\S+)", body).group(1)


def test_a_resident_claims_their_contributions_and_counts_stay_exact(app, agent, territory, idea):
    with_contact = _resident(territory, contact_email="elise@exemple.fr")
    other = factories.make_idea(factories.make_user(), territory.medoc_commune)
    comment = services.record_comment(agent, with_contact, idea, "Mon avis, recueilli au marché.")
    services.record_support(agent, with_contact, idea)
    services.record_support(agent, with_contact, other)
    link = _claim_link()
    elise = factories.make_user("Élise Martin")
    toggle_support(other, elise)  # she had already supported the other idea herself
    other_before = _fresh(Idea, other.id).support_count
    client = app.test_client()
    assert client.post(link).status_code == 302  # log in first
    client.login_as(elise)
    assert "Rattacher à mon compte" in text(client.get(link))
    assert client.post(link).status_code == 302
    claimed = _fresh(Comment, comment.id)
    assert (claimed.author_id, claimed.mediation_id) == (elise.id, None)  # shown under her name now
    fresh = _fresh(Idea, idea.id)
    assert (fresh.support_count, fresh.mediated_support_count) == (1, 0)
    assert db.session.scalar(select(Support.user_id).where(Support.idea_id == idea.id)) == elise.id
    # She already supported the other idea: the in-person support goes, counted once.
    fresh_other = _fresh(Idea, other.id)
    assert (fresh_other.support_count, fresh_other.mediated_support_count) == (other_before - 1, 0)
    assert client.post(link).status_code == 409


PASSWORD = "une phrase de passe solide"


def _register(client, next_path, email="elise@exemple.fr"):
    data = {
        "email": email,
        "display_name": "Élise Martin",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept_terms": "y",
    }
    return client.post(f"/inscription?next={quote(next_path, safe='')}", data=data)


def _next_of(url: str) -> str | None:
    return parse_qs(urlsplit(url).query).get("next", [None])[0]


def _verification_link() -> str:
    body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"https?://[^/\s]+(/compte/confirmer/\S+)", body).group(1)


def test_the_claim_page_offers_to_register_or_log_in_and_comes_back(app, agent, territory, idea):
    services.record_support(agent, _resident(territory, contact_email="elise@exemple.fr"), idea)
    link = _claim_link()
    client = app.test_client()
    page = html(client.get(link))
    assert "Bonjour Élise" in page and "Rattacher à mon compte" not in page
    hrefs = re.findall(r'href="(/(?:inscription|connexion)\?[^"]*)"', page)
    assert {(urlsplit(h).path, _next_of(h)) for h in hrefs} == {("/connexion", link), ("/inscription", link)}


def test_a_new_account_is_carried_back_to_the_claim_through_registration_and_confirmation(app, agent, territory, idea):
    services.record_support(agent, _resident(territory, contact_email="elise@exemple.fr"), idea)
    link = _claim_link()
    client = app.test_client()
    registered = _register(client, link)
    assert registered.headers["Location"] == link
    # Not confirmed yet: the page says so, and claiming is refused even by a direct POST.
    assert "Confirmez d'abord votre adresse" in text(client.get(link))
    assert client.post(link).status_code == 403
    # The confirmation link leads back to the claim.
    confirm = _verification_link()
    assert _next_of(confirm) == link
    form_action = re.search(r'<form action="([^"]*)"[^>]*method="post" class="form"', html(client.get(confirm)))
    assert _next_of(form_action.group(1).replace("&amp;", "&")) == link  # the form keeps it
    confirmed = client.post(confirm)
    assert confirmed.headers["Location"] == link
    assert client.post(link).status_code == 302
    elise = db.session.scalar(select(User).where(User.email == "elise@exemple.fr"))
    assert db.session.scalar(select(Support.user_id).where(Support.idea_id == idea.id)) == elise.id
    assert _fresh(Idea, idea.id).support_count == 1


def test_a_confirmation_opened_logged_out_asks_to_log_in_then_comes_back(app, agent, territory, idea):
    services.record_support(agent, _resident(territory, contact_email="elise@exemple.fr"), idea)
    link = _claim_link()
    assert _register(app.test_client(), link).headers["Location"] == link
    other_browser = app.test_client()
    confirmed = other_browser.post(_verification_link())
    location = confirmed.headers["Location"]
    assert (urlsplit(location).path, _next_of(location)) == ("/connexion", link)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_an_external_next_is_never_carried_through_registration(app, target):
    client = app.test_client()
    assert _register(client, target).headers["Location"] == "/bienvenue"
    confirm = _verification_link()
    assert "next=" not in confirm
    assert client.post(f"{confirm}?next={quote(target, safe='')}").headers["Location"] == "/"


def test_a_forged_claim_link_is_refused(app, resident_client):
    assert resident_client.get("/recueil/retrouver/not-a-token").status_code == 404


def test_a_proposal_gets_supports_collected_in_person(agent_client, territory, member, client):
    association = db.session.scalar(select(factories.Association))
    proposal = factories.make_proposal(association, member, poles=(territory.medoc,))
    page = html(agent_client.get(f"/propositions/{proposal.id}"))
    assert f"/recueil/propositions/{proposal.id}" in page  # the agent's way in
    assert f"/recueil/propositions/{proposal.id}" not in html(client.get(f"/propositions/{proposal.id}"))
    assert agent_client.post(f"/recueil/propositions/{proposal.id}", data=_form(territory)).status_code == 302
    fresh = _fresh(Proposal, proposal.id)
    assert (fresh.support_count, fresh.mediated_support_count) == (1, 1)
    assert "dont 1 recueilli en personne" in text(client.get(f"/propositions/{proposal.id}"))


def test_a_closed_proposal_refuses_supports_collected_in_person(agent, territory, member):
    association = db.session.scalar(select(factories.Association))
    withdrawn = factories.make_proposal(association, member, poles=(territory.medoc,), state=ProposalState.WITHDRAWN)
    with pytest.raises(services.MediationError, match="ne reçoit plus"):
        services.record_support(agent, _resident(territory), withdrawn)
    assert _fresh(Proposal, withdrawn.id).support_count == 0


def test_the_agent_may_correct_a_comment_they_entered(agent_client, agent, territory, idea):
    comment = services.record_comment(agent, _resident(territory), idea, "Un mesage avec une faute.")
    assert agent_client.get(f"/commentaires/{comment.id}/modifier").status_code == 200
    shown = agent_client.htmx("GET", f"/commentaires/{comment.id}")
    assert shown.status_code == 200 and "recueilli par le pôle Médoc" in text(shown)


def test_a_too_long_comment_is_refused_next_to_its_field(agent, territory, idea):
    with pytest.raises(services.MediationError) as refused:
        services.record_comment(agent, _resident(territory), idea, "x" * 5001)
    assert refused.value.field == "body" and "ne peut pas dépasser" in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(Mediation)) == 0

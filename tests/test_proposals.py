"""Associations' proposals: drafting, the state machine, who may do what, taking up ideas."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, Proposal, ProposalState
from app.proposals import services
from tests import factories
from tests.helpers import count_queries, html, text

COMPLETE = {
    "need": "Les familles monoparentales du Médoc n'ont pas de solution de garde le soir.",
    "experimentation": "Une garde solidaire entre parents, coordonnée par l'association.",
    "budget_eur": 24000,
    "duration_months": 12,
}


def _form(territory, **overrides):
    data = {
        "title": "Garde solidaire du soir",
        "summary": "Des parents se relaient pour garder les enfants le soir, avec l'appui de l'association.",
        "domain": "citoyennete",
        "publics": ["familles_monoparentales", "enfants_jeunes"],
        "communes": [territory.medoc_commune.id],
        **COMPLETE,
    }
    data.update(overrides)
    return data


@pytest.fixture
def association(member):
    # By name: the outsider's association may exist too, and a bare SELECT has no order.
    return db.session.scalar(select(factories.Association).where(factories.Association.name == "Les Jardins du Médoc"))


@pytest.fixture
def outsider(territory):
    """A member of another association."""
    user = factories.make_user("Membre d'ailleurs")
    factories.make_association("Autre association", territory.bassin_commune, admins=[user])
    return user


def test_member_creates_a_draft_for_their_association(member_client, member, association, territory):
    data = _form(territory, association_id=association.id, poles=[territory.bassin.id])
    response = member_client.post("/propositions/nouvelle", data=data)
    assert response.status_code == 302
    proposal = services.get_proposal(db.session.scalar(select(Proposal.id)))
    assert proposal.state == ProposalState.DRAFT and proposal.association_id == association.id
    assert {p.name for p in proposal.poles} == {"Médoc", "Bassin"}  # the commune's pole is added
    assert "n'est visible que par votre association" in text(member_client.get(response.headers["Location"]))


def test_resident_cannot_create_a_proposal(resident_client, territory):
    assert resident_client.get("/propositions/nouvelle").status_code == 403
    assert resident_client.post("/propositions/nouvelle", data=_form(territory)).status_code == 403
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_cannot_write_for_an_association_one_is_not_in(member_client, territory, outsider):
    other = db.session.scalar(select(factories.Association).where(factories.Association.name == "Autre association"))
    response = member_client.post("/propositions/nouvelle", data=_form(territory, association_id=other.id))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": ""}, "Donnez un titre à la proposition."),
        ({"summary": "trop court"}, "Le résumé doit faire entre 20 et 600 caractères."),
        ({"communes": [], "poles": []}, "Choisissez au moins un pôle ou une commune."),
        ({"budget_eur": "-5"}, "Indiquez un montant entre 0 et 100 000 000 €."),
        ({"budget_eur": "beaucoup"}, "N'est pas un entier valide."),
        ({"duration_months": "99"}, "Indiquez une durée entre 1 et 60 mois."),
        ({"need": "x" * 20_001}, "Ce texte est trop long (20000 caractères au plus)."),
    ],
)
def test_bad_input_is_refused_in_french_and_kept(member_client, association, territory, overrides, message):
    data = _form(territory, association_id=association.id, **overrides)
    response = member_client.post("/propositions/nouvelle", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert "Des parents se relaient" in page or overrides.get("summary")
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


ROLES = ["anonymous", "resident", "member", "outsider", "admin"]


def _client(app, who, users):
    client = app.test_client()
    if who != "anonymous":
        client.login_as(users[who])
    return client


@pytest.fixture
def users(resident, member, outsider, admin):
    return {"resident": resident, "member": member, "outsider": outsider, "admin": admin}


@pytest.mark.parametrize("who", ROLES)
def test_draft_is_visible_to_its_association_only(app, users, association, territory, who):
    proposal = factories.make_proposal(
        association, users["member"], communes=[territory.medoc_commune], state=ProposalState.DRAFT, via_services=True
    )
    response = _client(app, who, users).get(f"/propositions/{proposal.id}")
    expected = {"member": 200, "admin": 200, "anonymous": 302}.get(who, 403)
    assert response.status_code == expected
    listed = html(_client(app, who, users).get("/propositions/"))
    assert ("Garde solidaire du soir" in listed) is (who == "member")


@pytest.mark.parametrize("who", ROLES)
def test_only_the_association_edits_publishes_and_withdraws(app, users, association, territory, who):
    proposal = factories.make_proposal(
        association, users["member"], communes=[territory.medoc_commune], state=ProposalState.DRAFT, via_services=True
    )
    client = _client(app, who, users)
    allowed = who == "member"
    edit = client.post(
        f"/propositions/{proposal.id}/modifier", data=_form(territory, version=1, title="Titre détourné")
    )
    publish = client.post(f"/propositions/{proposal.id}/publish")
    denied = 302 if who == "anonymous" else 403
    assert edit.status_code == (302 if allowed else denied)
    assert publish.status_code == (302 if allowed else denied)
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal.id)
    assert (proposal.title == "Titre détourné") is allowed
    assert (proposal.state == ProposalState.PUBLISHED) is allowed
    if allowed:
        assert client.post(f"/propositions/{proposal.id}/withdraw").status_code == 302
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).state == ProposalState.WITHDRAWN
        # A withdrawn proposal can no longer be edited.
        assert client.get(f"/propositions/{proposal.id}/modifier").status_code == 403


def test_publishing_needs_the_call_fields(member_client, member, association, territory):
    proposal = factories.make_proposal(
        association,
        member,
        communes=[territory.medoc_commune],
        state=ProposalState.DRAFT,
        need="",
        budget_eur=None,
        via_services=True,
    )
    response = member_client.post(f"/propositions/{proposal.id}/publish")
    assert response.status_code == 302
    page = text(member_client.get(response.headers["Location"]))
    assert "Avant de publier, complétez : le besoin social peu ou pas couvert, le budget demandé." in page
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.DRAFT


def test_transitions_follow_the_state_machine(member, association, territory):
    from app.proposals.states import InvalidTransition

    proposal = factories.make_proposal(association, member, communes=[territory.medoc_commune], via_services=True)
    with pytest.raises(InvalidTransition):
        services.transition(proposal, "publish")
    services.transition(proposal, "withdraw")
    with pytest.raises(InvalidTransition):
        services.transition(proposal, "withdraw")


def test_a_second_save_never_overwrites_the_first(member_client, member, association, territory):
    proposal = factories.make_proposal(
        association, member, communes=[territory.medoc_commune], state=ProposalState.DRAFT, via_services=True
    )
    # Two people opened the form at version 1; the first saves.
    first = member_client.post(
        f"/propositions/{proposal.id}/modifier", data=_form(territory, version=1, title="Version de Dominique")
    )
    assert first.status_code == 302
    second = member_client.post(
        f"/propositions/{proposal.id}/modifier",
        data=_form(territory, version=1, title="Version de Sacha", summary="Le résumé que Sacha a réécrit avec soin."),
    )
    assert second.status_code == 409
    page = text(second)
    assert "Quelqu'un a enregistré cette proposition pendant que vous la modifiiez" in page
    # Sacha's text is still in the form, ready to be merged and saved.
    assert "Version de Sacha" in page and "Le résumé que Sacha a réécrit avec soin." in page
    db.session.expire_all()
    saved = db.session.get(Proposal, proposal.id)
    assert saved.title == "Version de Dominique" and saved.version == 2


def test_update_service_refuses_a_stale_version(member, association, territory):
    proposal = factories.make_proposal(
        association, member, communes=[territory.medoc_commune], state=ProposalState.DRAFT, via_services=True
    )
    services.update_proposal(proposal, {"title": "Premier"}, expected_version=1)
    with pytest.raises(services.ProposalConflict):
        services.update_proposal(proposal, {"title": "Second"}, expected_version=1)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == "Premier"


def test_taking_up_an_idea(member_client, member, association, resident, territory):
    idea = factories.make_idea(
        resident,
        territory.medoc_commune,
        title="Garde d'enfants le soir",
        description="Beaucoup de mères seules travaillent tard au Médoc.",
        domain="citoyennete",
        publics=["femmes"],
        via_services=True,
    )
    form = html(member_client.get(f"/propositions/nouvelle?idee={idea.id}"))
    assert "Garde d&#39;enfants le soir" in form and "Née de l" in form
    response = member_client.post(
        "/propositions/nouvelle", data=_form(territory, association_id=association.id, idee=idea.id)
    )
    proposal = db.session.scalar(select(Proposal))
    assert proposal.idea_id == idea.id
    # The idea's author is told, in the app.
    note = db.session.scalar(select(Notification).where(Notification.user_id == resident.id))
    assert note.kind == "idea_taken_up" and "reprend votre idée" in note.text and note.url == f"/idees/{idea.id}"
    assert "Née de l" in text(member_client.get(response.headers["Location"]))
    # The idea lists it once it is public.
    assert "Garde solidaire du soir" not in html(member_client.get(f"/idees/{idea.id}"))
    services.transition(proposal, "publish")
    assert "Garde solidaire du soir" in html(member_client.get(f"/idees/{idea.id}"))


def test_list_and_detail_keep_a_constant_number_of_queries(client, member, association, territory):
    factories.make_proposal(association, member, communes=[territory.medoc_commune], via_services=True)
    with count_queries() as few:
        client.get("/propositions/?tri=recent")
    for i in range(25):
        factories.make_proposal(
            association,
            member,
            communes=[territory.medoc_commune],
            title=f"Proposition {i}",
            poles=[territory.bassin],
            via_services=True,
        )
    with count_queries() as many:
        page = html(client.get("/propositions/?tri=recent"))
    assert many.count == few.count
    assert "Proposition 24" in page
    proposal = db.session.scalar(select(Proposal).order_by(Proposal.id.desc()))
    with count_queries() as detail:
        assert client.get(f"/propositions/{proposal.id}").status_code == 200
    # The proposal and its relations, the thread, supports, follow state, the accompaniment and
    # call panels, its attachments (one query, issue 19), the page cache's versions (a miss: issue 21):
    # a fixed number, whatever the size of the data.
    assert detail.count <= 16, detail.statements


def test_markdown_fields_are_sanitised(client, member, association, territory):
    proposal = factories.make_proposal(
        association,
        member,
        communes=[territory.medoc_commune],
        need="# Titre\n\n<script>alert(1)</script>\n\n[clic](javascript:alert(1)) et [site](https://exemple.fr)",
        via_services=True,
    )
    page = html(client.get(f"/propositions/{proposal.id}"))
    assert "<h3>Titre</h3>" in page
    assert "<script>alert(1)</script>" not in page and 'href="javascript:' not in page
    assert 'href="https://exemple.fr" rel="nofollow ugc noopener noreferrer"' in page


def test_a_public_sent_twice_is_kept_once(member_client, association, territory):
    data = _form(territory, association_id=association.id, publics=["femmes", "femmes"])
    assert member_client.post("/propositions/nouvelle", data=data).status_code == 302
    proposal = services.get_proposal(db.session.scalar(select(Proposal.id)))
    assert [p.slug for p in proposal.publics] == ["femmes"]

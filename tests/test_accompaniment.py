"""Accompaniment: request, decision and referent, the private exchange space (never public),
the partners directory, partners and related proposals linked to a proposal."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Accompaniment, AccompanimentState, AuditEntry, Partner, PrivateMessage
from app.models.participation import proposal_poles
from tests import factories
from tests.helpers import html, text

SECRET = "Notre budget prévisionnel confidentiel"


def client_for(app, user):
    return app.test_client().login_as(user)


def set_poles(proposal, *poles):
    db.session.execute(proposal_poles.insert(), [{"proposal_id": proposal.id, "pole_id": p.id} for p in poles])
    db.session.commit()


@pytest.fixture
def bassin_moderator(app, territory):
    return factories.make_user("Modération Bassin", moderated_pole_id=territory.bassin.id)


@pytest.fixture
def referent(app, territory):
    return factories.make_user("Référente Médoc", moderated_pole_id=territory.medoc.id)


@pytest.fixture
def other_member(app, territory):
    user = factories.make_user("Membre Ailleurs")
    factories.make_association("Autre Association", territory.bassin_commune, admins=[user])
    return user


@pytest.fixture
def proposal(app, territory, member):
    from app.models import Membership

    association_id = db.session.scalar(select(Membership.association_id).where(Membership.user_id == member.id))
    from app.models import Association

    p = factories.make_proposal(db.session.get(Association, association_id), member, title="Un jardin partagé au Médoc")
    set_poles(p, territory.medoc)
    return p


@pytest.fixture
def accompanied(app, territory, proposal, member, moderator, referent):
    """Requested by the association, accepted by the Médoc moderator with a referent."""
    data = {"pole": str(territory.medoc.id)}
    assert client_for(app, member).post(f"/propositions/{proposal.id}/accompagnement", data=data).status_code == 302
    response = client_for(app, moderator).post(
        f"/propositions/{proposal.id}/accompagnement/decision",
        data={"decision": "accepter", "referent": str(referent.id)},
    )
    assert response.status_code == 302
    client_for(app, member).post(f"/propositions/{proposal.id}/echanges", data={"body": SECRET})
    return proposal


def test_request_and_accept_with_referent(
    app, territory, proposal, member, moderator, referent, resident, bassin_moderator
):
    url = f"/propositions/{proposal.id}/accompagnement"
    assert client_for(app, resident).post(url, data={"pole": str(territory.medoc.id)}).status_code == 403
    assert app.test_client().post(url, data={"pole": str(territory.medoc.id)}).status_code == 302
    # The association may only ask one of the proposal's poles.
    wrong = client_for(app, member).post(url, data={"pole": str(territory.bassin.id)}, follow_redirects=True)
    assert "l'un des pôles" in text(wrong)
    assert client_for(app, member).post(url, data={"pole": str(territory.medoc.id)}).status_code == 302
    twice = client_for(app, member).post(url, data={"pole": str(territory.medoc.id)}, follow_redirects=True)
    assert "déjà demandé" in text(twice)
    decide = f"/propositions/{proposal.id}/accompagnement/decision"
    assert (
        client_for(app, bassin_moderator)
        .post(decide, data={"decision": "accepter", "referent": str(bassin_moderator.id)})
        .status_code
        == 403
    )
    # The referent must be one of the pole's moderators.
    bad = client_for(app, moderator).post(
        decide, data={"decision": "accepter", "referent": str(resident.id)}, follow_redirects=True
    )
    assert "modération du pôle" in text(bad)
    assert (
        client_for(app, moderator).post(decide, data={"decision": "accepter", "referent": str(referent.id)}).status_code
        == 302
    )
    acc = db.session.scalar(select(Accompaniment))
    assert acc.state == AccompanimentState.ACCEPTED and acc.referent_id == referent.id
    page = text(app.test_client().get(f"/propositions/{proposal.id}"))
    assert "Accompagnement accepté" in page and "Référente Médoc" in page
    assert "Référente Médoc" in text(app.test_client().get("/territoires/medoc"))
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["accompaniment_request", "accompaniment_accept"]


@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", 302),
        ("resident", 403),
        ("other_member", 403),
        ("bassin_moderator", 403),
        ("member", 200),
        ("referent", 200),
        ("moderator", 200),
        ("admin", 200),
    ],
)
def test_private_space_is_private(app, request, accompanied, role, expected):
    client = app.test_client() if role == "anonymous" else client_for(app, request.getfixturevalue(role))
    response = client.get(f"/propositions/{accompanied.id}/echanges")
    assert response.status_code == expected
    assert (SECRET in html(response)) == (expected == 200)
    post = client.post(f"/propositions/{accompanied.id}/echanges", data={"body": "Intrusion"})
    assert post.status_code == (302 if expected == 200 else expected)
    # Never on a public page.
    for path in (f"/propositions/{accompanied.id}", "/propositions/", "/territoires/medoc", "/idees/"):
        assert SECRET not in html(client.get(path))


def test_private_space_threads_replies(app, accompanied, referent):
    first = db.session.scalar(select(PrivateMessage))
    c = client_for(app, referent)
    assert (
        c.post(
            f"/propositions/{accompanied.id}/echanges", data={"body": "Une réponse", "repondre": str(first.id)}
        ).status_code
        == 302
    )
    reply = db.session.scalar(select(PrivateMessage).where(PrivateMessage.parent_id == first.id))
    assert reply.body == "Une réponse"
    empty = c.post(f"/propositions/{accompanied.id}/echanges", data={"body": ""})
    assert empty.status_code == 422 and "Écrivez votre message" in text(empty)


def test_no_private_space_before_acceptance(app, proposal, member):
    assert client_for(app, member).get(f"/propositions/{proposal.id}/echanges").status_code == 403


def test_partners_directory_managed_by_the_pole(app, territory, moderator, bassin_moderator, resident):
    url = "/territoires/medoc/partenaires"
    data = {
        "organisation": "CCAS de Lesparre",
        "service": "Aide alimentaire",
        "contact": "ccas@lesparre.example",
        "domains": ["alimentation"],
    }
    assert client_for(app, resident).post(url, data=dict(data)).status_code == 403
    assert client_for(app, bassin_moderator).post(url, data=dict(data)).status_code == 403
    assert client_for(app, moderator).post(url, data={"organisation": ""}).status_code == 422
    assert client_for(app, moderator).post(url, data=dict(data)).status_code == 302
    partner = db.session.scalar(select(Partner).options(selectinload(Partner.domains)))
    assert partner.domains[0].slug == "alimentation"
    public = text(app.test_client().get(url))
    assert "CCAS de Lesparre" in public and "Solidarité alimentaire" in public
    assert "CCAS de Lesparre" in text(app.test_client().get("/territoires/medoc"))
    assert client_for(app, bassin_moderator).post(f"{url}/{partner.id}/supprimer").status_code == 403
    assert client_for(app, moderator).post(f"{url}/{partner.id}/supprimer").status_code == 302
    assert db.session.scalar(select(func.count(Partner.id))) == 0


def test_referent_links_partners_and_related_proposals(
    app, territory, accompanied, referent, member, bassin_moderator, other_member
):
    partner = Partner(pole_id=territory.medoc.id, organisation="Épicerie sociale du Médoc")
    elsewhere = Partner(pole_id=territory.bassin.id, organisation="Partenaire du Bassin")
    db.session.add_all([partner, elsewhere])
    db.session.commit()
    from app.models import Association

    other_association = db.session.scalar(select(Association).where(Association.name == "Autre Association"))
    other = factories.make_proposal(other_association, other_member, title="Un potager au Bassin")
    set_poles(other, territory.bassin)
    base = f"/propositions/{accompanied.id}"
    for who in (member, bassin_moderator):
        assert client_for(app, who).post(f"{base}/partenaires", data={"partner": str(partner.id)}).status_code == 403
        assert client_for(app, who).post(f"{base}/projets-proches", data={"related": str(other.id)}).status_code == 403
    c = client_for(app, referent)
    refused = c.post(f"{base}/partenaires", data={"partner": str(elsewhere.id)}, follow_redirects=True)
    assert "annuaire du pôle" in text(refused)
    assert c.post(f"{base}/partenaires", data={"partner": str(partner.id)}).status_code == 302
    assert c.post(f"{base}/projets-proches", data={"related": str(other.id)}).status_code == 302
    twice = c.post(f"{base}/projets-proches", data={"related": str(other.id)}, follow_redirects=True)
    assert "déjà reliées" in text(twice)
    page = text(app.test_client().get(base))
    assert "Épicerie sociale du Médoc" in page and "Un potager au Bassin" in page
    # Shown on both proposals.
    assert "Un jardin partagé au Médoc" in text(app.test_client().get(f"/propositions/{other.id}"))
    assert c.post(f"{base}/projets-proches/{other.id}/retirer").status_code == 302
    assert "Un potager au Bassin" not in text(app.test_client().get(base))
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["partner_link", "related_link", "related_unlink"]


def test_links_already_made_are_not_offered_again(app, territory, accompanied, referent, other_member):
    partner = Partner(pole_id=territory.medoc.id, organisation="Épicerie sociale du Médoc")
    spare = Partner(pole_id=territory.medoc.id, organisation="Centre social de Pauillac")
    db.session.add_all([partner, spare])
    db.session.commit()
    from app.models import Association

    other_association = db.session.scalar(select(Association).where(Association.name == "Autre Association"))
    other = factories.make_proposal(other_association, other_member, title="Un potager au Bassin")
    base = f"/propositions/{accompanied.id}"
    c = client_for(app, referent)
    assert c.post(f"{base}/partenaires", data={"partner": str(partner.id)}).status_code == 302
    assert c.post(f"{base}/projets-proches", data={"related": str(other.id)}).status_code == 302
    page = text(c.get(base))
    assert ">Épicerie sociale du Médoc</option>" not in page and ">Centre social de Pauillac</option>" in page
    assert ">Un potager au Bassin</option>" not in page
    # Linked, they are listed (with "Détacher"), not offered.
    assert "Épicerie sociale du Médoc" in page and "Un potager au Bassin" in page


def test_accompaniment_forms_refuse_bad_input_in_french(app, territory, proposal, member, moderator, referent):
    url = f"/propositions/{proposal.id}/accompagnement"
    for pole in ("", "douze", "²"):
        response = client_for(app, member).post(url, data={"pole": pole}, follow_redirects=True)
        assert response.status_code == 200 and "l'un des pôles" in text(response)
    assert db.session.scalar(select(Accompaniment)) is None
    assert client_for(app, member).post(url, data={"pole": str(territory.medoc.id)}).status_code == 302
    decide = f"/propositions/{proposal.id}/accompagnement/decision"
    # No decision (or an unknown one) is not a refusal: nothing changes, and the moderator is told.
    for data in ({"referent": str(referent.id)}, {"decision": "peut-etre", "referent": str(referent.id)}):
        response = client_for(app, moderator).post(decide, data=data, follow_redirects=True)
        assert "accepter ou de refuser" in text(response)
        db.session.expire_all()
        assert db.session.scalar(select(Accompaniment)).state == AccompanimentState.REQUESTED
    response = client_for(app, moderator).post(
        decide, data={"decision": "accepter", "referent": "quelqu'un"}, follow_redirects=True
    )
    assert "modération du pôle" in text(response)


@pytest.mark.parametrize(
    ("acting_in", "reader", "accept", "expected"),
    [
        ("fr", "en", True, "is mentoring your proposal “{}”: Référente Médoc is the"),
        ("en", "fr", True, "accompagne votre proposition « {} » : Référente Médoc en est le ou la référent·e."),
        ("fr", "en", False, "will not mentor your proposal “{}”. Reason: Trop tôt"),
        ("en", "fr", False, "n'accompagnera pas votre proposition « {} ». Motif : Trop tôt"),
    ],
)
def test_the_decision_is_told_in_each_members_language(
    app, territory, proposal, member, moderator, referent, acting_in, reader, accept, expected
):
    from app.models import Notification, User

    # The moderator acts through the page in their own language; the member reads theirs.
    db.session.get(User, member.id).locale = reader
    db.session.get(User, moderator.id).locale = acting_in
    db.session.commit()
    data = {"pole": str(territory.medoc.id)}
    assert client_for(app, member).post(f"/propositions/{proposal.id}/accompagnement", data=data).status_code == 302
    answer = {"decision": "accepter", "referent": str(referent.id)} if accept else {"decision": "refuser"}
    response = client_for(app, moderator).post(
        f"/propositions/{proposal.id}/accompagnement/decision", data={**answer, "reason": "Trop tôt"}
    )
    assert response.status_code == 302
    said = db.session.scalar(
        select(Notification.text).where(Notification.user_id == member.id, Notification.kind == "accompaniment_decided")
    )
    assert expected.format(proposal.title) in said, said

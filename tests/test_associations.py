"""Associations: identifiers, identity per role, verification, members, invitations, pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from stdnum import luhn

from app.associations import services
from app.extensions import db
from app.models import (
    Association,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    Notification,
    OutboxMessage,
    Proposal,
    ProposalState,
    User,
)
from app.models.base import utcnow
from tests import factories
from tests.helpers import count_queries, html, text

# --- Identifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("W123456789", "W123456789"),
        ("W33 2001 234", "W332001234"),  # copied with spaces
        ("w332001234", "W332001234"),  # typed in lower case
        ("W9Z1234567", "W9Z1234567"),  # overseas: letters after the W
        ("W9M2001234", "W9M2001234"),
        ("", None),  # Alsace-Moselle: no RNA number
        ("   ", None),
        (None, None),
    ],
)
def test_valid_rna_numbers_are_normalised(app, raw, expected):
    assert services.normalize_rna(raw) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        ("123456789", "Le numéro RNA commence par la lettre W"),
        ("A123456789", "Le numéro RNA commence par la lettre W"),
        (
            "W12345",
            "Le numéro RNA compte 10 caractères (la lettre W suivie de 9 chiffres ou lettres) : vous en avez saisi 6.",
        ),
        ("W1234567890", "vous en avez saisi 11"),
        (
            "W12345-789",
            "Après le W, le numéro RNA ne contient que des chiffres et des lettres : « - » n'y a pas sa place.",
        ),
        ("W1234É6789", "« É »"),
        ("W12/4.6789", "« . / »"),
    ],
)
def test_malformed_rna_numbers_get_a_precise_message(app, raw, message):
    with pytest.raises(services.AssociationError) as error:
        services.normalize_rna(raw)
    assert message in error.value.message
    assert error.value.field == "rna"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("73282932000074", "73282932000074"),
        ("732 829 320 00074", "73282932000074"),
        ("35600000000048", "35600000000048"),  # La Poste's head office: ordinary Luhn key
        ("35600000010000", "35600000010000"),  # a La Poste establishment: digits add up to a multiple of 5
        ("", None),
    ],
)
def test_valid_siret_numbers_are_normalised(app, raw, expected):
    assert services.normalize_siret(raw) == expected


def test_la_poste_exception_is_really_an_exception():
    # The number accepted above fails the ordinary Luhn check: the exception is what lets it in.
    assert not luhn.is_valid("35600000010000")


@pytest.mark.parametrize(
    "raw, message",
    [
        ("7328293200007", "Le numéro SIRET compte 14 chiffres : vous en avez saisi 13."),
        ("732829320000745", "vous en avez saisi 15"),
        ("7328293200007A", "Le numéro SIRET ne contient que des chiffres : « A » n'y a pas sa place."),
        ("732-829-320-00074", "« - »"),
        ("73282932000075", "Ce numéro SIRET n'est pas valide : sa clé de contrôle ne correspond pas."),
        ("35600000010001", "sa clé de contrôle ne correspond pas"),  # La Poste, sum not a multiple of 5
    ],
)
def test_malformed_siret_numbers_get_a_precise_message(app, raw, message):
    with pytest.raises(services.AssociationError) as error:
        services.normalize_siret(raw)
    assert message in error.value.message
    assert error.value.field == "siret"


# --- Creating and editing ---------------------------------------------------------------------


def _form(territory, **overrides):
    return {
        "name": "Les Petits Débrouillards de Lesparre",
        "legal_form": "association",
        "rna": "W33 2001 234",
        "siret": "732 829 320 00074",
        "commune_id": str(territory.medoc_commune.id),
        "description": "Ateliers de sciences pour les enfants du Médoc.",
        "contact_email": "Contact@Debrouillards.fr",
        "contact_phone": "05 56 00 00 00",
        **overrides,
    }


def _association_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Association.id)))


def test_anonymous_cannot_create(client, territory):
    assert client.get("/associations/nouvelle").status_code == 302
    response = client.post("/associations/nouvelle", data=_form(territory))
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert _association_count() == 0


def test_resident_creates_an_association_and_becomes_its_administrator(resident_client, resident, territory):
    assert resident_client.get("/associations/nouvelle").status_code == 200
    response = resident_client.post("/associations/nouvelle", data=_form(territory))
    assert response.status_code == 302
    association = db.session.scalar(select(Association))
    assert response.headers["Location"].endswith(f"/associations/{association.slug}/membres")
    # Normalised before storing.
    assert association.rna == "W332001234"
    assert association.siret == "73282932000074"
    assert association.contact_email == "contact@debrouillards.fr"
    assert association.commune_id == territory.medoc_commune.id
    assert association.verified_at is None
    membership = db.session.scalar(select(Membership).where(Membership.association_id == association.id))
    assert membership.user_id == resident.id and membership.role == MembershipRole.ADMIN


def test_identifiers_are_optional(resident_client, territory):
    response = resident_client.post(
        "/associations/nouvelle", data=_form(territory, rna="", siret="", contact_email="", contact_phone="")
    )
    assert response.status_code == 302
    association = db.session.scalar(select(Association))
    assert association.rna is None and association.siret is None


def test_malformed_identifiers_come_back_with_what_was_typed(resident_client, territory):
    response = resident_client.post(
        "/associations/nouvelle", data=_form(territory, rna="W12-45", siret="73282932000075")
    )
    assert response.status_code == 422
    page = text(response)
    assert "« - » n'y a pas sa place" in page
    assert "sa clé de contrôle ne correspond pas" in page
    assert 'value="W12-45"' in page and 'value="73282932000075"' in page
    assert 'value="Les Petits Débrouillards de Lesparre"' in page
    assert _association_count() == 0


def test_identifiers_are_unique(resident_client, member, territory):
    existing = db.session.scalar(select(Association))
    existing.rna, existing.siret = "W332001234", "73282932000074"
    db.session.commit()
    response = resident_client.post("/associations/nouvelle", data=_form(territory))
    assert response.status_code == 422
    page = text(response)
    assert "Une autre association est déjà inscrite avec ce numéro RNA." in page
    assert "Une autre structure est déjà inscrite avec ce numéro SIRET." in page
    assert _association_count() == 1
    with pytest.raises(services.AssociationError):
        services.check_identifiers_available("W332001234", None)
    # The association itself keeps its numbers when it is edited.
    services.check_identifiers_available("W332001234", "73282932000074", exclude_id=existing.id)


def test_inline_check_of_one_identifier(resident_client, territory):
    url = "/associations/nouvelle?valider=siret"
    response = resident_client.htmx("POST", url, data={"siret": "7328293200007"})
    assert response.status_code == 422
    body = text(response)
    assert "Le numéro SIRET compte 14 chiffres : vous en avez saisi 13." in body
    assert "<html" not in body and 'aria-invalid="true"' in body
    assert resident_client.htmx("POST", url, data={"siret": "73282932000074"}).status_code == 200
    response = resident_client.htmx("POST", "/associations/nouvelle?valider=rna", data={"rna": "123"})
    assert "commence par la lettre W" in text(response)
    assert _association_count() == 0


def test_invalid_phone_and_email(resident_client, territory):
    response = resident_client.post(
        "/associations/nouvelle", data=_form(territory, contact_phone="appelez-nous", contact_email="pas-une-adresse")
    )
    assert response.status_code == 422
    assert "Ce numéro de téléphone n'est pas valide" in text(response)
    assert "Cette adresse e-mail n'est pas valide" in text(response)


@pytest.fixture
def jardins(member):
    return db.session.scalar(select(Association).where(Association.name == "Les Jardins du Médoc"))


@pytest.fixture
def plain_member(app, jardins):
    user = factories.make_user("Sacha Membre")
    db.session.add(Membership(association_id=jardins.id, user_id=user.id, role=MembershipRole.MEMBER))
    db.session.commit()
    return user


@pytest.fixture
def other_member(app, territory):
    user = factories.make_user("Alex Autre")
    factories.make_association("Bassin Solidaire", territory.bassin_commune, admins=[user])
    return user


EDIT_ROLES = {
    # role: (GET status, may save)
    "anonymous": (302, False),
    "resident": (403, False),
    "plain_member": (403, False),
    "other_member": (403, False),
    "moderator": (403, False),
    "member": (200, True),  # the association's administrator
    "admin": (200, True),  # the platform's administration
}


@pytest.mark.parametrize("role", list(EDIT_ROLES))
def test_edit_per_role(request, app, jardins, territory, role):
    client = app.test_client()
    if role != "anonymous":
        client.login_as(request.getfixturevalue(role))
    get_status, may_save = EDIT_ROLES[role]
    url = f"/associations/{jardins.slug}/modifier"
    assert client.get(url).status_code == get_status
    response = client.post(url, data=_form(territory, name="Nom changé"))
    db.session.expire_all()
    saved = db.session.get(Association, jardins.id)
    if may_save:
        assert response.status_code == 302
        assert saved.name == "Nom changé" and saved.rna == "W332001234"
    else:
        assert response.status_code == get_status
        assert saved.name == "Les Jardins du Médoc" and saved.rna is None


def test_edit_keeps_what_was_typed_when_invalid(member_client, jardins, territory):
    response = member_client.post(f"/associations/{jardins.slug}/modifier", data=_form(territory, siret="1234"))
    assert response.status_code == 422
    assert "vous en avez saisi 4" in text(response)
    db.session.expire_all()
    assert db.session.get(Association, jardins.id).siret is None


# --- Verification -----------------------------------------------------------------------------


@pytest.mark.parametrize("role, status", [("anonymous", 302), ("resident", 403), ("member", 403), ("moderator", 403)])
def test_only_the_platform_admin_verifies(request, app, jardins, role, status):
    client = app.test_client()
    if role != "anonymous":
        client.login_as(request.getfixturevalue(role))
    assert client.post(f"/associations/{jardins.slug}/verification", data={"verifiee": "1"}).status_code == status
    db.session.expire_all()
    assert db.session.get(Association, jardins.id).verified_at is None


def test_admin_verifies_and_the_badge_shows(admin_client, client, jardins):
    assert "Structure vérifiée" not in text(client.get(f"/associations/{jardins.slug}"))
    response = admin_client.post(f"/associations/{jardins.slug}/verification", data={"verifiee": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Association, jardins.id).verified_at is not None
    assert "Structure vérifiée" in text(client.get(f"/associations/{jardins.slug}"))
    assert "Structure vérifiée" in text(client.get("/associations/"))
    admin_client.post(f"/associations/{jardins.slug}/verification", data={"verifiee": "0"})
    db.session.expire_all()
    assert db.session.get(Association, jardins.id).verified_at is None


# --- Invitations ------------------------------------------------------------------------------

INVITEE_EMAIL = "claude.invitee@exemple.fr"


@pytest.fixture
def invitee(app):
    return factories.make_user("Claude Invitée", email=INVITEE_EMAIL)


def _invite(client, association, email=INVITEE_EMAIL, role="member") -> str:
    response = client.post(f"/associations/{association.slug}/membres/inviter", data={"email": email, "role": role})
    assert response.status_code == 302, text(response)
    message = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert message.recipient == email.lower()
    return re.search(r"/associations/invitation/([A-Za-z0-9_\-]+)", message.body).group(1)


def _invitation() -> Invitation:
    db.session.expire_all()
    return db.session.scalars(select(Invitation).order_by(Invitation.id.desc())).first()


def _is_member(association, user) -> bool:
    db.session.expire_all()
    return (
        db.session.scalar(
            select(Membership.id).where(Membership.association_id == association.id, Membership.user_id == user.id)
        )
        is not None
    )


def test_invitation_is_queued_with_a_link_and_notifies_an_existing_account(member_client, jardins, invitee):
    token = _invite(member_client, jardins)
    invitation = _invitation()
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.token_hash != token  # only a hash is stored
    assert timedelta(days=6, hours=23) < invitation.expires_at - invitation.created_at <= timedelta(days=7)
    message = db.session.scalars(select(OutboxMessage)).one()
    assert "Les Jardins du Médoc" in message.subject and "Dominique Membre" in message.body
    notification = db.session.scalars(select(Notification).where(Notification.user_id == invitee.id)).one()
    assert notification.kind == "invitation" and token in notification.url


def test_invitation_expiry_is_configurable(app, member_client, jardins):
    app.config["INVITATION_MAX_AGE_DAYS"] = 2
    member_client.application.config["INVITATION_MAX_AGE_DAYS"] = 2
    _invite(member_client, jardins, "nouvelle@exemple.fr")
    invitation = _invitation()
    assert invitation.expires_at - invitation.created_at <= timedelta(days=2)
    # No account with this address: no notification, the e-mail alone.
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_accepting_an_invitation(app, member_client, jardins, invitee):
    token = _invite(member_client, jardins)
    client = app.test_client().login_as(invitee)
    page = client.get(f"/associations/invitation/{token}")
    assert page.status_code == 200 and "Accepter l'invitation" in text(page)
    response = client.post(f"/associations/invitation/{token}/accepter")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/associations/{jardins.slug}/membres")
    assert _is_member(jardins, invitee)
    assert _invitation().status == InvitationStatus.ACCEPTED
    assert "Claude Invitée" in text(client.get(f"/associations/{jardins.slug}/membres"))

    # Reused link: clear message, nothing changes.
    again = client.post(f"/associations/invitation/{token}/accepter")
    assert again.status_code == 410
    assert "Cette invitation a déjà été acceptée : le lien ne sert qu'une fois." in text(again)
    assert db.session.scalar(select(func.count(Membership.id)).where(Membership.user_id == invitee.id)) == 1


def test_invitation_as_administrator(app, member_client, jardins, invitee):
    token = _invite(member_client, jardins, role="admin")
    app.test_client().login_as(invitee).post(f"/associations/invitation/{token}/accepter")
    db.session.expire_all()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == invitee.id))
    assert membership.role == MembershipRole.ADMIN


def test_declining_an_invitation(app, member_client, jardins, invitee):
    token = _invite(member_client, jardins)
    client = app.test_client().login_as(invitee)
    assert client.post(f"/associations/invitation/{token}/refuser").status_code == 302
    assert not _is_member(jardins, invitee)
    assert _invitation().status == InvitationStatus.DECLINED
    response = client.post(f"/associations/invitation/{token}/accepter")
    assert response.status_code == 410 and "déjà été refusée" in text(response)
    assert not _is_member(jardins, invitee)


def test_expired_invitation(app, member_client, jardins, invitee):
    token = _invite(member_client, jardins)
    invitation = _invitation()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = app.test_client().login_as(invitee)
    page = client.get(f"/associations/invitation/{token}")
    assert page.status_code == 410 and "Cette invitation a expiré le" in text(page)
    assert "Accepter l'invitation" not in text(page)
    response = client.post(f"/associations/invitation/{token}/accepter")
    assert response.status_code == 410 and "a expiré" in text(response)
    assert not _is_member(jardins, invitee)
    assert _invitation().status == InvitationStatus.PENDING


def test_invitation_for_another_address(app, member_client, jardins, invitee, resident):
    token = _invite(member_client, jardins)
    client = app.test_client().login_as(resident)
    page = client.get(f"/associations/invitation/{token}")
    assert page.status_code == 403
    assert (
        f"Cette invitation est destinée à l'adresse {INVITEE_EMAIL}, et vous êtes connecté·e avec une autre adresse."
        in text(page)
    )
    response = client.post(f"/associations/invitation/{token}/accepter")
    assert response.status_code == 403 and "destinée à l'adresse" in text(response)
    assert client.post(f"/associations/invitation/{token}/refuser").status_code == 403
    assert not _is_member(jardins, resident)
    assert _invitation().status == InvitationStatus.PENDING


def test_unknown_invitation_link(app, resident_client, jardins):
    page = resident_client.get("/associations/invitation/pas-un-vrai-lien")
    assert page.status_code == 404 and "Ce lien d'invitation n'existe pas." in text(page)
    response = resident_client.post("/associations/invitation/pas-un-vrai-lien/accepter")
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Membership.id))) == 1


def test_anonymous_invitee_logs_in_and_comes_back(app, client, member_client, jardins, invitee):
    token = _invite(member_client, jardins)
    url = f"/associations/invitation/{token}"
    page = client.get(url)
    assert page.status_code == 200
    assert f"/connexion?next={url}" in html(page).replace("%2F", "/")
    assert f"/inscription?next={url}" in html(page).replace("%2F", "/")
    # Answering needs an account.
    response = client.post(f"{url}/accepter")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert not _is_member(jardins, invitee)
    login = client.post(f"/connexion?next={url}", data={"email": INVITEE_EMAIL, "password": factories.PASSWORD})
    assert login.headers["Location"].endswith(url)
    assert client.post(f"{url}/accepter").status_code == 302
    assert _is_member(jardins, invitee)


def test_signing_up_from_an_invitation_prefills_the_invited_address(app, client, member_client, jardins):
    token = _invite(member_client, jardins, "nouvelle.personne@exemple.fr")
    invitation_page = html(client.get(f"/associations/invitation/{token}")).replace("&amp;", "&")
    link = re.search(r'href="(/inscription\?[^"]+)"', invitation_page).group(1)
    assert f"invitation={token}" in link
    form = html(client.get(link))
    assert 'value="nouvelle.personne@exemple.fr"' in form
    # The address comes from the invitation the secret token designates, not from the link:
    # an unknown or no longer valid token fills in nothing.
    assert "nouvelle.personne@exemple.fr" not in html(client.get(f"/inscription?invitation={token}x"))
    db.session.scalar(select(Invitation).where(Invitation.email == "nouvelle.personne@exemple.fr")).expires_at = (
        utcnow() - timedelta(minutes=1)
    )
    db.session.commit()
    assert "nouvelle.personne@exemple.fr" not in html(client.get(link))


def test_new_person_registers_with_the_invited_address(app, client, member_client, jardins):
    token = _invite(member_client, jardins, "nouvelle.personne@exemple.fr")
    url = f"/associations/invitation/{token}"
    response = client.post(
        f"/inscription?next={url}",
        data={
            "email": "nouvelle.personne@exemple.fr",
            "display_name": "Nouvelle Personne",
            "password": "une phrase de passe solide",
            "password_confirm": "une phrase de passe solide",
            "accept_terms": "y",
        },
    )
    assert response.headers["Location"].endswith(url)
    # The invitation came to this address: accepting it needs no other confirmation, and gives it.
    assert client.post(f"{url}/accepter").status_code == 302
    assert "Nouvelle Personne" in text(member_client.get(f"/associations/{jardins.slug}/membres"))
    db.session.expire_all()
    assert db.session.scalar(select(User).where(User.email == "nouvelle.personne@exemple.fr")).is_verified


def test_a_new_invitation_replaces_the_pending_one(member_client, jardins, invitee, app):
    first = _invite(member_client, jardins)
    second = _invite(member_client, jardins)
    client = app.test_client().login_as(invitee)
    response = client.post(f"/associations/invitation/{first}/accepter")
    assert response.status_code == 410 and "remplacée par une plus récente" in text(response)
    assert client.post(f"/associations/invitation/{second}/accepter").status_code == 302


def test_revoking_an_invitation(member_client, jardins, invitee, app):
    token = _invite(member_client, jardins)
    invitation = _invitation()
    assert member_client.post(f"/associations/{jardins.slug}/invitations/{invitation.id}/annuler").status_code == 302
    response = app.test_client().login_as(invitee).post(f"/associations/invitation/{token}/accepter")
    assert response.status_code == 410
    assert not _is_member(jardins, invitee)


@pytest.mark.parametrize(
    "role, status", [("anonymous", 302), ("resident", 403), ("plain_member", 403), ("other_member", 403)]
)
def test_only_administrators_invite(request, app, jardins, role, status):
    client = app.test_client()
    if role != "anonymous":
        client.login_as(request.getfixturevalue(role))
    response = client.post(
        f"/associations/{jardins.slug}/membres/inviter", data={"email": "x@exemple.fr", "role": "admin"}
    )
    assert response.status_code == status
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_inviting_a_member_or_a_bad_address(member_client, jardins, plain_member):
    response = member_client.post(
        f"/associations/{jardins.slug}/membres/inviter", data={"email": plain_member.email, "role": "member"}
    )
    assert response.status_code == 422 and "Cette personne est déjà membre de l'association." in text(response)
    response = member_client.post(
        f"/associations/{jardins.slug}/membres/inviter", data={"email": "pas une adresse", "role": "member"}
    )
    assert response.status_code == 422 and "Cette adresse e-mail n'est pas valide" in text(response)
    assert 'value="pas une adresse"' in text(response)
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


# --- Members and roles --------------------------------------------------------------------------


def _role(association, user):
    db.session.expire_all()
    return db.session.scalar(
        select(Membership.role).where(Membership.association_id == association.id, Membership.user_id == user.id)
    )


@pytest.mark.parametrize(
    "role, status",
    [
        ("anonymous", 302),
        ("resident", 403),
        ("other_member", 403),
        ("plain_member", 200),
        ("member", 200),
        ("admin", 200),
    ],
)
def test_members_page_is_for_members(request, app, jardins, role, status):
    client = app.test_client()
    if role != "anonymous":
        client.login_as(request.getfixturevalue(role))
    response = client.get(f"/associations/{jardins.slug}/membres")
    assert response.status_code == status
    if status == 200:
        assert "Dominique Membre" in text(response)


def test_the_last_administrator_cannot_leave_nor_be_demoted_or_removed(
    app, member, member_client, admin_client, jardins
):
    own = services.membership_of(jardins, member)
    with pytest.raises(services.AssociationError, match="transmettez d'abord"):
        services.leave(jardins, member)
    with pytest.raises(services.AssociationError, match="au moins un·e administrateur·rice"):
        services.change_role(jardins, own, "member")
    with pytest.raises(services.AssociationError, match="au moins un·e administrateur·rice"):
        services.remove_member(jardins, own)

    response = member_client.post(f"/associations/{jardins.slug}/quitter")
    assert response.status_code == 422 and "transmettez d'abord ce rôle" in text(response)
    response = member_client.post(f"/associations/{jardins.slug}/membres/{own.id}/role", data={"role": "member"})
    assert response.status_code == 422
    response = admin_client.post(f"/associations/{jardins.slug}/membres/{own.id}/retirer")
    assert response.status_code == 422 and "au moins un·e administrateur·rice" in text(response)
    assert _role(jardins, member) == MembershipRole.ADMIN


def test_hand_over_then_leave(member, member_client, plain_member, jardins):
    target = services.membership_of(jardins, plain_member)
    response = member_client.post(f"/associations/{jardins.slug}/membres/{target.id}/transmettre")
    assert response.status_code == 302
    assert _role(jardins, plain_member) == MembershipRole.ADMIN
    assert _role(jardins, member) == MembershipRole.MEMBER
    # No longer an administrator: cannot manage members any more.
    assert member_client.post(f"/associations/{jardins.slug}/membres/{target.id}/retirer").status_code == 403
    assert member_client.post(f"/associations/{jardins.slug}/quitter").status_code == 303
    assert _role(jardins, member) is None


def test_hand_over_needs_an_administrator_member(admin, plain_member, jardins):
    target = services.membership_of(jardins, plain_member)
    with pytest.raises(services.AssociationError, match="Seul·e un·e administrateur·rice"):
        services.hand_over(jardins, admin, target)


def test_promote_demote_and_remove_in_place_with_htmx(member_client, plain_member, jardins):
    target = services.membership_of(jardins, plain_member)
    response = member_client.htmx(
        "POST", f"/associations/{jardins.slug}/membres/{target.id}/role", data={"role": "admin"}
    )
    assert response.status_code == 200
    body = text(response)
    assert 'id="members"' in body and "<html" not in body
    assert "Sacha Membre administre maintenant l'association." in body
    assert _role(jardins, plain_member) == MembershipRole.ADMIN

    response = member_client.htmx(
        "POST", f"/associations/{jardins.slug}/membres/{target.id}/role", data={"role": "member"}
    )
    assert response.status_code == 200 and _role(jardins, plain_member) == MembershipRole.MEMBER

    response = member_client.htmx("POST", f"/associations/{jardins.slug}/membres/{target.id}/retirer")
    assert response.status_code == 200 and "ne fait plus partie de l'association" in text(response)
    assert _role(jardins, plain_member) is None


def test_a_plain_member_cannot_manage_members(app, member, plain_member, jardins):
    client = app.test_client().login_as(plain_member)
    own_admin = services.membership_of(jardins, member)
    assert (
        client.post(f"/associations/{jardins.slug}/membres/{own_admin.id}/role", data={"role": "member"}).status_code
        == 403
    )
    assert client.post(f"/associations/{jardins.slug}/membres/{own_admin.id}/retirer").status_code == 403
    assert client.post(f"/associations/{jardins.slug}/membres/{own_admin.id}/transmettre").status_code == 403
    assert _role(jardins, member) == MembershipRole.ADMIN


def test_membership_of_another_association_is_not_found(member_client, other_member, territory):
    other = db.session.scalar(select(Association).where(Association.name == "Bassin Solidaire"))
    target = services.membership_of(other, other_member)
    jardins = db.session.scalar(select(Association).where(Association.name == "Les Jardins du Médoc"))
    assert member_client.post(f"/associations/{jardins.slug}/membres/{target.id}/retirer").status_code == 404
    assert _role(other, other_member) == MembershipRole.ADMIN


def test_show_publicly_and_the_public_page(app, client, member, plain_member, jardins):
    hidden = factories.make_user("Personne Discrète")
    db.session.add(Membership(association_id=jardins.id, user_id=hidden.id, role=MembershipRole.MEMBER))
    db.session.commit()
    page = text(client.get(f"/associations/{jardins.slug}"))
    assert "Sacha Membre" not in page and "Personne Discrète" not in page

    member_of = app.test_client().login_as(plain_member)
    assert member_of.post(f"/associations/{jardins.slug}/ma-visibilite", data={"visible": "1"}).status_code == 302
    page = text(client.get(f"/associations/{jardins.slug}"))
    assert "Sacha Membre" in page and "Personne Discrète" not in page and "Dominique Membre" not in page

    response = member_of.htmx("POST", f"/associations/{jardins.slug}/ma-visibilite", data={"visible": "0"})
    assert "Votre nom n'apparaît plus sur la page publique" in text(response)
    assert "Sacha Membre" not in text(client.get(f"/associations/{jardins.slug}"))
    # Not a member: no toggle.
    assert app.test_client().login_as(hidden).post(f"/associations/{jardins.slug}/quitter").status_code == 303
    assert (
        app.test_client()
        .login_as(hidden)
        .post(f"/associations/{jardins.slug}/ma-visibilite", data={"visible": "1"})
        .status_code
        == 403
    )


# --- Pages ------------------------------------------------------------------------------------


def test_public_page_shows_identity_contact_and_published_proposals(client, member, jardins, territory):
    jardins.rna, jardins.siret = "W332001234", "73282932000074"
    jardins.contact_email, jardins.contact_phone = "contact@jardins.fr", "05 56 00 00 00"
    jardins.description = "Des jardins partagés à Lesparre."
    factories.make_proposal(jardins, member, title="Brouillon secret", summary="Pas encore.", state=ProposalState.DRAFT)
    factories.make_proposal(jardins, member, title="Potager du quartier", summary="Résumé de la proposition.")
    page = text(client.get(f"/associations/{jardins.slug}"))
    for expected in (
        "Des jardins partagés à Lesparre.",
        "W332001234",
        "73282932000074",
        "contact@jardins.fr",
        "05 56 00 00 00",
        "Lesparre-Médoc",
        "Médoc",
        "Potager du quartier",
        "Association ou groupement d'associations (loi 1901)",
    ):
        assert expected in page
    assert "Brouillon secret" not in page
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == "Potager du quartier"))
    assert f'href="/propositions/{proposal.id}"' in page


def test_list_query_count_is_constant(client, territory):
    def measure():
        with count_queries() as log:
            assert client.get("/associations/").status_code == 200
        return log.count

    factories.make_association("Première", territory.medoc_commune)
    few = measure()
    for i in range(12):
        factories.make_association(f"Structure {i}", territory.bassin_commune if i % 2 else territory.medoc_commune)
    assert measure() == few


def test_public_page_query_count_is_constant(client, member, jardins):
    url = f"/associations/{jardins.slug}"

    def measure():
        with count_queries() as log:
            assert client.get(url).status_code == 200
        return log.count

    # One proposal first: its co-authors load in one batch query, there from the first proposal on.
    factories.make_proposal(jardins, member, title="Proposition initiale", summary="Résumé de la proposition.")
    few = measure()
    for i in range(5):
        user = factories.make_user(f"Membre visible {i}")
        db.session.add(Membership(association_id=jardins.id, user_id=user.id, show_publicly=True))
        factories.make_proposal(jardins, member, title=f"Proposition {i}", summary="Résumé de la proposition.")
    assert measure() == few
    assert "Membre visible 4" in text(client.get(f"/associations/{jardins.slug}"))


def test_list_is_paginated(client, territory):
    for i in range(services.PER_PAGE + 3):
        factories.make_association(f"Structure {i:02d}", territory.medoc_commune)
    first = text(client.get("/associations/"))
    assert "Page 1 sur 2" in first
    second = text(client.get("/associations/?page=2"))
    assert "Structure 22" in second and "Structure 00" not in second


def test_navigation_and_account_links(member_client, jardins):
    assert 'href="/associations/"' in html(member_client.get("/"))
    account = text(member_client.get("/compte"))
    assert "Mes associations" in account and f"/associations/{jardins.slug}" in account


def test_slugs_are_unique_and_avoid_reserved_words(resident_client, territory):
    resident_client.post("/associations/nouvelle", data=_form(territory, name="Nouvelle", rna="", siret=""))
    resident_client.post("/associations/nouvelle", data=_form(territory, name="Nouvelle", rna="", siret=""))
    slugs = set(db.session.scalars(select(Association.slug)))
    assert "nouvelle" not in slugs and len(slugs) == 2


def test_demo_associations_have_valid_identifiers_and_one_is_verified(app, client):
    from app.demo import load_demo

    load_demo()
    associations = list(db.session.scalars(select(Association)))
    assert associations
    for association in associations:
        assert services.normalize_rna(association.rna) == association.rna
        assert services.normalize_siret(association.siret) == association.siret
        assert association.rna or association.siret
    verified = [a for a in associations if a.is_verified]
    assert len(verified) == 1
    assert "Structure vérifiée" in text(client.get(f"/associations/{verified[0].slug}"))


def _proposal_in(association, author, title, state):
    factories.make_proposal(association, author, title=title, state=state)


STATES_SHOWN = [
    ProposalState.DRAFT,
    ProposalState.PUBLISHED,
    ProposalState.SUBMITTED,
    ProposalState.CHANGES_REQUESTED,
    ProposalState.SELECTED,
    ProposalState.WAITLISTED,
    ProposalState.NOT_SELECTED,
    ProposalState.WITHDRAWN,
]


def test_page_lists_proposals_by_state_drafts_for_members_only(client, member_client, member, jardins):
    for state in STATES_SHOWN:
        _proposal_in(jardins, member, f"Proposition {state.value}", state)
    visitor = text(client.get(f"/associations/{jardins.slug}"))
    own = text(member_client.get(f"/associations/{jardins.slug}"))
    for heading in ("Retenues", "En liste d'attente", "Déposées à un appel", "Non retenues", "Retirées"):
        assert heading in visitor and heading in own
    assert "Proposition selected" in visitor and "Proposition submitted" in visitor
    assert "Proposition draft" not in visitor and "Brouillons" not in visitor
    assert "Proposition draft" in own and "Brouillons" in own


def test_page_by_state_query_count_is_constant(member_client, member, jardins):
    """Members see every state: one query for all the proposals, whatever their number."""
    url = f"/associations/{jardins.slug}"

    def measure():
        with count_queries() as log:
            assert member_client.get(url).status_code == 200
        return log.count

    for state in STATES_SHOWN:
        _proposal_in(jardins, member, f"Première {state.value}", state)
    few = measure()
    for i in range(3):
        for state in STATES_SHOWN:
            _proposal_in(jardins, member, f"Proposition {i} {state.value}", state)
    assert measure() == few


def test_in_progress_list_holds_no_decided_proposal_and_constant_queries(member_client, member, jardins):
    def measure():
        with count_queries() as log:
            page = text(member_client.get("/propositions/"))
        return log.count, page

    for state in STATES_SHOWN:
        _proposal_in(jardins, member, f"Première {state.value}", state)
    few, page = measure()
    section = page.split('id="drafts-title"')[1].split("</section>")[0]
    for state in (ProposalState.DRAFT, ProposalState.CHANGES_REQUESTED, ProposalState.SUBMITTED):
        assert f"Première {state.value}" in section
    for state in (
        ProposalState.SELECTED,
        ProposalState.WAITLISTED,
        ProposalState.NOT_SELECTED,
        ProposalState.WITHDRAWN,
    ):
        assert f"Première {state.value}" not in section
    for i in range(3):
        for state in STATES_SHOWN:
            _proposal_in(jardins, member, f"Proposition {i} {state.value}", state)
    assert measure()[0] == few

"""Erasing an account (GDPR art. 17): the rules (app.auth.erasure), the person's own page, the
administrator's erasure on a written request, and "Compte supprimé" wherever the name showed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.auth import erasure, services
from app.extensions import db
from app.models import (
    AuditEntry,
    CallEvaluator,
    Comment,
    DataExport,
    Follow,
    FollowTarget,
    Idea,
    Membership,
    Notification,
    OutboxMessage,
    PoleRole,
    Support,
    User,
)
from app.moderation.services import log
from app.outbox import queue_email
from app.supports.services import toggle_support
from tests import factories
from tests.factories import PASSWORD
from tests.helpers import count_queries, text


@pytest.fixture
def idea(app, territory):
    return factories.make_idea(factories.make_user("Autrice de l'idée"), territory.medoc_commune)


def _checked(response) -> str:
    """Which content choice the re-rendered form has ticked."""
    return re.search(r'<input checked[^>]*type="radio" value="(\w+)"', response.get_data(as_text=True)).group(1)


def _fresh(model, pk):
    db.session.expire_all()
    return db.session.get(model, pk)


# --- Rules -----------------------------------------------------------------------------------


def test_erased_account_loses_address_name_password_and_sessions(app, resident):
    session_id = resident.get_id()
    erasure.erase(resident)
    user = _fresh(User, resident.id)
    assert user.deleted_at is not None
    assert user.display_name == "Compte supprimé"
    assert "habitante" not in user.email and user.email.endswith(".invalid")
    assert "Camille" not in user.stored_name and "camille" not in user.display_name_key
    assert services.authenticate(resident.email, PASSWORD) is None
    assert not user.check_password(PASSWORD)
    assert services.user_for_session_id(session_id) is None
    # The name is free again for someone else.
    services.check_display_name_available("Camille Habitante")


def test_supports_leave_the_counts_exactly(app, resident, idea, territory):
    other = factories.make_user("Autre soutien")
    second = factories.make_idea(other, territory.medoc_commune)
    for subject in (idea, second):
        toggle_support(subject, resident)
    toggle_support(idea, other)
    erasure.erase(resident)
    assert _fresh(Idea, idea.id).support_count == 1
    assert _fresh(Idea, second.id).support_count == 0
    assert db.session.scalar(select(func.count()).select_from(Support).where(Support.user_id == resident.id)) == 0


def test_contributions_stay_readable_unless_removal_is_chosen(app, resident, idea):
    kept = factories.make_comment(idea, resident, "Je reste, on m'a répondu.")
    factories.make_comment(idea, factories.make_user("Quelqu'un"), "Réponse", reply_to=kept)
    alone = factories.make_comment(idea, resident, "Personne ne m'a répondu.")
    erasure.erase(resident)
    assert _fresh(Comment, alone.id).body == "Personne ne m'a répondu."
    assert _fresh(Comment, kept.id).author.display_name == "Compte supprimé"


def test_removal_takes_only_what_nobody_answered(app, resident, idea, territory):
    answered = factories.make_comment(idea, resident, "On m'a répondu.")
    factories.make_comment(idea, factories.make_user("Quelqu'un"), "Réponse", reply_to=answered)
    alone = factories.make_comment(idea, resident, "Seul.")
    own_idea = factories.make_idea(resident, territory.medoc_commune)
    discussed = factories.make_idea(resident, territory.medoc_commune)
    factories.make_comment(discussed, factories.make_user("Voisine"), "Bonne idée")
    db.session.add(Follow(user_id=factories.make_user("Suiveuse").id, target=FollowTarget.IDEA, target_id=own_idea.id))
    db.session.commit()
    before = _fresh(Idea, idea.id).comment_count

    found = erasure.removable_content(resident)
    assert sorted(found.comment_ids) == [alone.id] and found.idea_ids == [own_idea.id] and found.kept == 2

    own_idea_id = own_idea.id
    erasure.erase(resident, remove_content=True)
    assert _fresh(Comment, alone.id).deleted_at is not None and _fresh(Comment, alone.id).body == ""
    assert _fresh(Comment, answered.id).body == "On m'a répondu."
    assert _fresh(Idea, own_idea_id) is None
    assert _fresh(Idea, discussed.id) is not None
    assert _fresh(Idea, idea.id).comment_count == before - 1
    assert db.session.scalar(select(func.count()).select_from(Follow).where(Follow.target_id == own_idea_id)) == 0


def test_last_association_admin_must_hand_over_first(app, member):
    with pytest.raises(erasure.ErasureError, match="doit d.abord transmettre ce rôle"):
        erasure.erase(member)
    assert _fresh(User, member.id).deleted_at is None
    assert db.session.scalar(select(func.count()).select_from(Membership).where(Membership.user_id == member.id))


def test_memberships_and_roles_end(app, member, moderator, territory):
    association_id = db.session.scalar(select(Membership.association_id).where(Membership.user_id == member.id))
    db.session.add(Membership(association_id=association_id, user_id=moderator.id, role="admin"))
    call = factories.make_call()
    db.session.add(CallEvaluator(call_id=call.id, user_id=moderator.id))
    db.session.commit()
    erasure.erase(moderator)
    for model in (Membership, PoleRole, CallEvaluator):
        assert not db.session.scalar(select(func.count()).select_from(model).where(model.user_id == moderator.id))
    # The moderator was the other administrator: the member is the only one again.
    with pytest.raises(erasure.ErasureError):
        erasure.erase(member)


def test_last_platform_admin_cannot_erase_themself(app, admin):
    with pytest.raises(erasure.ErasureError, match="dernière personne"):
        erasure.erase(admin)


def test_pending_mail_follows_and_notifications_are_dropped(app, resident, idea):
    queue_email(resident.email, "Sujet", "Corps")
    queue_email("quelqu.un@exemple.fr", "Sujet", "Corps")
    db.session.add(DataExport(user_id=resident.id, content=b"zip"))
    factories.make_notification(resident)
    db.session.add(Follow(user_id=resident.id, target=FollowTarget.IDEA, target_id=idea.id))
    db.session.commit()
    email = resident.email
    erasure.erase(resident)
    assert (
        db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == email)) == 0
    )
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    for model in (Notification, Follow, DataExport):
        assert not db.session.scalar(select(func.count()).select_from(model).where(model.user_id == resident.id))


def test_audit_log_keeps_facts_without_the_name(app, resident, admin):
    log(admin, "suspend", "user", resident.id, resident.display_name, "Insultes répétées de Camille Habitante")
    other = factories.make_user("Témoin")
    factories.make_notification(other, "Camille Habitante a répondu à votre commentaire.")
    db.session.commit()
    erasure.erase(resident, actor=admin, reason="Courrier reçu le 12 novembre")
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["suspend", "erase_account"]
    dump = " ".join(f"{e.target_label} {e.reason}" for e in entries)
    assert "Camille" not in dump and "Compte supprimé" in dump
    assert entries[1].actor_id == admin.id and entries[1].reason == "Courrier reçu le 12 novembre"
    assert "Camille" not in db.session.scalar(select(Notification.text).where(Notification.user_id == other.id))


def test_no_mail_goes_to_an_erased_account_afterwards(app, resident, idea):
    from app.notifications.services import send_digests

    mine = factories.make_comment(idea, resident, "Mon commentaire reste.")
    erasure.erase(resident)
    factories.make_comment(idea, factories.make_user("Voisine"), "Je vous réponds.", reply_to=mine)
    send_digests()
    recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert not [r for r in recipients if r.endswith(".invalid")]


def test_an_erased_account_gets_no_role(app, admin, resident, territory):
    from app.admin import people_services

    erasure.erase(resident)
    with pytest.raises(people_services.PeopleError, match="Ce compte est supprimé"):
        people_services.appoint(admin, _fresh(User, resident.id), "moderator", "Renfort", pole_id=territory.medoc.id)


def test_erasing_twice_is_refused(app, resident):
    erasure.erase(resident)
    with pytest.raises(erasure.ErasureError):
        erasure.erase(_fresh(User, resident.id))


# --- The person's own page ------------------------------------------------------------------


def test_delete_page_says_the_rule_before_confirming(resident_client):
    page = text(resident_client.get("/compte/supprimer"))
    assert "seulement s'ils n'ont reçu aucune réponse" in page
    assert "Compte supprimé" in page and "Votre mot de passe" in page


def test_wrong_password_deletes_nothing_and_keeps_the_choice(resident_client, resident):
    response = resident_client.post("/compte/supprimer", data={"content": "remove", "password": "pas le bon"})
    assert response.status_code == 422
    assert "Ce n'est pas votre mot de passe actuel." in text(response)
    assert _checked(response) == "remove"
    assert _fresh(User, resident.id).deleted_at is None


def test_resident_deletes_their_account_and_is_logged_out(resident_client, resident, idea):
    comment = factories.make_comment(idea, resident, "Mon avis sur la question.")
    response = resident_client.post("/compte/supprimer", data={"content": "keep", "password": PASSWORD})
    assert response.status_code == 302
    assert _fresh(User, resident.id).deleted_at is not None
    assert resident_client.get("/compte").status_code == 302  # logged out: sent to log in
    page = text(resident_client.get(f"/idees/{idea.id}"))
    assert "Mon avis sur la question." in page and "Compte supprimé" in page and "Camille" not in page
    assert resident_client.get(f"/personnes/{resident.id}").status_code == 404
    assert comment.id


def test_last_association_admin_is_told_to_hand_over(member_client, member):
    page = text(member_client.get("/compte/supprimer"))
    assert "Vous êtes seul·e à administrer" in page and "Les Jardins du Médoc" in page
    response = member_client.post("/compte/supprimer", data={"content": "keep", "password": PASSWORD})
    assert response.status_code == 422 and "doit d'abord transmettre ce rôle" in text(response)
    assert _fresh(User, member.id).deleted_at is None


def test_delete_needs_login_and_csrf(client, resident_client, resident):
    assert client.post("/compte/supprimer", data={"content": "keep", "password": PASSWORD}).status_code == 302
    response = resident_client.post("/compte/supprimer", data={"content": "keep", "password": PASSWORD}, csrf=False)
    assert response.status_code in (400, 422)
    assert _fresh(User, resident.id).deleted_at is None


# --- The administrator, on a written request -------------------------------------------------


def _erase(client, user, reason="Courrier reçu le 3 novembre", content="keep"):
    return client.post(f"/admin/personnes/{user.id}/effacer", data={"erase-content": content, "erase-reason": reason})


def test_admin_erases_with_a_reason_in_the_log(admin_client, resident):
    page = text(admin_client.get(f"/admin/personnes/{resident.id}"))
    assert "Effacer ce compte (droit à l'effacement)" in page
    assert _erase(admin_client, resident).status_code == 302
    assert _fresh(User, resident.id).deleted_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase_account"))
    assert entry.reason == "Courrier reçu le 3 novembre" and entry.target_id == resident.id
    page = text(admin_client.get(f"/admin/personnes/{resident.id}"))
    assert "supprimé le" in page and "Effacer ce compte" not in page and "Camille" not in page


def test_admin_erasure_needs_a_reason_and_keeps_the_choice(admin_client, resident):
    response = _erase(admin_client, resident, reason="  ", content="remove")
    assert response.status_code == 422 and "Indiquez le motif" in text(response)
    assert _checked(response) == "remove"
    assert _fresh(User, resident.id).deleted_at is None


def test_admin_erasure_refuses_the_sole_association_admin(admin_client, member):
    response = _erase(admin_client, member)
    assert response.status_code == 422 and "doit d'abord transmettre ce rôle" in text(response)
    assert _fresh(User, member.id).deleted_at is None


@pytest.mark.parametrize("role", ["anonymous", "resident", "member", "moderator"])
def test_only_administrators_erase_others(app, role, request):
    target = factories.make_user("Cible")
    client = app.test_client()
    if role != "anonymous":
        client.login_as(request.getfixturevalue(role))
    assert _erase(client, target).status_code in (302, 403)
    assert _fresh(User, target.id).deleted_at is None


def test_admin_erasure_needs_csrf(admin_client, resident):
    response = admin_client.post(
        f"/admin/personnes/{resident.id}/effacer", data={"erase-content": "keep", "erase-reason": "x"}, csrf=False
    )
    assert response.status_code in (400, 422)
    assert _fresh(User, resident.id).deleted_at is None


# --- "Compte supprimé" wherever the name showed, lists unchanged ---------------------------


def test_lists_show_compte_supprime_with_the_same_queries(app, client, resident, idea, territory):
    own = factories.make_idea(resident, territory.medoc_commune, title="Une idée qui reste")
    factories.make_comment(own, factories.make_user("Voisin"), "Réponse")
    with count_queries() as before:
        client.get("/idees/")
    erasure.erase(resident)
    with count_queries() as after:
        page = text(client.get("/idees/"))
    assert "Une idée qui reste" in page and "Par Compte supprimé" in page and "Camille" not in page
    assert after.count == before.count

"""The back office's people section: search, roles, appointing and revoking with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.admin import people_services
from app.calls import evaluation
from app.extensions import db
from app.models import AuditEntry, CallEvaluator, Notification, PoleRole, User
from app.models.pole_scope import moderated_pole_ids
from app.permissions import can
from tests import factories
from tests.helpers import count_queries, text


@pytest.fixture
def expert(app):
    return factories.make_user("Expertise Extérieure", email="expert@exemple.fr")


def _appoint(client, user, role, reason="Besoin sur le territoire", **extra):
    return client.post(f"/admin/personnes/{user.id}/nommer", data={"role": role, "reason": reason, **extra})


def _revoke(client, user, role, reason="Fin de mission", **extra):
    return client.post(f"/admin/personnes/{user.id}/retirer", data={"role": role, "reason": reason, **extra})


# --- The list ----------------------------------------------------------------------------------


def test_search_by_name_or_address_and_filter_by_role(admin_client, admin, moderator, resident, expert):
    page = text(admin_client.get("/admin/personnes?q=extérieure"))
    assert "Expertise Extérieure" in page and "Camille Habitante" not in page
    page = text(admin_client.get("/admin/personnes?q=EXPERT@exemple"))
    assert "Expertise Extérieure" in page and "expert@exemple.fr" in page
    page = text(admin_client.get("/admin/personnes?role=moderator"))
    assert "Modération Médoc" in page and "Camille Habitante" not in page and "Modération : Médoc" in page
    page = text(admin_client.get("/admin/personnes?role=admin"))
    assert "Administration" in page and "Modération Médoc" not in page
    # A wildcard typed is a character, not "everything".
    assert "Aucun compte ne correspond" in text(admin_client.get("/admin/personnes?q=%25"))


def test_list_queries_do_not_grow_with_people_or_roles(app, admin_client, territory):
    call = factories.make_call()

    def queries() -> int:
        with count_queries() as log:
            assert admin_client.get("/admin/personnes").status_code == 200
        return log.count

    few = queries()
    for i in range(6):
        user = factories.make_user(f"Personne en plus {i}", moderated_pole_id=territory.bassin.id)
        db.session.add(PoleRole(user_id=user.id, pole_id=territory.medoc.id, role="agent"))
        db.session.add(CallEvaluator(call_id=call.id, user_id=user.id))
    db.session.commit()
    assert queries() == few
    # Log-in user, the page, its count, the roles at units, the evaluators.
    assert few <= 6


def test_list_is_paginated(admin_client):
    for i in range(people_services.PER_PAGE + 2):
        factories.make_user(f"Zoé {i:02d}")
    page = text(admin_client.get("/admin/personnes?q=zoé"))
    assert "Page 1 sur 2" in page
    assert "Zoé 26" in text(admin_client.get("/admin/personnes?q=zoé&page=2"))


# --- Refused roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "resident", "member", "moderator"])
def test_only_administrators_read_or_change_roles(app, request, who, expert, territory):
    client = app.test_client() if who == "anonymous" else request.getfixturevalue(f"{who}_client")
    expected = 302 if who == "anonymous" else 403
    assert client.get("/admin/personnes").status_code == expected
    assert client.get(f"/admin/personnes/{expert.id}").status_code == expected
    assert _appoint(client, expert, "admin").status_code == expected
    assert _appoint(client, expert, "moderator", pole_id=territory.medoc.id).status_code == expected
    assert _revoke(client, expert, "admin").status_code == expected
    db.session.expire_all()
    assert not expert.is_admin and not expert.is_pole_moderator


def test_a_post_without_csrf_token_is_refused(admin_client, expert):
    response = admin_client.post(
        f"/admin/personnes/{expert.id}/nommer", data={"role": "admin", "reason": "x"}, csrf=False
    )
    assert response.status_code in (400, 422)
    db.session.expire_all()
    assert not expert.is_admin


# --- Appointing and revoking -------------------------------------------------------------------


def test_appointing_an_administrator_needs_a_reason_is_logged_and_told(admin_client, admin, expert):
    response = _appoint(admin_client, expert, "admin", reason="  ")
    assert response.status_code == 422
    assert "Indiquez le motif" in text(response)
    db.session.expire_all()
    assert not expert.is_admin

    response = _appoint(admin_client, expert, "admin", reason="Renfort de l'équipe")
    assert response.status_code == 302
    db.session.expire_all()
    assert expert.is_admin
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "appoint_admin"))
    assert entry.actor_id == admin.id and entry.target_kind == "user" and entry.target_id == expert.id
    assert entry.reason == "Renfort de l'équipe"
    assert "expert@exemple.fr" not in entry.target_label and "Expertise Extérieure" in entry.target_label
    notice = db.session.scalar(select(Notification).where(Notification.user_id == expert.id))
    assert "administration" in notice.text and "Renfort de l'équipe" in notice.text
    page = text(admin_client.get(f"/admin/personnes/{expert.id}"))
    assert "Nomination à l'administration" in page and "Renfort de l'équipe" in page


def test_the_last_administrator_cannot_be_removed(admin_client, admin):
    response = _revoke(admin_client, admin, "admin", reason="Je pars")
    assert response.status_code == 422
    assert "dernière personne qui administre" in text(response)
    # What was typed stays in its row.
    assert 'value="Je pars"' in text(response)
    db.session.expire_all()
    assert admin.is_admin
    other = factories.make_user("Autre administration", is_admin=True)
    assert _revoke(admin_client, other, "admin").status_code == 302
    db.session.expire_all()
    assert not other.is_admin


def test_a_suspended_administrator_does_not_count_as_the_remaining_one(admin_client, admin):
    factories.make_user("Administration suspendue", is_admin=True, suspended_at=factories.utcnow())
    assert _revoke(admin_client, admin, "admin").status_code == 422


def test_moderator_of_several_units(app, admin_client, territory, expert):
    assert _appoint(admin_client, expert, "moderator").status_code == 422  # no unit chosen
    assert _appoint(admin_client, expert, "moderator", pole_id=territory.medoc.id).status_code == 302
    assert _appoint(admin_client, expert, "moderator", pole_id=territory.bassin.id).status_code == 302
    response = _appoint(admin_client, expert, "moderator", pole_id=territory.bassin.id)
    assert response.status_code == 422 and "a déjà la modération du pôle" in text(response)
    db.session.expire_all()
    with app.app_context():
        assert moderated_pole_ids(expert) == {territory.medoc.id, territory.bassin.id}
        assert can(expert, "pole.moderate", territory.medoc) and can(expert, "pole.moderate", territory.bassin)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "appoint_moderator")).all()
    assert len(entries) == 2
    assert _revoke(admin_client, expert, "moderator", pole_id=territory.medoc.id).status_code == 302
    db.session.expire_all()
    with app.app_context():
        assert moderated_pole_ids(expert) == {territory.bassin.id}
        assert not can(expert, "pole.moderate", territory.medoc)


def test_an_agent_is_stored_listed_and_gives_no_moderation(app, admin_client, territory, expert):
    assert _appoint(admin_client, expert, "agent", pole_id=territory.medoc.id).status_code == 302
    db.session.expire_all()
    assert db.session.get(PoleRole, (expert.id, territory.medoc.id, "agent")) is not None
    assert not expert.is_pole_moderator
    assert "Agent : Médoc" in text(admin_client.get("/admin/personnes?role=agent"))
    assert "Agent du pôle Médoc" in text(admin_client.get(f"/admin/personnes/{expert.id}"))


def test_an_outside_evaluator_is_offered_on_the_call_and_may_be_assigned(app, admin_client, territory, expert):
    call = factories.make_call(poles=(territory.medoc,))
    other = factories.make_call("Un autre appel", slug="autre")
    with app.app_context():
        assert expert not in evaluation.possible_evaluators(call.id)
    response = _appoint(admin_client, expert, "evaluator")
    assert response.status_code == 422 and "Choisissez l'appel" in text(response)
    assert _appoint(admin_client, expert, "evaluator", call_id=call.id).status_code == 302
    db.session.expire_all()
    with app.app_context():
        assert expert in evaluation.possible_evaluators(call.id)
        assert expert not in evaluation.possible_evaluators(other.id)
        assert evaluation.may_evaluate(expert, call.id) and not evaluation.may_evaluate(expert, other.id)
    assert _revoke(admin_client, expert, "evaluator", call_id=call.id).status_code == 302
    with app.app_context():
        assert expert not in evaluation.possible_evaluators(call.id)


def test_revoking_without_a_reason_keeps_the_role(admin_client, territory, moderator):
    response = _revoke(admin_client, moderator, "moderator", reason="", pole_id=territory.medoc.id)
    assert response.status_code == 422 and "Indiquez le motif du retrait" in text(response)
    db.session.expire_all()
    assert moderator.is_pole_moderator


def test_revoking_a_role_not_held_is_refused(admin_client, territory, expert):
    response = _revoke(admin_client, expert, "agent", pole_id=territory.medoc.id)
    assert response.status_code == 422 and "n'a pas le rôle d'agent" in text(response)


def test_an_unknown_role_or_unit_is_refused_with_a_message(admin_client, expert):
    response = _appoint(admin_client, expert, "roi")
    assert response.status_code == 422 and "Choisissez un rôle" in text(response)
    response = _appoint(admin_client, expert, "moderator", pole_id="999999")
    assert response.status_code == 422 and "Choisissez le pôle" in text(response)
    assert admin_client.post("/admin/personnes/999999/nommer", data={"role": "admin", "reason": "x"}).status_code == 404
    assert db.session.scalar(select(User.is_admin).where(User.id == expert.id)) is False


def test_a_moderator_of_two_units_moderates_both_and_no_other(app, territory, resident):
    both = factories.make_user("Modération double", moderated_pole_id=territory.medoc.id)
    db.session.add(PoleRole(user_id=both.id, pole_id=territory.bassin.id, role="moderator"))
    db.session.commit()
    medoc_only = factories.make_user("Modération Médoc seule", moderated_pole_id=territory.medoc.id)
    in_medoc = factories.make_idea(resident, territory.medoc_commune)
    in_bassin = factories.make_idea(resident, territory.bassin_commune)
    with app.app_context():
        assert can(both, "content.moderate", in_medoc) and can(both, "content.moderate", in_bassin)
        assert can(medoc_only, "content.moderate", in_medoc) and not can(medoc_only, "content.moderate", in_bassin)
        # Each looks after the accounts that took part in their units, never a moderator of more units.
        assert can(both, "account.review", resident)
        assert not can(medoc_only, "account.review", both)
    client = app.test_client().login_as(both)
    response = client.get("/moderation/")
    assert response.status_code == 302
    first = min((territory.medoc, territory.bassin), key=lambda p: p.name)
    assert response.headers["Location"].endswith(f"/moderation/{first.slug}")
    assert client.get(f"/moderation/{territory.medoc.slug}").status_code == 200
    assert client.get(f"/moderation/{territory.bassin.slug}").status_code == 200
    assert app.test_client().login_as(medoc_only).get(f"/moderation/{territory.bassin.slug}").status_code == 403
    page = text(client.get("/compte"))
    assert page.count("Modération du Pôle territorial de solidarité") == 2

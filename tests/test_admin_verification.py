"""The association verification queue: its checks, verifying, refusing with a reason, asking again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.associations import verification
from app.extensions import db
from app.models import Association, AuditEntry, Notification
from app.models.base import utcnow
from tests import factories
from tests.helpers import count_queries, text

QUEUE = "/admin/associations"


@pytest.fixture
def asso_admin(app):
    return factories.make_user("Présidence Entraide", email="presidence@exemple.fr")


@pytest.fixture
def entraide(territory, asso_admin):
    association = factories.make_association("Entraide Médoc", territory.medoc_commune, admins=[asso_admin])
    association.rna = "W332001234"
    association.siret = "73282932000074"
    db.session.commit()
    return association


def _decide(client, association, action, reason=""):
    return client.post(f"{QUEUE}/{association.id}/verification", data={"action": action, "reason": reason})


def test_queue_lists_unverified_oldest_first_with_their_checks(admin_client, territory, entraide):
    older = factories.make_association("Aînée", territory.bassin_commune)
    older.created_at = entraide.created_at.replace(year=2020)
    factories.make_association("Déjà vérifiée", territory.bassin_commune, verified=True)
    # Another establishment of the same legal entity (same SIREN), under another name.
    twin = factories.make_association("Entraide Médoc, antenne", territory.medoc_commune)
    twin.siret = "73282932000082"
    db.session.commit()
    page = text(admin_client.get(QUEUE))
    assert "Déjà vérifiée" not in page.split("Refusées")[0]
    assert page.index("Aînée") < page.index("Entraide Médoc")
    assert "W332001234 : format valide" in page and "73282932000074 : format valide" in page
    assert "Même nom ou même SIREN que « Entraide Médoc, antenne »" in page
    assert "Ni RNA ni SIRET" in page  # the older one has none


def test_a_malformed_stored_identifier_is_flagged(admin_client, entraide):
    # Older records may predate the form's checks.
    entraide.siret = "73282932000075"
    db.session.commit()
    page = text(admin_client.get(QUEUE))
    assert "73282932000075 : Ce numéro SIRET n'est pas valide" in page


def test_queue_queries_do_not_grow(admin_client, territory):
    factories.make_association("Une", territory.medoc_commune)

    def queries() -> int:
        with count_queries() as log:
            assert admin_client.get(QUEUE).status_code == 200
        return log.count

    few = queries()
    for i in range(8):
        factories.make_association(f"Structure {i}", territory.bassin_commune)
    assert queries() == few
    # Log-in user, the page, its count, the look-alikes, the refused ones.
    assert few <= 6


@pytest.mark.parametrize("who", ["anonymous", "resident", "member", "moderator"])
def test_only_administrators_verify(app, request, who, entraide, asso_admin):
    client = app.test_client() if who == "anonymous" else request.getfixturevalue(f"{who}_client")
    expected = 302 if who == "anonymous" else 403
    assert client.get(QUEUE).status_code == expected
    assert _decide(client, entraide, "verify").status_code == expected
    assert _decide(client, entraide, "refuse", "non").status_code == expected
    # Not even the association's own administrator.
    assert _decide(app.test_client().login_as(asso_admin), entraide, "verify").status_code == 403
    db.session.expire_all()
    assert entraide.verified_at is None and entraide.verification_refused_at is None


def test_verify_is_logged_and_tells_the_association_admins(admin_client, admin, entraide, asso_admin):
    response = _decide(admin_client, entraide, "verify")
    assert response.status_code == 302
    db.session.expire_all()
    assert entraide.is_verified
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "verify_association"))
    assert entry.actor_id == admin.id and entry.target_id == entraide.id
    notice = db.session.scalar(select(Notification).where(Notification.user_id == asso_admin.id))
    assert "est vérifiée" in notice.text
    assert "Aucune association n'attend de vérification" in text(admin_client.get(QUEUE))


def test_refuse_needs_a_reason_then_the_association_fixes_and_asks_again(app, admin_client, entraide, asso_admin):
    response = _decide(admin_client, entraide, "refuse", "")
    assert response.status_code == 422 and "Indiquez le motif du refus" in text(response)
    db.session.expire_all()
    assert entraide.verification_refused_at is None

    assert _decide(admin_client, entraide, "refuse", "Le RNA ne correspond pas au nom déclaré.").status_code == 302
    db.session.expire_all()
    assert entraide.verification_refused_at is not None and not entraide.is_verified
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "refuse_association"))
    assert entry.reason == "Le RNA ne correspond pas au nom déclaré."
    notice = db.session.scalar(select(Notification).where(Notification.user_id == asso_admin.id))
    assert "refusée" in notice.text and "Le RNA ne correspond pas" in notice.text
    queue = text(admin_client.get(QUEUE))
    assert "Refusées, en attente d'une correction" in queue and "0 association en attente" in queue

    own = app.test_client().login_as(asso_admin)
    page = text(own.get(f"/associations/{entraide.slug}"))
    assert "Motif : Le RNA ne correspond pas au nom déclaré." in page
    assert own.post(f"/associations/{entraide.slug}/verification/nouvelle-demande").status_code == 302
    db.session.expire_all()
    assert entraide.verification_refused_at is None
    assert "1 association en attente" in text(admin_client.get(QUEUE))
    # Asking twice changes nothing, with a message.
    assert own.post(f"/associations/{entraide.slug}/verification/nouvelle-demande").status_code == 302


def test_asking_again_is_for_the_association_admins_only(app, resident_client, entraide):
    entraide.verification_refused_at = utcnow()
    db.session.commit()
    assert resident_client.post(f"/associations/{entraide.slug}/verification/nouvelle-demande").status_code == 403
    assert app.test_client().post(f"/associations/{entraide.slug}/verification/nouvelle-demande").status_code == 302
    db.session.expire_all()
    assert entraide.verification_refused_at is not None


def test_htmx_swaps_the_entry_and_keeps_the_text_on_error(admin_client, entraide):
    url = f"{QUEUE}/{entraide.id}/verification"
    response = admin_client.htmx("POST", url, data={"action": "refuse", "reason": ""})
    assert response.status_code == 422
    body = text(response)
    assert body.lstrip().startswith("<li") and "Indiquez le motif du refus" in body
    response = admin_client.htmx("POST", url, data={"action": "verify", "reason": ""})
    assert response.status_code == 200 and "Vérifiée : ses administrateurs sont prévenus." in text(response)
    assert "<html" not in text(response)


def test_a_verified_association_cannot_be_refused(app, admin_client, territory):
    done = factories.make_association("Vérifiée", territory.medoc_commune, verified=True)
    response = _decide(admin_client, done, "refuse", "trop tard")
    assert response.status_code == 422 and "est déjà vérifiée" in text(response)
    db.session.expire_all()
    assert db.session.get(Association, done.id).verification_refused_at is None
    with pytest.raises(verification.VerificationError):
        verification.verify(None, done)


def test_verifying_from_the_association_page_is_the_same_outcome(admin_client, entraide, asso_admin):
    response = admin_client.post(f"/associations/{entraide.slug}/verification", data={"verifiee": "1"})
    assert response.status_code == 302
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.target_id == entraide.id)) == (
        "verify_association"
    )
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == asso_admin.id))

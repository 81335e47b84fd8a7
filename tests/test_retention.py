"""Retention: ``flask retention purge`` removes what is past its period and nothing else (tested
with a chosen clock), and the "Données personnelles" page states the same periods."""

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    DataExport,
    EndedSession,
    Invitation,
    InvitationStatus,
    MembershipRole,
    Notification,
    OutboxMessage,
    RateLimitCounter,
    RegistrationAttempt,
    User,
)
from app.models.base import utcnow
from app.retention import purge
from tests import factories
from tests.helpers import text

NOW = utcnow() + timedelta(days=400)  # the purge's clock: every row below is dated from it
DAY = timedelta(days=1)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _ids(model) -> set[int]:
    return set(db.session.scalars(select(model.id)))


def test_purge_removes_what_is_past_its_period_and_nothing_else(app, territory):
    config = app.config
    unverified_days = config["RETENTION_UNVERIFIED_ACCOUNT_DAYS"]
    keep = {}
    # Accounts: an old unconfirmed one goes; a young one, a confirmed one, an unconfirmed one
    # with a history, and an unconfirmed administrator stay.
    gone = factories.make_user("Robot Oublié", email_verified_at=None, created_at=NOW - (unverified_days + 1) * DAY)
    factories.make_notification(gone)
    keep["young"] = factories.make_user(email_verified_at=None, created_at=NOW - (unverified_days - 1) * DAY)
    keep["verified"] = factories.make_user(created_at=NOW - 900 * DAY)
    keep["member"] = factories.make_user(email_verified_at=None, created_at=NOW - 900 * DAY)
    factories.make_association("Les Amis", territory.medoc_commune, members=[keep["member"]])
    keep["admin"] = factories.make_user(email_verified_at=None, is_admin=True, created_at=NOW - 900 * DAY)
    owner = keep["verified"]

    notification_days = config["RETENTION_NOTIFICATION_DAYS"]
    old_note = factories.make_notification(owner)
    old_note.created_at = NOW - (notification_days + 1) * DAY
    new_note = factories.make_notification(owner)
    new_note.created_at = NOW - (notification_days - 1) * DAY

    sent_days = config["RETENTION_SENT_EMAIL_DAYS"]
    mails = [
        OutboxMessage(recipient="a@exemple.fr", subject="vieux", body=".", sent_at=NOW - (sent_days + 1) * DAY),
        OutboxMessage(recipient="b@exemple.fr", subject="récent", body=".", sent_at=NOW - (sent_days - 1) * DAY),
        # Never sent (waiting or a dead letter): the outbox page still shows it, whatever its age.
        OutboxMessage(recipient="c@exemple.fr", subject="en échec", body=".", created_at=NOW - 900 * DAY),
    ]
    association = factories.make_association("Invitante", territory.medoc_commune, admins=[owner])
    invitations = [
        Invitation(
            association_id=association.id,
            email=f"invite{n}@exemple.fr",
            role=MembershipRole.MEMBER,
            token_hash=f"{n:064d}",
            status=status,
            expires_at=NOW + offset,
        )
        for n, (status, offset) in enumerate(
            [
                (InvitationStatus.PENDING, -DAY),
                (InvitationStatus.ACCEPTED, -DAY),
                (InvitationStatus.PENDING, DAY),
            ]
        )
    ]
    counters = [
        RateLimitCounter(key="login/1.2.3.4", hits=3, expires_at=(NOW - timedelta(seconds=1)).timestamp()),
        RateLimitCounter(key="login/5.6.7.8", hits=3, expires_at=(NOW + timedelta(seconds=60)).timestamp()),
    ]
    attempt_days = config["RETENTION_REGISTRATION_ATTEMPT_DAYS"]
    attempts = [
        RegistrationAttempt(address="1.2.3.4", created_at=NOW - (attempt_days + 1) * DAY),
        RegistrationAttempt(address="5.6.7.8", created_at=NOW - timedelta(hours=1)),
    ]
    remember_days = config["REMEMBER_COOKIE_DURATION"].days
    sessions = [
        EndedSession(user_id=owner.id, stamp="old", ended_at=NOW - (remember_days + 1) * DAY),
        EndedSession(user_id=owner.id, stamp="new", ended_at=NOW - DAY),
    ]
    exports = [
        DataExport(user_id=owner.id, ready_at=NOW - 8 * DAY, expires_at=NOW - DAY, content=b"expired"),
        DataExport(user_id=owner.id, ready_at=NOW - DAY, expires_at=NOW + DAY, content=None, downloaded_at=NOW),
        DataExport(user_id=owner.id, ready_at=NOW - DAY, expires_at=NOW + DAY, content=b"waiting"),
        DataExport(user_id=owner.id),  # queued, not built yet
    ]
    db.session.add_all(mails + invitations + counters + attempts + sessions + exports)
    db.session.commit()
    kept = {
        "users": {u.id for u in keep.values()} | {u.id for u in db.session.scalars(select(User)) if u.id != gone.id},
        "notifications": {new_note.id},
        "mails": {mails[1].id, mails[2].id},
        "invitations": {invitations[2].id},
        "counters": {"login/5.6.7.8"},
        "attempts": {attempts[1].id},
        "exports": {exports[2].id, exports[3].id},
    }

    counts = purge(now=NOW)

    db.session.expire_all()
    assert _ids(User) == kept["users"]
    assert _ids(Notification) == kept["notifications"]  # the old one, and the purged account's
    assert _ids(OutboxMessage) == kept["mails"]
    assert _ids(Invitation) == kept["invitations"]
    assert set(db.session.scalars(select(RateLimitCounter.key))) == kept["counters"]
    assert _ids(RegistrationAttempt) == kept["attempts"]
    assert set(db.session.scalars(select(EndedSession.stamp))) == {"new"}
    assert _ids(DataExport) == kept["exports"]
    assert counts == {
        "comptes non confirmés": 1,
        "notifications": 1,  # the purged account's went with it
        "courriels envoyés": 1,
        "invitations expirées": 2,
        "traces de limitation": 2,
        "sessions terminées": 1,
        "copies de données": 2,
    }
    # Run again the same day: nothing more to remove.
    assert set(purge(now=NOW).values()) == {0}


def test_the_periods_follow_the_configuration(app):
    app.config["RETENTION_UNVERIFIED_ACCOUNT_DAYS"] = 2
    young_id = factories.make_user(email_verified_at=None, created_at=NOW - 3 * DAY).id
    purge(now=NOW)
    assert db.session.get(User, young_id) is None


def test_the_command_says_what_it_removed(app):
    factories.make_user(email_verified_at=None, created_at=utcnow() - 90 * DAY)
    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.exit_code == 0 and "comptes non confirmés : 1" in result.output


def test_the_privacy_page_states_the_configured_periods(app, client):
    page = text(client.get("/donnees-personnelles"))
    assert "effacé après 30 jours" in page and "Les notifications : 180 jours" in page
    app.config["RETENTION_UNVERIFIED_ACCOUNT_DAYS"] = 45
    app.config["RETENTION_NOTIFICATION_DAYS"] = 1
    app.config["RETENTION_SENT_EMAIL_DAYS"] = 12
    app.config["DATA_EXPORT_DAYS"] = 3
    page = text(client.get("/donnees-personnelles"))
    assert "effacé après 45 jours" in page and "effacé après 30 jours" not in page
    assert "Les notifications : 1 jour." in page
    assert "Les courriels envoyés : 12 jours après leur envoi" in page
    assert "au bout de 3 jours" in page


def test_the_privacy_page_lists_rights_dpo_and_cnil(app, client):
    from app import identity

    page = text(client.get("/donnees-personnelles"))
    for heading in ("Finalité", "Base légale", "Données", "Destinataires", "Durée de conservation"):
        assert page.count(f"<dt>{heading}</dt>") == 4
    assert "Mission d'intérêt public" in page and "https://www.cnil.fr/fr/plaintes" in page
    assert 'href="/compte#data-title"' in page
    # The collectivity's name agrees with its article ("de le", "à le" would be wrong).
    assert "les agents du Département de la Gironde" in page and "Écrivez au Département de la Gironde" in page
    assert " de le " not in page and " à le " not in page
    identity.save({"dpo_contact": "Délégué à la protection des données\ndpo@exemple.fr"})
    assert "dpo@exemple.fr" in text(client.get("/donnees-personnelles"))


def test_the_periods_are_read_from_the_environment(tmp_path):
    from app.config import from_env

    config = from_env({"TISSER_INSTANCE_DIR": str(tmp_path), "TISSER_RETENTION_NOTIFICATION_DAYS": "90"})
    assert config["RETENTION_NOTIFICATION_DAYS"] == 90
    assert config["RETENTION_UNVERIFIED_ACCOUNT_DAYS"] == 30 and config["DATA_EXPORT_DAYS"] == 7

"""Notifications: the page, the badge, isolation between people, e-mail preferences, digests and
unsubscribe links."""

from __future__ import annotations

import re
import time

import itsdangerous.timed
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import EmailMode, Notification, NotificationPreference, OutboxMessage, ProposalState
from app.notifications import services
from app.notifications.kinds import KINDS
from tests import factories
from tests.helpers import count_queries, html, text


def _outbox(recipient: str | None = None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(query))


EXPECTED = {"anonymous": 302, "resident": 200, "member": 200, "moderator": 200, "admin": 200}


@pytest.mark.parametrize("path", ["/notifications/", "/notifications/preferences"])
def test_pages_per_role(role_client, path):
    role, client = role_client
    assert client.get(path).status_code == EXPECTED[role]


def test_list_shows_only_my_notifications(app, resident, member, resident_client, member_client):
    factories.make_notification(resident, "Pour Camille : un commentaire")
    mine = factories.make_notification(member, "Pour Dominique : une réponse")
    page = text(resident_client.get("/notifications/"))
    assert "Pour Camille" in page and "Pour Dominique" not in page
    # Someone else's notification cannot be marked read: it does not exist for this person.
    assert resident_client.post(f"/notifications/{mine.id}/lue").status_code == 404
    assert resident_client.htmx("POST", f"/notifications/{mine.id}/lue").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, mine.id).read_at is None
    assert "Pour Dominique" in text(member_client.get("/notifications/"))


def test_anonymous_cannot_mark_read(client, resident):
    notification = factories.make_notification(resident)
    assert client.post(f"/notifications/{notification.id}/lue").status_code == 302
    assert client.post("/notifications/tout-lu").status_code == 302


def test_mark_one_then_all_read(resident, resident_client):
    first = factories.make_notification(resident, "Première")
    factories.make_notification(resident, "Deuxième")
    factories.make_notification(resident, "Troisième")
    response = resident_client.htmx("POST", f"/notifications/{first.id}/lue")
    body = html(response)
    assert response.status_code == 200 and "<html" not in body
    assert '<hx-partial hx-target="#notification-badge" hx-swap="outerHTML"><span id="notification-badge"' in body
    assert "(2 non lues)" in body
    assert "Marquer comme lue" not in body.split('id="notification-badge"')[0]
    # Without JavaScript: a plain POST, then back to the list.
    response = resident_client.post("/notifications/tout-lu")
    assert response.status_code == 302
    assert services.unread_count(resident.id) == 0
    assert "non lue" not in text(resident_client.get("/notifications/"))


def test_mutations_need_csrf(resident, resident_client):
    notification = factories.make_notification(resident)
    assert resident_client.post(f"/notifications/{notification.id}/lue", csrf=False).status_code == 400
    assert resident_client.post("/notifications/tout-lu", csrf=False).status_code == 400


def test_header_badge_and_its_polling(client, resident, resident_client):
    page = html(resident_client.get("/"))
    assert 'href="/notifications/"' in page
    assert 'hx-get="/notifications/badge?n=0"' in page and "every 45s" in page
    factories.make_notification(resident)
    factories.make_notification(resident)
    assert "(2 non lues)" in html(resident_client.get("/idees/"))
    # Unchanged: 204 and htmx swaps nothing. Changed: the new badge.
    assert resident_client.htmx("GET", "/notifications/badge?n=2").status_code == 204
    changed = resident_client.htmx("GET", "/notifications/badge?n=0")
    assert changed.status_code == 200 and "(2 non lues)" in html(changed) and "?n=2" in html(changed)
    assert "notification-badge" not in html(client.get("/"))


def test_the_badge_says_nothing_to_anonymous_visitors(client, resident):
    factories.make_notification(resident)
    # Not a redirect to the log-in page, which htmx would swap into the header.
    assert client.htmx("GET", "/notifications/badge?n=0").status_code == 204


def test_the_badge_costs_one_query(app, resident):
    client = app.test_client().login_as(resident)
    client.get("/accessibilite")
    with count_queries() as without:
        app.test_client().get("/accessibilite")
    with count_queries() as logged_in:
        client.get("/accessibilite")
    # The user's row and the unread count.
    assert logged_in.count - without.count == 2


def test_the_unread_count_is_asked_once_per_request(app, resident):
    from flask_login import login_user

    from app.templating import unread_notifications

    factories.make_notification(resident)
    with app.test_request_context():
        login_user(resident)
        with count_queries() as log:
            assert unread_notifications() == 1
            assert unread_notifications() == 1
    assert log.count == 1, log.statements


# --- E-mail --------------------------------------------------------------------------------------


def test_every_kind_has_a_label_and_a_default(app):
    expected = {"comment", "reply", "idea_taken_up", "moderation", "invitation", "amendment", "evaluation", "followed"}
    assert expected <= set(KINDS)
    assert all(str(k.label) and k.default in EmailMode for k in KINDS.values())


def test_notify_queues_immediate_emails_in_bulk(app, territory):
    people = [factories.make_user() for _ in range(6)]
    db.session.add(NotificationPreference(user_id=people[0].id, kind="moderation", mode=EmailMode.NEVER))
    db.session.add(NotificationPreference(user_id=people[1].id, kind="moderation", mode=EmailMode.DAILY))
    db.session.commit()
    ids = [p.id for p in people]
    with app.test_request_context():
        with count_queries() as log:
            services.notify(ids, "moderation", "Votre idée a été masquée.", "/idees/1", exclude=ids[5])
            db.session.commit()
    # Preferences, notifications insert, e-mail addresses, outbox insert: whatever the number.
    assert log.count <= 4, log.statements
    recipients = {m.recipient for m in _outbox()}
    assert recipients == {people[2].email, people[3].email, people[4].email}
    message = _outbox(people[2].email)[0]
    assert "Votre idée a été masquée." in message.body and "http://127.0.0.1:8000/idees/1" in message.body
    assert "/notifications/desabonnement/" in message.body
    # The daily one waits for the digest; the others are done with.
    pending = db.session.scalars(select(Notification.user_id).where(Notification.email_done_at.is_(None))).all()
    assert pending == [people[1].id]


def test_digest_one_email_per_person(app, territory):
    camille, dominique, silent = (factories.make_user() for _ in range(3))
    db.session.add(NotificationPreference(user_id=silent.id, kind="comment", mode=EmailMode.NEVER))
    db.session.commit()
    with app.test_request_context():
        services.notify([camille.id, dominique.id, silent.id], "comment", "Un commentaire sur « Jardins ».", "/idees/1")
        services.notify([camille.id], "reply", "Une réponse à votre commentaire.", "/idees/1#c2")
        services.notify([camille.id], "followed", "Du nouveau sur ce que vous suivez.", "/propositions/3")
        db.session.commit()
    assert _outbox() == []  # all daily by default

    result = app.test_cli_runner().invoke(args=["notifications", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "2 résumé(s)" in result.output
    messages = _outbox()
    assert sorted(m.recipient for m in messages) == sorted([camille.email, dominique.email])
    camille_mail = _outbox(camille.email)[0]
    assert "3 nouvelles notifications" in camille_mail.subject
    for line in (
        "Un commentaire sur « Jardins ».",
        "Une réponse à votre commentaire.",
        "Du nouveau sur ce que vous suivez.",
    ):
        assert line in camille_mail.body
    assert camille_mail.body.count("/notifications/desabonnement/") == 3  # one link per kind
    assert "http://127.0.0.1:8000/idees/1" in camille_mail.body  # absolute links from the command line

    # Nothing twice.
    assert app.test_cli_runner().invoke(args=["notifications", "send-digests"]).output.startswith("0 ")
    assert len(_outbox()) == 2


def test_taking_up_an_idea_emails_its_author_at_once(app, territory, resident, member):
    from app.models import Association

    idea = factories.make_idea(title="Jardin partagé", commune=territory.medoc_commune, author=resident)
    association = db.session.scalar(select(Association))
    with app.test_request_context():
        factories.make_proposal(
            association, member, state=ProposalState.DRAFT, idea=idea, title="Jardin partagé", via_services=True
        )
    mails = _outbox(resident.email)
    assert len(mails) == 1 and "reprend votre idée" in mails[0].body


def test_preferences_page_saves_choices(resident, resident_client):
    page = text(resident_client.get("/notifications/preferences"))
    for kind in KINDS.values():
        assert str(kind.label) in page
    response = resident_client.post(
        "/notifications/preferences",
        data={
            "mode-comment": "never",
            "mode-reply": "immediate",
            "mode-moderation": "n'importe quoi",
        },
    )
    assert response.status_code == 302
    chosen = services.preferences(resident.id)
    assert chosen["comment"] is EmailMode.NEVER and chosen["reply"] is EmailMode.IMMEDIATE
    assert chosen["moderation"] is KINDS["moderation"].default
    assert 'value="never" checked' in html(resident_client.get("/notifications/preferences")).replace(
        'id="mode-comment-never" name="mode-comment" ', ""
    )
    assert "Régler mes courriels de notification" in text(resident_client.get("/compte"))


# --- Unsubscribe links -----------------------------------------------------------------------------


def _token(app, user, kind="comment"):
    with app.test_request_context():
        return services.unsubscribe_token(user.id, kind)


def test_unsubscribe_without_logging_in(app, client, resident):
    token = _token(app, resident)
    page = client.get(f"/notifications/desabonnement/{token}")
    assert page.status_code == 200
    assert "Ne plus recevoir de courriels pour « Un commentaire sur mon idée ou ma proposition »" in text(page)
    assert services.preferences(resident.id)["comment"] is EmailMode.DAILY  # a GET changes nothing
    done = client.post(f"/notifications/desabonnement/{token}")
    assert done.status_code == 200 and "vous ne recevrez plus de courriels" in text(done)
    db.session.expire_all()
    assert services.preferences(resident.id)["comment"] is EmailMode.NEVER
    assert services.preferences(resident.id)["reply"] is EmailMode.DAILY  # only that kind


def test_link_in_an_email_works(app, client, resident):
    with app.test_request_context():
        services.notify([resident.id], "idea_taken_up", "Votre idée est reprise.", "/idees/1")
        db.session.commit()
    link = re.search(r"http://127.0.0.1:8000(/notifications/desabonnement/\S+)", _outbox(resident.email)[0].body).group(
        1
    )
    assert client.post(link).status_code == 200
    assert services.preferences(resident.id)["idea_taken_up"] is EmailMode.NEVER


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "nimportequoi",
        lambda t: itsdangerous.URLSafeTimedSerializer("une-autre-cle", salt=services.UNSUBSCRIBE_SALT).dumps(
            [1, "comment"]
        ),
        lambda t: itsdangerous.URLSafeTimedSerializer("test-secret-key-not-for-production", salt="autre-usage").dumps(
            [1, "comment"]
        ),
    ],
)
def test_forged_unsubscribe_links_are_refused(app, client, resident, forge):
    token = forge(_token(app, resident))
    for response in (
        client.get(f"/notifications/desabonnement/{token}"),
        client.post(f"/notifications/desabonnement/{token}"),
    ):
        assert response.status_code == 400
        assert "n'est pas valide ou a expiré" in text(response)
    assert services.preferences(resident.id)["comment"] is EmailMode.DAILY


def test_expired_unsubscribe_link_is_refused(app, client, resident, monkeypatch):
    class LongAgo:
        @staticmethod
        def time():
            return time.time() - 200 * 24 * 3600

    monkeypatch.setattr(itsdangerous.timed, "time", LongAgo)
    token = _token(app, resident)
    monkeypatch.undo()
    response = client.post(f"/notifications/desabonnement/{token}")
    assert response.status_code == 400 and "a expiré" in text(response)
    assert services.preferences(resident.id)["comment"] is EmailMode.DAILY
    # The same link made today works.
    assert client.post(f"/notifications/desabonnement/{_token(app, resident)}").status_code == 200


def test_unsubscribe_needs_csrf_on_post(app, client, resident):
    assert client.post(f"/notifications/desabonnement/{_token(app, resident)}", csrf=False).status_code == 400


def test_every_event_the_code_notifies_has_a_preference_kind():
    """People can choose how they hear of every event: each notify() call names a known kind."""
    import ast
    import pathlib

    from app.notifications.kinds import KINDS, category

    root = pathlib.Path(__file__).resolve().parent.parent / "app"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "notify" and len(node.args) >= 2:
                kind = node.args[1]
                name = kind.value if isinstance(kind, ast.Constant) else "moderation_x"
                assert category(name) in KINDS, f"{path.name}: {name}"

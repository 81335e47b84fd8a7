"""Contesting a moderation decision (issue 15): the author of hidden content, or a suspended person,
says why; the case goes back to its pole's queue with that text; the next decision answers it and
the author is told; one contestation per decision; every step in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, CaseStatus, Contestation, Idea, ModerationCase, Notification, User
from app.models.base import utcnow
from app.moderation import contestations, services
from tests import factories
from tests.helpers import html, text

WHY = "Mon idée parle d'un lavoir, pas d'une personne : je ne vois pas ce qui pose problème."


@pytest.fixture
def author(app):
    return factories.make_user("Odile Autrice")


@pytest.fixture
def hidden_idea(territory, author, moderator):
    """An idea reported then hidden by the Médoc moderator, with a reason."""
    idea = factories.make_idea(author, territory.medoc_commune, title="Un lavoir partagé")
    reporter = factories.make_user("Voisin Signaleur")
    result = services.report(reporter, idea, "spam")
    services.act(result.case, "hide", moderator, "Données personnelles")
    return db.session.get(Idea, idea.id)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def contest_url(idea):
    return f"/contester/idee/{idea.id}"


def test_contesting_reopens_the_case_with_the_text_and_logs_it(app, hidden_idea, author, moderator):
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.target_id == hidden_idea.id))
    assert case.status == CaseStatus.HIDDEN
    contestation = contestations.contest_item(author, hidden_idea, f"  {WHY}  ")
    assert contestation.text == WHY and contestation.decided_at is None
    assert fresh(ModerationCase, case.id).status == CaseStatus.OPEN
    queue = services.queue(None)
    [entry] = queue.entries
    assert entry.case.id == case.id and entry.contestation.text == WHY
    entry_log = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "contest"))
    assert entry_log.actor_id == author.id and entry_log.reason == WHY and entry_log.target_id == hidden_idea.id
    # At most one per decision, whatever the wording.
    with pytest.raises(services.ModerationError, match="déjà contesté"):
        contestations.contest_item(author, fresh(Idea, hidden_idea.id), "Encore une fois.")
    assert db.session.scalar(select(func.count(Contestation.id))) == 1


@pytest.mark.parametrize("written", ["", "   ", "x" * 2001])
def test_a_contestation_needs_a_bounded_reason(app, hidden_idea, author, written):
    with pytest.raises(services.ModerationError) as error:
        contestations.contest_item(author, hidden_idea, written)
    assert error.value.field == "text"
    assert db.session.scalar(select(func.count(Contestation.id))) == 0


def test_only_a_decided_hiding_can_be_contested(app, territory, author):
    idea = factories.make_idea(author, territory.medoc_commune)
    with pytest.raises(services.ModerationError, match="n'est pas masqué"):
        contestations.contest_item(author, idea, WHY)
    idea.hidden_at = utcnow()  # hidden by reports, no decision yet
    db.session.commit()
    with pytest.raises(services.ModerationError, match="attend la décision"):
        contestations.contest_item(author, idea, WHY)


def test_the_next_decision_answers_it_and_tells_the_author(app, hidden_idea, author, moderator):
    contestations.contest_item(author, hidden_idea, WHY)
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.target_id == hidden_idea.id))
    services.act(case, "hide", moderator, "Données personnelles : le nom d'une voisine")
    contestation = db.session.scalar(select(Contestation))
    assert contestation.outcome == "hide" and contestation.decided_by_id == moderator.id
    notice = db.session.scalars(select(Notification.text).where(Notification.user_id == author.id)).all()[-1]
    assert notice.startswith("Votre contestation a été examinée.") and "le nom d'une voisine" in notice
    # That decision was contested once: not again.
    with pytest.raises(services.ModerationError, match="déjà contesté"):
        contestations.contest_item(author, fresh(Idea, hidden_idea.id), WHY)
    # Restored, then hidden again later: a new decision, which may be contested.
    services.act(fresh(ModerationCase, case.id), "restore", moderator)
    services.act(fresh(ModerationCase, case.id), "hide", moderator, "Hors sujet")
    assert contestations.contest_item(author, fresh(Idea, hidden_idea.id), WHY).decided_at is None


def test_restoring_answers_it_too(app, hidden_idea, author, moderator):
    contestations.contest_item(author, hidden_idea, WHY)
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.target_id == hidden_idea.id))
    services.act(case, "restore", moderator)
    assert db.session.scalar(select(Contestation.outcome)) == "restore"
    assert fresh(Idea, hidden_idea.id).hidden_at is None


def test_content_hidden_with_a_whole_account_opens_a_case(app, territory, author, admin):
    idea = factories.make_idea(author, territory.medoc_commune, title="Sans signalement")
    services.hide_all_content(author, admin, "Compte de spam")
    contestations.contest_item(author, fresh(Idea, idea.id), WHY)
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.target_id == idea.id))
    assert case.status == CaseStatus.OPEN and [p.id for p in services.queue(territory.medoc).entries[0].case.poles]


# --- Through the routes, per role -------------------------------------------------------------


def test_the_author_contests_through_the_page(app, hidden_idea, author, moderator):
    client = app.test_client().login_as(author)
    page = client.get(f"/idees/{hidden_idea.id}")
    assert contest_url(hidden_idea) in html(page)
    assert client.get(contest_url(hidden_idea)).status_code == 200
    # Empty: refused next to the field; too long: refused, what was typed kept.
    empty = client.post(contest_url(hidden_idea), data={"text": "  "})
    assert empty.status_code == 422 and "Expliquez pourquoi vous contestez cette décision." in text(empty)
    long = client.post(contest_url(hidden_idea), data={"text": "é" * 2001})
    assert long.status_code == 422 and "2 000 caractères au plus." in text(long) and "é" * 2001 in text(long)
    sent = client.post(contest_url(hidden_idea), data={"text": WHY})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/idees/{hidden_idea.id}")
    page = text(client.get(f"/idees/{hidden_idea.id}"))
    assert "Contestation en cours" in page and "Contester cette décision" not in page
    again = client.post(contest_url(hidden_idea), data={"text": WHY})
    assert again.status_code == 409 and "déjà contesté" in text(again) and "Contestation en cours" in text(again)
    assert db.session.scalar(select(func.count(Contestation.id))) == 1
    # The moderator reads it in the pole's queue.
    queue = text(app.test_client().login_as(moderator).get("/moderation/medoc"))
    assert "Contestation de l'auteur" in queue and WHY in queue and "contesté par l'auteur" in queue


def test_without_csrf_nothing_is_contested(app, hidden_idea, author):
    client = app.test_client().login_as(author)
    assert client.post(contest_url(hidden_idea), data={"text": WHY}, csrf=False).status_code in (400, 422)
    assert db.session.scalar(select(func.count(Contestation.id))) == 0


@pytest.mark.parametrize("who", ["anonymous", "resident", "moderator"])
def test_others_cannot_contest(app, hidden_idea, who, resident, moderator):
    client = app.test_client()
    if who != "anonymous":
        client.login_as({"resident": resident, "moderator": moderator}[who])
    response = client.post(contest_url(hidden_idea), data={"text": WHY})
    if who == "anonymous":
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert db.session.scalar(select(func.count(Contestation.id))) == 0


# --- Suspensions ------------------------------------------------------------------------------


def test_a_suspended_person_contests_and_the_administration_answers(app, author, admin, resident):
    services.suspend(author, admin, "Messages répétés")
    client = app.test_client().login_as(author)
    assert "/compte/contester-la-suspension" in html(client.get("/compte"))
    assert client.post("/compte/contester-la-suspension", data={"text": ""}).status_code == 422
    assert client.post("/compte/contester-la-suspension", data={"text": WHY}).status_code == 302
    assert "Contestation en cours" in text(client.get("/compte"))
    admin_client = app.test_client().login_as(admin)
    page = text(admin_client.get("/moderation/suspensions"))
    assert WHY in page and "Maintenir la suspension" in page
    # Neither a resident nor the person may answer it.
    for other in (resident, author):
        response = app.test_client().login_as(other).post(f"/moderation/comptes/{author.id}/maintenir-suspension")
        assert response.status_code == 403
    response = admin_client.post(f"/moderation/comptes/{author.id}/maintenir-suspension", data={"reason": "Récidive"})
    assert response.status_code == 302
    assert db.session.scalar(select(Contestation.outcome)) == "maintain"
    told = db.session.scalars(select(Notification.text).where(Notification.user_id == author.id)).all()[-1]
    assert "la suspension de votre compte est maintenue. Motif : Récidive" in told
    page = text(client.get("/compte"))
    assert "Contestation examinée" in page and "l'administration a maintenu la suspension" in page
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "contest_maintained")) == 1


def test_lifting_a_contested_suspension_answers_it(app, author, admin):
    services.suspend(author, admin)
    contestations.contest_suspension(fresh(User, author.id), WHY)
    services.lift_suspension(fresh(User, author.id), admin)
    assert db.session.scalar(select(Contestation.outcome)) == "unsuspend"


def test_only_a_suspended_person_contests_a_suspension(app, resident):
    client = app.test_client().login_as(resident)
    assert client.get("/compte/contester-la-suspension").status_code == 403
    assert app.test_client().get("/compte/contester-la-suspension").status_code == 302


def test_a_hidden_comment_and_a_hidden_proposal_are_contested_by_their_authors(app, territory, author, moderator):
    idea = factories.make_idea(factories.make_user("Autre"), territory.medoc_commune)
    comment = factories.make_comment(idea, author, "Appelez-moi au 06 12 34 56 78")
    association = factories.make_association("Les Petits Pas", territory.medoc_commune, admins=[author])
    colleague = factories.make_user("Collègue de l'association")
    factories.make_association("Autre structure", territory.medoc_commune, admins=[colleague])
    proposal = factories.make_proposal(association, author, poles=(territory.medoc,))
    reporter = factories.make_user("Voisin Signaleur")
    for item in (comment, proposal):
        services.act(services.report(reporter, item, "spam").case, "hide", moderator, "Publicité")
    client = app.test_client().login_as(author)
    page = html(client.get(f"/idees/{idea.id}"))
    assert f'href="/contester/commentaire/{comment.id}"' in page
    response = client.post(f"/contester/commentaire/{comment.id}", data={"text": WHY})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#comment-{comment.id}")
    response = client.post(f"/contester/proposition/{proposal.id}", data={"text": WHY})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Contestation.id))) == 2
    # Someone outside the association may not contest its proposal.
    outsider = app.test_client().login_as(colleague)
    assert outsider.get(f"/contester/proposition/{proposal.id}").status_code == 403


def test_the_database_keeps_one_open_contestation_per_item(app, hidden_idea, author):
    from sqlalchemy.exc import IntegrityError

    def add():
        db.session.add(Contestation(kind="idea", target_id=hidden_idea.id, author_id=author.id, text=WHY))
        db.session.flush()

    add()
    with pytest.raises(IntegrityError):
        add()
    db.session.rollback()
    # Answered ones do not count: a later decision may be contested.
    add()
    db.session.execute(Contestation.__table__.update().values(decided_at=utcnow(), outcome="hide"))
    add()
    db.session.commit()
    assert db.session.scalar(select(func.count(Contestation.id))) == 2


@pytest.mark.parametrize(
    ("acting_in", "reader", "expected"),
    [
        ("fr", "en", "Your challenge has been reviewed: your account remains suspended. Reason: Récidive"),
        (
            "en",
            "fr",
            "Votre contestation a été examinée : la suspension de votre compte est maintenue. Motif : Récidive",
        ),
    ],
)
def test_the_answer_to_a_contested_suspension_is_in_the_persons_language(
    app, author, admin, acting_in, reader, expected
):
    from app.i18n import in_locale

    author.locale = reader
    services.suspend(author, admin)
    contestations.contest_suspension(fresh(User, author.id), WHY)
    with in_locale(acting_in):
        contestations.maintain_suspension(fresh(User, author.id), admin, "Récidive")
    told = db.session.scalars(select(Notification.text).where(Notification.user_id == author.id)).all()[-1]
    assert told == expected

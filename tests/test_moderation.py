"""Moderation: reports, automatic hiding, scoped queues and actions, audit log, suspensions,
spam brakes — at the service level and through the routes, per role."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, CaseStatus, Comment, Idea, ModerationCase, Notification, Report, User
from app.models.base import utcnow
from app.moderation import services
from app.permissions import can
from tests import factories
from tests.helpers import count_queries, html, text

PLACEHOLDER = "contenu masqué en attente de modération"


@pytest.fixture
def author(app):
    return factories.make_user("Odile Autrice")


@pytest.fixture
def bassin_moderator(app, territory):
    return factories.make_user("Modération Bassin", moderated_pole_id=territory.bassin.id)


@pytest.fixture
def suspended(app):
    return factories.make_user("Compte Suspendu", suspended_at=utcnow())


@pytest.fixture
def reporters(app):
    return [factories.make_user(f"Voisin {n}") for n in range(4)]


@pytest.fixture
def medoc_idea(territory, author):
    return factories.make_idea(author, territory.medoc_commune, title="Un lavoir partagé")


@pytest.fixture
def bassin_idea(territory, author):
    return factories.make_idea(author, territory.bassin_commune, title="Une cale pour les kayaks")


def set_poles(proposal, *poles):
    from app.models.participation import proposal_poles

    db.session.execute(proposal_poles.insert(), [{"proposal_id": proposal.id, "pole_id": p.id} for p in poles])
    db.session.commit()


def client_for(app, user):
    return app.test_client().login_as(user)


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def report_url(word, item_id):
    return f"/signaler/{word}/{item_id}"


# --- Reports and automatic hiding -------------------------------------------------------------


def test_report_once_with_reason_and_threshold_hides(app, medoc_idea, reporters, author):
    app.config["MODERATION_HIDE_THRESHOLD"] = 3
    for person in reporters[:2]:
        result = services.report(person, medoc_idea, "spam")
        assert not result.hidden_now
    assert fresh(Idea, medoc_idea.id).hidden_at is None
    with pytest.raises(services.ModerationError, match="déjà signalé"):
        services.report(reporters[0], fresh(Idea, medoc_idea.id), "hors_sujet")
    result = services.report(reporters[2], fresh(Idea, medoc_idea.id), "autre", "Publicité déguisée")
    assert result.hidden_now
    assert fresh(Idea, medoc_idea.id).hidden_at is not None
    assert db.session.scalar(select(func.count(Report.id))) == 3
    case = db.session.scalar(select(ModerationCase))
    assert case.report_count == 3 and case.status == CaseStatus.OPEN
    # A hidden item is not reported again; the author heard about it.
    with pytest.raises(services.ModerationError, match="déjà masqué"):
        services.report(reporters[3], fresh(Idea, medoc_idea.id), "spam")
    assert db.session.scalar(
        select(Notification).where(Notification.user_id == author.id, Notification.kind == "moderation_hidden")
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auto_hide"))
    from app.models import Pole
    from app.models.moderation import audit_entry_poles

    assert entry.actor_id is None
    assert db.session.scalars(
        select(Pole.name).join(audit_entry_poles).where(audit_entry_poles.c.entry_id == entry.id)
    ).all() == ["Médoc"]


def test_cannot_report_own_content_and_other_needs_text(app, medoc_idea, author, resident):
    with pytest.raises(services.ModerationError, match="propre contribution"):
        services.report(author, medoc_idea, "spam")
    with pytest.raises(services.ModerationError, match="Précisez"):
        services.report(resident, medoc_idea, "autre", "  ")
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_report_routes_per_role(app, medoc_idea, resident, author, suspended):
    url = report_url("idee", medoc_idea.id)
    assert app.test_client().get(url).status_code == 302  # anonymous: log in first
    assert (
        client_for(app, suspended).post(url, data={f"signaler-idee-{medoc_idea.id}-reason": "spam"}).status_code == 403
    )
    c = client_for(app, resident)
    page = c.get(url)
    assert page.status_code == 200 and "Pourquoi signalez-vous ce contenu" in text(page)
    prefix = f"signaler-idee-{medoc_idea.id}-"
    # "Autre" without text: the form comes back with the French error.
    bad = c.post(url, data={prefix + "reason": "autre", prefix + "text": ""})
    assert bad.status_code == 422 and "Précisez la raison" in text(bad)
    ok = c.post(url, data={prefix + "reason": "spam"})
    assert ok.status_code == 302
    twice = c.htmx("POST", url, data={prefix + "reason": "spam"})
    assert twice.status_code == 409 and "déjà signalé" in text(twice)
    own = client_for(app, author).post(url, data={prefix + "reason": "spam"}, follow_redirects=True)
    assert "propre contribution" in text(own)
    assert db.session.scalar(select(func.count(Report.id))) == 1


def test_hidden_comment_keeps_thread_shape(app, territory, author, resident, reporters):
    app.config["MODERATION_HIDE_THRESHOLD"] = 2
    idea = factories.make_idea(author, territory.medoc_commune)
    parent = factories.make_comment(idea, author, "Message parent à masquer")
    reply = factories.make_comment(idea, resident, "Une réponse qui reste", reply_to=parent)
    c = client_for(app, reporters[0])
    prefix = f"signaler-commentaire-{parent.id}-"
    c.post(report_url("commentaire", parent.id), data={prefix + "reason": "injurieux"})
    last = client_for(app, reporters[1]).htmx(
        "POST", report_url("commentaire", parent.id), data={prefix + "reason": "injurieux"}
    )
    assert last.status_code == 200
    assert "<hx-partial" in html(last) and PLACEHOLDER in html(last)
    page = html(app.test_client().get(f"/idees/{idea.id}"))
    assert PLACEHOLDER in page and "Message parent à masquer" not in page
    assert f'id="comment-{parent.id}"' in page and "Une réponse qui reste" in page
    assert f'id="comment-{reply.id}"' in page
    # Its author still reads it, with a notice.
    own = html(client_for(app, author).get(f"/idees/{idea.id}"))
    assert "Message parent à masquer" in own and "seuls son auteur" in own


def test_comment_count_is_what_readers_can_see(app, territory, author, resident, reporters, moderator, admin):
    """Hidden comments leave their subject's count; restored ones come back; each path once."""
    app.config["MODERATION_HIDE_THRESHOLD"] = 2
    idea = factories.make_idea(resident, territory.medoc_commune)
    first = factories.make_comment(idea, author, "Premier message")
    second = factories.make_comment(idea, resident, "Deuxième message")
    factories.make_comment(idea, author, "Troisième message")

    def count():
        return fresh(Idea, idea.id).comment_count

    assert count() == 3
    # Automatic hiding at the threshold, then the reports are found unfounded.
    for person in reporters[:2]:
        services.report(person, fresh(Comment, first.id), "spam")
    assert count() == 2
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.target_id == first.id))
    services.act(case, "dismiss", moderator)
    assert count() == 3
    # Hidden by a moderator, then restored: one step each way, never twice.
    services.report(reporters[2], fresh(Comment, second.id), "injurieux")
    case = db.session.scalar(select(ModerationCase).where(ModerationCase.target_id == second.id))
    services.act(case, "hide", moderator, "Hors sujet")
    assert count() == 2
    with pytest.raises(services.ModerationError):
        services.act(fresh(ModerationCase, case.id), "hide", moderator, "Hors sujet")
    assert count() == 2
    services.act(fresh(ModerationCase, case.id), "restore", moderator)
    assert count() == 3
    # Everything an account posted, hidden at once: recounted from the visible rows.
    services.hide_all_content(fresh(User, author.id), admin)
    assert count() == 1
    page = text(app.test_client().get("/idees/"))
    assert "1 commentaire" in page


def test_hidden_idea_placeholder_for_public_and_content_for_moderator(app, medoc_idea, moderator, resident):
    medoc_idea.hidden_at = utcnow()
    db.session.commit()
    public = html(client_for(app, resident).get(f"/idees/{medoc_idea.id}"))
    assert PLACEHOLDER in public and "Un lavoir partagé" not in public
    assert "Un lavoir partagé" not in html(app.test_client().get("/idees/"))
    mod = html(client_for(app, moderator).get(f"/idees/{medoc_idea.id}"))
    assert "Un lavoir partagé" in mod and "seuls son auteur" in mod


# --- Scope -----------------------------------------------------------------------------------


def test_scope_rules(app, territory, medoc_idea, bassin_idea, moderator, bassin_moderator, admin, author):
    association = factories.make_association("Deux Rives", territory.medoc_commune, admins=[author])
    both = factories.make_proposal(association, author)
    set_poles(both, territory.medoc, territory.bassin)
    comment = factories.make_comment(bassin_idea, author)
    assert can(moderator, "content.moderate", medoc_idea)
    assert not can(moderator, "content.moderate", bassin_idea)
    assert not can(moderator, "content.moderate", comment)
    assert can(bassin_moderator, "content.moderate", comment)
    assert can(moderator, "content.moderate", both) and can(bassin_moderator, "content.moderate", both)
    assert all(can(admin, "content.moderate", x) for x in (medoc_idea, bassin_idea, comment, both))
    assert not can(author, "content.moderate", medoc_idea)


def _reported(app, item, reporters, word, n=1):
    for person in reporters[:n]:
        prefix = f"signaler-{word}-{item.id}-"
        assert (
            client_for(app, person).post(report_url(word, item.id), data={prefix + "reason": "spam"}).status_code == 302
        )
    return db.session.scalar(
        select(ModerationCase).where(
            ModerationCase.target_id == item.id,
            ModerationCase.kind == {"idee": "idea", "commentaire": "comment", "proposition": "proposal"}[word],
        )
    )


def test_other_pole_moderator_cannot_see_or_act(app, bassin_idea, medoc_idea, reporters, moderator, bassin_moderator):
    case = _reported(app, bassin_idea, reporters, "idee")
    medoc = client_for(app, moderator)
    assert medoc.get("/moderation/bassin").status_code == 403
    assert "Une cale pour les kayaks" not in html(medoc.get("/moderation/medoc"))
    response = medoc.post(f"/moderation/cas/{case.id}", data={"action": "hide", f"cas{case.id}-reason": "non"})
    assert response.status_code == 403
    assert fresh(Idea, bassin_idea.id).hidden_at is None
    # The bulk form refuses it too, and nothing changes.
    response = medoc.post(
        "/moderation/lot", data={"pole": "bassin", "action": "hide", "motif": "publicite", "cas": str(case.id)}
    )
    assert response.status_code == 403
    response = medoc.post(
        "/moderation/lot",
        data={"pole": "medoc", "action": "hide", "motif": "publicite", "cas": str(case.id)},
        follow_redirects=True,
    )
    assert "refusé" in text(response)
    assert fresh(Idea, bassin_idea.id).hidden_at is None
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "hide")) == 0
    # Its own moderator sees it and acts.
    bassin = client_for(app, bassin_moderator)
    assert "Une cale pour les kayaks" in html(bassin.get("/moderation/bassin"))
    assert (
        bassin.post(
            f"/moderation/cas/{case.id}", data={"action": "hide", f"cas{case.id}-motif": "publicite"}
        ).status_code
        == 302
    )
    assert fresh(Idea, bassin_idea.id).hidden_at is not None


@pytest.mark.parametrize("back", ["/\t/evil.example", "//evil.example", "https://evil.example", "/\\evil.example"])
def test_a_decision_never_redirects_off_the_site(app, bassin_idea, reporters, bassin_moderator, back):
    """Issue 14, finding 10: ``retour="/\t/evil.example"`` gave ``Location: //evil.example``."""
    case = _reported(app, bassin_idea, reporters, "idee")
    response = client_for(app, bassin_moderator).post(
        f"/moderation/cas/{case.id}", data={"action": "dismiss", "retour": back}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/moderation/", response.headers["Location"]


@pytest.mark.parametrize(
    "role,expected",
    [
        ("anonymous", 302),
        ("resident", 403),
        ("member", 403),
        ("moderator", 200),
        ("admin", 200),
        ("bassin_moderator", 403),
    ],
)
def test_medoc_queue_per_role(app, request, territory, role, expected):
    client = app.test_client() if role == "anonymous" else client_for(app, request.getfixturevalue(role))
    assert client.get("/moderation/medoc").status_code == expected


@pytest.mark.parametrize(
    "path,role,expected",
    [
        ("/moderation/", "anonymous", 302),
        ("/moderation/", "resident", 403),
        ("/moderation/", "moderator", 302),
        ("/moderation/", "admin", 200),
        ("/moderation/journal", "resident", 403),
        ("/moderation/journal", "moderator", 200),
        ("/moderation/journal", "admin", 200),
        ("/moderation/suspensions", "moderator", 403),
        ("/moderation/suspensions", "admin", 200),
    ],
)
def test_moderation_pages_per_role(app, request, territory, path, role, expected):
    client = app.test_client() if role == "anonymous" else client_for(app, request.getfixturevalue(role))
    assert client.get(path).status_code == expected


# --- Actions ---------------------------------------------------------------------------------


def test_actions_in_place_notify_and_log(app, medoc_idea, reporters, moderator, author):
    app.config["MODERATION_HIDE_THRESHOLD"] = 2
    case = _reported(app, medoc_idea, reporters, "idee", n=2)
    assert fresh(Idea, medoc_idea.id).hidden_at is not None
    mod = client_for(app, moderator)
    response = mod.htmx(
        "POST",
        f"/moderation/cas/{case.id}",
        data={"action": "restore", f"cas{case.id}-reason": "Rien de contraire à la charte"},
    )
    assert (
        response.status_code == 200
        and f'id="case-{case.id}"' in html(response)
        and "Rétablir : c'est fait" in text(response)
    )
    assert fresh(Idea, medoc_idea.id).hidden_at is None
    note = db.session.scalar(
        select(Notification).where(Notification.user_id == author.id, Notification.kind == "moderation_restore")
    )
    assert "Rien de contraire à la charte" in note.text
    # Already handled: a clear message, nothing duplicated.
    again = mod.htmx("POST", f"/moderation/cas/{case.id}", data={"action": "restore"})
    assert again.status_code == 409 and "rien à rétablir" in text(again)
    dismissed = mod.htmx("POST", f"/moderation/cas/{case.id}", data={"action": "dismiss"})
    assert dismissed.status_code == 409 and "déjà été traités" in text(dismissed)
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["auto_hide", "restore"]
    assert entries[1].actor_id == moderator.id and entries[1].reason == "Rien de contraire à la charte"
    # Without JavaScript: the same action as a form, then back to the queue.
    case2 = _reported(app, factories.make_idea(author, _commune(medoc_idea)), reporters, "idee")
    response = mod.post(
        f"/moderation/cas/{case2.id}",
        data={"action": "ask_edit", f"cas{case2.id}-reason": "Précisez le lieu", "retour": "/moderation/medoc"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderation/medoc")
    assert fresh(ModerationCase, case2.id).status == CaseStatus.EDIT_REQUESTED


def _commune(idea):
    from app.models import Commune

    return db.session.get(Commune, fresh(Idea, idea.id).commune_id)


def test_bulk_action_and_queue_sorting(app, territory, author, reporters, moderator):
    app.config["MODERATION_HIDE_THRESHOLD"] = 10
    ideas = [factories.make_idea(author, territory.medoc_commune, title=f"Idée {n}") for n in range(3)]
    cases = [_reported(app, idea, reporters, "idee", n=n + 1) for n, idea in enumerate(ideas)]
    mod = client_for(app, moderator)
    page = html(mod.get("/moderation/medoc?tri=signalements"))
    assert page.index("Idée 2") < page.index("Idée 1") < page.index("Idée 0")
    response = mod.htmx(
        "POST",
        "/moderation/lot",
        data={"pole": "medoc", "action": "hide", "reason": "Spam", "cas": [str(cases[0].id), str(cases[1].id)]},
    )
    assert response.status_code == 200 and "2 contenu(s) traité(s)" in text(response)
    assert [fresh(Idea, i.id).hidden_at is not None for i in ideas] == [True, True, False]
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "hide")) == 2
    # Once more: refused, nothing duplicated.
    again = mod.post(
        "/moderation/lot",
        data={"pole": "medoc", "action": "hide", "reason": "Spam", "cas": [str(cases[0].id)]},
        follow_redirects=True,
    )
    assert "déjà masqué" in text(again)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "hide")) == 2


def test_queue_keeps_a_constant_number_of_queries(app, territory, author, reporters, moderator):
    idea = factories.make_idea(author, territory.medoc_commune)
    association = factories.make_association("Asso", territory.medoc_commune, admins=[author])
    proposal = factories.make_proposal(association, author)
    set_poles(proposal, territory.medoc)
    mod = client_for(app, moderator)

    def add(n):
        for _ in range(n):
            services.report(reporters[0], factories.make_idea(author, territory.medoc_commune), "spam")
            services.report(reporters[0], factories.make_comment(idea, author), "spam")
            services.report(reporters[0], factories.make_comment(proposal, author), "hors_sujet")

    add(1)
    mod.get("/moderation/medoc")
    with count_queries() as small:
        assert mod.get("/moderation/medoc").status_code == 200
    add(6)
    with count_queries() as large:
        page = mod.get("/moderation/medoc")
    assert "21 contenus à examiner" in text(page)
    assert large.count == small.count, (small.count, large.count)


# --- Audit log -------------------------------------------------------------------------------


def test_audit_log_visibility_filters_and_append_only(
    app, medoc_idea, bassin_idea, reporters, moderator, bassin_moderator, admin
):
    for item, mod in ((medoc_idea, moderator), (bassin_idea, bassin_moderator)):
        services.report(reporters[0], item, "spam")
        case = db.session.scalar(select(ModerationCase).where(ModerationCase.target_id == item.id))
        services.act(case, "hide", mod, "Publicité")
    medoc = text(client_for(app, moderator).get("/moderation/journal"))
    assert "Un lavoir partagé" in medoc and "Une cale pour les kayaks" not in medoc
    everything = text(client_for(app, admin).get("/moderation/journal"))
    assert "Un lavoir partagé" in everything and "Une cale pour les kayaks" in everything
    filtered = text(
        client_for(app, admin).get(f"/moderation/journal?pole=bassin&action=hide&moderateur={bassin_moderator.id}")
    )
    assert "Une cale pour les kayaks" in filtered and "Un lavoir partagé" not in filtered
    entry = db.session.scalar(select(AuditEntry))
    entry.reason = "réécrit"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEntry)))
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


# --- Suspension --------------------------------------------------------------------------------


def test_suspension_by_admin_and_its_effects(app, territory, medoc_idea, resident, moderator, admin):
    comment_owner = resident
    # The resident took part in the Médoc: theirs is an account the Médoc moderator looks after.
    factories.make_comment(medoc_idea, resident, "Un avis sur le lavoir.")
    mod = client_for(app, moderator)
    # A pole moderator proposes, never suspends.
    assert mod.post(f"/moderation/comptes/{resident.id}/suspendre", data={"reason": "x"}).status_code == 403
    assert (
        mod.post(
            f"/moderation/comptes/{resident.id}/proposer-suspension", data={"reason": "Insultes répétées"}
        ).status_code
        == 302
    )
    listed = text(client_for(app, admin).get("/moderation/suspensions"))
    assert "Camille Habitante" in listed and "Insultes répétées" in listed
    adm = client_for(app, admin)
    assert adm.post(f"/moderation/comptes/{resident.id}/suspendre", data={"reason": "Insultes"}).status_code == 302
    assert fresh(User, resident.id).suspended_at is not None
    again = adm.post(f"/moderation/comptes/{resident.id}/suspendre", data={}, follow_redirects=True)
    assert "déjà suspendu" in text(again)
    user = fresh(User, comment_owner.id)
    assert not can(user, "idea.create") and not can(user, "comment.create", medoc_idea)
    assert not can(user, "support.toggle", medoc_idea) and not can(user, "content.report", medoc_idea)
    c = client_for(app, resident)
    assert c.post(f"/idees/{medoc_idea.id}/commentaires", data={"commentaire-body": "Encore moi"}).status_code == 403
    assert c.post(f"/signaler/idee/{medoc_idea.id}", data={}).status_code == 403
    assert c.get("/idees/nouvelle").status_code == 403
    # Its existing content stays until hidden in one action.
    own = factories.make_idea(fresh(User, resident.id), territory.medoc_commune, title="Idée d'un compte suspendu")
    assert "Idée d'un compte suspendu" in text(app.test_client().get(f"/idees/{own.id}"))
    assert (
        adm.post(f"/moderation/comptes/{resident.id}/masquer-contenus", data={"reason": "Compte suspendu"}).status_code
        == 302
    )
    assert fresh(Idea, own.id).hidden_at is not None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "hide_all")).target_id == resident.id
    assert adm.post(f"/moderation/comptes/{resident.id}/lever-suspension", data={}).status_code == 302
    assert can(fresh(User, resident.id), "idea.create")
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["propose_suspension", "suspend", "hide_all", "unsuspend"]


def test_admin_cannot_suspend_an_admin(app, admin):
    other = factories.make_user("Autre admin", is_admin=True)
    assert client_for(app, admin).post(f"/moderation/comptes/{other.id}/suspendre", data={}).status_code == 403


# --- Spam brakes ----------------------------------------------------------------------------


def _register(client, n, **extra):
    data = {
        "email": f"nouveau{n}@exemple.fr",
        "display_name": f"Nouveau {n}",
        "password": "une phrase assez longue",
        "password_confirm": "une phrase assez longue",
        "accept_terms": "y",
        **extra,
    }
    return client.post("/inscription", data=data)


def test_registration_honeypot_is_hidden_and_refuses_quietly(app, client):
    page = html(client.get("/inscription"))
    assert 'class="honeypot" aria-hidden="true"' in page and 'tabindex="-1"' in page
    response = _register(client, 1, website="http://spam.example")
    assert response.status_code == 302 and "erreur" not in text(response).lower()
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_registrations_per_address_are_limited(app):
    app.config["REGISTRATIONS_PER_ADDRESS_PER_HOUR"] = 2
    for n in range(2):
        assert _register(app.test_client(), n).status_code == 302
    refused = _register(app.test_client(), 9)
    assert refused.status_code == 429 and "Trop de comptes" in text(refused)
    assert db.session.scalar(select(func.count(User.id))) == 2


def test_new_accounts_posts_are_limited_per_hour(app, territory, medoc_idea):
    app.config["NEW_ACCOUNT_POSTS_PER_HOUR"] = 2
    newcomer = factories.make_user("Nouvelle venue")
    c = client_for(app, newcomer)
    for n in range(2):
        assert (
            c.post(f"/idees/{medoc_idea.id}/commentaires", data={"commentaire-body": f"Message {n}"}).status_code == 302
        )
    refused = c.post(f"/idees/{medoc_idea.id}/commentaires", data={"commentaire-body": "Un de trop"})
    assert refused.status_code == 422 and "Votre compte est récent" in text(refused)
    assert db.session.scalar(select(func.count(Comment.id))) == 2
    form = {
        "title": "Une idée",
        "description": "Les seniors isolés ne peuvent pas aller au marché.",
        "commune_id": territory.medoc_commune.id,
        "domain": "sante",
        "publics": ["seniors"],
    }
    refused = c.post("/idees/nouvelle", data=dict(form))
    assert refused.status_code == 429 and "Votre compte est récent" in text(refused)
    # An older account is not braked.
    old = factories.make_user("Ancienne", created_at=utcnow().replace(year=2020))
    assert client_for(app, old).post("/idees/nouvelle", data=dict(form)).status_code == 302


# --- Hiding needs a reason; the author sees the final state ---------------------------------


def test_hiding_without_a_reason_is_refused_everywhere(app, medoc_idea, reporters, moderator):
    case = _reported(app, medoc_idea, reporters, "idee")
    with pytest.raises(services.ModerationError, match="motif du masquage"):
        services.act(case, "hide", moderator, "  ")
    mod = client_for(app, moderator)
    # htmx: the case comes back with the error next to the field, what was typed kept.
    response = mod.htmx("POST", f"/moderation/cas/{case.id}", data={"action": "hide", f"cas{case.id}-motif": ""})
    assert response.status_code == 422
    assert f'id="cas{case.id}-motif-error"' in html(response)
    assert "Choisissez un motif ou écrivez-le" in text(response)
    # Without JavaScript: a page with the error summary, not a redirect that would lose the text.
    response = mod.post(
        f"/moderation/cas/{case.id}",
        data={"action": "hide", f"cas{case.id}-motif": "inconnu", f"cas{case.id}-reason": "x" * 1001},
    )
    assert response.status_code == 422
    page = html(response)
    assert "error-summary" in page and f'href="#cas{case.id}-motif"' in page
    assert "Choisissez un motif de la liste." in text(response) and "1 000 caractères au plus." in text(response)
    assert 'value="' + "x" * 1001 + '"' in page
    # The bulk form too.
    bulk = mod.post(
        "/moderation/lot", data={"pole": "medoc", "action": "hide", "cas": str(case.id)}, follow_redirects=True
    )
    assert "Choisissez un motif ou écrivez-le" in text(bulk)
    assert fresh(Idea, medoc_idea.id).hidden_at is None
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "hide")) == 0


def test_the_author_sees_the_final_state_and_its_reason(app, medoc_idea, reporters, moderator, author):
    app.config["MODERATION_HIDE_THRESHOLD"] = 1
    case = _reported(app, medoc_idea, reporters, "idee")
    own = client_for(app, author)
    # Hidden by a report: pending review, and said so.
    assert "masqué en attente de modération" in text(own.get(f"/idees/{medoc_idea.id}"))
    mod = client_for(app, moderator)
    response = mod.post(
        f"/moderation/cas/{case.id}",
        data={
            "action": "hide",
            f"cas{case.id}-motif": "donnees_personnelles",
            f"cas{case.id}-reason": "un numéro de téléphone",
        },
    )
    assert response.status_code == 302
    reason = "Données personnelles : un numéro de téléphone"
    assert fresh(Idea, medoc_idea.id).hidden_reason == reason
    page = text(own.get(f"/idees/{medoc_idea.id}"))
    assert f"Masqué par la modération : {reason}." in page
    assert "en attente de modération" not in page
    # "Contester cette décision" is a real request now (tests/test_contestations.py), no longer the rules page.
    assert f'href="/contester/idee/{medoc_idea.id}"' in html(own.get(f"/idees/{medoc_idea.id}"))
    note = db.session.scalar(select(Notification).where(Notification.kind == "moderation_hide"))
    assert reason in note.text
    # The public reads only that the moderation hid it, not the reason.
    public = text(app.test_client().get(f"/idees/{medoc_idea.id}"))
    assert "contenu masqué par la modération" in public and "téléphone" not in public
    # The list of hidden content says why; restoring forgets the reason.
    assert reason in text(mod.get("/moderation/medoc/masques"))
    mod.post(f"/moderation/cas/{case.id}", data={"action": "restore"})
    assert fresh(Idea, medoc_idea.id).hidden_reason is None


def test_a_written_reason_alone_is_enough(app, medoc_idea, reporters, moderator):
    case = _reported(app, medoc_idea, reporters, "idee")
    response = client_for(app, moderator).htmx(
        "POST", f"/moderation/cas/{case.id}", data={"action": "hide", f"cas{case.id}-reason": "Message en double"}
    )
    assert response.status_code == 200 and "Masquer : c'est fait." in text(response)
    assert fresh(Idea, medoc_idea.id).hidden_reason == "Message en double"

"""Issue 18: official replies (badge, reports, pinning) and speaking or supporting as an association."""

from __future__ import annotations

import pytest
from flask import render_template
from sqlalchemy import delete, func, select

from app.comments import official
from app.comments import services as comment_services
from app.discussion import thread_context
from app.extensions import db
from app.models import (
    AssociationSupport,
    AuditEntry,
    Comment,
    Commune,
    Idea,
    Membership,
    PoleRole,
    PoleRoleKind,
    Proposal,
    User,
)
from app.models.moderation import CaseStatus, ModerationCase
from app.moderation import services as moderation
from app.permissions import can
from app.supports import services as supports
from tests import factories
from tests.helpers import count_queries, html, text


@pytest.fixture
def association(app, member):
    return db.session.get(
        factories.Association,
        db.session.scalar(select(Membership.association_id).where(Membership.user_id == member.id)),
    )


@pytest.fixture
def other_association(app, member, territory):
    """A second association the member belongs to (as a plain member), which wrote nothing."""
    return factories.make_association("Lire à Lesparre", territory.medoc_commune, members=[member])


@pytest.fixture
def idea(app, territory):
    return factories.make_idea(factories.make_user("Autrice de l'idée"), territory.medoc_commune)


@pytest.fixture
def proposal(app, association, member, territory):
    return factories.make_proposal(association, member, communes=(territory.medoc_commune,))


@pytest.fixture
def agent(app, territory):
    user = factories.make_user("Agente Médoc")
    db.session.add(PoleRole(user_id=user.id, pole_id=territory.medoc.id, role=PoleRoleKind.AGENT.value))
    db.session.commit()
    return user


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def _comment(subject, user, **kwargs) -> Comment:
    return factories.make_comment(subject, user, **kwargs)


# --- The badge, stored when written -------------------------------------------------------------


def test_who_answers_officially_and_what_the_badge_says(app, idea, proposal, moderator, agent, admin, member, resident):
    with app.test_request_context():
        by_moderator = _comment(idea, moderator)
        by_agent = _comment(idea, agent)
        by_admin = _comment(idea, admin)
        by_author = _comment(proposal, member)
        by_resident = _comment(idea, resident)
        by_member_elsewhere = _comment(idea, member)  # an idea has no author association
        assert (by_moderator.official_role, by_moderator.official_name) == ("moderator", "Médoc")
        assert official.badge(by_moderator) == "Réponse du pôle Médoc · modération"
        assert official.badge(by_agent) == "Réponse du pôle Médoc · agent"
        assert official.badge(by_admin) == "Réponse du Département de la Gironde · administration"
        assert official.badge(by_author) == "Association autrice · Les Jardins du Médoc"
        assert by_resident.official_role is None and by_member_elsewhere.official_role is None


def test_a_moderator_of_another_unit_is_not_official(app, territory, idea):
    elsewhere = factories.make_user("Modération Bassin", moderated_pole_id=territory.bassin.id)
    with app.test_request_context():
        assert _comment(idea, elsewhere).official_role is None


def test_the_badge_keeps_the_role_held_when_it_was_said(app, idea, moderator, client):
    with app.test_request_context():
        comment = _comment(idea, moderator, body="Nous passons jeudi.")
    db.session.execute(delete(PoleRole).where(PoleRole.user_id == moderator.id))
    db.session.commit()
    assert fresh(Comment, comment.id).official_role == "moderator"
    page = html(client.get(f"/idees/{idea.id}"))
    assert '<span class="official-badge">Réponse du pôle Médoc · modération</span>' in page


# --- Reports: an official reply waits for a moderator ------------------------------------------


def test_three_reports_queue_an_official_reply_without_hiding_it(app, idea, moderator, resident):
    app.config["MODERATION_HIDE_THRESHOLD"] = 3
    reporters = [factories.make_user(f"Signaleur {i}") for i in range(3)]
    with app.test_request_context():
        answer = _comment(idea, moderator)
        ordinary = _comment(idea, resident)
        for person in reporters:
            assert not moderation.report(person, fresh(Comment, answer.id), "spam").hidden_now
            last = moderation.report(person, fresh(Comment, ordinary.id), "spam")
    assert last.hidden_now and fresh(Comment, ordinary.id).hidden_at is not None  # the rule still holds for others
    assert fresh(Comment, answer.id).hidden_at is None
    case = db.session.scalar(
        select(ModerationCase).where(ModerationCase.kind == "comment", ModerationCase.target_id == answer.id)
    )
    assert case.status == CaseStatus.OPEN and case.pending_reports == 3
    assert fresh(Idea, idea.id).comment_count == 1  # only the ordinary one left the count


# --- Pinning ---------------------------------------------------------------------------------


def _pin_url(proposal, comment) -> str:
    return f"/propositions/{proposal.id}/commentaires/{comment.id}/epingler"


def test_who_may_pin(app, proposal, member, other_association, moderator, admin, resident, territory):
    plain_member = factories.make_user("Simple membre")
    db.session.add(Membership(association_id=proposal.association_id, user_id=plain_member.id, role="member"))
    db.session.commit()
    elsewhere = factories.make_user("Modération Bassin", moderated_pole_id=territory.bassin.id)
    with app.test_request_context():
        assert can(member, "comment.pin", proposal)  # the author association's administrator
        assert can(moderator, "comment.pin", proposal)
        assert can(admin, "comment.pin", proposal)
        assert not can(plain_member, "comment.pin", proposal)
        assert not can(resident, "comment.pin", proposal)
        assert not can(elsewhere, "comment.pin", proposal)
        assert not can(None, "comment.pin", proposal)


@pytest.mark.parametrize("role", ["anonymous", "resident", "member"])
def test_direct_pin_posts_are_refused(app, role, proposal, moderator, resident, member, client):
    with app.test_request_context():
        answer = _comment(proposal, moderator)
    if role == "resident":
        client.login_as(resident)
    elif role == "member":
        plain = factories.make_user("Simple membre")
        db.session.add(Membership(association_id=proposal.association_id, user_id=plain.id, role="member"))
        db.session.commit()
        client.login_as(plain)
    response = client.post(_pin_url(proposal, answer))
    if role == "anonymous":
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert fresh(Proposal, proposal.id).pinned_comment_id is None


def test_pin_replace_unpin_and_only_official_answers(app, proposal, moderator, member, resident, client):
    with app.test_request_context():
        first = _comment(proposal, moderator, body="Premier avis du pôle")
        second = _comment(proposal, member, body="Réponse de l'association")
        ordinary = _comment(proposal, resident, body="Avis d'une habitante")
    client.login_as(moderator)
    assert client.post(_pin_url(proposal, first)).status_code == 302
    assert fresh(Proposal, proposal.id).pinned_comment_id == first.id
    page = text(client.get(f"/propositions/{proposal.id}"))
    assert "Réponse épinglée" in page and "Détacher du haut de la discussion" in page
    assert client.post(_pin_url(proposal, second)).status_code == 302
    assert fresh(Proposal, proposal.id).pinned_comment_id == second.id  # one at a time
    refused = client.post(_pin_url(proposal, ordinary), follow_redirects=True)
    assert "Seule une réponse officielle" in text(refused)
    refused = client.htmx("POST", _pin_url(proposal, ordinary))
    assert refused.status_code == 422 and "Seule une réponse officielle" in text(refused)
    assert fresh(Proposal, proposal.id).pinned_comment_id == second.id
    assert client.post(_pin_url(proposal, second)).status_code == 302
    assert fresh(Proposal, proposal.id).pinned_comment_id is None


def test_pin_with_htmx_answers_the_block_and_the_changed_buttons(app, proposal, moderator, client):
    with app.test_request_context():
        answer = _comment(proposal, moderator, body="Le pôle répond")
    client.login_as(moderator)
    response = client.htmx("POST", _pin_url(proposal, answer))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="discussion-pinned"' in body and "Le pôle répond" in body
    assert f'hx-target="#comment-{answer.id}-main"' in body and "Détacher du haut" in body


def test_a_pinned_answer_deleted_later_is_no_longer_shown(app, proposal, moderator, client):
    with app.test_request_context():
        answer = _comment(proposal, moderator, body="Bientôt supprimé")
        official.toggle_pin(proposal, answer)
        comment_services.delete_comment(fresh(Comment, answer.id))
    assert comment_services.pinned_comment(fresh(Proposal, proposal.id)) is None
    assert "Réponse épinglée" not in text(client.get(f"/propositions/{proposal.id}"))


# --- Speaking as an association --------------------------------------------------------------


def test_a_member_comments_as_their_association(app, idea, member, association, client):
    client.login_as(member)
    page = html(client.get(f"/idees/{idea.id}"))
    assert "Vous vous exprimez" in page and f"Au nom de {association.name}" in page
    response = client.post(
        f"/idees/{idea.id}/commentaires",
        data={"commentaire-body": "Nous pouvons prêter la salle.", "commentaire-speaker": str(association.id)},
    )
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment).where(Comment.idea_id == idea.id))
    assert comment.association_id == association.id and comment.author_id == member.id
    shown = html(client.get(f"/idees/{idea.id}"))
    assert f'{association.name}<span class="comment__member">par {member.display_name}</span>' in shown, (
        "the association's name, the member's beneath it"
    )


def test_the_choice_is_only_for_members_and_only_their_associations(app, idea, member, resident, territory, client):
    outsider = factories.make_association("Autre association", territory.medoc_commune)
    client.login_as(resident)
    assert "Vous vous exprimez" not in html(client.get(f"/idees/{idea.id}"))
    # A resident's forged choice is no field of theirs: the message is their own.
    client.post(
        f"/idees/{idea.id}/commentaires",
        data={"commentaire-body": "Moi aussi.", "commentaire-speaker": str(outsider.id)},
    )
    assert db.session.scalar(select(Comment.association_id).where(Comment.author_id == resident.id)) is None
    client.login_as(member)
    refused = client.post(
        f"/idees/{idea.id}/commentaires",
        data={"commentaire-body": "Au nom d'une autre.", "commentaire-speaker": str(outsider.id)},
    )
    assert refused.status_code == 422
    assert "dont vous êtes membre" in text(refused) and "Au nom d&#39;une autre." in html(refused)
    assert db.session.scalar(select(func.count(Comment.id)).where(Comment.author_id == member.id)) == 0


# --- Supporting as an association ------------------------------------------------------------


def _association_support_url(subject) -> str:
    slug = "idees" if isinstance(subject, Idea) else "propositions"
    return f"/{slug}/{subject.id}/soutien-association"


def test_association_support_is_counted_apart_once_per_association(
    app, idea, member, association, other_association, resident
):
    with app.test_request_context():
        assert supports.toggle_support(idea, resident) is True
        assert supports.toggle_association_support(idea, member, association.id) is True
        assert supports.toggle_association_support(idea, member, other_association.id) is True
        # Another member of the same association finds it supported: pressing withdraws it.
        colleague = factories.make_user("Collègue")
        db.session.add(Membership(association_id=association.id, user_id=colleague.id, role="member"))
        db.session.commit()
        assert supports.toggle_association_support(fresh(Idea, idea.id), colleague, association.id) is False
    counted = fresh(Idea, idea.id)
    assert (counted.support_count, counted.association_support_count) == (1, 1)
    assert db.session.scalar(select(func.count(AssociationSupport.id))) == 1


def test_never_on_its_own_proposal_nor_for_an_association_not_ones_own(
    app, proposal, member, association, other_association, territory
):
    outsider = factories.make_association("Autre association", territory.medoc_commune)
    with app.test_request_context():
        with pytest.raises(supports.SupportRefused, match="propres propositions"):
            supports.toggle_association_support(proposal, member, association.id)
        with pytest.raises(supports.SupportRefused, match="dont vous êtes membre"):
            supports.toggle_association_support(proposal, member, outsider.id)
        # Its other association is no author: it may.
        assert supports.toggle_association_support(proposal, member, other_association.id) is True
        buttons = supports.association_buttons(proposal, member)
    assert [(b.association_id, b.supported) for b in buttons] == [(other_association.id, True)]
    assert fresh(Proposal, proposal.id).association_support_count == 1


@pytest.mark.parametrize("role", ["anonymous", "resident", "moderator"])
def test_direct_association_support_posts_are_refused(app, role, idea, association, resident, moderator, client):
    if role != "anonymous":
        client.login_as(resident if role == "resident" else moderator)
    response = client.post(_association_support_url(idea), data={"au_nom_de": str(association.id)})
    if role == "anonymous":
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert fresh(Idea, idea.id).association_support_count == 0


def test_the_support_box_splits_the_counts(app, idea, member, association, resident, client):
    with app.test_request_context():
        supports.toggle_support(idea, resident)
    client.login_as(member)
    page = text(client.get(f"/idees/{idea.id}"))
    assert "1 soutien" in page and "association" not in page.split("1 soutien")[1][:20]
    assert client.post(_association_support_url(idea), data={"au_nom_de": str(association.id)}).status_code == 302
    page = text(client.get(f"/idees/{idea.id}"))
    assert "1 soutien d'habitant · 1 association" in page


# --- The association's page ------------------------------------------------------------------


def test_the_association_page_lists_what_it_said_and_supported(app, idea, member, association, client):
    with app.test_request_context():
        _comment(idea, member, body="Nous en parlons en conseil.", association_id=association.id)
        _comment(idea, member, body="Mon avis personnel.")
        supports.toggle_association_support(idea, member, association.id)
    page = text(client.get(f"/associations/{association.slug}"))
    said = page.split("Ce qu'elle a dit")[1].split("Ce qu'elle soutient")[0]
    assert "Nous en parlons en conseil." in said and "Mon avis personnel." not in said
    assert idea.title in page.split("Ce qu'elle soutient")[1]


def test_its_administrators_remove_a_comment_made_in_its_name(app, idea, member, association, client):
    spokesperson = factories.make_user("Porte-parole")
    db.session.add(Membership(association_id=association.id, user_id=spokesperson.id, role="member"))
    db.session.commit()
    with app.test_request_context():
        comment = _comment(idea, spokesperson, body="Parole trop vite donnée.", association_id=association.id)
    url = f"/associations/{association.slug}/commentaires/{comment.id}/retirer"
    assert client.post(url).status_code == 302 and "/connexion" in client.post(url).headers["Location"]
    client.login_as(factories.make_user("Passante"))  # a resident may not
    assert client.post(url).status_code == 403
    client.login_as(spokesperson)  # a plain member may not
    assert client.post(url).status_code == 403
    client.login_as(member)
    response = client.post(url, data={"depuis": "association"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#paroles")
    removed = fresh(Comment, comment.id)
    assert removed.deleted_at is not None and removed.body == ""
    assert fresh(Idea, idea.id).comment_count == 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "association_remove"))
    assert entry.actor_id == member.id and entry.target_id == comment.id
    assert "Parole trop vite" in entry.target_label


def test_removing_a_comment_not_said_in_its_name_is_not_found(app, idea, member, association, resident, client):
    with app.test_request_context():
        comment = _comment(idea, resident)
    client.login_as(member)
    assert client.post(f"/associations/{association.slug}/commentaires/{comment.id}/retirer").status_code == 404


def test_deleting_a_hidden_comment_does_not_leave_the_count_twice(app, idea, resident):
    with app.test_request_context():
        kept = _comment(idea, resident)
        hidden = _comment(idea, resident)
        comment_services.visibility_changed(hidden, visible=False)
        fresh(Comment, hidden.id).hidden_at = factories.utcnow()
        db.session.commit()
        comment_services.delete_comment(fresh(Comment, hidden.id))
    assert kept and fresh(Idea, idea.id).comment_count == 1


# --- Queries ---------------------------------------------------------------------------------


def _voices(subject, member, association, moderator, resident, n):
    for i in range(n):
        top = _comment(subject, member, body=f"Fil {i}", association_id=association.id)
        _comment(subject, moderator, body="Le pôle répond", reply_to=top)
        _comment(subject, resident, body="Merci", reply_to=top)


@pytest.mark.parametrize("size", [1, 12])
def test_threads_with_badges_and_association_comments_cost_constant_queries(
    app, proposal, member, association, moderator, resident, size
):
    with app.test_request_context():
        _voices(proposal, member, association, moderator, resident, size)
        answer = db.session.scalar(select(Comment).where(Comment.official_role == "moderator").limit(1))
        official.toggle_pin(proposal, answer)
    proposal_id = proposal.id
    db.session.expunge_all()
    subject = db.session.get(Proposal, proposal_id)
    with count_queries() as log, app.test_request_context(f"/propositions/{proposal_id}"):
        context = thread_context(subject, None)
        # Rendering reads the author, the association and the badge of every message: all loaded.
        page = render_template("comments/_section.html", discussion=context["discussion"])
    assert page.count('class="official-badge"') == size * 2 + 1  # the replies and the pinned copy
    assert page.count("comment__author--association") == size
    # threads, their replies, the last id, the pinned answer
    assert log.count == 4, log.statements


def test_the_association_page_lists_cost_constant_queries(app, territory, member, association, client):
    url = f"/associations/{association.slug}"
    commune_id, member_id = territory.medoc_commune.id, member.id

    def measure() -> int:
        db.session.expunge_all()
        with count_queries() as log:
            assert client.get(url).status_code == 200
        return log.count

    def speak_and_support(n: int) -> None:
        author = factories.make_user(f"Autrice {n}")
        commune = db.session.get(Commune, commune_id)
        idea = factories.make_idea(author, commune, title=f"Idée {n}")
        proposal = factories.make_proposal(factories.make_association(f"Autre {n}"), author, title=f"Proposition {n}")
        with app.test_request_context():
            member_now = db.session.get(User, member_id)
            _comment(idea, member_now, body=f"Avis {n}", association_id=association.id)
            _comment(proposal, member_now, body=f"Question {n}", association_id=association.id)
            supports.toggle_association_support(idea, member_now, association.id)
            supports.toggle_association_support(db.session.get(Proposal, proposal.id), member_now, association.id)

    speak_and_support(0)
    few = measure()
    for n in range(1, 6):
        speak_and_support(n)
    assert measure() == few
    page = text(client.get(url))
    assert "Avis 5" in page and "Question 5" in page and "Proposition 5" in page

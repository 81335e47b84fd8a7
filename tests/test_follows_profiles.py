"""Follows (automatic and by hand), notifications to followers, "mon fil", public profiles."""

import pytest
from sqlalchemy import func, select

from app.comments import services as comment_services
from app.extensions import db
from app.follows import services as follows
from app.models import Follow, Notification, ProposalState, User
from tests import factories
from tests.helpers import count_queries, html, text


@pytest.fixture
def idea(app, territory, resident):
    return factories.make_idea(
        resident,
        territory.medoc_commune,
        title="Un lavoir couvert",
        description="Les familles lavent leur linge dehors, même l'hiver.",
        domain="sante",
        publics=["femmes"],
        via_services=True,
    )


def test_authors_follow_what_they_write_and_comment(app, idea, resident, territory, member):
    assert follows.is_following(resident.id, idea)
    other = factories.make_user("Voisine")
    comment_services.create_comment(idea, other, "Je suis d'accord.")
    assert follows.is_following(other.id, idea)


def test_followers_hear_of_new_comments_once(app, idea, resident):
    follower = factories.make_user("Suiveuse")
    follows.follow(follower.id, idea)
    commenter = factories.make_user("Commentatrice")
    comment_services.create_comment(idea, commenter, "Une remarque.")
    kinds = dict(db.session.execute(select(Notification.user_id, Notification.kind)).all())
    assert kinds[follower.id] == "followed"
    # The author is told as the author, not a second time as a follower.
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == resident.id)) == 1
    assert commenter.id not in kinds


def test_fan_out_to_many_followers_is_bulk(app, idea):
    people = [User(email=f"suivi{i}@exemple.fr", display_name=f"Suivi {i}", password="x" * 12) for i in range(300)]
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all([Follow(user_id=p.id, target="idea", target_id=idea.id) for p in people])
    db.session.commit()
    commenter = factories.make_user("Commentatrice")
    with count_queries() as log:
        comment_services.create_comment(idea, commenter, "À tous ceux qui suivent.")
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "followed")) == 300
    assert log.count < 25, log.statements


@pytest.mark.parametrize("who,status", [("anonymous", 302), ("resident", 302), ("member", 302), ("admin", 302)])
def test_follow_and_unfollow_by_role(app, idea, territory, who, status, request):
    client = app.test_client()
    user = None
    if who != "anonymous":
        user = request.getfixturevalue(who) if who != "resident" else factories.make_user("Autre habitante")
        client.login_as(user)
    response = client.post(f"/idees/{idea.id}/suivre")
    assert response.status_code == status
    if user is None:
        assert "/connexion" in response.headers["Location"]
        return
    assert follows.is_following(user.id, idea)
    client.post(f"/idees/{idea.id}/suivre")
    assert not follows.is_following(user.id, idea)


def test_a_draft_can_only_be_followed_by_its_authors(app, territory, member, resident):
    association = db.session.scalar(select(factories.Association))
    draft = factories.make_proposal(association, member, state=ProposalState.DRAFT)
    outsider = app.test_client().login_as(resident)
    assert outsider.post(f"/propositions/{draft.id}/suivre").status_code == 403
    assert not follows.is_following(resident.id, draft)


def test_htmx_toggle_answers_the_button(app, idea, territory):
    client = app.test_client().login_as(factories.make_user("Quelqu'un"))
    response = client.htmx("POST", f"/idees/{idea.id}/suivre")
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<div class="follow" id="suivre">') and 'aria-pressed="true"' in fragment


def test_follow_a_territory_and_an_association(app, territory, member):
    association = db.session.scalar(select(factories.Association))
    client = app.test_client().login_as(factories.make_user("Curieuse"))
    assert client.post(f"/territoires/{territory.medoc.id}/suivre").status_code == 302
    assert client.post(f"/associations/{association.id}/suivre").status_code == 302
    assert client.post("/territoires/9999/suivre").status_code == 404


def test_feed_lists_activity_of_what_i_follow_only(app, territory, member, resident):
    reader = factories.make_user("Lectrice")
    followed_idea = factories.make_idea(resident, territory.medoc_commune, title="Idée suivie")
    other_idea = factories.make_idea(resident, territory.bassin_commune, title="Idée non suivie")
    follows.follow(reader.id, followed_idea)
    follows.follow(reader.id, territory.bassin)  # new ideas there appear
    comment_services.create_comment(followed_idea, member, "Un commentaire sur l'idée suivie.")
    comment_services.create_comment(other_idea, member, "Ailleurs.")
    factories.make_idea(resident, territory.bassin_commune, title="Nouvelle idée au Bassin")
    client = app.test_client().login_as(reader)
    page = text(client.get("/fil"))
    assert "a commenté « Idée suivie »" in page
    assert "Nouvelle idée dans le pôle Bassin : « Nouvelle idée au Bassin »" in page
    assert "a commenté « Idée non suivie »" not in page
    assert app.test_client().get("/fil").status_code == 302


def test_public_profile_shows_ideas_and_comments_unless_hidden(app, territory, member, resident):
    idea = factories.make_idea(resident, territory.medoc_commune, title="Mon idée publique")
    comment_services.create_comment(idea, resident, "Mon commentaire public.")
    association = db.session.scalar(select(factories.Association))
    draft = factories.make_proposal(association, member, state=ProposalState.DRAFT)
    comment = comment_services.Comment(
        proposal_id=draft.id, author_id=resident.id, body="Sur un brouillon", body_html="<p>Sur un brouillon</p>"
    )
    db.session.add(comment)
    db.session.commit()
    page = text(app.test_client().get(f"/personnes/{resident.id}"))
    assert "Mon idée publique" in page and "Mon commentaire public." in page
    assert "Sur un brouillon" not in page
    assert resident.email not in page  # never the e-mail

    client = app.test_client().login_as(resident)
    assert client.post("/personnes/moi/commentaires").status_code == 302
    page = text(app.test_client().get(f"/personnes/{resident.id}"))
    assert "Mon commentaire public." not in page and "a choisi de ne pas montrer ses commentaires" in page
    assert app.test_client().post("/personnes/moi/commentaires").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, resident.id).hide_comments is True

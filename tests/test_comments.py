"""Threaded discussion of ideas and proposals: the rules (services) and the routes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from app.comments import services
from app.comments.services import CommentError
from app.discussion import thread_context
from app.extensions import db
from app.models import Comment, Idea, Notification, Proposal, ProposalState
from tests import factories
from tests.helpers import count_queries, html, text


@pytest.fixture
def author(app):
    return factories.make_user("Alex Autrice")


@pytest.fixture
def other(app):
    return factories.make_user("Bérénice Voisine")


@pytest.fixture
def idea(app, territory, author):
    return factories.make_idea(author, territory.medoc_commune, title="Une épicerie solidaire mobile")


@pytest.fixture
def proposal(app, member, territory):
    association = db.session.scalar(select(factories.Association))
    return factories.make_proposal(association, member, title="Un bus de l'accès aux droits")


def fresh(model, id_):
    db.session.expire_all()
    return db.session.get(model, id_)


def notifications_of(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def comments_url(subject) -> str:
    slug = "idees" if isinstance(subject, Idea) else "propositions"
    return f"/{slug}/{subject.id}/commentaires"


# --- Rules ----------------------------------------------------------------------------------


def test_threads_nest_three_levels_then_hang_flat_under_the_third(idea, author, other):
    top = factories.make_comment(idea, author, "Premier niveau")
    level2 = factories.make_comment(idea, other, "Deuxième niveau", reply_to=top)
    level3 = factories.make_comment(idea, author, "Troisième niveau", reply_to=level2)
    deeper = factories.make_comment(idea, other, "Réponse au troisième", reply_to=level3)
    deepest = factories.make_comment(idea, author, "Réponse à la réponse", reply_to=deeper)

    assert (top.depth, top.parent_id, top.root_id, top.reply_to_id) == (0, None, None, None)
    assert (level2.depth, level2.parent_id, level2.root_id, level2.reply_to_id) == (1, top.id, top.id, top.id)
    assert (level3.depth, level3.parent_id, level3.root_id) == (2, level2.id, top.id)
    # Deeper replies hang under the level-3 comment and remember whom they answer.
    assert (deeper.depth, deeper.parent_id, deeper.reply_to_id, deeper.root_id) == (3, level3.id, level3.id, top.id)
    assert (deepest.depth, deepest.parent_id, deepest.reply_to_id, deepest.root_id) == (3, level3.id, deeper.id, top.id)

    [thread] = services.thread_page(idea).threads
    node3 = thread.replies[0].replies[0]
    assert [n.comment.id for n in node3.replies] == [deeper.id, deepest.id]
    assert [n.reply_to_name for n in node3.replies] == ["Alex Autrice", "Bérénice Voisine"]
    assert node3.replies[0].replies == []


def test_count_is_kept_by_an_atomic_update(idea, author, other):
    with count_queries() as log:
        first = factories.make_comment(idea, author)
    assert any(re.search(r"UPDATE ideas SET comment_count\s*=\s*\(?ideas\.comment_count \+", s) for s in log.statements)
    # The count is never computed by loading the rows.
    assert not any(re.search(r"count\(comments\.id\)", s, re.I) for s in log.statements)
    factories.make_comment(idea, other, reply_to=first)
    factories.make_comment(idea, other)
    assert fresh(Idea, idea.id).comment_count == 3
    services.delete_comment(fresh(Comment, first.id))
    assert fresh(Idea, idea.id).comment_count == 2
    services.delete_comment(fresh(Comment, first.id))  # twice: counted once
    assert fresh(Idea, idea.id).comment_count == 2


def test_soft_delete_keeps_the_place_and_the_replies(idea, author, other):
    top = factories.make_comment(idea, author, "Je supprimerai ceci")
    reply = factories.make_comment(idea, other, "Et ma réponse reste", reply_to=top)
    services.delete_comment(top)
    top = fresh(Comment, top.id)
    assert top.deleted_at is not None and top.body == "" and top.body_html == ""
    [thread] = services.thread_page(idea).threads
    assert thread.comment.id == top.id
    assert [n.comment.id for n in thread.replies] == [reply.id]
    with pytest.raises(CommentError, match="supprimé"):
        factories.make_comment(idea, other, "Trop tard", reply_to=top)


def test_edit_marks_the_message_modified(idea, author):
    comment = factories.make_comment(idea, author, "Avant")
    services.edit_comment(comment, "Avant")  # unchanged: not "modifié"
    assert fresh(Comment, comment.id).edited_at is None
    services.edit_comment(fresh(Comment, comment.id), "Après **relecture**")
    comment = fresh(Comment, comment.id)
    assert comment.edited_at is not None
    assert comment.body_html == "<p>Après <strong>relecture</strong></p>\n"
    with pytest.raises(CommentError, match="Écrivez votre commentaire"):
        services.edit_comment(comment, "   ")


def test_markdown_is_rendered_once_and_made_inert(idea, author):
    comment = factories.make_comment(
        idea, author, "<script>alert(1)</script> [x](javascript:alert(1)) [ok](https://exemple.fr)"
    )
    assert "<script" not in comment.body_html
    assert 'href="javascript' not in comment.body_html.lower()
    assert comment.body_html.count("<a ") == 1  # only the https link is a link
    assert 'href="https://exemple.fr"' in comment.body_html
    assert "&lt;script&gt;" in comment.body_html  # shown as text, never run


def test_body_must_be_1_to_5000_characters(idea, author):
    with pytest.raises(CommentError, match="Écrivez votre commentaire avant de l'envoyer"):
        factories.make_comment(idea, author, " \n\t ")
    with pytest.raises(CommentError) as too_long:
        factories.make_comment(idea, author, "a" * 5001)
    assert "ne peut pas dépasser 5\u202f000 caractères" in too_long.value.message
    assert factories.make_comment(idea, author, "a" * 5000).body == "a" * 5000
    db.session.rollback()
    assert fresh(Idea, idea.id).comment_count == 1


def test_reply_must_belong_to_the_same_subject(idea, author, territory):
    elsewhere = factories.make_idea(author, territory.bassin_commune)
    foreign = factories.make_comment(elsewhere, author)
    with pytest.raises(CommentError):
        factories.make_comment(idea, author, "Mauvais fil", reply_to=foreign)


def test_notifications_for_idea_author_and_replied_person_never_the_actor(idea, author, other):
    own = factories.make_comment(idea, author, "L'autrice commente sa propre idée")
    assert notifications_of(author) == []
    comment = factories.make_comment(idea, other, "Bonne idée")
    [note] = notifications_of(author)
    assert note.kind == "comment_new" and "a commenté votre idée" in note.text
    assert note.url == f"/idees/{idea.id}#comment-{comment.id}"

    third = factories.make_user("Chloé Tierce")
    factories.make_comment(idea, third, "Je réponds à Bérénice", reply_to=comment)
    [reply_note] = notifications_of(other)
    assert reply_note.kind == "comment_reply" and "a répondu à votre message" in reply_note.text
    assert [n.kind for n in notifications_of(author)] == ["comment_new", "comment_new"]
    # The idea's author answering someone: that person hears, the author does not hear about herself.
    factories.make_comment(idea, author, "Merci", reply_to=own)
    assert len(notifications_of(author)) == 2


def test_notifications_for_the_proposal_association(proposal, member, other):
    colleague = factories.make_user("Collègue de l'association")
    db.session.add(
        factories.Membership(
            association_id=proposal.association_id, user_id=colleague.id, role=factories.MembershipRole.MEMBER
        )
    )
    db.session.commit()
    factories.make_comment(proposal, other, "Question sur le budget")
    assert [n.kind for n in notifications_of(member)] == ["comment_new"]
    assert [n.kind for n in notifications_of(colleague)] == ["comment_new"]
    factories.make_comment(proposal, member, "Réponse de l'association")
    assert len(notifications_of(member)) == 1  # not about her own message
    assert len(notifications_of(colleague)) == 2


# --- Routes: who may do what ----------------------------------------------------------------


def test_commenting_per_role(role_client, idea):
    role, client = role_client
    response = client.post(comments_url(idea), data={"commentaire-body": "Un avis"})
    comments = list(db.session.scalars(select(Comment)))
    if role == "anonymous":
        assert response.status_code == 302 and "/connexion?next=" in response.headers["Location"]
        assert comments == [] and fresh(Idea, idea.id).comment_count == 0
    else:
        [comment] = comments
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/idees/{idea.id}#comment-{comment.id}")
        assert fresh(Idea, idea.id).comment_count == 1


def test_csrf_is_required(resident_client, idea):
    assert resident_client.post(comments_url(idea), data={"commentaire-body": "x"}, csrf=False).status_code == 400
    assert db.session.scalar(select(Comment)) is None


@pytest.mark.parametrize("state", [ProposalState.DRAFT, ProposalState.WITHDRAWN])
def test_no_comment_on_draft_or_withdrawn_proposal(app, member, member_client, resident_client, territory, state):
    association = db.session.scalar(select(factories.Association))
    proposal = factories.make_proposal(association, member, state=state)
    for client in (resident_client, member_client):
        response = client.post(comments_url(proposal), data={"commentaire-body": "Je tente"})
        assert response.status_code == 403
    assert db.session.scalar(select(Comment)) is None
    assert fresh(Proposal, proposal.id).comment_count == 0


def test_published_proposal_discussion(resident_client, proposal):
    response = resident_client.post(comments_url(proposal), data={"commentaire-body": "Bravo"})
    assert response.status_code == 302
    page = text(resident_client.get(f"/propositions/{proposal.id}"))
    assert "Bravo" in page and "1 commentaire" in page


def test_draft_shows_no_discussion(member_client, member, territory):
    association = db.session.scalar(select(factories.Association))
    draft = factories.make_proposal(association, member, state=ProposalState.DRAFT)
    page = html(member_client.get(f"/propositions/{draft.id}"))
    assert 'id="discussion"' not in page
    assert member_client.htmx("GET", comments_url(draft) + "?avant=5").status_code == 404


@pytest.mark.parametrize("action", ["modifier", "supprimer"])
def test_only_the_author_edits_or_deletes(role_client, idea, other, action):
    comment = factories.make_comment(idea, other, "Mon texte")
    role, client = role_client
    response = client.post(f"/commentaires/{comment.id}/{action}", data={f"modifier-{comment.id}-body": "Piraté"})
    if role == "anonymous":
        assert response.status_code == 302 and "/connexion?next=" in response.headers["Location"]
    else:
        assert response.status_code == 403
    comment = fresh(Comment, comment.id)
    assert comment.body == "Mon texte" and comment.deleted_at is None and comment.edited_at is None
    assert fresh(Idea, idea.id).comment_count == 1
    assert client.get(f"/commentaires/{comment.id}/modifier").status_code == (302 if role == "anonymous" else 403)


def test_anonymous_sees_a_login_link_that_comes_back(client, idea):
    page = html(client.get(f"/idees/{idea.id}"))
    assert f'href="/connexion?next=/idees/{idea.id}"' in page
    assert 'id="comment-form"' not in page


# --- Routes: htmx and no-JS ------------------------------------------------------------------


def test_htmx_comment_is_a_fragment_with_the_count(resident_client, idea):
    response = resident_client.htmx("POST", comments_url(idea), data={"commentaire-body": "Vu au marché *hier*"})
    assert response.status_code == 200
    body = html(response)
    comment = db.session.scalar(select(Comment))
    assert "<html" not in body
    assert '<hx-partial hx-target="#comment-threads" hx-swap="afterbegin">' in body
    assert f'<article class="comment comment--depth-0" id="comment-{comment.id}">' in body
    assert "<em>hier</em>" in body
    assert re.search(
        r'<hx-partial hx-target="#comment-count" hx-swap="innerHTML">\s*1 commentaire\s*</hx-partial>', body
    )
    # The form comes back empty (reset).
    assert re.search(r'<textarea[^>]*id="commentaire-body"[^>]*>\s*</textarea>', body)


def test_htmx_reply_goes_into_its_parent_and_closes_the_form(resident_client, idea, other):
    parent = factories.make_comment(idea, other, "Question ?")
    response = resident_client.htmx(
        "POST", comments_url(idea), data={"repondre": parent.id, f"reponse-{parent.id}-body": "Réponse !"}
    )
    body = html(response)
    reply = fresh(Comment, parent.id + 1)
    assert response.status_code == 200 and reply.parent_id == parent.id
    assert f'<hx-partial hx-target="#replies-{parent.id}" hx-swap="beforeend">' in body
    assert "<textarea" not in body  # the reply slot is emptied
    assert "2 commentaires" in body


def test_invalid_htmx_comment_is_422_with_the_text_kept(resident_client, idea):
    response = resident_client.htmx("POST", comments_url(idea), data={"commentaire-body": "   "})
    assert response.status_code == 422
    assert "Écrivez votre commentaire avant de l'envoyer." in text(response)
    long_text = "trop long " * 501
    response = resident_client.htmx("POST", comments_url(idea), data={"commentaire-body": long_text})
    assert response.status_code == 422
    assert "ne peut pas dépasser 5\u202f000 caractères (il en compte 5\u202f009)" in text(response)
    assert long_text.strip() in text(response)
    assert "<html" not in html(response)
    assert db.session.scalar(select(Comment)) is None


def test_invalid_comment_without_js_rerenders_the_page_with_422(resident_client, idea, other):
    response = resident_client.post(comments_url(idea), data={"commentaire-body": ""})
    assert response.status_code == 422
    page = text(response)
    assert "<html" in page and "Une épicerie solidaire mobile" in page
    assert "Écrivez votre commentaire avant de l'envoyer." in page
    parent = factories.make_comment(idea, other, "À qui répondre")
    long_text = "x" * 5001
    response = resident_client.post(
        comments_url(idea), data={"repondre": parent.id, f"reponse-{parent.id}-body": long_text}
    )
    assert response.status_code == 422
    page = text(response)
    assert f'name="repondre" value="{parent.id}"' in page and long_text in page
    assert fresh(Idea, idea.id).comment_count == 1


def test_invalid_reply_on_a_proposal_without_js_rerenders_its_page(resident_client, proposal, other):
    """The proposal's page is built by a plain function the comment route calls (it checks who may
    see the proposal, like its view), with the form as it was sent."""
    parent = factories.make_comment(proposal, other, "Quel budget ?")
    response = resident_client.post(
        comments_url(proposal), data={"repondre": parent.id, f"reponse-{parent.id}-body": "y" * 5001}
    )
    assert response.status_code == 422
    page = text(response)
    assert "<html" in page and "Un bus de l'accès aux droits" in page
    assert f'name="repondre" value="{parent.id}"' in page and "y" * 5001 in page
    assert "ne peut pas dépasser" in page
    assert fresh(Proposal, proposal.id).comment_count == 1


def test_the_thread_rules_read_the_query_string_they_are_given_not_the_request(app, idea, author, other):
    comments = [factories.make_comment(idea, author, f"Fil {i}") for i in range(3)]
    with app.test_request_context(f"/idees/{idea.id}?avant={comments[1].id}&repondre={comments[0].id}"):
        discussion = thread_context(fresh(Idea, idea.id), other)["discussion"]
        assert len(discussion.page.threads) == 3 and discussion.reply_form is None
        given = ImmutableMultiDict({"avant": comments[1].id, "repondre": comments[0].id})
        discussion = thread_context(fresh(Idea, idea.id), other, given)["discussion"]
        assert [n.comment.id for n in discussion.page.threads] == [comments[0].id]
        assert discussion.reply_target_id == comments[0].id and discussion.reply_form is not None


def test_the_comment_box_takes_the_focus_only_after_an_error(resident_client, idea):
    """A page with a discussion opens on its content; the box is focused when it says what to fix
    (an empty errors tuple once rendered as autofocus="()", which browsers treat as autofocus)."""
    box = re.compile(r'<textarea[^>]*id="commentaire-body"[^>]*>')
    opened = box.search(html(resident_client.get(f"/idees/{idea.id}"))).group(0)
    assert "autofocus" not in opened
    refused = box.search(html(resident_client.post(comments_url(idea), data={"commentaire-body": ""}))).group(0)
    assert re.search(r"\bautofocus(?!=)", refused), refused


def test_reply_form_link_works_with_and_without_js(resident_client, idea, other):
    parent = factories.make_comment(idea, other, "Répondez-moi")
    url = f"{comments_url(idea)}?repondre={parent.id}"
    response = resident_client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/idees/{idea.id}?repondre={parent.id}#reponse-{parent.id}")
    page = html(resident_client.get(f"/idees/{idea.id}?repondre={parent.id}"))
    assert f'id="reponse-{parent.id}-form"' in page
    fragment = resident_client.htmx("GET", url)
    assert fragment.status_code == 200 and "<html" not in html(fragment)
    assert f'name="repondre" value="{parent.id}"' in html(fragment)


def test_edit_in_place_and_without_js(resident, resident_client, idea):
    comment = factories.make_comment(idea, resident, "Premier jet")
    url = f"/commentaires/{comment.id}/modifier"
    fragment = resident_client.htmx("GET", url)
    assert fragment.status_code == 200 and "<html" not in html(fragment) and "Premier jet" in html(fragment)
    page = resident_client.get(url)
    assert "<html" in html(page) and "Premier jet" in html(page)
    response = resident_client.htmx("POST", url, data={f"modifier-{comment.id}-body": "Version relue"})
    assert response.status_code == 200 and "Version relue" in html(response) and "modifié" in text(response)
    response = resident_client.htmx("POST", url, data={f"modifier-{comment.id}-body": ""})
    assert response.status_code == 422 and "Écrivez votre commentaire" in text(response)
    response = resident_client.post(url, data={f"modifier-{comment.id}-body": "Sans JavaScript"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#comment-{comment.id}")
    assert fresh(Comment, comment.id).body == "Sans JavaScript"
    assert "modifié" in text(resident_client.get(f"/idees/{idea.id}"))


def test_delete_shows_message_supprime(resident, resident_client, idea, other):
    comment = factories.make_comment(idea, resident, "À effacer")
    reply = factories.make_comment(idea, other, "Je reste", reply_to=comment)
    response = resident_client.htmx("POST", f"/commentaires/{comment.id}/supprimer")
    assert response.status_code == 200
    assert "message supprimé" in html(response) and "1 commentaire" in html(response)
    page = text(resident_client.get(f"/idees/{idea.id}"))
    assert "message supprimé" in page and "À effacer" not in page and "Je reste" in page
    other_comment = factories.make_comment(idea, resident, "Sans JS")
    response = resident_client.post(f"/commentaires/{other_comment.id}/supprimer")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#comment-{other_comment.id}")
    assert fresh(Idea, idea.id).comment_count == 1 and fresh(Comment, reply.id).deleted_at is None


# --- Polling and "voir plus" -----------------------------------------------------------------


def test_poll_answers_204_when_nothing_is_new(client, idea, author):
    comment = factories.make_comment(idea, author)
    url = f"{comments_url(idea)}/nouveaux?apres={comment.id}"
    db.session.expunge_all()
    with count_queries() as log:
        response = client.htmx("GET", url)
    assert response.status_code == 204 and response.data == b""
    assert log.count == 1


def test_poll_returns_new_messages_in_place(resident, resident_client, idea, author, other):
    top = factories.make_comment(idea, author, "Ancien")
    url = f"{comments_url(idea)}/nouveaux?apres={top.id}"
    mine = factories.make_comment(idea, resident, "Le mien, déjà sur ma page")
    assert resident_client.htmx("GET", url).status_code == 204  # my own messages are already shown
    new_thread = factories.make_comment(idea, other, "Nouveau fil")
    reply = factories.make_comment(idea, other, "Nouvelle réponse", reply_to=top)
    reply_to_new = factories.make_comment(idea, author, "Réponse au nouveau fil", reply_to=new_thread)
    response = resident_client.htmx("GET", url)
    assert response.status_code == 200
    body = html(response)
    assert "Le mien" not in body
    assert re.search(
        rf'<hx-partial hx-target="#comment-threads" hx-swap="afterbegin"><article[^>]*id="comment-{new_thread.id}"',
        body,
    )
    # A reply to a new thread comes inside it; a reply to an old one goes into that one's list.
    assert body.index(f'id="comment-{reply_to_new.id}"') > body.index(f'id="comment-{new_thread.id}"')
    assert f'<hx-partial hx-target="#replies-{top.id}" hx-swap="beforeend">' in body
    assert f'id="comment-{reply.id}"' in body
    assert f'value="{reply_to_new.id}"' in body  # the last seen id moves on
    assert "5 commentaires" in body
    assert mine.id < reply_to_new.id


def test_voir_plus_loads_the_next_threads(client, idea, author):
    comments = [factories.make_comment(idea, author, f"Fil {i}") for i in range(23)]
    page = html(client.get(f"/idees/{idea.id}"))
    assert page.count('class="comment comment--depth-0"') == 20
    oldest_shown = comments[3].id
    more = f"{comments_url(idea)}?avant={oldest_shown}"
    assert f'href="{more}"' in page
    assert f'value="{oldest_shown}"' in page  # polls skip the threads not shown
    fragment = html(client.htmx("GET", more))
    assert fragment.count('class="comment comment--depth-0"') == 3
    assert "Voir plus" not in fragment
    response = client.get(more)
    assert response.status_code == 302 and f"avant={oldest_shown}" in response.headers["Location"]
    older = html(client.get(f"/idees/{idea.id}?avant={oldest_shown}"))
    assert older.count('class="comment comment--depth-0"') == 3


def _threads(subject, users, n):
    for i in range(n):
        top = factories.make_comment(subject, users[i % 2], f"Fil {i}")
        reply = factories.make_comment(subject, users[(i + 1) % 2], "Réponse", reply_to=top)
        deeper = factories.make_comment(subject, users[i % 2], "Plus loin", reply_to=reply)
        factories.make_comment(
            subject,
            users[(i + 1) % 2],
            "Encore",
            reply_to=factories.make_comment(subject, users[i % 2], "Niveau 3", reply_to=deeper),
        )


def _measure(app, idea_id, resident_client, after):
    subject = fresh(Idea, idea_id)
    page_url, poll_url = f"/idees/{idea_id}", f"/idees/{idea_id}/commentaires/nouveaux?apres={after}"
    more_url = f"/idees/{idea_id}/commentaires?avant={10**9}"
    with count_queries() as page:
        with app.test_request_context(page_url):
            thread_context(subject, None)
    counts = [page.count]
    for method, url in (("GET", poll_url), ("GET", more_url)):
        # The test client's requests can see this test's session: empty it so nothing comes cached.
        db.session.expunge_all()
        with count_queries() as log:
            assert resident_client.htmx(method, url).status_code == 200
        # The logged-in user is loaded once per request, or not at all when Flask-Login kept it.
        counts.append(len([st for st in log.statements if not st.startswith("SELECT users.")]))
    db.session.expunge_all()
    with count_queries() as full_page:
        assert resident_client.get(page_url).status_code == 200
    return (*counts, len([st for st in full_page.statements if not st.startswith("SELECT users.")]))


def test_queries_are_constant_whatever_the_thread_sizes(app, resident_client, territory, author, other):
    small = factories.make_idea(author, territory.medoc_commune).id
    big = factories.make_idea(author, territory.medoc_commune).id
    with app.test_request_context():
        _threads(fresh(Idea, small), [author, other], 3)
        _threads(fresh(Idea, big), [author, other], 30)
    assert fresh(Idea, big).comment_count == 150
    small_counts = _measure(app, small, resident_client, 0)
    big_counts = _measure(app, big, resident_client, 0)
    print("queries (thread_context, poll, voir plus, whole page):", small_counts, big_counts)
    assert small_counts == big_counts
    assert small_counts[0] == 3  # threads, their replies, the last id

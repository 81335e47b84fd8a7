"""Issue 14 (Trust), the rules: conflicts of interest after assignment and frozen authors (3),
hidden content behind side doors (6), accounts scoped to poles (12), late or self-serving writes
(13), and the tests whose absence let one-line mutations of the rules through."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.calls import decisions, evaluation
from app.calls import services as call_services
from app.calls.services import CallError
from app.extensions import db
from app.markdown import render_markdown, sanitise
from app.models import (
    Accompaniment,
    AccompanimentState,
    Assignment,
    Association,
    Call,
    CoauthorStatus,
    Comment,
    Decision,
    Idea,
    Membership,
    Notification,
    OutboxMessage,
    ProposalCoauthor,
    ProposalState,
    Score,
    Support,
    SuspensionRequest,
)
from app.models.base import utcnow
from app.notifications import services as notifications
from app.permissions import can
from app.proposals import coauthors, services
from tests import factories
from tests.factories import make_comment, make_idea, make_proposal
from tests.helpers import html
from tests.test_calls import _call, _client, _instructed, _proposal, _scores, _submission, _submitted


@pytest.fixture
def w(app, territory):
    return factories.calls_world(territory)


# --- Finding 3: conflicts of interest after assignment; authors frozen once submitted ------------


def test_a_conflict_arising_after_assignment_blocks_scoring_and_finalising(app, w):
    proposal = _submitted(w)
    assignment = evaluation.assign(_submission(proposal), proposal, w["mod_bassin"])
    # Afterwards, the evaluator joins the lead association.
    db.session.add(Membership(association_id=w["A"].id, user_id=w["mod_bassin"].id))
    db.session.commit()
    for final in (False, True):
        errors = evaluation.save_scores(
            evaluation.get_assignment(assignment.id), _scores(w["call"], [4] * 5), final=final
        )
        assert errors and "conflit d'intérêts" in errors[0]
    client = _client(app, w["mod_bassin"])
    assert client.get(f"/appels/evaluations/{assignment.id}").status_code == 403
    criteria = evaluation.criteria_of(w["call"].id)
    data = {f"score-{c.id}": "4" for c in criteria} | {"action": "finaliser"}
    assert client.post(f"/appels/evaluations/{assignment.id}", data=data).status_code == 403
    assert db.session.scalar(select(func.count(Score.id))) == 0
    assert db.session.get(Assignment, assignment.id).finalised_at is None


def test_an_invitation_cannot_be_accepted_once_the_proposal_is_submitted(app, w):
    proposal = _proposal(w)
    coauthors.invite(services.get_proposal(proposal.id), w["C"], w["lead"])
    call_services.submit(_call(w), services.get_proposal(proposal.id), w["lead"])
    invitation = db.session.scalar(
        select(ProposalCoauthor).where(
            ProposalCoauthor.proposal_id == proposal.id, ProposalCoauthor.association_id == w["C"].id
        )
    )
    response = _client(app, w["other"]).post(f"/propositions/{proposal.id}/coauteurs/{invitation.id}/accepter")
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(ProposalCoauthor, invitation.id).status == CoauthorStatus.INVITED


@pytest.mark.parametrize("state", [ProposalState.SUBMITTED, ProposalState.CHANGES_REQUESTED])
def test_authors_are_frozen_once_submitted(app, w, state):
    proposal = _submitted(w)
    if state is ProposalState.CHANGES_REQUESTED:
        proposal.state = state
        db.session.commit()
    # A plain member of the lead association (not its administrator).
    plain = factories.make_user("Membre simple")
    db.session.add(Membership(association_id=w["A"].id, user_id=plain.id))
    db.session.commit()
    accepted = db.session.scalar(select(ProposalCoauthor).where(ProposalCoauthor.proposal_id == proposal.id))
    for user in (plain, w["lead"], w["co"]):
        response = _client(app, user).post(f"/propositions/{proposal.id}/coauteurs/{accepted.id}/retirer")
        assert response.status_code == 403
    response = _client(app, w["lead"]).post(
        f"/propositions/{proposal.id}/coauteurs", data={"association_id": w["C"].id}
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ProposalCoauthor.id))) == 1


# --- Finding 6: hidden content is hidden behind every door -------------------------------------


@pytest.fixture
def hidden(app, territory, member, resident):
    association = db.session.scalar(select(Association).join(Membership).where(Membership.user_id == member.id))
    proposal = make_proposal(association, member, title="Titre masqué de la proposition", need="Besoin secret.")
    idea = make_idea(resident, territory.medoc_commune, title="Idée masquée secrète", description="Texte secret.")
    proposal.hidden_at = idea.hidden_at = utcnow()
    db.session.commit()
    return {"proposal": proposal, "idea": idea, "association": association}


def test_the_history_of_a_hidden_proposal_is_not_readable(app, hidden, resident, member):
    url = f"/propositions/{hidden['proposal'].id}/historique"
    assert app.test_client().get(url).status_code == 302  # sent to log in
    assert app.test_client().login_as(resident).get(url).status_code == 403
    assert app.test_client().login_as(member).get(url).status_code == 200  # its authors still read it


def test_the_amendments_of_a_hidden_proposal_are_closed(app, hidden, resident):
    proposal_id = hidden["proposal"].id
    client = app.test_client().login_as(resident)
    assert client.get(f"/propositions/{proposal_id}/amendements").status_code == 403
    form = client.get(f"/propositions/{proposal_id}/amendements/nouveau")
    assert form.status_code == 403 and "Besoin secret" not in html(form)
    response = client.post(
        f"/propositions/{proposal_id}/amendements/nouveau",
        data={"field": "need", "new_text": "Un autre besoin.", "reason": "Parce que."},
    )
    assert response.status_code == 403


def test_a_hidden_idea_is_not_taken_up(app, hidden, member):
    client = app.test_client().login_as(member)
    idea_id = hidden["idea"].id
    assert not can(member, "idea.take_up", hidden["idea"])
    page = html(client.get(f"/propositions/nouvelle?idee={idea_id}"))
    assert "Idée masquée secrète" not in page and "Texte secret" not in page
    assert "/propositions/nouvelle?idee=" not in html(client.get(f"/idees/{idea_id}"))


def test_a_hidden_idea_takes_no_comment_and_no_support(app, hidden, member):
    idea_id = hidden["idea"].id
    client = app.test_client().login_as(member)
    client.post(f"/idees/{idea_id}/commentaires", data={"body": "Un commentaire."})
    client.post(f"/idees/{idea_id}/soutien")
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert db.session.scalar(select(func.count(Support.id))) == 0
    assert db.session.get(Idea, idea_id).support_count == 0


def test_the_discussion_of_hidden_content_is_not_served_on_its_own(app, hidden, resident, member):
    comment = make_comment(hidden["idea"], factories.make_user(), "Un avis sur l'idée masquée.")
    for client in (app.test_client(), app.test_client().login_as(member)):
        assert client.get(f"/idees/{hidden['idea'].id}/commentaires").status_code == 404
        assert client.htmx("GET", f"/idees/{hidden['idea'].id}/commentaires/nouveaux?apres=0").status_code == 404
        assert client.htmx("GET", f"/commentaires/{comment.id}").status_code == 404
    # Its author still reads it (without htmx, the threads are on the idea's page).
    author = app.test_client().login_as(resident)
    assert author.htmx("GET", f"/commentaires/{comment.id}").status_code == 200


def test_the_association_page_does_not_list_a_hidden_proposal(app, hidden, member, resident):
    url = f"/associations/{hidden['association'].slug}"
    assert "Titre masqué" not in html(app.test_client().get(url))
    assert "Titre masqué" not in html(app.test_client().login_as(resident).get(url))
    assert "Titre masqué" in html(app.test_client().login_as(member).get(url))


# --- Finding 12: a pole's moderators look after the accounts of their pole ----------------------


def test_moderators_see_and_propose_only_accounts_of_their_pole(app, territory, resident):
    bassin_mod = factories.make_user("Modération Bassin", moderated_pole_id=territory.bassin.id)
    medoc_mod = factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    make_idea(resident, territory.medoc_commune)
    # The Médoc moderator also took part in the Bassin: still not the Bassin's to suspend.
    make_comment(make_idea(factories.make_user(), territory.bassin_commune), medoc_mod)
    bassin = app.test_client().login_as(bassin_mod)
    assert bassin.get(f"/moderation/comptes/{resident.id}").status_code == 403
    for target in (resident, medoc_mod):
        response = bassin.post(f"/moderation/comptes/{target.id}/proposer-suspension", data={"reason": "Abus."})
        assert response.status_code == 403
    assert db.session.scalar(select(func.count(SuspensionRequest.id))) == 0
    # The resident's own pole does.
    medoc = app.test_client().login_as(medoc_mod)
    assert medoc.get(f"/moderation/comptes/{resident.id}").status_code == 200
    medoc.post(f"/moderation/comptes/{resident.id}/proposer-suspension", data={"reason": "Abus."})
    assert db.session.scalar(select(func.count(SuspensionRequest.id))) == 1


def test_a_proposal_or_a_comment_on_one_places_an_account_in_its_poles(app, territory, member, resident):
    from app.models.participation import proposal_poles
    from app.models.pole_scope import participation_pole_ids

    association = db.session.scalar(select(Association).join(Membership).where(Membership.user_id == member.id))
    proposal = make_proposal(association, member)
    db.session.execute(proposal_poles.insert().values(proposal_id=proposal.id, pole_id=territory.bassin.id))
    db.session.commit()
    make_comment(proposal, resident)
    assert participation_pole_ids(member.id) == {territory.bassin.id}
    assert participation_pole_ids(resident.id) == {territory.bassin.id}


# --- Finding 13: too late, or for oneself ------------------------------------------------------


def test_scores_do_not_change_once_results_are_published(app, w):
    proposal = _submitted(w)
    assignment = evaluation.assign(_submission(proposal), proposal, w["mod_medoc"])
    _instructed(w, proposal)
    decisions.decide(_submission(proposal).id, Decision.SELECTED, 20_000, "Excellent.")
    decisions.publish_results(db.session.get(Call, w["call"].id))
    for final in (False, True):
        errors = evaluation.save_scores(
            evaluation.get_assignment(assignment.id), _scores(w["call"], [4] * 5), final=final
        )
        assert errors and "publiés" in errors[0]
    assert db.session.scalar(select(func.count(Score.id))) == 0
    assert db.session.get(Assignment, assignment.id).finalised_at is None


def test_nobody_supports_their_own_idea(app, territory, resident):
    idea = make_idea(resident, territory.medoc_commune)
    assert not can(resident, "support.toggle", idea)
    assert can(factories.make_user(), "support.toggle", idea)
    app.test_client().login_as(resident).post(f"/idees/{idea.id}/soutien")
    assert db.session.scalar(select(func.count(Support.id))) == 0


def test_a_comment_on_a_withdrawn_proposal_cannot_be_edited(app, territory, member, resident):
    association = db.session.scalar(select(Association).join(Membership).where(Membership.user_id == member.id))
    proposal = make_proposal(association, member)
    comment = make_comment(proposal, resident, "Premier avis.")
    assert can(resident, "comment.edit", comment)
    proposal.state = ProposalState.WITHDRAWN
    db.session.commit()
    client = app.test_client().login_as(resident)
    assert client.post(f"/commentaires/{comment.id}/modifier", data={"body": "Avis changé."}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).body == "Premier avis."


# --- Tests that let real bugs through ------------------------------------------------------------


def test_has_conflict_counts_the_lead_association(app, w):
    proposal = _submitted(w)
    # A member of the lead association A only (not of co-author B).
    evaluator = factories.make_user("Évaluatrice", moderated_pole_id=w["territory"].medoc.id)
    db.session.add(Membership(association_id=w["A"].id, user_id=evaluator.id))
    db.session.commit()
    assert evaluation.has_conflict(evaluator, proposal)
    with pytest.raises(CallError, match="conflit d'intérêts"):
        evaluation.assign(_submission(proposal), proposal, evaluator)
    assert not evaluation.has_conflict(w["mod_medoc"], proposal)


def test_a_decision_can_be_lowered_within_the_envelope(app, w):
    p1, p2 = _submitted(w, title="Premier projet"), _submitted(w, title="Second projet")
    _instructed(w, p1, p2)
    # 30 000 € on a 20 000 € request: the unusual grant is confirmed, as the instruction page asks.
    decisions.decide(_submission(p1).id, Decision.SELECTED, 30_000, "Très bon projet.", above_request=True)
    decisions.decide(_submission(p2).id, Decision.SELECTED, 20_000, "Bon projet.")
    # Its own previous grant is not counted against the envelope.
    decisions.decide(_submission(p2).id, Decision.SELECTED, 15_000, "Budget revu.")
    assert decisions.granted_total(w["call"].id) == 45_000
    assert _submission(p2).granted_eur == 15_000


def test_the_comment_poll_leaves_out_threads_older_than_the_page(app, territory, resident):
    idea = make_idea(resident, territory.medoc_commune)
    someone = factories.make_user()
    old_thread = make_comment(idea, someone, "Fil ancien.")
    new_thread = make_comment(idea, someone, "Fil récent.")
    last = new_thread.id
    make_comment(idea, someone, "Réponse au fil ancien.", reply_to=old_thread)
    client = app.test_client().login_as(resident)
    url = f"/idees/{idea.id}/commentaires/nouveaux?apres={last}"
    # The page shows only the recent thread: a reply to the older one waits for "voir plus".
    assert client.htmx("GET", f"{url}&depuis={new_thread.id}").status_code == 204
    assert "Réponse au fil ancien" in html(client.htmx("GET", url))
    make_comment(idea, someone, "Réponse au fil récent.", reply_to=new_thread)
    page = html(client.htmx("GET", f"{url}&depuis={new_thread.id}"))
    assert "Réponse au fil récent" in page and "Réponse au fil ancien" not in page


def test_no_digest_after_unsubscribing_from_that_kind(app, territory):
    camille = factories.make_user()
    with app.test_request_context():
        notifications.notify([camille.id], "comment", "Un commentaire sur « Jardins ».", "/idees/1")
        notifications.notify([camille.id], "reply", "Une réponse.", "/idees/1#c2")
        db.session.commit()
    # The notification exists; then the person unsubscribes from comments.
    notifications.unsubscribe(camille.id, "comment")
    assert notifications.send_digests() == 1
    (message,) = db.session.scalars(select(OutboxMessage)).all()
    assert "Une réponse." in message.body and "Jardins" not in message.body
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.email_done_at.is_(None))) == 0


def test_a_suspended_account_neither_edits_nor_deletes_its_comments(app, territory, resident):
    comment = make_comment(make_idea(factories.make_user(), territory.medoc_commune), resident, "Mon avis.")
    assert can(resident, "comment.edit", comment) and can(resident, "comment.delete", comment)
    resident.suspended_at = utcnow()
    db.session.commit()
    # Deleting is a change too: it would also remove what a moderator is looking at.
    assert not can(resident, "comment.edit", comment)
    assert not can(resident, "comment.delete", comment)
    client = app.test_client().login_as(resident)
    assert client.post(f"/commentaires/{comment.id}/supprimer").status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).deleted_at is None


def test_no_private_space_while_accompaniment_is_only_requested(app, territory, member):
    association = db.session.scalar(select(Association).join(Membership).where(Membership.user_id == member.id))
    proposal = make_proposal(association, member)
    requested = Accompaniment(proposal_id=proposal.id, pole_id=territory.medoc.id, state=AccompanimentState.REQUESTED)
    assert not can(member, "private_space.view", requested)
    requested.state = AccompanimentState.ACCEPTED
    assert can(member, "private_space.view", requested)


def test_an_association_that_declined_no_longer_reads_the_draft(app, territory, member):
    association = db.session.scalar(select(Association).join(Membership).where(Membership.user_id == member.id))
    invited_admin = factories.make_user("Administratrice invitée")
    invited = factories.make_association("Invitée", territory.bassin_commune, admins=[invited_admin])
    draft = make_proposal(association, member, state=ProposalState.DRAFT)
    coauthorship = ProposalCoauthor(proposal_id=draft.id, association_id=invited.id, invited_by_id=member.id)
    db.session.add(coauthorship)
    db.session.commit()
    draft = services.get_proposal(draft.id)
    assert can(invited_admin, "proposal.view", draft)
    coauthorship = draft.coauthorships[0]
    coauthorship.status = CoauthorStatus.DECLINED
    db.session.commit()
    assert not can(invited_admin, "proposal.view", services.get_proposal(draft.id))
    assert app.test_client().login_as(invited_admin).get(f"/propositions/{draft.id}").status_code == 403


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "data:text/html,x", "vbscript:msgbox(1)", "ftp://exemple.fr/f", "tel:0556000000"]
)
def test_the_sanitiser_alone_drops_unsafe_url_schemes(href):
    # nh3 on its own, given HTML markdown-it would never write: the second layer is proven alone.
    cleaned = sanitise(f'<p><a href="{href}">lien</a></p>')
    assert "href" not in cleaned and "lien" in cleaned


def test_the_sanitiser_alone_keeps_safe_links_and_drops_unknown_markup():
    cleaned = sanitise(
        '<p style="color:red"><a href="https://exemple.fr" onclick="x()">a</a>'
        '<a href="mailto:a@exemple.fr">b</a><script>alert(1)</script><img src="x"></p>'
    )
    assert 'href="https://exemple.fr"' in cleaned and 'href="mailto:a@exemple.fr"' in cleaned
    assert 'rel="nofollow ugc noopener noreferrer"' in cleaned
    for gone in ("style", "onclick", "script", "alert", "<img"):
        assert gone not in cleaned
    # And the Markdown path goes through it.
    assert render_markdown("[a](https://exemple.fr)") == sanitise(str(render_markdown("[a](https://exemple.fr)")))


def test_authorship_rules_read_the_right_rows(app, w):
    """Survivors of make_mutate on app.permissions: the co-author status compared, the lead
    compared with "and", the administrators read for this person only."""
    proposal = _proposal(w)  # A leads, B accepted to co-author
    coauthors.invite(services.get_proposal(proposal.id), w["C"], w["lead"])
    proposal = services.get_proposal(proposal.id)
    assert can(w["co"], "proposal.edit", proposal)  # an accepted co-author is an author
    assert not can(w["other"], "proposal.edit", proposal)  # an invited one is not (yet)
    assert can(w["lead"], "proposal.manage_coauthors", proposal)
    assert not can(w["co"], "proposal.manage_coauthors", proposal)  # only the lead invites
    invitation = next(c for c in proposal.coauthorships if c.association_id == w["C"].id)
    assert can(w["other"], "coauthor.respond", invitation)
    # An administrator of another association (the lead's) does not answer for C.
    assert not can(w["lead"], "coauthor.respond", invitation)


def test_pole_scoped_rules_each_way(app, territory, resident, admin):
    """Survivors of make_mutate: admins look after every account, a moderator of another pole
    neither looks after an account nor decides an accompaniment, nor does a stranger speak for
    the referent."""
    bassin_mod = factories.make_user("Modération Bassin", moderated_pole_id=territory.bassin.id)
    medoc_mod = factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    make_idea(resident, territory.medoc_commune)
    assert can(admin, "account.review", resident) and can(medoc_mod, "account.review", resident)
    assert not can(bassin_mod, "account.review", resident) and not can(medoc_mod, "account.review", None)
    requested = Accompaniment(proposal_id=1, pole_id=territory.medoc.id, state=AccompanimentState.REQUESTED)
    assert can(admin, "accompaniment.decide", requested) and can(medoc_mod, "accompaniment.decide", requested)
    assert not can(bassin_mod, "accompaniment.decide", requested)
    accepted = Accompaniment(
        proposal_id=1, pole_id=territory.medoc.id, state=AccompanimentState.ACCEPTED, referent_id=resident.id
    )
    assert can(resident, "accompaniment.manage", accepted)
    assert not can(factories.make_user(), "accompaniment.manage", accepted)
    assert not can(bassin_mod, "accompaniment.manage", accepted)

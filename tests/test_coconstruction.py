"""Co-authors, revisions, merging concurrent edits and amendments: rules and routes per role."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Amendment,
    AmendmentStatus,
    CoauthorStatus,
    Notification,
    Proposal,
    ProposalCoauthor,
    ProposalRevision,
    ProposalState,
)
from app.proposals import amendments, coauthors, revisions, services
from app.proposals.questions import text_of
from tests import factories
from tests.helpers import count_queries, html, text

FIELDS = {
    "title": "Garde solidaire du soir",
    "summary": "Des parents se relaient pour garder les enfants le soir.",
    "need": "Les mères seules travaillent tard.",
    "experimentation": "Une garde entre parents.",
    "domain": "citoyennete",
    "publics": ["femmes"],
    "poles": [],
    "is_rural": False,
    "is_qpv": False,
    "budget_eur": 12000,
    "duration_months": 12,
}


@pytest.fixture
def people(app, territory):
    """Every role of the co-construction rules, with two associations A (lead) and B (co-author)."""
    p = {
        name: factories.make_user(label)
        for name, label in [
            ("lead_admin", "Admin A"),
            ("lead_member", "Membre A"),
            ("co_admin", "Admin B"),
            ("co_member", "Membre B"),
            ("unrelated", "Membre C"),
            ("resident", "Habitante"),
        ]
    }
    p["admin"] = factories.make_user("Administration", is_admin=True)
    a = factories.make_association(
        "Association A", territory.medoc_commune, admins=[p["lead_admin"]], members=[p["lead_member"]]
    )
    b = factories.make_association(
        "Association B", territory.bassin_commune, admins=[p["co_admin"]], members=[p["co_member"]]
    )
    factories.make_association("Association C", territory.bassin_commune, admins=[p["unrelated"]])
    p["A"], p["B"] = a, b
    return p


def _proposal(people, territory, publish=True, coauthors=()):
    """Association A's proposal, written by one of its members through the services."""
    state = ProposalState.PUBLISHED if publish else ProposalState.DRAFT
    author, communes = people["lead_member"], [territory.medoc_commune]
    return factories.make_proposal(
        people["A"], author, state=state, communes=communes, coauthors=coauthors, via_services=True, **FIELDS
    )


def _with_coauthor(people, territory):
    return _proposal(people, territory, coauthors=[(people["B"], people["co_admin"])])


def _client(app, people, who):
    client = app.test_client()
    if who != "anonymous":
        client.login_as(people[who])
    return client


ROLES = ["anonymous", "resident", "lead_admin", "lead_member", "co_member", "unrelated", "admin"]


# --- Revisions and merging ------------------------------------------------------------------


def test_every_save_records_a_revision_with_its_changed_fields(people, territory):
    proposal = _proposal(people, territory, publish=False)
    services.update_proposal(
        proposal, {"title": "Nouveau titre", "budget_eur": 15000}, expected_version=1, author_id=people["lead_admin"].id
    )
    history = revisions.history(proposal.id)
    assert [r.version for r in history] == [2, 1]
    assert history[0].changed_fields == ["title", "budget_eur"]
    assert history[0].author_id == people["lead_admin"].id
    assert history[0].snapshot["title"] == "Nouveau titre" and history[1].snapshot["title"] == FIELDS["title"]


def test_concurrent_saves_of_different_fields_are_merged(people, territory):
    proposal = _proposal(people, territory)
    services.update_proposal(
        proposal, {**FIELDS, "title": "Titre de A"}, expected_version=1, author_id=people["lead_member"].id
    )
    # B started from version 1 too, and changed only the summary.
    result = services.update_proposal(
        proposal,
        {**FIELDS, "summary": "Résumé réécrit par B, plus précis."},
        expected_version=1,
        author_id=people["lead_admin"].id,
    )
    assert result.merged and result.changed == ["summary"]
    db.session.expire_all()
    saved = db.session.get(Proposal, proposal.id)
    assert saved.title == "Titre de A" and saved.summary == "Résumé réécrit par B, plus précis." and saved.version == 3


def test_concurrent_saves_of_the_same_field_conflict_and_change_nothing(people, territory):
    proposal = _proposal(people, territory)
    services.update_proposal(
        proposal, {**FIELDS, "need": "Texte de A."}, expected_version=1, author_id=people["lead_member"].id
    )
    with pytest.raises(services.ProposalConflict) as caught:
        services.update_proposal(proposal, {**FIELDS, "need": "Texte de B.", "title": "Titre de B"}, expected_version=1)
    assert caught.value.conflicts == ["need"]
    db.session.expire_all()
    saved = db.session.get(Proposal, proposal.id)
    assert text_of(saved, "need") == "Texte de A." and saved.title == FIELDS["title"] and saved.version == 2


def test_same_change_twice_is_not_a_conflict(people, territory):
    proposal = _proposal(people, territory)
    services.update_proposal(proposal, {**FIELDS, "title": "Même titre"}, expected_version=1)
    result = services.update_proposal(proposal, {**FIELDS, "title": "Même titre"}, expected_version=1)
    assert result.changed == []


def test_three_way_rule():
    base = {"a": "1", "b": "1", "c": "1"}
    current = {"a": "2", "b": "1", "c": "3"}
    mine = {"a": "1", "b": "9", "c": "4"}
    changes, conflicts = revisions.three_way(base, current, mine)
    assert changes == {"b": "9", "c": "4"} and conflicts == ["c"]


def test_restore_adds_a_revision_instead_of_rewriting_history(people, territory):
    proposal = _proposal(people, territory)
    services.update_proposal(proposal, {"title": "Titre raté"}, expected_version=1)
    services.restore_revision(services.get_proposal(proposal.id), 1, people["lead_admin"])
    history = revisions.history(proposal.id)
    assert [r.version for r in history] == [3, 2, 1]
    assert history[0].note == "Restauration de la version 1" and history[0].snapshot["title"] == FIELDS["title"]


def test_word_diff_is_escaped_and_says_what_changed():
    diff = str(revisions.word_diff("Le <b>chat</b> dort", "Le chien dort bien"))
    assert "<b>" not in diff and "&lt;b&gt;" in diff
    assert "<del>" in diff and "<ins>" in diff
    assert "[supprimé : " in diff and "[ajouté : " in diff


@pytest.mark.parametrize("who", ROLES)
def test_history_page_and_restore_per_role(app, people, territory, who):
    proposal = _with_coauthor(people, territory)
    services.update_proposal(proposal, {"title": "Deuxième titre"}, expected_version=proposal.version)
    client = _client(app, people, who)
    assert client.get(f"/propositions/{proposal.id}/historique").status_code == (200 if who != "anonymous" else 200)
    version_before = db.session.scalar(select(func.max(ProposalRevision.version)))
    response = client.post(f"/propositions/{proposal.id}/historique/1/restaurer")
    can_edit = who in ("lead_admin", "lead_member", "co_member")
    assert response.status_code == (302 if can_edit or who == "anonymous" else 403)
    db.session.expire_all()
    after = db.session.scalar(select(func.max(ProposalRevision.version)))
    assert (after == version_before + 1) is can_edit


def test_history_page_keeps_a_constant_number_of_queries(app, people, territory):
    proposal = _proposal(people, territory)
    url = f"/propositions/{proposal.id}/historique"
    client = _client(app, people, "lead_member")

    def save(i):
        current = services.get_proposal(proposal.id)
        services.update_proposal(
            current,
            {"summary": f"Résumé numéro {i} de la proposition."},
            expected_version=current.version,
            author_id=people[["lead_member", "lead_admin"][i % 2]].id,
        )

    save(0)
    with count_queries() as few:
        client.get(url)
    for i in range(1, 15):
        save(i)
    with count_queries() as many:
        page = html(client.get(url))
    assert many.count == few.count
    assert "Version 16" in page


# --- Co-authors -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_only_the_lead_invites(app, people, territory, who):
    proposal = _proposal(people, territory)
    response = _client(app, people, who).post(
        f"/propositions/{proposal.id}/coauteurs", data={"association_id": people["B"].id}
    )
    allowed = who in ("lead_admin", "lead_member")
    assert response.status_code == (302 if allowed or who == "anonymous" else 403)
    assert (db.session.scalar(select(func.count(ProposalCoauthor.id))) == 1) is allowed


@pytest.mark.parametrize("who", ["co_admin", "co_member", "lead_admin", "unrelated", "resident"])
def test_only_an_admin_of_the_invited_association_answers(app, people, territory, who):
    proposal = _proposal(people, territory)
    invitation = coauthors.invite(proposal, people["B"], people["lead_admin"])
    note = db.session.scalar(select(Notification).where(Notification.user_id == people["co_admin"].id))
    assert note is not None and note.kind == "coauthor_invitation"
    response = _client(app, people, who).post(f"/propositions/{proposal.id}/coauteurs/{invitation.id}/accepter")
    assert response.status_code == (302 if who == "co_admin" else 403)
    db.session.expire_all()
    status = db.session.get(ProposalCoauthor, invitation.id).status
    assert (status == CoauthorStatus.ACCEPTED) is (who == "co_admin")


def test_invited_association_reads_the_draft_then_its_members_edit(app, people, territory):
    proposal = _proposal(people, territory, publish=False)
    co = _client(app, people, "co_member")
    assert co.get(f"/propositions/{proposal.id}").status_code == 403
    invitation = coauthors.invite(proposal, people["B"], people["lead_admin"])
    assert co.get(f"/propositions/{proposal.id}").status_code == 200
    assert co.get(f"/propositions/{proposal.id}/modifier").status_code == 403
    coauthors.respond(invitation, True, people["co_admin"])
    assert co.get(f"/propositions/{proposal.id}/modifier").status_code == 200
    assert "Association B" in text(co.get(f"/propositions/{proposal.id}"))
    # A co-author's draft appears among "my" drafts.
    assert "Garde solidaire du soir" in html(co.get("/propositions/"))


def test_a_coauthor_leaves_and_loses_edit_rights(app, people, territory):
    proposal = _with_coauthor(people, territory)
    coauthorship = db.session.scalar(select(ProposalCoauthor))
    co = _client(app, people, "co_member")
    assert (
        _client(app, people, "unrelated")
        .post(f"/propositions/{proposal.id}/coauteurs/{coauthorship.id}/retirer")
        .status_code
        == 403
    )
    assert co.post(f"/propositions/{proposal.id}/coauteurs/{coauthorship.id}/retirer").status_code == 302
    assert co.get(f"/propositions/{proposal.id}/modifier").status_code == 403
    assert db.session.scalar(select(func.count(ProposalCoauthor.id))) == 0


def test_invitation_rules(people, territory):
    proposal = _proposal(people, territory)
    with pytest.raises(coauthors.CoauthorError, match="porte déjà"):
        coauthors.invite(proposal, people["A"], people["lead_admin"])
    invitation = coauthors.invite(proposal, people["B"], people["lead_admin"])
    with pytest.raises(coauthors.CoauthorError, match="déjà invitée"):
        coauthors.invite(services.get_proposal(proposal.id), people["B"], people["lead_admin"])
    coauthors.respond(invitation, False, people["co_admin"])
    with pytest.raises(coauthors.CoauthorError, match="déjà reçu une réponse"):
        coauthors.respond(invitation, True, people["co_admin"])
    # A declined association may be invited again.
    again = coauthors.invite(services.get_proposal(proposal.id), people["B"], people["lead_admin"])
    assert again.status == CoauthorStatus.INVITED


# --- Amendments -------------------------------------------------------------------------------


def _suggest(app, people, proposal, who="resident", **data):
    form = {
        "field": "need",
        "new_text": "Les mères seules travaillent tard, loin de chez elles.",
        "reason": "Le trajet compte autant que l'horaire.",
        **data,
    }
    return _client(app, people, who).post(f"/propositions/{proposal.id}/amendements/nouveau", data=form)


@pytest.mark.parametrize("who", ROLES)
def test_who_may_suggest_an_amendment(app, people, territory, who):
    proposal = _with_coauthor(people, territory)
    response = _suggest(app, people, proposal, who)
    allowed = who in ("resident", "unrelated", "admin")
    assert response.status_code == (302 if allowed or who == "anonymous" else 403)
    assert (db.session.scalar(select(func.count(Amendment.id))) == 1) is allowed


def test_amendment_bad_input(app, people, territory):
    proposal = _proposal(people, territory)
    same = _suggest(app, people, proposal, new_text=FIELDS["need"])
    assert same.status_code == 422 and "identique au texte actuel" in text(same)
    no_reason = _suggest(app, people, proposal, reason="")
    assert no_reason.status_code == 422 and "Expliquez en quelques mots" in text(no_reason)
    assert "Les mères seules travaillent tard, loin de chez elles." in text(no_reason)
    bad_field = _suggest(app, people, proposal, field="budget_eur")
    assert bad_field.status_code == 422
    assert db.session.scalar(select(func.count(Amendment.id))) == 0


@pytest.mark.parametrize("who", ROLES)
def test_who_may_decide_an_amendment(app, people, territory, who):
    proposal = _with_coauthor(people, territory)
    amendment = amendments.suggest(
        proposal, people["resident"], "need", "Texte amendé, plus juste.", "Plus juste ainsi."
    )
    response = _client(app, people, who).post(f"/propositions/{proposal.id}/amendements/{amendment.id}/accepter")
    allowed = who in ("lead_admin", "lead_member", "co_member")
    assert response.status_code == (302 if allowed or who == "anonymous" else 403)
    db.session.expire_all()
    assert (db.session.get(Amendment, amendment.id).status == AmendmentStatus.ACCEPTED) is allowed


def test_accepted_amendment_is_a_revision_credited_to_its_author(people, territory):
    proposal = _proposal(people, territory)
    amendment = amendments.suggest(
        proposal, people["resident"], "need", "Texte amendé, plus juste.", "Plus juste ainsi."
    )
    amendments.accept(amendment, services.get_proposal(proposal.id), people["lead_admin"])
    latest = revisions.history(proposal.id)[0]
    assert latest.author_id == people["resident"].id and latest.changed_fields == ["need"]
    assert "accepté par Admin A" in latest.note
    notes = db.session.scalars(select(Notification.text).where(Notification.user_id == people["resident"].id)).all()
    assert any("est accepté" in n for n in notes)


def test_accepting_a_stale_amendment_shows_the_conflict(app, people, territory):
    proposal = _proposal(people, territory)
    amendment = amendments.suggest(
        proposal, people["resident"], "need", "Texte amendé, plus juste.", "Plus juste ainsi."
    )
    services.update_proposal(
        services.get_proposal(proposal.id), {"need": "Réécrit par l'association entre-temps."}, expected_version=1
    )
    response = _client(app, people, "lead_admin").post(
        f"/propositions/{proposal.id}/amendements/{amendment.id}/accepter"
    )
    assert response.status_code == 409
    assert "Ce passage a changé depuis que l'amendement a été écrit" in text(response)
    db.session.expire_all()
    assert text_of(db.session.get(Proposal, proposal.id), "need") == "Réécrit par l'association entre-temps."
    assert db.session.get(Amendment, amendment.id).status == AmendmentStatus.PENDING


def test_declining_needs_a_reason_and_tells_the_author(app, people, territory):
    proposal = _proposal(people, territory)
    amendment = amendments.suggest(
        proposal, people["resident"], "need", "Texte amendé, plus juste.", "Plus juste ainsi."
    )
    lead = _client(app, people, "lead_admin")
    empty = lead.post(
        f"/propositions/{proposal.id}/amendements/{amendment.id}/decliner", data={f"a{amendment.id}-decline_reason": ""}
    )
    assert empty.status_code == 422 and "Dites en quelques mots" in text(empty)
    ok = lead.post(
        f"/propositions/{proposal.id}/amendements/{amendment.id}/decliner",
        data={f"a{amendment.id}-decline_reason": "Hors du périmètre du projet."},
    )
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Amendment, amendment.id).status == AmendmentStatus.DECLINED
    notes = db.session.scalars(select(Notification.text).where(Notification.user_id == people["resident"].id)).all()
    assert any("Hors du périmètre du projet." in n for n in notes)
    # Answering twice is refused, nothing changes.
    again = lead.post(f"/propositions/{proposal.id}/amendements/{amendment.id}/accepter")
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(Amendment, amendment.id).status == AmendmentStatus.DECLINED


def test_amendments_page_keeps_a_constant_number_of_queries(app, people, territory):
    proposal = _proposal(people, territory)
    url = f"/propositions/{proposal.id}/amendements"
    client = _client(app, people, "lead_admin")
    amendments.suggest(proposal, people["resident"], "need", "Texte amendé 0, plus juste.", "Raison numéro 0.")
    with count_queries() as few:
        client.get(url)
    for i in range(1, 12):
        author = factories.make_user(f"Habitant {i}")
        amendments.suggest(
            services.get_proposal(proposal.id), author, "summary", f"Résumé amendé {i}.", f"Raison numéro {i}."
        )
    with count_queries() as many:
        page = html(client.get(url))
    assert many.count == few.count
    assert "Raison numéro 11." in page


@pytest.mark.parametrize(
    ("acting_in", "reader", "accept", "expected"),
    [
        ("fr", "en", True, "“Association B” agrees to co-write “{}”."),
        ("en", "fr", True, "« Association B » accepte de co-écrire « {} »."),
        ("fr", "en", False, "“Association B” declines the invitation to co-write “{}”."),
        ("en", "fr", False, "« Association B » décline l'invitation à co-écrire « {} »."),
    ],
)
def test_the_answer_to_a_coauthoring_is_told_in_each_members_language(
    app, people, territory, acting_in, reader, accept, expected
):
    from app.i18n import in_locale

    proposal = _proposal(people, territory, publish=False)
    invitation = coauthors.invite(proposal, people["B"], people["lead_admin"])
    people["lead_member"].locale = reader
    db.session.commit()
    with in_locale(acting_in):
        coauthors.respond(invitation, accept, people["co_admin"])
    said = db.session.scalar(
        select(Notification.text).where(
            Notification.user_id == people["lead_member"].id, Notification.kind == "coauthor_answer"
        )
    )
    assert said == expected.format(proposal.title)


@pytest.mark.parametrize(
    ("acting_in", "reader", "expected"),
    [("fr", "en", "(Summary)."), ("en", "fr", "(Résumé).")],
)
def test_a_suggested_amendment_names_the_field_in_each_members_language(
    app, people, territory, acting_in, reader, expected
):
    from app.i18n import in_locale

    proposal = _proposal(people, territory)
    people["lead_admin"].locale = reader
    db.session.commit()
    with in_locale(acting_in):
        amendments.suggest(proposal, people["resident"], "summary", "Un résumé plus juste.", "Plus juste ainsi.")
    said = db.session.scalar(
        select(Notification.text).where(
            Notification.user_id == people["lead_admin"].id, Notification.kind == "amendment_suggested"
        )
    )
    assert said.endswith(expected), said

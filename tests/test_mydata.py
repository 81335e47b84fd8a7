"""My data (GDPR art. 15 and 20): asking, the e-mailed link, the zip, and what it never holds."""

import io
import json
import re
import zipfile
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.follows.services import follow
from app.models import DataExport, EmailMode, OutboxMessage, ProposalRevision, User
from app.models.base import utcnow
from app.moderation import services as moderation
from app.mydata import services
from app.notifications.services import set_preferences
from app.supports.services import toggle_support
from tests import factories
from tests.helpers import count_queries, text


def _link(recipient: str) -> str:
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    )
    assert message is not None, "no e-mail"
    return re.search(r"https?://[^/\s]+(/compte/mes-donnees/\S+)", message.body).group(1)


def _zip(response) -> tuple[dict, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["donnees.html", "donnees.json"]
    return json.loads(archive.read("donnees.json")), archive.read("donnees.html").decode()


def rich_world(territory, resident):
    """The resident's own traces, amid other people's: co-authors, replies, someone else's report."""
    other = factories.make_user("Bérénice Voisine", email="berenice.secret@exemple.fr")
    reporter = factories.make_user("Gaspard Signaleur", email="gaspard.cache@exemple.fr")
    lead = factories.make_user("Dominique Porteuse", email="dominique.privee@exemple.fr")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[lead])
    factories.make_association("Collectif Voisin", territory.medoc_commune, members=[resident])

    own_idea = factories.make_idea(resident, territory.medoc_commune, title="Un four à pain partagé")
    others_idea = factories.make_idea(other, territory.medoc_commune, title="Une grainothèque au centre social")
    own_proposal = factories.make_proposal(association, resident, title="Cuisine mobile")
    coauthored = factories.make_proposal(association, lead, title="Jardins ouvriers", version=2)
    db.session.add(
        ProposalRevision(proposal_id=coauthored.id, version=2, author_id=resident.id, changed_fields=["summary"])
    )
    db.session.add(ProposalRevision(proposal_id=coauthored.id, version=3, author_id=lead.id, changed_fields=["title"]))
    factories.make_proposal(association, lead, title="Proposition de quelqu'un d'autre")

    own_comment = factories.make_comment(others_idea, resident, "Je peux prêter des bocaux.")
    factories.make_comment(others_idea, other, "Merci Camille !", reply_to=own_comment)  # a reply: notifies
    factories.make_comment(own_idea, other, "Belle idée, j'en suis.")
    toggle_support(others_idea, resident)
    toggle_support(own_idea, other)
    others_comment = factories.make_comment(own_idea, other, "Un message à signaler.")
    moderation.report(resident, others_comment, "spam")
    moderation.report(reporter, own_idea, "hors_sujet", "Rien à voir.")  # someone else's report, about her
    follow(resident.id, others_idea)
    set_preferences(resident.id, {"comment": EmailMode.DAILY})
    db.session.commit()
    return {
        "others": [other, reporter, lead],
        "own_idea": own_idea,
        "own_proposal": own_proposal,
        "coauthored": coauthored,
        "own_comment": own_comment,
        "others_idea": others_idea,
    }


def test_the_copy_holds_exactly_her_contributions_and_no_one_elses_address(app, territory, resident, resident_client):
    world = rich_world(territory, resident)
    response = resident_client.post("/compte/mes-donnees", follow_redirects=True)
    assert "le lien vient de vous être envoyé" in text(response)
    link = _link(resident.email)

    page = resident_client.get(link)
    assert page.status_code == 200 and "Télécharger l'archive" in text(page)
    response = resident_client.post(link)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    data, readable = _zip(response)

    everything = json.dumps(data, ensure_ascii=False) + readable
    for person in world["others"]:
        assert person.email not in everything
    assert "Gaspard Signaleur" not in everything  # who reported her idea stays unknown to her
    assert data["compte"]["adresse_email"] == resident.email and resident.email in readable
    assert [i["id"] for i in data["idees"]] == [world["own_idea"].id]
    assert {p["id"]: p["vous_l_avez"] for p in data["propositions"]} == {
        world["own_proposal"].id: "ecrite",
        world["coauthored"].id: "co-ecrite",
    }
    coauthored = next(p for p in data["propositions"] if p["id"] == world["coauthored"].id)
    assert [r["version"] for r in coauthored["vos_revisions"]] == [2]  # hers, not the lead's
    assert [c["id"] for c in data["commentaires"]] == [world["own_comment"].id]
    assert [s["sur"]["id"] for s in data["soutiens"]] == [world["others_idea"].id]
    assert [(r["sur"]["type"], r["motif"]) for r in data["signalements_faits"]] == [("comment", "spam")]
    assert [f["id"] for f in data["suivis"]] == [world["others_idea"].id]
    assert data["preferences_courriel"] == [{"sorte": "comment", "envoi": "daily"}]
    assert data["notifications"] and all("texte" in n for n in data["notifications"])
    assert [c["sur"]["id"] for c in data["moderation"]["signalements_de_vos_contenus"]] == [world["own_idea"].id]
    assert [m["association"] for m in data["roles"]["associations"]] == ["Collectif Voisin"]
    assert "Un four à pain partagé" in readable and "Je peux prêter des bocaux." in readable
    assert "<dt>Adresse confirmée le</dt>" in readable and "<dt>Vos révisions</dt>" in readable  # a person's words
    assert "<script" not in readable and "<link" not in readable and 'src="' not in readable

    # Downloaded once: the file is gone, the link says so.
    db.session.expire_all()
    export = db.session.scalar(select(DataExport))
    assert export.content is None and export.downloaded_at is not None
    again = resident_client.post(link, follow_redirects=True)
    assert again.mimetype == "text/html" and "Ce lien ne donne plus rien" in text(again)


def test_building_the_copy_costs_the_same_queries_however_much_she_wrote(app, territory, resident):
    rich_world(territory, resident)
    with count_queries() as small:
        services.collect(resident)
    others = factories.make_user("Autre Personne")
    for n in range(6):
        idea = factories.make_idea(others, territory.medoc_commune)
        factories.make_comment(idea, resident, f"Encore un message {n}")
        toggle_support(idea, resident)
        factories.make_idea(resident, territory.medoc_commune)
    db.session.commit()
    with count_queries() as large:
        services.collect(resident)
    assert small.count == large.count <= 21  # one per kind of data, and the account


def test_the_link_is_hers_alone(app, territory, resident, resident_client, member_client, admin_client, client):
    resident_client.post("/compte/mes-donnees")
    link = _link(resident.email)
    for other in (member_client, admin_client):
        assert other.get(link).status_code == 403
        assert other.post(link).status_code == 403
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    assert client.post(link).status_code in (302, 400)
    assert resident_client.post(link, csrf=False).status_code == 400  # no token: no download
    assert db.session.scalar(select(func.count()).select_from(DataExport).where(DataExport.content.is_not(None))) == 1


def test_a_forged_or_expired_link_gives_nothing(app, resident, resident_client):
    resident_client.post("/compte/mes-donnees")
    link = _link(resident.email)
    assert "Ce lien ne donne plus rien" in text(resident_client.get(link[:-3] + "xyz", follow_redirects=True))
    export = db.session.scalar(select(DataExport))
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "Ce lien ne donne plus rien" in text(resident_client.get(link, follow_redirects=True))


def test_asking_needs_an_account_and_a_post(app, client, resident_client):
    assert client.post("/compte/mes-donnees").status_code == 302
    assert resident_client.get("/compte/mes-donnees").status_code == 405
    assert resident_client.post("/compte/mes-donnees", csrf=False).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 0


def test_a_suspended_person_still_gets_her_copy(app, resident, resident_client):
    resident.suspended_at = utcnow()
    db.session.commit()
    resident_client.post("/compte/mes-donnees")
    assert resident_client.post(_link(resident.email)).mimetype == "application/zip"


def test_asking_again_sends_the_same_link_again_and_one_copy_exists(app, resident, resident_client):
    resident_client.post("/compte/mes-donnees")
    resident_client.post("/compte/mes-donnees")
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1
    count = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == resident.email)
    assert db.session.scalar(count) == 2
    page = text(resident_client.get("/compte"))
    assert "Votre copie est prête" in page and "Renvoyer le lien" in page


def test_a_large_copy_waits_for_the_timer(app, resident, resident_client):
    app.config["DATA_EXPORT_INLINE_ROWS"] = -1
    response = resident_client.post("/compte/mes-donnees", follow_redirects=True)
    assert "Votre demande est enregistrée" in text(response)
    assert "Votre copie est en préparation" in text(resident_client.get("/compte"))
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    result = app.test_cli_runner().invoke(args=["exports", "build"])
    assert "1 copie(s) préparée(s), 0 échec(s)" in result.output
    assert resident_client.post(_link(resident.email)).mimetype == "application/zip"


def test_every_role_may_ask_for_their_own_copy(role_client):
    role, client = role_client
    response = client.post("/compte/mes-donnees")
    if role == "anonymous":
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
        assert db.session.scalar(select(func.count()).select_from(DataExport)) == 0
    else:
        assert response.status_code == 302 and response.headers["Location"].endswith("/compte#data-title")
        export = db.session.scalar(select(DataExport))
        assert export.content is not None
        assert services.collect(db.session.get(User, export.user_id))["compte"]["id"] == export.user_id


def test_a_failed_build_keeps_the_request_for_the_timer(app, resident, resident_client, monkeypatch):
    def broken(data):
        raise RuntimeError("disque plein")

    monkeypatch.setattr(services, "zip_bytes", broken)
    response = resident_client.post("/compte/mes-donnees", follow_redirects=True)
    assert response.status_code == 200 and "Votre demande est enregistrée" in text(response)
    export = db.session.scalar(select(DataExport))
    assert export.ready_at is None and "disque plein" in export.last_error
    assert "0 copie(s) préparée(s), 1 échec(s)" in app.test_cli_runner().invoke(args=["exports", "build"]).output
    monkeypatch.undo()
    assert "1 copie(s) préparée(s), 0 échec(s)" in app.test_cli_runner().invoke(args=["exports", "build"]).output
    assert resident_client.post(_link(resident.email)).mimetype == "application/zip"

"""Open data: every public list as CSV and JSON (the list's filters, only what an anonymous visitor
sees, streamed by batches) and the page that lists them with their columns and licence."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

from sqlalchemy import select

from app import identity
from app.extensions import db
from app.models import Association, Decision, Idea, Proposal, ProposalState, Submission
from app.models.base import utcnow
from app.opendata import exports
from tests import factories
from tests.helpers import count_queries, html, text


def _csv(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff"), "a BOM, for Excel"
    return list(csv.DictReader(io.StringIO(body[1:])))


def _json(response) -> list[dict]:
    return json.loads(response.get_data(as_text=True))


def _ids(rows: list[dict], key: str = "id") -> set[int]:
    return {int(row[key]) for row in rows}


def _hide(model, obj) -> None:
    db.session.execute(model.__table__.update().where(model.id == obj.id).values(hidden_at=utcnow()))
    db.session.commit()


# --- Same rows as the page ----------------------------------------------------------------------


def test_a_filtered_export_has_the_rows_the_filtered_list_shows(client, territory):
    association = factories.make_association("Les Jardins", territory.medoc_commune)
    medoc = [
        factories.make_proposal(association, title=f"Jardin {i}", communes=(territory.medoc_commune,)) for i in range(3)
    ]
    factories.make_proposal(association, title="Bassin", communes=(territory.bassin_commune,))
    page = html(client.get("/propositions/?pole=medoc&tri=soutiens"))
    shown = {int(i) for i in re.findall(r'href="/propositions/(\d+)"', page)}
    assert shown == {p.id for p in medoc}
    # The page's link carries its filters, not its order (the file is sorted by id).
    link = re.search(r'href="(/donnees-ouvertes/propositions\.csv[^"]*)"', page)[1].replace("&amp;", "&")
    assert "pole=medoc" in link and "tri=" not in link

    rows = _csv(client.get(link))
    assert _ids(rows) == shown
    assert [int(r["id"]) for r in rows] == sorted(shown, reverse=True)
    assert rows[0]["units"] == "Médoc" and rows[0]["communes"] == "Lesparre-Médoc"
    assert rows[0]["url"] == f"http://localhost/propositions/{medoc[-1].id}"
    assert rows[0]["is_rural"] == "false"
    data = _json(client.get(link.replace(".csv", ".json")))
    assert _ids(data) == shown
    assert data[0]["units"] == ["Médoc"] and data[0]["is_rural"] is False
    assert list(data[0]) == list(rows[0]) == [c.name for c in exports.PROPOSALS.columns]


def test_the_words_typed_filter_the_export_too(client, territory):
    association = factories.make_association("Les Jardins", territory.medoc_commune)
    garden = factories.make_proposal(association, title="Un jardin partagé")
    factories.make_proposal(association, title="Une épicerie solidaire")
    assert _ids(_csv(client.get("/donnees-ouvertes/propositions.csv?q=jardin"))) == {garden.id}
    idea = factories.make_idea(title="Un jardin au pied des tours", commune=territory.medoc_commune)
    factories.make_idea(title="Un banc", commune=territory.bassin_commune)
    assert _ids(_json(client.get("/donnees-ouvertes/idees.json?q=jardin&pole=medoc"))) == {idea.id}


# --- Only what an anonymous visitor sees, whoever downloads -------------------------------------


def test_no_private_row_is_ever_exported_whoever_downloads(role_client, territory):
    role, client = role_client
    # The member's own association when the role has one: its draft is theirs to see, not to export.
    association = db.session.scalar(select(Association).where(Association.name == "Les Jardins du Médoc"))
    association = association or factories.make_association("Les Jardins du Médoc", territory.medoc_commune)
    other = factories.make_association("Autre", territory.bassin_commune)
    public = factories.make_proposal(association, communes=(territory.medoc_commune,))
    factories.make_proposal(association, state=ProposalState.DRAFT, communes=(territory.medoc_commune,))
    factories.make_proposal(other, state=ProposalState.DRAFT, communes=(territory.bassin_commune,))
    _hide(Proposal, factories.make_proposal(association, communes=(territory.medoc_commune,)))
    idea = factories.make_idea(commune=territory.medoc_commune)
    _hide(Idea, factories.make_idea(commune=territory.medoc_commune))

    for fmt, parse in (("csv", _csv), ("json", _json)):
        assert _ids(parse(client.get(f"/donnees-ouvertes/propositions.{fmt}"))) == {public.id}, role
        assert _ids(parse(client.get(f"/donnees-ouvertes/propositions.{fmt}?pole=medoc"))) == {public.id}, role
        assert _ids(parse(client.get(f"/donnees-ouvertes/idees.{fmt}"))) == {idea.id}, role
    # Not an e-mail address nor an author's name in any file.
    everything = "".join(client.get(f"/donnees-ouvertes/{key}.json").get_data(as_text=True) for key in exports.LISTS)
    assert "@" not in everything and "Personne" not in everything


def test_call_results_export_only_once_published_and_without_hidden_projects(client, territory):
    call = factories.make_call(poles=(territory.medoc,))
    association = factories.make_association("Les Jardins", territory.medoc_commune)
    author = factories.make_user()
    chosen = factories.make_proposal(association, author, state=ProposalState.SELECTED)
    hidden = factories.make_proposal(association, author, state=ProposalState.NOT_SELECTED)
    for proposal, decision, granted in ((chosen, Decision.SELECTED, 12_000), (hidden, Decision.REJECTED, None)):
        db.session.add(
            Submission(
                call_id=call.id,
                proposal_id=proposal.id,
                submitted_by_id=author.id,
                decision=decision,
                granted_eur=granted,
                decision_reason="Un motif public.",
            )
        )
    db.session.commit()
    _hide(Proposal, hidden)
    url = f"/donnees-ouvertes/appels/{call.slug}/resultats.csv"
    assert client.get(url).status_code == 404
    call.results_published_at = utcnow()
    db.session.commit()

    rows = _csv(client.get(url))
    assert [(int(r["proposal_id"]), r["decision"], r["granted_eur"]) for r in rows] == [
        (chosen.id, "selected", "12000")
    ]
    assert _json(client.get(url.replace(".csv", ".json")))[0]["granted_eur"] == 12_000
    assert "resultats.csv" in html(client.get(f"/appels/{call.slug}/resultats"))


# --- Streaming and batches ----------------------------------------------------------------------


def test_an_export_is_a_dated_attachment_streamed_by_a_generator(client, territory):
    response = client.get("/donnees-ouvertes/communes.csv")
    assert response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    day = re.search(r'attachment; filename="communes-(\d{4}-\d\d-\d\d)\.csv"', response.headers["Content-Disposition"])
    assert abs((date.fromisoformat(day[1]) - date.today()).days) <= 1
    rows = _csv(response)
    assert {(r["name"], r["unit"], r["is_rural"]) for r in rows} == {
        ("Lesparre-Médoc", "Médoc", "true"),
        ("Arcachon", "Bassin", "false"),
    }
    assert client.get("/donnees-ouvertes/appels.json").mimetype == "application/json"
    assert client.get("/donnees-ouvertes/inconnu.csv").status_code == 404
    assert client.get("/donnees-ouvertes/communes.xml").status_code == 404


def test_rows_are_read_by_batches_each_row_once(client, territory, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 3)
    ideas = [factories.make_idea(commune=territory.medoc_commune) for _ in range(7)]
    with count_queries() as log:
        rows = _json(client.get("/donnees-ouvertes/idees.json"))
    assert [r["id"] for r in rows] == sorted((i.id for i in ideas), reverse=True)
    # Three batches (3, 3, 1), each its rows and their publics: no query per row.
    assert sum("FROM ideas" in s and "ORDER BY ideas.id DESC" in s for s in log.statements) == 3


def test_an_export_runs_as_many_queries_for_2_rows_as_for_20(client, territory):
    association = factories.make_association("Les Jardins", territory.medoc_commune)

    def add(n: int) -> None:
        for i in range(n):
            factories.make_proposal(association, communes=(territory.medoc_commune,), publics=("femmes",))
            factories.make_idea(commune=territory.medoc_commune, publics=("seniors",))
            factories.make_call(poles=(territory.medoc,), domains=["alimentation"])
            factories.make_commune(f"Commune {n} {i}", territory.bassin)

    def queries() -> dict[str, int]:
        counts = {}
        for dataset in exports.LISTS:
            with count_queries() as log:
                assert len(_csv(client.get(f"/donnees-ouvertes/{dataset}.csv"))) >= 2
            counts[dataset] = log.count
        return counts

    add(2)
    few = queries()
    add(18)
    assert queries() == few
    # The filters' options (four, for the lists that have filters), the batch, its relations.
    assert few == {"propositions": 8, "idees": 6, "appels": 3, "communes": 1}


# --- The lists offer their files ----------------------------------------------------------------


def test_each_public_list_offers_csv_and_json(client, territory):
    association = factories.make_association("Les Jardins", territory.medoc_commune)
    factories.make_proposal(association, is_rural=True, domain="alimentation")
    factories.make_idea(commune=territory.medoc_commune)
    factories.make_call()
    for page, dataset in (
        ("/propositions/?page=1&rural=1&etat=published", "propositions"),
        ("/idees/", "idees"),
        ("/appels/", "appels"),
        ("/territoires/", "communes"),
    ):
        body = html(client.get(page))
        assert f'href="/donnees-ouvertes/{dataset}.csv' in body and f'href="/donnees-ouvertes/{dataset}.json' in body
    body = html(client.get("/propositions/?page=1&rural=1&etat=published"))
    assert "propositions.csv?rural=1&amp;etat=published" in body
    # An htmx answer (new filters) carries its links too.
    fragment = html(client.get("/propositions/?domaine=alimentation", headers={"HX-Request": "true"}))
    assert "propositions.json?domaine=alimentation" in fragment


# --- The open-data page -------------------------------------------------------------------------


def test_the_open_data_page_lists_each_file_its_columns_licence_and_last_update(client, admin_client, territory):
    association = factories.make_association("Les Jardins", territory.medoc_commune)
    factories.make_proposal(association)
    with count_queries() as log:
        page = text(client.get("/donnees-ouvertes/"))
    assert log.count <= 8
    for dataset in exports.LISTS.values():
        assert f"/donnees-ouvertes/{dataset.key}.csv" in page and f"/donnees-ouvertes/{dataset.key}.json" in page
        for column in dataset.columns:
            assert f"<code>{column.name}</code>" in page
    assert "Licence Ouverte / Open Licence 2.0 (Etalab)" in page and "https://www.etalab.gouv.fr/" in page
    assert "séparées par une virgule" in page
    assert page.count("Dernière mise à jour") == 1  # the proposals; nothing else is dated yet
    assert 'href="/donnees-ouvertes/"' in page  # the footer

    form = {**{k: v for k, v in _identity_form(admin_client).items()}, "data_licence": "odbl-1.0"}
    assert admin_client.post("/admin/collectivite", data=form).status_code == 302
    identity.forget()
    assert identity.current().data_licence == "odbl-1.0"
    page = text(client.get("/donnees-ouvertes/"))
    assert "Open Database License (ODbL) 1.0" in page and "Licence Ouverte" not in page


def _identity_form(admin_client) -> dict:
    from tests.test_identity import form_data

    return form_data()


def test_the_licence_must_be_one_of_the_choices(admin_client):
    from tests.test_identity import form_data

    response = admin_client.post("/admin/collectivite", data={**form_data(), "data_licence": "cc-by-nc"})
    assert response.status_code == 422
    identity.forget()
    assert identity.current().data_licence == "etalab-2.0"

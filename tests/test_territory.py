"""The territory as data: the shipped COG slices, the import by INSEE code, the back-office editors."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Commune, Idea, Pole
from app.models.participation import proposal_communes
from app.territory import (
    OfficialCommune,
    TerritoryError,
    import_communes,
    load_slice,
    load_units,
    parse_upload,
    resolve_commune,
    shipped_slices,
)
from tests import factories
from tests.helpers import count_queries, html, text

# --- The shipped slices -----------------------------------------------------------------------------


def test_gironde_slice_holds_every_current_commune_of_the_departement(app):
    gironde = load_slice("gironde-33")
    # COG 2026 (@etalab/decoupage-administratif 6.0.0): 534 communes (535 until a 2025 merger).
    assert len(gironde.communes) == 534
    codes = {c.code: c.name for c in gironde.communes}
    assert codes["33063"] == "Bordeaux"
    assert codes["33318"] == "Pessac"
    assert codes["33081"] == "Cadillac-sur-Garonne"
    assert all(code.startswith("33") for code in codes)


def test_lyon_slice_is_the_metropole_s_58_communes(app):
    lyon = load_slice("metropole-de-lyon-200046977")
    codes = {c.code: c.name for c in lyon.communes}
    assert len(codes) == 58
    assert codes["69123"] == "Lyon"
    assert codes["69266"] == "Villeurbanne"
    assert codes["69290"] == "Saint-Priest"
    assert "Licence Ouverte" in json.loads((lyon_path := _slice_path(lyon.key)).read_text())["licence"]
    assert lyon_path.name in (lyon_path.parent / "README.md").read_text()


def _slice_path(key):
    from app.territory import SLICES_DIR

    return SLICES_DIR / f"{key}.json"


def test_an_unknown_slice_is_refused(app):
    assert "gironde-33" in shipped_slices()
    with pytest.raises(TerritoryError):
        load_slice("../secrets")


# --- Import by INSEE code ---------------------------------------------------------------------------


def test_import_creates_then_never_duplicates_and_keeps_units_and_flags(app, territory):
    official = load_slice("gironde-33").communes
    report = import_communes(official, territory.bassin)
    db.session.commit()
    # Arcachon and Lesparre-Médoc existed without a code (legacy rows): found by name, given their code.
    assert len(report.created) == 532 and len(report.updated) == 2
    arcachon = db.session.get(Commune, territory.bassin_commune.id)
    assert arcachon.insee_code == "33009"
    assert db.session.scalar(select(func.count(Commune.id))) == 534
    # The admin moves a commune and flags it; a second import changes none of that.
    arcachon.has_qpv = True
    pessac = db.session.scalar(select(Commune).where(Commune.insee_code == "33318"))
    pessac.pole_id, pessac.is_rural = territory.medoc.id, True
    db.session.commit()
    again = import_communes(official, None)
    db.session.commit()
    assert (len(again.created), len(again.updated), again.unchanged) == (0, 0, 534)
    db.session.expire_all()
    assert db.session.get(Commune, pessac.id).pole_id == territory.medoc.id
    assert db.session.get(Commune, pessac.id).is_rural
    assert db.session.get(Commune, arcachon.id).has_qpv


def test_import_renames_by_code_and_needs_a_unit_only_for_new_communes(app, territory):
    import_communes([OfficialCommune("33081", "Cadillac")], territory.bassin)
    report = import_communes([OfficialCommune("33081", "Cadillac-sur-Garonne")], None)
    assert [c.name for c in report.updated] == ["Cadillac-sur-Garonne"]
    with pytest.raises(TerritoryError) as refused:
        import_communes([OfficialCommune("33063", "Bordeaux")], None)
    assert refused.value.field == "unit"


def test_homonyms_get_distinct_slugs(app, territory):
    import_communes([OfficialCommune("33473", "Saint-Savin"), OfficialCommune("86246", "Saint-Savin")], territory.medoc)
    slugs = set(db.session.scalars(select(Commune.slug).where(Commune.name == "Saint-Savin")))
    assert slugs == {"saint-savin", "saint-savin-86246"}


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("communes.csv", "code,nom\n33063,Bordeaux\n33318,Pessac\n", [("33063", "Bordeaux"), ("33318", "Pessac")]),
        ("communes.csv", "33063;Bordeaux\n", [("33063", "Bordeaux")]),
        ("c.json", '{"communes": [{"code": "2A004", "nom": "Ajaccio"}]}', [("2A004", "Ajaccio")]),
        ("c.json", '[{"code": "69123", "nom": "Lyon"}]', [("69123", "Lyon")]),
    ],
)
def test_uploads_are_read_as_csv_or_json(app, filename, content, expected):
    assert [(c.code, c.name) for c in parse_upload(filename, content.encode())] == expected


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("c.csv", "code,nom\n3306,Bordeaux\n", "Ligne 2"),
        ("c.csv", "33063\n", "Ligne 1"),
        ("c.csv", "", "aucune commune"),
        ("c.json", "{not json", "illisible"),
        ("c.xlsx", "x", ".json ou .csv"),
        ("c.csv", b"\xff\xfe", "UTF-8"),
    ],
)
def test_bad_uploads_get_a_french_message(app, filename, content, message):
    with pytest.raises(TerritoryError, match=message):
        parse_upload(filename, content if isinstance(content, bytes) else content.encode())


def test_a_preset_loads_a_slice_grouped_into_units(app):
    units = {
        "Lyon centre": ("Illustratif.", ["69123"]),
        "Est": ("Illustratif.", ["69266", "69290"]),
    }
    poles = load_units("metropole-de-lyon-200046977", units, demo=True)
    load_units("metropole-de-lyon-200046977", units, demo=True)  # idempotent
    db.session.commit()
    assert db.session.scalar(select(func.count(Pole.id))) == 2
    est = db.session.scalars(select(Commune).where(Commune.pole_id == poles["Est"].id)).all()
    assert sorted(c.name for c in est) == ["Saint-Priest", "Villeurbanne"]
    assert all(c.is_demo for c in est)
    with pytest.raises(TerritoryError):
        load_units("metropole-de-lyon-200046977", {"Ailleurs": ("", ["33063"])})


# --- What a picker sends back -------------------------------------------------------------------------


@pytest.fixture
def gironde(app, territory):
    import_communes(load_slice("gironde-33").communes, territory.bassin)
    import_communes([OfficialCommune("86246", "Saint-Savin")], territory.medoc)
    db.session.commit()
    return territory


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Pessac (33318)", "33318"),
        ("pessac", "33318"),
        ("  Bègles ", "33039"),
        ("33063", "33063"),
        ("Saint-Savin (86246)", "86246"),
        ("Lormon", "33249"),
    ],
)
def test_a_typed_commune_is_resolved(gironde, typed, code):
    assert resolve_commune(typed).insee_code == code


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Paris", "Aucune commune"),
        ("Saint-Savin", "Plusieurs communes"),
        ("Saint", "Plusieurs"),
        ("99999", "Aucune commune n'a le code"),
        ("", "Choisissez"),
        ("!!", "Aucune commune"),
    ],
)
def test_a_typed_commune_that_matches_none_or_several_is_refused(gironde, typed, message):
    with pytest.raises(TerritoryError, match=message):
        resolve_commune(typed)


# --- The command --------------------------------------------------------------------------------------


def test_cli_import_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["territory", "import", "--slice", "metropole-de-lyon-200046977", "--unit", "Lyon"])
    assert result.exit_code == 0, result.output
    assert "58 commune(s) créée(s)" in result.output
    result = runner.invoke(args=["territory", "import", "--slice", "metropole-de-lyon-200046977"])
    assert "0 commune(s) créée(s), 0 mise(s) à jour, 58 inchangée(s)" in result.output
    assert db.session.scalar(select(func.count(Commune.id))) == 58


def test_cli_import_from_a_file_says_what_is_wrong(app, tmp_path):
    path = tmp_path / "communes.csv"
    path.write_text("code,nom\n69123,Lyon\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["territory", "import", "--file", str(path)])
    assert result.exit_code != 0 and "Choisissez l'unité" in result.output
    result = runner.invoke(args=["territory", "import", "--file", str(path), "--unit", "Centre"])
    assert result.exit_code == 0 and "1 commune(s) créée(s)" in result.output


# --- Back office: who may --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/admin/territoire"),
        ("get", "/admin/territoire/communes"),
        ("get", "/admin/territoire/importer"),
        ("post", "/admin/territoire/unites"),
        ("post", "/admin/territoire/importer"),
    ],
)
def test_territory_back_office_is_for_admins_only(app, territory, role_client, method, path):
    role, client = role_client
    response = getattr(client, method)(path)
    if role == "admin":
        assert response.status_code in (200, 422)
    elif role == "anonymous":
        assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ["anonymous", "resident", "moderator"])
def test_refused_roles_change_nothing(app, territory, request, role):
    client = app.test_client() if role == "anonymous" else request.getfixturevalue(f"{role}_client")
    commune = territory.medoc_commune
    client.post(f"/admin/territoire/communes/{commune.id}", data={f"c{commune.id}-pole_id": territory.bassin.id})
    client.post(f"/admin/territoire/unites/{territory.bassin.id}", data={"name": "Renommé"})
    client.post(f"/admin/territoire/unites/{territory.bassin.id}/supprimer")
    db.session.expire_all()
    assert db.session.get(Commune, commune.id).pole_id == territory.medoc.id
    assert db.session.get(Pole, territory.bassin.id).name == "Bassin"


# --- Back office: units -------------------------------------------------------------------------------


def test_admin_creates_renames_and_deletes_an_empty_unit(admin_client, territory):
    response = admin_client.post(
        "/admin/territoire/unites", data={"name": "  Hauts  de Garonne ", "description": "Rive droite."}
    )
    assert response.status_code == 302
    unit = db.session.scalar(select(Pole).where(Pole.name == "Hauts de Garonne"))
    assert unit.slug == "hauts-de-garonne" and unit.description == "Rive droite."
    response = admin_client.post(
        f"/admin/territoire/unites/{unit.id}", data={"name": "Hauts-de-Garonne", "description": ""}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Pole, unit.id).name == "Hauts-de-Garonne"
    assert db.session.get(Pole, unit.id).slug == "hauts-de-garonne"  # shared URLs keep working
    unit_id = unit.id
    admin_client.post(f"/admin/territoire/unites/{unit_id}/supprimer")
    db.session.expire_all()
    assert db.session.get(Pole, unit_id) is None


def test_a_duplicate_name_is_refused_and_what_was_typed_stays(admin_client, territory):
    response = admin_client.post("/admin/territoire/unites", data={"name": "médoc", "description": "Mon texte."})
    assert response.status_code == 422
    assert "Une unité porte déjà ce nom." in text(response)
    assert "Mon texte." in text(response)
    assert db.session.scalar(select(func.count(Pole.id))) == 2


def test_a_unit_with_communes_is_not_deleted(admin_client, territory):
    response = admin_client.post(f"/admin/territoire/unites/{territory.medoc.id}/supprimer", follow_redirects=True)
    assert "Déplacez d'abord ses 1 communes" in text(response) or "Déplacez d'abord" in text(response)
    assert db.session.get(Pole, territory.medoc.id) is not None


def test_territory_page_lists_units_and_marks_the_demo_grouping(admin_client, territory):
    territory.medoc_commune.is_demo = True
    db.session.commit()
    with count_queries() as log:
        page = text(admin_client.get("/admin/territoire"))
    assert "Médoc" in page and "Bassin" in page
    assert "à titre d'illustration" in page
    assert "n'ont pas encore de code INSEE" in page
    # The user, the menu's evaluations, the units, the counts per unit, communes without a code, demo ones.
    assert log.count == 6


# --- Back office: communes ----------------------------------------------------------------------------


def test_communes_are_searched_by_name_or_code_and_paginated(admin_client, gironde):
    with count_queries() as log:
        page = text(admin_client.get("/admin/territoire/communes"))
    assert "535 communes" in page and "Page 1 sur 11" in page
    # The user, the menu's evaluations, the count, the page of communes, the units of the selects.
    assert log.count == 5
    with count_queries() as log:
        page = text(admin_client.get("/admin/territoire/communes?page=3"))
    assert log.count == 5
    page = text(admin_client.get("/admin/territoire/communes?q=begles"))
    assert "1 commune" in page and "Bègles" in page and "33039" in page
    page = text(admin_client.get("/admin/territoire/communes?q=3331"))
    assert "Pessac" in page and "Bordeaux" not in page
    page = text(admin_client.get(f"/admin/territoire/communes?unite={gironde.medoc.id}"))
    assert "2 communes" in page and "Lesparre-Médoc" in page


def test_a_commune_is_moved_and_flagged_without_javascript(admin_client, territory):
    commune = territory.bassin_commune
    response = admin_client.post(
        f"/admin/territoire/communes/{commune.id}",
        data={
            f"c{commune.id}-pole_id": territory.medoc.id,
            f"c{commune.id}-has_qpv": "y",
            "back": "/admin/territoire/communes?q=arc",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/territoire/communes?q=arc")
    db.session.expire_all()
    saved = db.session.get(Commune, commune.id)
    assert (saved.pole_id, saved.is_rural, saved.has_qpv) == (territory.medoc.id, False, True)


def test_a_commune_is_saved_in_place_with_htmx(admin_client, territory):
    commune = territory.medoc_commune
    response = admin_client.htmx(
        "POST", f"/admin/territoire/communes/{commune.id}", data={f"c{commune.id}-pole_id": territory.medoc.id}
    )
    assert response.status_code == 200
    assert html(response).lstrip().startswith(f'<tr id="commune-{commune.id}"')
    assert "Enregistré." in text(response)
    db.session.expire_all()
    assert not db.session.get(Commune, commune.id).is_rural  # unchecked: no longer rural
    response = admin_client.htmx(
        "POST", f"/admin/territoire/communes/{commune.id}", data={f"c{commune.id}-pole_id": "999"}
    )
    assert response.status_code == 422 and "Choisissez une unité." in text(response)


def test_the_back_link_is_never_an_open_redirect(admin_client, territory):
    commune = territory.medoc_commune
    response = admin_client.post(
        f"/admin/territoire/communes/{commune.id}",
        data={
            f"c{commune.id}-pole_id": territory.medoc.id,
            "back": "https://ailleurs.example/admin/territoire/communes",
        },
    )
    assert response.headers["Location"] == "/admin/territoire/communes"


# --- Back office: import ------------------------------------------------------------------------------


def test_admin_imports_a_shipped_slice_into_a_unit(admin_client, territory):
    response = admin_client.post(
        "/admin/territoire/importer", data={"source": "metropole-de-lyon-200046977", "pole_id": territory.bassin.id}
    )
    assert response.status_code == 302
    assert "58 commune(s) créée(s)" in text(admin_client.get(response.headers["Location"]))
    assert db.session.scalar(select(func.count(Commune.id)).where(Commune.pole_id == territory.bassin.id)) == 59


def test_admin_imports_an_uploaded_csv_and_errors_keep_the_choices(admin_client, territory):
    data = {"source": "fichier", "upload": (io.BytesIO(b"code,nom\n69123,Lyon\n"), "lyon.csv")}
    response = admin_client.post("/admin/territoire/importer", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choisissez l'unité où ranger les 1 nouvelles communes." in text(response)
    assert re.search(r'<input checked[^>]*value="fichier"', html(response))
    data = {
        "source": "fichier",
        "upload": (io.BytesIO(b"code,nom\nLyon\n"), "lyon.csv"),
        "pole_id": territory.bassin.id,
    }
    response = admin_client.post("/admin/territoire/importer", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "Ligne 2 : il faut un code INSEE" in text(response)
    data = {
        "source": "fichier",
        "upload": (io.BytesIO(b"code,nom\n69123,Lyon\n"), "lyon.csv"),
        "pole_id": territory.bassin.id,
    }
    response = admin_client.post("/admin/territoire/importer", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(Commune.name).where(Commune.insee_code == "69123")) == "Lyon"


def test_ideas_keep_their_commune_through_an_import(app, territory, resident):
    idea = factories.make_idea(resident, territory.medoc_commune)
    import_communes(load_slice("gironde-33").communes, territory.bassin)
    db.session.commit()
    assert db.session.get(Idea, idea.id).commune_id == territory.medoc_commune.id
    assert db.session.get(Commune, territory.medoc_commune.id).insee_code == "33240"


def test_every_demo_commune_has_its_official_code(app):
    from app.demo import load_demo

    load_demo()
    db.session.commit()
    official = {c.code: c.name for c in load_slice("gironde-33").communes}
    communes = db.session.scalars(select(Commune)).all()
    assert communes and all(c.is_demo and c.insee_code in official for c in communes)
    assert {official[c.insee_code] for c in communes if c.slug == "pessac"} == {"Pessac"}


# --- Commune pickers --------------------------------------------------------------------------------


def test_idea_form_offers_every_commune_as_a_type_ahead(resident_client, gironde):
    with count_queries() as log:
        page = html(resident_client.get("/idees/nouvelle"))
    assert 'list="commune_id-choices"' in page
    assert '<option value="Pessac (33318)" label="Bassin">' in page
    assert page.count("<option value=") >= 535
    # The user, the menu, one query for the suggestions whatever their number, and the taxonomies
    # (the domains offered, the publics, and the domains with their sub-domains for the optgroups).
    assert log.count == 7


def test_idea_is_created_from_a_typed_name_or_a_picked_suggestion(resident_client, gironde):
    base = {
        "title": "Un lieu pour les familles",
        "description": "Les familles manquent d'un lieu pour se retrouver.",
        "domain": "alimentation",
        "publics": ["familles_monoparentales"],
    }
    response = resident_client.post("/idees/nouvelle", data={**base, "commune_id": "Pessac (33318)"})
    assert response.status_code == 302, text(response)
    response = resident_client.post("/idees/nouvelle", data={**base, "commune_id": "begles"})
    assert response.status_code == 302
    ideas = db.session.scalars(select(Idea).order_by(Idea.id)).all()
    codes = [db.session.get(Commune, i.commune_id).insee_code for i in ideas]
    assert codes == ["33318", "33039"]


def test_an_ambiguous_commune_is_refused_and_what_was_typed_stays(resident_client, gironde):
    data = {
        "title": "Un lieu pour les familles",
        "description": "Les familles manquent d'un lieu pour se retrouver.",
        "domain": "alimentation",
        "publics": ["familles_monoparentales"],
        "commune_id": "Saint-Savin",
    }
    response = resident_client.post("/idees/nouvelle", data=data)
    assert response.status_code == 422
    assert "Plusieurs communes correspondent à « Saint-Savin »" in text(response)
    assert 'value="Saint-Savin"' in html(response)


def _proposal(association, **overrides):
    from tests.test_proposals import COMPLETE

    data = {
        "title": "Garde solidaire du soir",
        "summary": "Des parents se relaient pour garder les enfants le soir, avec l'appui de l'association.",
        "domain": "citoyennete",
        "publics": ["familles_monoparentales"],
        "association_id": association.id,
        **COMPLETE,
    }
    return {**data, **overrides}


def test_a_proposal_adds_communes_by_name_one_per_save_without_javascript(member_client, member, gironde):
    from app.models import Association, Proposal

    association = db.session.scalar(select(Association))
    # A refused form (no title) keeps the commune just added, now as a checked box, and empties the input.
    response = member_client.post(
        "/propositions/nouvelle", data=_proposal(association, title="", commune_add="Pessac (33318)")
    )
    assert response.status_code == 422
    pessac = db.session.scalar(select(Commune).where(Commune.insee_code == "33318"))
    assert re.search(rf'<input checked[^>]*value="{pessac.id}"', html(response))
    assert "Pessac (Bassin)" in text(response)
    assert 'name="commune_add" spellcheck="false" type="text" value=""' in html(response)
    # Saved: the checked box and one more typed name.
    data = _proposal(association, communes=[pessac.id], commune_add="Talence")
    response = member_client.post("/propositions/nouvelle", data=data)
    assert response.status_code == 302, text(response)
    proposal = db.session.scalar(select(Proposal))
    chosen = select(proposal_communes.c.commune_id).where(proposal_communes.c.proposal_id == proposal.id)
    assert sorted(db.session.scalars(select(Commune.name).where(Commune.id.in_(chosen)))) == ["Pessac", "Talence"]


def test_a_proposal_refuses_a_commune_that_matches_nothing(member_client, member, gironde):
    from app.models import Association

    association = db.session.scalar(select(Association))
    response = member_client.post("/propositions/nouvelle", data=_proposal(association, commune_add="Atlantide"))
    assert response.status_code == 422
    assert "Aucune commune ne s'appelle « Atlantide »" in text(response)
    assert 'value="Atlantide"' in html(response)
    response = member_client.post("/propositions/nouvelle", data=_proposal(association, communes=["99999"]))
    assert response.status_code == 422 and "Choisissez une commune dans la liste." in text(response)

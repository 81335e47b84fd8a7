"""Residents' ideas: posting, editing, listing, safe rendering."""

import re

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ideas import services
from app.models import Idea
from tests import factories
from tests.helpers import count_queries, html, text


def _form(territory, **overrides):
    data = {
        "title": "Pas de transport le samedi",
        "description": "Les seniors isolés ne peuvent pas aller au marché le samedi matin.",
        "commune_id": territory.medoc_commune.id,
        "domain": "citoyennete",
        "publics": ["seniors", "femmes"],
    }
    data.update(overrides)
    return data


def test_resident_posts_an_idea(resident_client, resident, territory):
    response = resident_client.post("/idees/nouvelle", data=_form(territory))
    assert response.status_code == 302
    idea = services.get_idea(db.session.scalar(select(Idea.id)))
    assert response.headers["Location"] == f"/idees/{idea.id}"
    assert idea.author_id == resident.id
    # The commune gives the pole.
    assert idea.pole_id == territory.medoc.id
    assert [p.slug for p in idea.publics] == ["femmes", "seniors"]
    page = html(resident_client.get(f"/idees/{idea.id}"))
    assert "Pas de transport le samedi" in page and "Lesparre-Médoc" in page and "Seniors" in page


def test_anonymous_is_sent_to_log_in(client, territory):
    response = client.post("/idees/nouvelle", data=_form(territory))
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Idea.id))) == 0


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": ""}, "Donnez un titre à votre idée."),
        ({"title": "x" * 151}, "Le titre doit faire entre 5 et 150 caractères."),
        ({"description": "court"}, "La description doit faire entre 20 et 10000 caractères."),
        ({"description": "x" * 10_001}, "La description doit faire entre 20 et 10000 caractères."),
        ({"commune_id": ""}, "Choisissez une commune."),
        ({"commune_id": "999999"}, "Aucune commune ne s'appelle « 999999 »"),
        ({"commune_id": "9999"}, "Choisissez une commune dans la liste."),
        ({"commune_id": "Paris (75056)"}, "Aucune commune ne s'appelle « Paris »"),
        ({"domain": ""}, "Choisissez un domaine."),
        ({"domain": "cuisine"}, "N'est pas un choix valide."),
        ({"publics": []}, "Cochez au moins un public."),
    ],
)
def test_bad_input_is_refused_in_french_and_kept(resident_client, territory, overrides, message):
    data = _form(territory, **overrides)
    response = resident_client.post("/idees/nouvelle", data=data)
    assert response.status_code == 422
    page = text(response)
    assert message in page
    if overrides.get("title", "") == "" and "description" not in overrides:
        assert data["description"] in page
    assert db.session.scalar(select(func.count(Idea.id))) == 0


def test_markdown_is_rendered_and_script_is_inert(resident_client, resident, territory):
    idea = factories.make_idea(
        resident,
        territory.medoc_commune,
        via_services=True,
        description="**Important** <script>alert(1)</script> [lien](javascript:alert(2)) <img src=x onerror=alert(3)>",
    )
    page = html(resident_client.get(f"/idees/{idea.id}"))
    assert "<strong>Important</strong>" in page
    assert "<script>alert(1)" not in page
    # The text stays visible, but as text: no tag carries the handler.
    assert not re.search(r"<[^>]*onerror", page) and "&lt;img src=x onerror=alert(3)&gt;" in page
    assert 'href="javascript:' not in page


def test_inline_check_returns_the_field_and_saves_nothing(resident_client, territory):
    bad = resident_client.htmx("POST", "/idees/nouvelle?valider=title", data={"title": "ab"})
    assert bad.status_code == 422
    assert html(bad).lstrip().startswith('<div class="field field--error" id="title-field">')
    good = resident_client.htmx("POST", "/idees/nouvelle?valider=title", data={"title": "Un bon titre"})
    assert good.status_code == 200 and "field--error" not in html(good)
    assert resident_client.htmx("POST", "/idees/nouvelle?valider=csrf_token", data={}).status_code == 404
    assert db.session.scalar(select(func.count(Idea.id))) == 0


@pytest.mark.parametrize("who,status", [("author", 302), ("other", 403), ("admin", 302), ("anonymous", 302)])
def test_only_the_author_edits(app, territory, resident, admin, who, status):
    idea = factories.make_idea(resident, territory.medoc_commune, via_services=True)
    other = factories.make_user("Quelqu'un d'autre")
    client = app.test_client()
    if who != "anonymous":
        client.login_as({"author": resident, "other": other, "admin": admin}[who])
    assert client.get(f"/idees/{idea.id}/modifier").status_code == (
        200 if status == 302 and who != "anonymous" else status
    )
    response = client.post(f"/idees/{idea.id}/modifier", data=_form(territory, title="Titre changé"))
    assert response.status_code == status
    db.session.expire_all()
    changed = db.session.get(Idea, idea.id).title == "Titre changé"
    assert changed is (who in ("author", "admin"))


def test_list_is_newest_first_and_queries_do_not_grow(client, resident, territory):
    factories.make_idea(resident, territory.medoc_commune, via_services=True, title="Première idée")
    with count_queries() as few:
        client.get("/idees/")
    for i in range(25):
        factories.make_idea(resident, territory.medoc_commune, via_services=True, title=f"Idée numéro {i}")
    with count_queries() as many:
        page = html(client.get("/idees/"))
    assert many.count == few.count
    assert page.index("Idée numéro 24") < page.index("Idée numéro 23")
    assert "Première idée" not in page  # on page 2
    assert "Première idée" in html(client.get("/idees/?page=2"))


def test_detail_queries_do_not_grow_with_publics(client, resident, territory):
    idea = factories.make_idea(resident, territory.medoc_commune, via_services=True, publics=("seniors", "femmes"))
    with count_queries() as log:
        assert client.get(f"/idees/{idea.id}").status_code == 200
    assert log.count <= 8, log.statements


def test_a_public_sent_twice_is_kept_once(resident_client, territory):
    # A crafted form repeating a checkbox must not break the save (the pair is a primary key).
    response = resident_client.post("/idees/nouvelle", data=_form(territory, publics=["seniors", "seniors", "femmes"]))
    assert response.status_code == 302
    idea = services.get_idea(db.session.scalar(select(Idea.id)))
    assert [p.slug for p in idea.publics] == ["femmes", "seniors"]

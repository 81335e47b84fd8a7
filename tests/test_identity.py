"""The collectivity's identity is data (issue 16): names, unit wording, contacts, legal pages."""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy import text as sql

from app import identity
from app.extensions import db
from app.identity import Noun
from app.identity_presets import GIRONDE, LYON
from app.models import Collectivity
from app.models.collectivity import AccessibilityStatus
from tests import factories
from tests.helpers import count_queries, field_error, html, text

ROOT = Path(__file__).resolve().parent.parent
# Where a collectivity may be named: its presets and the demo loaders.
PRESET_FILES = {
    "app/identity_presets.py",
    "app/proposals/question_presets.py",
    "app/taxonomy.py",
    "app/demo.py",
    "app/seed.py",
}
FORBIDDEN = ("Gironde", "girondin", "Pôle territorial", "pôle territorial", "Pôles territoriaux")


def form_data(**changes) -> dict:
    """The settings form as a browser sends it, from a preset's values."""
    values = {**GIRONDE, **changes}
    data = {name: value for name, value in values.items() if isinstance(value, str)}
    data["name_feminine"] = "f" if values["name_feminine"] else "m"
    data["unit_feminine"] = "f" if values["unit_feminine"] else "m"
    data["accessibility_status"] = AccessibilityStatus(values["accessibility_status"]).value
    data["accessibility_date"] = values["accessibility_date"].isoformat() if values["accessibility_date"] else ""
    return data


# --- French wording -------------------------------------------------------------------------


def test_unit_names_take_the_right_article():
    pole = Noun("pôle", "pôles", feminine=False)
    assert (pole.the, pole.of_the, pole.to_the, pole.a) == ("le pôle", "du pôle", "au pôle", "un pôle")
    assert (pole.all_the_plural, pole.one_of_the_plural, pole.of_the_plural) == (
        "tous les pôles",
        "l'un des pôles",
        "des pôles",
    )
    maison = Noun("Maison", "Maisons", feminine=True)
    assert (maison.the, maison.of_the, maison.to_the, maison.a) == (
        "la Maison",
        "de la Maison",
        "à la Maison",
        "une Maison",
    )
    assert (maison.all_the_plural, maison.one_of_the_plural) == ("toutes les Maisons", "l'une des Maisons")
    antenne = Noun("antenne", "antennes", feminine=True)
    assert (antenne.the, antenne.of_the, antenne.to_the) == ("l'antenne", "de l'antenne", "à l'antenne")
    espace = Noun("Espace solidarité", "Espaces solidarité", feminine=False)
    assert (espace.the, espace.of_the, espace.to_the) == (
        "l'Espace solidarité",
        "de l'Espace solidarité",
        "à l'Espace solidarité",
    )
    assert identity.upper_first("la Maison de la Métropole") == "La Maison de la Métropole"


def test_no_collectivity_or_unit_wording_in_the_code_outside_the_presets():
    found = []
    for folder in ("app", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix not in {".py", ".html", ".txt", ".js"} or relative in PRESET_FILES:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found += [f"{relative}:{number}: {word}" for word in FORBIDDEN if word in line]
    assert not found, "\n".join(found)


# --- Reading it -----------------------------------------------------------------------------


def test_without_a_row_pages_speak_with_the_default_preset(client, territory):
    page = text(client.get("/"))
    assert (
        "Pôles territoriaux de solidarité" in page
        and "une plateforme proposée par le Département de la Gironde" in page
    )


def test_a_saved_identity_is_read_once_then_kept(app, client, territory):
    identity.save({**LYON})
    assert identity.current().unit_singular == LYON["unit_singular"]
    client.get("/")  # reads the row
    with count_queries() as log:
        client.get("/mentions-legales")
    assert not any("collectivity" in s for s in log.statements)


def test_legal_pages_read_the_settings(client):
    identity.save(
        {
            "legal_publisher": "Métropole de Lyon\n20 rue du Lac, 69003 Lyon",
            "legal_host": "Hébergeur Exemple <SAS>",
            "contact_email": "contact@exemple.fr",
            "dpo_contact": "Délégué à la protection des données, dpo@exemple.fr",
            "accessibility_status": AccessibilityStatus.PARTIAL,
            "accessibility_details": "Audit réalisé en 2027 : 80 % des critères respectés.",
            "accessibility_date": date(2027, 2, 1),
        }
    )
    legal = html(client.get("/mentions-legales"))
    assert "<p>Métropole de Lyon<br>\n20 rue du Lac, 69003 Lyon</p>" in legal
    assert "Hébergeur Exemple &lt;SAS&gt;" in legal and "mailto:contact@exemple.fr" in legal
    accessibility = text(client.get("/accessibilite"))
    assert "partiellement conforme au RGAA" in accessibility and "80 % des critères" in accessibility
    assert "1er février 2027" in accessibility and "écrivez à contact@exemple.fr" in accessibility
    assert "Accessibilité : partiellement conforme" in accessibility  # the footer, on every page
    assert "dpo@exemple.fr" in text(client.get("/donnees-personnelles"))


def test_e_mails_carry_the_platform_name(app):
    from app.auth.services import send_verification_email
    from app.models import OutboxMessage

    identity.save({"platform_name": "Solidarités Lyon"})
    send_verification_email(factories.make_user("Alix"))
    message = db.session.scalar(select(OutboxMessage))
    assert message.subject == "Confirmez votre adresse e-mail sur Solidarités Lyon"
    assert message.body.endswith("L'équipe Solidarités Lyon") and "Tisser" not in message.body


# --- The back office ------------------------------------------------------------------------


def test_admin_changes_the_identity_and_every_page_follows(admin_client, territory):
    page = admin_client.get("/admin/collectivite")
    assert page.status_code == 200 and 'value="Pôle territorial de solidarité"' in html(page)
    response = admin_client.post("/admin/collectivite", data=form_data(**{**LYON, "platform_name": "Solidarités Lyon"}))
    assert response.status_code == 302
    row = db.session.scalar(select(Collectivity))
    assert row.name == "Métropole de Lyon" and row.unit_feminine and row.platform_name == "Solidarités Lyon"
    home = text(admin_client.get("/"))
    assert "Solidarités Lyon" in home
    assert "Solidarités Lyon, une plateforme proposée par la Métropole de Lyon." in home
    assert "Chaque territoire est suivi par une Maison de la Métropole pour les solidarités." in home
    assert "pôle" not in home.lower()


def test_bad_settings_are_refused_next_to_their_field_and_typing_is_kept(admin_client):
    data = form_data(name="", contact_email="pas-une-adresse", unit_plural="Antennes sociales")
    response = admin_client.post("/admin/collectivite", data=data)
    assert response.status_code == 422
    assert "Indiquez le nom de la collectivité." in field_error(response, "name")
    assert "n'est pas valide" in field_error(response, "contact_email")
    assert 'value="Antennes sociales"' in html(response) and 'value="pas-une-adresse"' in html(response)
    assert db.session.scalar(select(Collectivity)) is None


def test_a_too_long_name_is_refused(admin_client):
    response = admin_client.post("/admin/collectivite", data=form_data(unit_short="x" * 61))
    assert response.status_code == 422 and "60 caractères au plus" in field_error(response, "unit_short")


@pytest.mark.parametrize("role", ["anonymous", "resident", "moderator", "member"])
def test_only_administrators_see_or_change_the_identity(app, role, request):
    client = app.test_client() if role == "anonymous" else request.getfixturevalue(f"{role}_client")
    shown = client.get("/admin/collectivite")
    changed = client.post("/admin/collectivite", data=form_data(name="Piratage"))
    if role == "anonymous":
        assert shown.status_code == changed.status_code == 302 and "/connexion" in shown.headers["Location"]
    else:
        assert shown.status_code == changed.status_code == 403
    assert db.session.scalar(select(Collectivity)) is None


def test_the_change_needs_the_csrf_token(admin_client):
    response = admin_client.post("/admin/collectivite", data=form_data(name="Sans jeton"), csrf=False)
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(Collectivity)) is None


def test_the_settings_page_costs_few_queries(admin_client):
    identity.save({**GIRONDE})
    with count_queries() as log:
        assert admin_client.get("/admin/collectivite").status_code == 200
    # The signed-in user, the header's counts: the identity itself comes from the cache.
    assert log.count <= 3, log.statements


def test_the_demo_loads_the_gironde_identity_and_keeps_changes(app):
    from app.demo import load_demo

    load_demo(participation=False)
    assert db.session.scalar(select(Collectivity.unit_short)) == "pôle"
    identity.save({"tagline": "Changé par l'administration"})
    load_demo(participation=False)
    assert db.session.scalar(select(Collectivity.tagline)) == "Changé par l'administration"


# --- Another collectivity, page after page --------------------------------------------------

OLD_WORDING = re.compile(r"Gironde|[Gg]irondin|[Pp]ôles?\b|PÔLE|Département")
SKIPPED = ("/static/", "/auth/deconnexion")


def _crawl(client, start: list[str], limit: int = 250) -> dict[str, str]:
    """Every page reachable from ``start`` through the site's own links (query strings dropped)."""
    pages: dict[str, str] = {}
    todo = deque(start)
    while todo and len(pages) < limit:
        path = todo.popleft()
        if path in pages or path.startswith(SKIPPED):
            continue
        response = client.get(path)
        if response.status_code != 200 or not response.mimetype == "text/html":
            pages[path] = ""
            continue
        pages[path] = text(response)
        for href in re.findall(r'href="([^"#]+)', html(response)):
            target = urlsplit(href)
            if not target.netloc and target.path.startswith("/"):
                todo.append(target.path)
    return pages


def test_with_the_lyon_wording_no_visitor_page_says_pole_or_gironde(client):
    identity.save({**LYON})
    pole = factories.make_pole("Vénissieux")
    commune = factories.make_commune("Saint-Fons", pole)
    author = factories.make_user("Sacha Habitant")
    idea = factories.make_idea(author, commune, title="Un jardin partagé au pied des tours")
    association = factories.make_association("Les Jardins de Saint-Fons", commune, admins=[author])
    proposal = factories.make_proposal(association, author, communes=[commune], title="Jardin partagé")
    call = factories.make_call("Fonds d'innovation sociale", poles=(pole,), funder="Métropole de Lyon")

    pages = _crawl(client, ["/", f"/idees/{idea.id}", f"/propositions/{proposal.id}", f"/appels/{call.slug}"])
    for path in ("/", "/idees/", "/propositions/", "/appels/", "/territoires/", f"/territoires/{pole.slug}"):
        assert pages.get(path), f"{path} was not reached"
    for path in ("/mentions-legales", "/accessibilite", "/donnees-personnelles", "/regles-de-participation"):
        assert pages.get(path), f"{path} was not reached"
    assert len([p for p in pages.values() if p]) >= 20
    old = {path: sorted(set(OLD_WORDING.findall(page))) for path, page in pages.items() if OLD_WORDING.search(page)}
    assert not old, old
    assert "Maisons de la Métropole pour les solidarités" in pages["/"]
    assert "Maison de la Métropole pour les solidarités Vénissieux" in pages[f"/territoires/{pole.slug}"]
    assert "Maison Vénissieux" in pages[f"/idees/{idea.id}"] and "Maison Vénissieux" in pages["/idees/"]
    assert "Toutes les Maisons" in pages["/recherche/"]
    assert "une plateforme proposée par la Métropole de Lyon" in pages["/"]


# --- The migration --------------------------------------------------------------------------


def test_the_migration_gives_an_existing_database_the_gironde_identity(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from tests.conftest import _base_config

    def migrate(name: str, with_territory: bool):
        app = create_app(_base_config(f"sqlite:///{tmp_path / name}"))
        with app.app_context():
            upgrade(revision="c10a6a75a2e7")
            if with_territory:
                with db.engine.begin() as conn:
                    conn.execute(sql("INSERT INTO poles (slug, name, description) VALUES ('medoc', 'Médoc', '')"))
            upgrade()
            with db.engine.connect() as conn:
                rows = conn.execute(
                    sql("SELECT unit_singular, unit_short, accessibility_status FROM collectivity")
                ).all()
            db.engine.dispose()
        return [tuple(r) for r in rows]

    assert migrate("existing.sqlite3", True) == [("Pôle territorial de solidarité", "pôle", "non")]
    assert migrate("empty.sqlite3", False) == []

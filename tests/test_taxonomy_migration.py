"""The migration that made taxonomies data (c16a7e0d0a01) keeps every value of a database built
at the previous head: the same labels show on the same pages afterwards, and nothing that hangs
off the rebuilt tables (comments, search index) is lost. On ``--db sqlite`` and ``--db postgresql``."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, make_url, text

from app import create_app
from app.extensions import db
from tests.conftest import _base_config
from tests.helpers import text as page_text

PREVIOUS_HEAD = "a16c0e5710a5"
NOW = datetime(2026, 11, 30, 12, 0)


@pytest.fixture
def old_database(database_url, tmp_path):
    """A database of its own, migrated to the previous head (the session's is already at head)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'before-taxonomies.sqlite3'}"
        return
    name = "tisser_taxonomy_upgrade"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _rows(conn) -> dict[str, int]:
    """Today's content, as plain SQL rows of the previous schema (enum values as text)."""

    def insert(table: str, **values) -> int:
        columns = ", ".join(values)
        params = ", ".join(f":{k}" for k in values)
        return conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), values).scalar()

    user = insert(
        "users",
        email="camille@exemple.fr",
        display_name="Camille",
        display_name_key="camille",
        password_hash="x",
        session_token="t" * 32,
        is_admin=False,
        created_at=NOW,
    )
    pole = insert("poles", slug="medoc", name="Médoc", description="")
    commune = insert(
        "communes",
        slug="lesparre",
        name="Lesparre-Médoc",
        insee_code="33240",
        pole_id=pole,
        is_rural=True,
        has_qpv=False,
        is_demo=True,
    )
    association = insert(
        "associations",
        slug="epicerie",
        name="Épicerie solidaire",
        legal_form="ess",
        description="",
        created_at=NOW,
        contact_email="",
        contact_phone="",
        updated_at=NOW,
    )
    idea = insert(
        "ideas",
        title="Un jardin partagé à Lesparre",
        description="Pour les seniors isolés.",
        author_id=user,
        commune_id=commune,
        pole_id=pole,
        domain="sante",
        created_at=NOW,
        updated_at=NOW,
        support_count=0,
        comment_count=1,
    )
    conn.execute(text("INSERT INTO idea_publics (idea_id, public) VALUES (:i, 'femmes'), (:i, 'seniors')"), {"i": idea})
    comment = insert(
        "comments",
        idea_id=idea,
        author_id=user,
        depth=0,
        body="Bonne idée",
        body_html="<p>Bonne idée</p>",
        created_at=NOW,
    )
    proposal = insert(
        "proposals",
        association_id=association,
        author_id=user,
        state="published",
        title="Paniers solidaires du Médoc",
        summary="Des paniers de saison.",
        domain="alimentation",
        is_rural=True,
        is_qpv=False,
        version=1,
        created_at=NOW,
        updated_at=NOW,
        published_at=NOW,
        support_count=0,
        comment_count=0,
    )
    # Its long texts are answers to the default questions (the previous migration wrote them).
    need = conn.execute(text("SELECT id FROM proposal_questions WHERE key = 'need' AND call_id IS NULL")).scalar()
    insert("proposal_answers", proposal_id=proposal, question_id=need, body="Un besoin de paniers en hiver.")
    conn.execute(
        text("INSERT INTO proposal_publics (proposal_id, public) VALUES (:p, 'enfants_jeunes')"), {"p": proposal}
    )
    conn.execute(text("INSERT INTO proposal_poles (proposal_id, pole_id) VALUES (:p, :o)"), {"p": proposal, "o": pole})
    snapshot = {"title": "Paniers solidaires du Médoc", "domain": "citoyennete", "publics": ["seniors"], "poles": []}
    insert(
        "proposal_revisions",
        proposal_id=proposal,
        version=1,
        author_id=user,
        created_at=NOW,
        changed_fields=json.dumps(["title", "domain", "publics"]),
        snapshot=json.dumps(snapshot),
        note="",
    )
    call = insert(
        "calls",
        slug="appel-2026",
        title="Appel 2026",
        funder="Département",
        summary="",
        description="",
        envelope_eur=100_000,
        opens_at=NOW - timedelta(days=10),
        closes_at=NOW + timedelta(days=3650),
        created_at=NOW,
        domains=json.dumps(["sante", "citoyennete"]),
        publics=json.dumps(["familles_monoparentales"]),
        legal_forms=json.dumps(["association", "ess"]),
    )
    # A call without restrictions (NULL) stays without.
    insert(
        "calls",
        slug="appel-libre",
        title="Appel libre",
        funder="Département",
        summary="",
        description="",
        envelope_eur=0,
        opens_at=NOW,
        closes_at=NOW + timedelta(days=3650),
        created_at=NOW,
    )
    insert(
        "partners",
        pole_id=pole,
        organisation="CCAS de Lesparre",
        service="Aide alimentaire",
        contact="En mairie",
        domains="alimentation,citoyennete",
        created_at=NOW,
    )
    return {"idea": idea, "proposal": proposal, "comment": comment, "call": call}


def test_upgrade_keeps_every_taxonomy_value_and_its_label(old_database):
    app = create_app(_base_config(old_database))
    try:
        _upgrade_and_check(app)
    finally:
        with app.app_context():
            db.engine.dispose()


def _upgrade_and_check(app):
    with app.app_context():
        upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as conn:
            ids = _rows(conn)
        upgrade()
        db.session.remove()

    client = app.test_client()
    idea = page_text(client.get(f"/idees/{ids['idea']}"))
    assert "Santé, bien-être et handicap" in idea and "Femmes" in idea and "Seniors" in idea
    assert "Bonne idée" in idea  # the rebuilt ideas table did not take its comments with it
    proposal = page_text(client.get(f"/propositions/{ids['proposal']}"))
    assert "Solidarité alimentaire" in proposal and "Enfants et jeunes" in proposal
    assert "Un besoin de paniers en hiver." in proposal  # the rebuilt proposals table kept its answers
    history = page_text(client.get(f"/propositions/{ids['proposal']}/historique"))
    assert "Citoyenneté sociale et lutte contre le non-recours" in history
    association = page_text(client.get("/associations/epicerie"))
    assert "Structure de l'Économie sociale et solidaire" in association
    call = page_text(client.get("/appels/appel-2026"))
    assert "Santé, bien-être et handicap ; Citoyenneté sociale" in call
    assert "Familles monoparentales" in call
    assert "Association ou groupement d'associations (loi 1901) ; Structure de l'Économie sociale" in call
    assert "Domaines : tous" in page_text(client.get("/appels/appel-libre"))
    partners = page_text(client.get("/territoires/medoc/partenaires"))
    assert "Solidarité alimentaire, Citoyenneté sociale" in partners
    # Filters and links by slug still find the same content; the search triggers survived.
    assert "Un jardin partagé" in page_text(client.get("/idees/?domaine=sante&public=seniors"))
    assert "Un jardin partagé" not in page_text(client.get("/idees/?domaine=alimentation"))
    assert "Un jardin partagé" in page_text(client.get("/recherche/?q=jardin"))
    # The Gironde sub-domains are there, under their domain.
    with app.app_context():
        subs = db.session.execute(
            text(
                "SELECT d.slug, s.label FROM subdomains s JOIN domains d ON d.id = s.domain_id "
                "ORDER BY d.position, s.position"
            )
        ).all()
        assert ("sante", "Favoriser la pair-aidance") in subs and (
            "citoyennete",
            "Accès aux droits fondamentaux",
        ) in subs

        db.session.remove()  # its transaction would hold the tables the downgrade drops

        # And back: the downgrade writes the enum values again.
        downgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT domain FROM ideas")).scalar() == "sante"
            assert conn.execute(text("SELECT legal_form FROM associations")).scalar() == "ess"
            assert sorted(conn.execute(text("SELECT public FROM idea_publics")).scalars()) == ["femmes", "seniors"]
            assert conn.execute(text("SELECT count(*) FROM comments")).scalar() == 1

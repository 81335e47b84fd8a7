"""Backup and restore, on the suite's database (SQLite or PostgreSQL): a restored copy serves the
same data (``flask backup`` then the restore documented in docs/deploiement.md)."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy.engine import make_url

from app import create_app
from app.backup import libpq_url, restore_postgresql
from app.extensions import db
from tests import factories
from tests.conftest import _base_config


def test_backup_command_then_restore_serves_the_same_pages(app, database_url, tmp_path):
    territory = factories.make_territory()
    author = factories.make_user("Odile Porteuse")
    idea = factories.make_idea(author, territory.medoc_commune, title="Un lavoir partagé à Lesparre")
    factories.make_comment(idea, factories.make_user("Bertrand Voisin"), "Avec des bancs, s'il vous plaît.")
    idea_id = idea.id

    dump = tmp_path / "tisser.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(dump)])
    assert result.exit_code == 0, result.output
    assert "Sauvegarde écrite" in result.output and dump.stat().st_size > 0

    url = make_url(database_url)
    restored_name = None
    if url.get_backend_name() == "postgresql":
        restored_name = f"restored_{uuid.uuid4().hex[:8]}"
        admin = libpq_url(database_url).rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{restored_name}"')
        restored_url = url.set(database=restored_name).render_as_string(hide_password=False)
        restore_postgresql(dump, restored_url)
    else:
        restored_url = f"sqlite:///{dump}"  # the copy is a database in its own right

    restored = create_app(_base_config(restored_url))
    try:
        with restored.app_context():
            page = restored.test_client().get(f"/idees/{idea_id}").get_data(as_text=True)
            db.session.remove()
            db.engine.dispose()
        assert "Un lavoir partagé à Lesparre" in page
        assert "Avec des bancs, s&#39;il vous plaît." in page or "Avec des bancs, s'il vous plaît." in page
        assert "Odile Porteuse" in page and "Bertrand Voisin" in page
    finally:
        if restored_name:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{restored_name}" WITH (FORCE)')

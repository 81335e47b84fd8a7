from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_migrations_match_the_models(app):
    """Same as `flask db check`: the migrated schema has no pending change, on this database."""
    # The same options as `flask db` (e.g. which raw-SQL objects the comparison ignores).
    opts = {"compare_type": True, **app.extensions["migrate"].configure_args}
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_search_triggers_survive_every_migration(app):
    """Migrations that rebuild a table on SQLite must re-create its full-text search triggers."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            names = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            expected = {
                f"search_index_{t}_{s}"
                for t in ("ideas", "proposals", "associations", "calls")
                for s in ("ai", "au", "ad")
            }
        else:
            names = set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
            expected = {
                f"search_index_{t}{s}"
                for t in ("ideas", "proposals", "associations", "calls")
                for s in ("", "_truncate")
            }
    assert expected <= names

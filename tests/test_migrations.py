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

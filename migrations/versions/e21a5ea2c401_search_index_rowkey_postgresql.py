"""search: on PostgreSQL, the index rows carry the key SQLite's rowid is (id * 4 + kind code), with
a B-tree on it and a GIN on the titles alone (issue 21, search p99)

With them, the search page reads the newest matches of a common word by walking the key
backwards and stopping (as FTS5 does on its rowid), and finds the title matches without
re-checking every row's weights. SQLite needs nothing: its rowid is already that key.

Revision ID: e21a5ea2c401
Revises: 59c583e7450b
Create Date: 2026-11-30 23:00:00

"""
from alembic import op


revision = 'e21a5ea2c401'
down_revision = '59c583e7450b'
branch_labels = None
depends_on = None

# The codes of app/search/schema.py KIND_CODES, written out: a migration does not follow the code.
ROWKEY = (
    "ref_id * 4 + CASE kind WHEN 'idea' THEN 0 WHEN 'proposal' THEN 1 WHEN 'association' THEN 2 ELSE 3 END"
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # Generated: the triggers that fill the index need no change.
    op.execute(f"ALTER TABLE search_index ADD COLUMN rowkey integer GENERATED ALWAYS AS ({ROWKEY}) STORED")
    op.execute("CREATE UNIQUE INDEX search_index_rowkey ON search_index (rowkey)")
    op.execute("CREATE INDEX search_index_title_tsv ON search_index USING gin (to_tsvector('tisser_fr', title))")
    op.execute("ANALYZE search_index")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX IF EXISTS search_index_title_tsv")
    op.execute("DROP INDEX IF EXISTS search_index_rowkey")
    op.execute("ALTER TABLE search_index DROP COLUMN IF EXISTS rowkey")

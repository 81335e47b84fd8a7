"""discovery: search index, notification e-mail preferences

Revision ID: 485f739c4e8b
Revises: 7c23d872fcdb
Create Date: 2026-11-23 14:02:35.855371

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '485f739c4e8b'
down_revision = '7c23d872fcdb'
branch_labels = None
depends_on = None



# --- Full-text search index ----------------------------------------------------------------
# One index for ideas, published proposals, associations and calls, filled by triggers so that
# every way of writing those rows (ORM, bulk UPDATE, raw SQL) keeps it in sync.
# SQLite: an FTS5 table; rowid = id * 4 + kind code (idea 0, proposal 1, association 2, call 3)
# so a row is found again without scanning. PostgreSQL: a table with a weighted tsvector
# (A = title, B = body) in a French configuration that ignores accents, and a GIN index.
# Note: on SQLite, a later batch migration that recreates one of these tables drops its
# triggers; such a migration must create them again.

# (table, kind, code, title SQL, body SQL with {r} for NEW/OLD, columns watched, condition)
SOURCES = [
    ("ideas", "idea", 0, "title", "{r}.description", "title, description", None),
    (
        "proposals", "proposal", 1, "title",
        "{r}.summary || ' ' || {r}.need || ' ' || {r}.experimentation || ' ' || {r}.outreach"
        " || ' ' || {r}.cooperation || ' ' || {r}.impact_indicators",
        "title, summary, need, experimentation, outreach, cooperation, impact_indicators, state",
        "{r}.state = 'published'",
    ),
    ("associations", "association", 2, "name", "{r}.description", "name, description", None),
    ("calls", "call", 3, "title", "{r}.funder || ' ' || {r}.summary || ' ' || {r}.description", "title, funder, summary, description", None),
]


def _sqlite_upgrade():
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "kind UNINDEXED, ref_id UNINDEXED, title, body, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    for table, kind, code, title, body, watched, condition in SOURCES:
        def insert(r):
            where = f" WHERE {condition.format(r=r)}" if condition else ""
            return (
                f"INSERT INTO search_index (rowid, kind, ref_id, title, body) "
                f"SELECT {r}.id * 4 + {code}, '{kind}', {r}.id, {r}.{title}, {body.format(r=r)}{where}"
            )

        delete = f"DELETE FROM search_index WHERE rowid = old.id * 4 + {code}"
        op.execute(f"CREATE TRIGGER search_index_{table}_ai AFTER INSERT ON {table} BEGIN {insert('new')} ; END")
        op.execute(
            f"CREATE TRIGGER search_index_{table}_au AFTER UPDATE OF {watched} ON {table} "
            f"BEGIN {delete} ; {insert('new')} ; END"
        )
        op.execute(f"CREATE TRIGGER search_index_{table}_ad AFTER DELETE ON {table} BEGIN {delete} ; END")
        # What is already there.
        where = f" WHERE {condition.format(r=table)}" if condition else ""
        op.execute(
            f"INSERT INTO search_index (rowid, kind, ref_id, title, body) "
            f"SELECT id * 4 + {code}, '{kind}', id, {title}, {body.format(r=table)} FROM {table}{where}"
        )


def _sqlite_downgrade():
    for table, *_ in SOURCES:
        for suffix in ("ai", "au", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS search_index_{table}_{suffix}")
    op.execute("DROP TABLE IF EXISTS search_index")


def _postgresql_upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    op.execute("CREATE TEXT SEARCH CONFIGURATION tisser_fr (COPY = french)")
    op.execute(
        "ALTER TEXT SEARCH CONFIGURATION tisser_fr "
        "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem"
    )
    op.execute(
        "CREATE TABLE search_index ("
        "kind varchar(16) NOT NULL, ref_id integer NOT NULL, title text NOT NULL, body text NOT NULL, "
        "tsv tsvector NOT NULL, PRIMARY KEY (kind, ref_id))"
    )
    op.execute("CREATE INDEX search_index_tsv ON search_index USING gin (tsv)")
    op.execute(
        "CREATE FUNCTION search_index_vector(title text, body text) RETURNS tsvector "
        "LANGUAGE sql STABLE AS $$ SELECT "
        "setweight(to_tsvector('tisser_fr', coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('tisser_fr', coalesce(body, '')), 'B') $$"
    )
    # TRUNCATE fires no row trigger: empty that kind's part of the index too.
    op.execute(
        "CREATE FUNCTION search_index_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN DELETE FROM search_index WHERE kind = TG_ARGV[0]; RETURN NULL; END $$"
    )
    for table, kind, code, title, body, watched, condition in SOURCES:
        values = f"'{kind}', NEW.id, NEW.{title}, {body.format(r='NEW')}"
        guard = f"IF {condition.format(r='NEW')} THEN " if condition else ""
        end_guard = " END IF;" if condition else ""
        op.execute(
            f"CREATE FUNCTION search_index_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM search_index WHERE kind = '{kind}' AND ref_id = OLD.id; END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {guard}"
            f"INSERT INTO search_index (kind, ref_id, title, body, tsv) "
            f"SELECT k, i, t, b, search_index_vector(t, b) FROM (SELECT {values}) AS v(k, i, t, b);"
            f"{end_guard} END IF; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER search_index_{table} AFTER INSERT OR DELETE OR UPDATE OF {watched} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION search_index_{table}()"
        )
        op.execute(
            f"CREATE TRIGGER search_index_{table}_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION search_index_truncate('{kind}')"
        )
        where = f" WHERE {condition.format(r=table)}" if condition else ""
        op.execute(
            f"INSERT INTO search_index (kind, ref_id, title, body, tsv) "
            f"SELECT '{kind}', id, {title}, {body.format(r=table)}, search_index_vector({title}, {body.format(r=table)}) "
            f"FROM {table}{where}"
        )


def _postgresql_downgrade():
    for table, *_ in SOURCES:
        op.execute(f"DROP TRIGGER IF EXISTS search_index_{table} ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS search_index_{table}_truncate ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS search_index_{table}()")
    op.execute("DROP FUNCTION IF EXISTS search_index_truncate()")
    op.execute("DROP TABLE IF EXISTS search_index")
    op.execute("DROP FUNCTION IF EXISTS search_index_vector(text, text)")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS tisser_fr")
    # The unaccent extension stays: something else may use it.


def _dialect():
    return op.get_bind().dialect.name


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('mode', sa.Enum('immediate', 'daily', 'never', name='emailmode', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('user_id', 'kind', name='uq_notification_preferences_user_kind')
    )
    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_preferences_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_done_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_notifications_email_pending', ['email_done_at', 'user_id'], unique=False)

    # ### end Alembic commands ###

    if _dialect() == 'postgresql':
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def downgrade():
    if _dialect() == 'postgresql':
        _postgresql_downgrade()
    else:
        _sqlite_downgrade()

    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_email_pending')
        batch_op.drop_column('email_done_at')

    with op.batch_alter_table('notification_preferences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_preferences_user_id'))

    op.drop_table('notification_preferences')
    # ### end Alembic commands ###

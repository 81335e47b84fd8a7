"""mediated participation (issue 18): mediations (an agent's in-person entries), ideas', comments' and
supports' mediation_id, supports.user_id nullable (a resident without an account), mediated_support_count

Revision ID: cc7ddfce9fcd
Revises: 1117616f2c4e
Create Date: 2026-11-30 16:32:08.552443

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cc7ddfce9fcd'
down_revision = '1117616f2c4e'
branch_labels = None
depends_on = None


# Tables this migration rebuilds on SQLite (batch mode): their full-text triggers go with them.
REBUILT = ("ideas", "comments", "supports", "proposals")


def _sqlite_foreign_keys(bind, on):
    # Rebuilding "ideas" drops it: with foreign keys on, that would run its ON DELETE CASCADE
    # actions and empty its comments and supports. The pragma only works outside a transaction.
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _triggers(bind):
    """The triggers on the rebuilt tables and those naming them (see 1117616f2c4e): dropped
    first, written again after."""
    rows = bind.execute(sa.text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    named = re.compile(r"\b(" + "|".join(REBUILT) + r")\b")
    found = [(name, sql) for name, table, sql in rows if table in REBUILT or named.search(sql)]
    for name, _sql in found:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    return found


def _restore(bind, triggers):
    for name, sql in triggers:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(sql)
    _sqlite_foreign_keys(bind, True)


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(bind, False)
        triggers = _triggers(bind)
    op.create_table('mediations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('pole_id', sa.Integer(), nullable=False),
    sa.Column('resident_name', sa.String(length=60), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('birth_year', sa.Integer(), nullable=False),
    sa.Column('resident_key', sa.String(length=100), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('consent_text', sa.String(length=400), nullable=False),
    sa.Column('place', sa.Enum('market', 'social_centre', 'home_visit', 'office', 'other', name='meetingplace', native_enum=False, length=16), nullable=False),
    sa.Column('place_detail', sa.String(length=120), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('support_idea_id', sa.Integer(), nullable=True),
    sa.Column('support_proposal_id', sa.Integer(), nullable=True),
    sa.Column('claimed_by_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_mediations_agent_id_users')),
    sa.ForeignKeyConstraint(['claimed_by_id'], ['users.id'], name=op.f('fk_mediations_claimed_by_id_users')),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_mediations_commune_id_communes')),
    sa.ForeignKeyConstraint(['pole_id'], ['poles.id'], name=op.f('fk_mediations_pole_id_poles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mediations')),
    sa.UniqueConstraint('resident_key', 'support_idea_id', name='uq_mediations_resident_idea'),
    sa.UniqueConstraint('resident_key', 'support_proposal_id', name='uq_mediations_resident_proposal')
    )
    with op.batch_alter_table('mediations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mediations_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index('ix_mediations_pole_agent', ['pole_id', 'agent_id', 'id'], unique=False)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mediation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_comments_mediation_id_mediations'), 'mediations', ['mediation_id'], ['id'])

    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mediation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mediated_support_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_ideas_mediation_id_mediations'), 'mediations', ['mediation_id'], ['id'])

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mediated_support_count', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('supports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mediation_id', sa.Integer(), nullable=True))
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_supports_mediation_id_mediations'), 'mediations', ['mediation_id'], ['id'], ondelete='CASCADE')
    if sqlite:
        _restore(bind, triggers)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(bind, False)
        triggers = _triggers(bind)
    # Supports collected in person have no account: they cannot survive user_id NOT NULL.
    op.execute("DELETE FROM supports WHERE user_id IS NULL")
    with op.batch_alter_table('supports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_supports_mediation_id_mediations'), type_='foreignkey')
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('mediation_id')

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_column('mediated_support_count')

    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ideas_mediation_id_mediations'), type_='foreignkey')
        batch_op.drop_column('mediated_support_count')
        batch_op.drop_column('mediation_id')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comments_mediation_id_mediations'), type_='foreignkey')
        batch_op.drop_column('mediation_id')

    with op.batch_alter_table('mediations', schema=None) as batch_op:
        batch_op.drop_index('ix_mediations_pole_agent')
        batch_op.drop_index(batch_op.f('ix_mediations_agent_id'))

    op.drop_table('mediations')
    if sqlite:
        _restore(bind, triggers)

"""associations: identifiers, contact, verification, invitations

Revision ID: 2d72dc15e6fe
Revises: 4329dcbea018
Create Date: 2026-11-23 14:13:10.496443

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2d72dc15e6fe'
down_revision = '4329dcbea018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('association_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('association_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.Enum('admin', 'member', name='membershiprole', native_enum=False, length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'accepted', 'declined', 'revoked', name='invitationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('responded_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['association_id'], ['associations.id'], name=op.f('fk_association_invitations_association_id_associations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_association_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_association_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_association_invitations_token_hash'))
    )
    with op.batch_alter_table('association_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_association_invitations_association_id'), ['association_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_association_invitations_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index('ix_association_invitations_pending', ['association_id', 'email', 'status'], unique=False)

    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rna', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('siret', sa.String(length=14), nullable=True))
        # Existing rows get an empty contact; the model supplies the value from then on.
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_associations_rna'), ['rna'])
        batch_op.create_unique_constraint(batch_op.f('uq_associations_siret'), ['siret'])

    # Existing associations were last updated when they were created.
    op.execute("UPDATE associations SET updated_at = created_at")
    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.alter_column('contact_email', server_default=None)
        batch_op.alter_column('contact_phone', server_default=None)
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)

    _restore_sqlite_search_triggers()


# On SQLite the batch operations above rebuild the associations table, which drops the
# full-text search triggers created by migration 485f739c4e8b: create them again, the same.
_ASSOCIATION_TRIGGERS = [
    "CREATE TRIGGER search_index_associations_ai AFTER INSERT ON associations BEGIN "
    "INSERT INTO search_index (rowid, kind, ref_id, title, body) "
    "SELECT new.id * 4 + 2, 'association', new.id, new.name, new.description ; END",
    "CREATE TRIGGER search_index_associations_au AFTER UPDATE OF name, description ON associations BEGIN "
    "DELETE FROM search_index WHERE rowid = old.id * 4 + 2 ; "
    "INSERT INTO search_index (rowid, kind, ref_id, title, body) "
    "SELECT new.id * 4 + 2, 'association', new.id, new.name, new.description ; END",
    "CREATE TRIGGER search_index_associations_ad AFTER DELETE ON associations BEGIN "
    "DELETE FROM search_index WHERE rowid = old.id * 4 + 2 ; END",
]


def _restore_sqlite_search_triggers():
    if op.get_bind().dialect.name != "sqlite":
        return
    for suffix in ("ai", "au", "ad"):
        op.execute(f"DROP TRIGGER IF EXISTS search_index_associations_{suffix}")
    for statement in _ASSOCIATION_TRIGGERS:
        op.execute(statement)



def downgrade():
    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_associations_siret'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_associations_rna'), type_='unique')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('verified_at')
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('siret')
        batch_op.drop_column('rna')
    _restore_sqlite_search_triggers()

    with op.batch_alter_table('association_invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_association_invitations_pending')
        batch_op.drop_index(batch_op.f('ix_association_invitations_invited_by_id'))
        batch_op.drop_index(batch_op.f('ix_association_invitations_association_id'))

    op.drop_table('association_invitations')

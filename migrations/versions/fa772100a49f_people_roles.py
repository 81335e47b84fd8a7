"""People roles (issue 16): a moderator of several units and agents (pole_roles, moving
users.moderated_pole_id), outside evaluators of a call (call_evaluators), an association's verification refusal

Revision ID: fa772100a49f
Revises: 20c5740f3dab
Create Date: 2026-11-30 13:30:37.085092

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fa772100a49f'
down_revision = '20c5740f3dab'
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite rebuilds "users" to drop a column: with foreign keys on, dropping the old table
        # would delete in cascade (the moderators just copied) or fail on every reference to it.
        op.execute("PRAGMA foreign_keys=OFF")
    op.create_table('call_evaluators',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_call_evaluators_call_id_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_call_evaluators_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id', 'user_id', name=op.f('pk_call_evaluators'))
    )
    with op.batch_alter_table('call_evaluators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_evaluators_user_id'), ['user_id'], unique=False)

    op.create_table('pole_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pole_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pole_id'], ['poles.id'], name=op.f('fk_pole_roles_pole_id_poles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pole_roles_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'pole_id', 'role', name=op.f('pk_pole_roles'))
    )
    with op.batch_alter_table('pole_roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pole_roles_pole_id'), ['pole_id'], unique=False)

    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_refused_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('verification_refusal', sa.Text(), server_default='', nullable=False))

    # Today's moderators keep their unit, now one row among possibly several.
    op.execute(
        "INSERT INTO pole_roles (user_id, pole_id, role, created_at) "
        "SELECT id, moderated_pole_id, 'moderator', CURRENT_TIMESTAMP FROM users WHERE moderated_pole_id IS NOT NULL"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_moderated_pole_id'))
        batch_op.drop_constraint(batch_op.f('fk_users_moderated_pole_id_poles'), type_='foreignkey')
        batch_op.drop_column('moderated_pole_id')

    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")

    # ### end Alembic commands ###


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderated_pole_id', sa.INTEGER(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_users_moderated_pole_id_poles'), 'poles', ['moderated_pole_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_users_moderated_pole_id'), ['moderated_pole_id'], unique=False)

    # Back to one unit per moderator: the first one each had.
    op.execute(
        "UPDATE users SET moderated_pole_id = (SELECT MIN(pole_id) FROM pole_roles "
        "WHERE pole_roles.user_id = users.id AND pole_roles.role = 'moderator')"
    )
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")

    with op.batch_alter_table('associations', schema=None) as batch_op:
        batch_op.drop_column('verification_refusal')
        batch_op.drop_column('verification_refused_at')

    with op.batch_alter_table('pole_roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pole_roles_pole_id'))

    op.drop_table('pole_roles')
    with op.batch_alter_table('call_evaluators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_evaluators_user_id'))

    op.drop_table('call_evaluators')
    # ### end Alembic commands ###

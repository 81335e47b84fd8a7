"""accounts: e-mail verification and revocable sessions

Revision ID: 54dd1d2bb7fc
Revises: b75cb9a17b22
Create Date: 2026-11-30 11:23:17.899893

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '54dd1d2bb7fc'
down_revision = 'b75cb9a17b22'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (a default, no NOT NULL change afterwards): no rebuild of the users table on
    # SQLite, which every other table references.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=False, server_default=''))

    conn = op.get_bind()
    # Accounts that exist already were in use before verification existed: they count as verified.
    conn.execute(sa.text("UPDATE users SET email_verified_at = created_at WHERE email_verified_at IS NULL"))
    # A random token each; an empty one never matches a session (app.auth.services.user_for_session_id).
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(
            users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(16))
        )
    if conn.dialect.name == 'postgresql':
        # The application always sets a token; the placeholder default stays only where removing
        # it would rebuild the table (SQLite).
        op.alter_column('users', 'session_token', server_default=None)


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of users would trip the foreign keys.
    op.drop_column('users', 'session_token')
    op.drop_column('users', 'email_verified_at')

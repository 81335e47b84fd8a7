"""accounts can be erased (GDPR art. 17): users.deleted_at

Revision ID: 1117616f2c4e
Revises: 110bd3ffaefa
Create Date: 2026-11-30 16:31:53.455675

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "1117616f2c4e"
down_revision = "110bd3ffaefa"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite >= 3.35): a batch rebuild would drop the users table, which every
    # other table references, and fail with the foreign keys on.
    op.drop_column("users", "deleted_at")

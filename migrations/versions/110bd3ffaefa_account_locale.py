"""Account locale: the language of a person's pages and e-mails (issue 17, "English, complete").

Revision ID: 110bd3ffaefa
Revises: aedb67eba323
Create Date: 2026-11-30 16:33:49.955005

"""

import sqlalchemy as sa
from alembic import op

revision = "110bd3ffaefa"
down_revision = "aedb67eba323"
branch_labels = None
depends_on = None


def upgrade():
    # Existing accounts read French, as they always did.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), server_default="fr", nullable=False))


def downgrade():
    # A plain DROP COLUMN (SQLite >= 3.35): a batch rebuild would drop the users table, which every
    # other table references, and fail with the foreign keys on.
    op.drop_column("users", "locale")

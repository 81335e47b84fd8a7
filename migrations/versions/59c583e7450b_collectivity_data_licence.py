"""The licence of the collectivity's open data (Licence Ouverte 2.0 unless it chooses the ODbL).

Revision ID: 59c583e7450b
Revises: 8bf2f5905ba9
Create Date: 2026-11-30 22:42:53.076314

"""

import sqlalchemy as sa
from alembic import op

revision = "59c583e7450b"
down_revision = "8bf2f5905ba9"
branch_labels = None
depends_on = None


def upgrade():
    # The server default gives existing collectivities the default licence.
    with op.batch_alter_table("collectivity", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("data_licence", sa.String(length=20), server_default="etalab-2.0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("collectivity", schema=None) as batch_op:
        batch_op.drop_column("data_licence")

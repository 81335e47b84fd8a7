"""calls: requires_verified_association (issue 15)

Depositing to a call requires an association the platform verified, unless the call says it
does not. Existing calls get the default (required); deposits already made are left as they are.

Revision ID: 8a895496147a
Revises: f96c7d3e2dcd
Create Date: 2026-11-30 11:58:51.861816

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a895496147a'
down_revision = 'f96c7d3e2dcd'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (not a batch copy): on SQLite a batch rebuilds the table and would drop
    # the search triggers that live on it.
    op.add_column(
        'calls', sa.Column('requires_verified_association', sa.Boolean(), server_default=sa.true(), nullable=False)
    )



def downgrade():
    op.drop_column('calls', 'requires_verified_association')


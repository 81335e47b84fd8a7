"""issue 19: budget prévisionnel on proposals, calls that require it, the submitted dossier's PDF

Existing proposals keep budget_eur as their amount asked and get no budget lines (None): the
calls that already exist do not require a budget (requires_budget false), so nothing they
could submit yesterday is refused today.

Revision ID: 8bf2f5905ba9
Revises: 53fd1db7dd16
Create Date: 2026-11-30 16:32:06.901787

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8bf2f5905ba9'
down_revision = '53fd1db7dd16'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('call_submission_dossiers',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['call_submissions.id'], name=op.f('fk_call_submission_dossiers_submission_id_call_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_call_submission_dossiers'))
    )
    # Plain ADD COLUMN, no batch: a rebuilt table on SQLite would lose its search triggers.
    op.add_column('calls', sa.Column('requires_budget', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('proposals', sa.Column('budget_lines', sa.JSON(), nullable=True))



def downgrade():
    op.drop_column('proposals', 'budget_lines')
    op.drop_column('calls', 'requires_budget')

    op.drop_table('call_submission_dossiers')

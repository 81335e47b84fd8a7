"""Issue 20: a grant's SCDL terms on its decision, the collectivity's SIRET and granting authority name

Revision ID: edee19ea81c6
Revises: e21a5ea2c401
Create Date: 2026-11-30 22:41:12.256950

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'edee19ea81c6'
down_revision = 'e21a5ea2c401'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not batch mode: on SQLite a batch with an expression default (sa.false())
    # copies call_submissions into a new table and drops the old one, and the ON DELETE CASCADE of
    # evaluation_assignments then deletes every evaluation (tests/test_questions_migration.py).
    op.add_column('call_submissions', sa.Column('decision_reference', sa.String(length=60), server_default='', nullable=False))
    op.add_column('call_submissions', sa.Column('convention_date', sa.Date(), nullable=True))
    op.add_column('call_submissions', sa.Column('grant_purpose', sa.String(length=256), server_default='', nullable=False))
    op.add_column('call_submissions', sa.Column('grant_nature', sa.String(length=40), server_default='', nullable=False))
    op.add_column('call_submissions', sa.Column('payment_conditions', sa.String(length=256), server_default='', nullable=False))
    op.add_column('call_submissions', sa.Column('payment_dates', sa.String(length=21), server_default='', nullable=False))
    op.add_column('call_submissions', sa.Column('eu_notified', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('collectivity', sa.Column('grant_authority_name', sa.String(length=120), server_default='', nullable=False))
    op.add_column('collectivity', sa.Column('siret', sa.String(length=14), server_default='', nullable=False))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+) for the same reason: no table copied, no cascade.
    for column in ('siret', 'grant_authority_name'):
        op.drop_column('collectivity', column)
    for column in (
        'eu_notified', 'payment_dates', 'payment_conditions', 'grant_nature', 'grant_purpose', 'convention_date',
        'decision_reference',
    ):
        op.drop_column('call_submissions', column)

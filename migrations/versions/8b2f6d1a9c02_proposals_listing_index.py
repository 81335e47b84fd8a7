"""proposals: one covering index for the lists (state, hidden_at, published_at, id)

Revision ID: 8b2f6d1a9c02
Revises: 7a1e5c0de001
Create Date: 2026-11-23 15:55:00

"""
from alembic import op


revision = '8b2f6d1a9c02'
down_revision = '7a1e5c0de001'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE/DROP INDEX: no table rebuild on SQLite, so the search triggers stay.
    op.drop_index('ix_proposals_state_published', table_name='proposals')
    op.create_index('ix_proposals_listing', 'proposals', ['state', 'hidden_at', 'published_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_proposals_listing', table_name='proposals')
    op.create_index('ix_proposals_state_published', 'proposals', ['state', 'published_at', 'id'], unique=False)

"""cache versions of anonymous pages (issue 21)

One counter per subject, per list and for the site, bumped with each change: anonymous pages are
served from a cache keyed by them (app/page_cache.py).

Revision ID: f3503feaad4f
Revises: edee19ea81c6
Create Date: 2026-11-30 22:42:03.608529

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3503feaad4f'
down_revision = 'edee19ea81c6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_versions',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_cache_versions'))
    )


def downgrade():
    op.drop_table('cache_versions')

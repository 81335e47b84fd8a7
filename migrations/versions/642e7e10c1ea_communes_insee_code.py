"""Communes carry their official INSEE code (Code officiel géographique); the demo communes get theirs.

Revision ID: 642e7e10c1ea
Revises: c10a6a75a2e7
Create Date: 2026-11-30 13:31:35.473781

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '642e7e10c1ea'
down_revision = 'c10a6a75a2e7'
branch_labels = None
depends_on = None

# The Gironde demo communes (by slug) and their codes in the COG 2026 (app/data/cog/gironde-33.json).
# Copied here, not imported: a migration must not change when the application does.
DEMO_CODES = {
    "arcachon": "33009", "la-teste-de-buch": "33529", "gujan-mestras": "33199", "andernos-les-bains": "33005",
    "biganos": "33051", "audenge": "33019", "belin-beliet": "33042", "bordeaux": "33063", "pessac": "33318",
    "talence": "33522", "begles": "33039", "villenave-d-ornon": "33550", "gradignan": "33192",
    "leognan": "33238", "cestas": "33122", "blaye": "33058", "saint-andre-de-cubzac": "33366", "bourg": "33067",
    "saint-ciers-sur-gironde": "33389", "saint-savin": "33473", "lormont": "33249", "cenon": "33119",
    "floirac": "33167", "bassens": "33032", "ambares-et-lagrave": "33003", "carbon-blanc": "33096",
    "libourne": "33243", "coutras": "33138", "saint-emilion": "33394", "castillon-la-bataille": "33108",
    "sainte-foy-la-grande": "33402", "lesparre-medoc": "33240", "pauillac": "33314", "soulac-sur-mer": "33514",
    "hourtin": "33203", "saint-laurent-medoc": "33424", "vendays-montalivet": "33540", "blanquefort": "33056",
    "eysines": "33162", "saint-medard-en-jalles": "33449", "le-haillan": "33200", "bruges": "33075",
    "castelnau-de-medoc": "33104", "langon": "33227", "la-reole": "33352", "bazas": "33036",
    # Cadillac is named Cadillac-sur-Garonne in the COG since 2025; same commune, same code.
    "cadillac": "33081", "podensac": "33327", "captieux": "33095",
}


def upgrade():
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('insee_code', sa.String(length=5), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_communes_insee_code'), ['insee_code'])

    # Only demo rows: another deployment's commune with a same slug is not known to be Gironde's.
    communes = sa.table("communes", sa.column("slug", sa.String), sa.column("insee_code", sa.String),
                        sa.column("is_demo", sa.Boolean))
    for slug, code in DEMO_CODES.items():
        op.execute(
            communes.update()
            .where(communes.c.slug == slug, communes.c.is_demo.is_(True))
            .values(insee_code=code)
        )


def downgrade():
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_communes_insee_code'), type_='unique')
        batch_op.drop_column('insee_code')


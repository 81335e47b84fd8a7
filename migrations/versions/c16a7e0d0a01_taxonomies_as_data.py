"""taxonomies as data: domains and sub-domains, target publics, legal forms (issue 16)

Until now they were Python enums stored as text. This migration creates their tables, fills them
with the Gironde values (the same slugs as the enum values, so links and revision snapshots keep
working) when the database already holds content, converts every idea, proposal, association,
call and partner to the new keys, then drops the old columns.

A new, empty database gets empty taxonomies: its administrators (or a preset) set their own.

Revision ID: c16a7e0d0a01
Revises: a16c0e5710a5
Create Date: 2026-11-30 13:40:00

"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "c16a7e0d0a01"
down_revision = "a16c0e5710a5"
branch_labels = None
depends_on = None

# Written out here, not imported: a migration must not change when the app's presets do.
DOMAINS = [
    (
        "sante",
        "Santé, bien-être et handicap",
        [
            ("aller-vers", "Aller vers les publics vulnérables"),
            ("pair-aidance", "Favoriser la pair-aidance"),
            ("competences-psychosociales", "Valoriser les compétences psychosociales"),
        ],
    ),
    (
        "alimentation",
        "Solidarité alimentaire",
        [
            ("education-alimentation", "Éducation à l'alimentation"),
            ("bien-manger", "Transition écologique et accès au bien manger"),
        ],
    ),
    ("citoyennete", "Citoyenneté sociale et lutte contre le non-recours", [("acces-droits", "Accès aux droits fondamentaux")]),
]
PUBLICS = [
    ("familles_monoparentales", "Familles monoparentales"),
    ("femmes", "Femmes"),
    ("enfants_jeunes", "Enfants et jeunes"),
    ("seniors", "Seniors"),
]
LEGAL_FORMS = [
    ("association", "Association ou groupement d'associations (loi 1901)"),
    ("ess", "Structure de l'Économie sociale et solidaire"),
    ("bailleur_social", "Bailleur social"),
    ("collectivite", "Collectivité territoriale girondine ou groupement"),
    ("etablissement_public", "Établissement public"),
    ("autre", "Autre"),
]

# Tables this migration rebuilds on SQLite (batch mode): their full-text triggers go with them.
REBUILT = ("ideas", "proposals", "associations", "calls", "partners")


def _value_table(name):
    return op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("slug", name=op.f(f"uq_{name}_slug")),
    )


def _link_table(name, owner, owner_table, value, value_table):
    op.create_table(
        name,
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column(value, sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            [owner], [f"{owner_table}.id"], name=op.f(f"fk_{name}_{owner}_{owner_table}"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint([value], [f"{value_table}.id"], name=op.f(f"fk_{name}_{value}_{value_table}")),
        sa.PrimaryKeyConstraint(owner, value, name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_{value}"), [value], unique=False)


def _sqlite_foreign_keys(bind, on):
    # Rebuilding a table on SQLite drops it: with foreign keys on, that would run its ON DELETE
    # CASCADE actions and empty the comments, supports... of every idea. The pragma only takes
    # effect outside a transaction, hence the commit (SQLite runs DDL outside one anyway).
    raw = bind.connection.dbapi_connection
    if raw.in_transaction:
        raw.commit()
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def _triggers(bind):
    """The triggers on the rebuilt tables, and those of other tables naming one of them (the
    proposal answers' touch their proposal): SQLite checks the latter when a rebuilt table is
    renamed into place, and fails while the table is missing. All are dropped first, then
    written again."""
    rows = bind.execute(sa.text("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    named = re.compile(r"\b(" + "|".join(REBUILT) + r")\b")
    found = [(name, sql) for name, table, sql in rows if table in REBUILT or named.search(sql)]
    for name, _sql in found:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    return found


def _has_content(bind):
    for table in ("ideas", "proposals", "associations", "calls", "partners"):
        if bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:
            return True
    return False


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(bind, False)
        triggers = _triggers(bind)

    domains = _value_table("domains")
    publics = _value_table("target_publics")
    legal_forms = _value_table("legal_forms")
    op.create_table(
        "subdomains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("label", sa.String(length=160), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("domain_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["domain_id"], ["domains.id"], name=op.f("fk_subdomains_domain_id_domains")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subdomains")),
        sa.UniqueConstraint("domain_id", "slug", name="uq_subdomains_domain_slug"),
    )
    with op.batch_alter_table("subdomains") as batch_op:
        batch_op.create_index(batch_op.f("ix_subdomains_domain_id"), ["domain_id"], unique=False)

    if _has_content(bind):
        op.bulk_insert(domains, [{"slug": s, "label": label, "position": i} for i, (s, label, _) in enumerate(DOMAINS)])
        ids = dict(bind.execute(sa.text("SELECT slug, id FROM domains")).all())
        subdomains = sa.table(
            "subdomains",
            sa.column("domain_id"),
            sa.column("slug"),
            sa.column("label"),
            sa.column("position"),
        )
        op.bulk_insert(
            subdomains,
            [
                {"domain_id": ids[slug], "slug": sub, "label": label, "position": i}
                for slug, _, subs in DOMAINS
                for i, (sub, label) in enumerate(subs)
            ],
        )
        op.bulk_insert(publics, [{"slug": s, "label": label, "position": i} for i, (s, label) in enumerate(PUBLICS)])
        op.bulk_insert(
            legal_forms, [{"slug": s, "label": label, "position": i} for i, (s, label) in enumerate(LEGAL_FORMS)]
        )

    # --- Ideas and proposals: one domain, maybe a sub-domain -----------------------------------
    for table in ("ideas", "proposals"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("domain_id", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("subdomain_id", sa.Integer(), nullable=True))
        op.execute(f"UPDATE {table} SET domain_id = (SELECT d.id FROM domains d WHERE d.slug = {table}.domain)")
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("domain_id", existing_type=sa.Integer(), nullable=False)
            batch_op.drop_column("domain")
            batch_op.create_index(batch_op.f(f"ix_{table}_domain_id"), ["domain_id"], unique=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_subdomain_id"), ["subdomain_id"], unique=False)
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_domain_id_domains"), "domains", ["domain_id"], ["id"])
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_subdomain_id_subdomains"), "subdomains", ["subdomain_id"], ["id"]
            )

    # --- Their publics: the same rows, by id --------------------------------------------------
    public_ids = dict(bind.execute(sa.text("SELECT slug, id FROM target_publics")).all())
    for name, owner, owner_table in (("idea_publics", "idea_id", "ideas"), ("proposal_publics", "proposal_id", "proposals")):
        rows = bind.execute(sa.text(f"SELECT {owner}, public FROM {name}")).all()
        op.drop_table(name)
        _link_table(name, owner, owner_table, "public_id", "target_publics")
        op.bulk_insert(
            sa.table(name, sa.column(owner), sa.column("public_id")),
            [{owner: row[0], "public_id": public_ids[row[1]]} for row in rows if row[1] in public_ids],
        )

    # --- Associations: their legal form ------------------------------------------------------
    with op.batch_alter_table("associations") as batch_op:
        batch_op.add_column(sa.Column("legal_form_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE associations SET legal_form_id = (SELECT f.id FROM legal_forms f WHERE f.slug = associations.legal_form)"
    )
    with op.batch_alter_table("associations") as batch_op:
        batch_op.alter_column("legal_form_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("legal_form")
        batch_op.create_index(batch_op.f("ix_associations_legal_form_id"), ["legal_form_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_associations_legal_form_id_legal_forms"), "legal_forms", ["legal_form_id"], ["id"]
        )

    # --- Calls: their restrictions, from JSON lists to link tables -----------------------------
    domain_ids = dict(bind.execute(sa.text("SELECT slug, id FROM domains")).all())
    form_ids = dict(bind.execute(sa.text("SELECT slug, id FROM legal_forms")).all())
    calls = sa.table("calls", sa.column("id"), sa.column("domains"), sa.column("publics"), sa.column("legal_forms"))
    restrictions = bind.execute(sa.select(calls.c.id, calls.c.domains, calls.c.publics, calls.c.legal_forms)).all()
    _link_table("call_domains", "call_id", "calls", "domain_id", "domains")
    _link_table("call_publics", "call_id", "calls", "public_id", "target_publics")
    _link_table("call_legal_forms", "call_id", "calls", "legal_form_id", "legal_forms")

    def values(raw):
        # Text on SQLite, already a list on PostgreSQL; NULL or [] meant "no restriction".
        if isinstance(raw, str):
            raw = json.loads(raw)
        return list(dict.fromkeys(raw or []))

    for name, column, position, ids in (
        ("call_domains", "domain_id", 1, domain_ids),
        ("call_publics", "public_id", 2, public_ids),
        ("call_legal_forms", "legal_form_id", 3, form_ids),
    ):
        op.bulk_insert(
            sa.table(name, sa.column("call_id"), sa.column(column)),
            [{"call_id": row[0], column: ids[v]} for row in restrictions for v in values(row[position]) if v in ids],
        )
    with op.batch_alter_table("calls") as batch_op:
        batch_op.drop_column("domains")
        batch_op.drop_column("publics")
        batch_op.drop_column("legal_forms")

    # --- Partners of the poles' directories: their domains -----------------------------------
    partners = bind.execute(sa.text("SELECT id, domains FROM partners")).all()
    _link_table("partner_domains", "partner_id", "partners", "domain_id", "domains")
    op.bulk_insert(
        sa.table("partner_domains", sa.column("partner_id"), sa.column("domain_id")),
        [
            {"partner_id": row[0], "domain_id": domain_ids[v]}
            for row in partners
            for v in dict.fromkeys((row[1] or "").split(","))
            if v in domain_ids
        ],
    )
    with op.batch_alter_table("partners") as batch_op:
        batch_op.drop_column("domains")

    if sqlite:
        for name, sql in triggers:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(sql)
        _sqlite_foreign_keys(bind, True)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(bind, False)
        triggers = _triggers(bind)

    with op.batch_alter_table("partners") as batch_op:
        batch_op.add_column(sa.Column("domains", sa.String(length=120), nullable=False, server_default=""))
    for partner_id, slug in bind.execute(
        sa.text("SELECT p.partner_id, d.slug FROM partner_domains p JOIN domains d ON d.id = p.domain_id")
    ).all():
        bind.execute(
            sa.text("UPDATE partners SET domains = CASE WHEN domains = '' THEN :s ELSE domains || ',' || :s END WHERE id = :i"),
            {"s": slug, "i": partner_id},
        )
    op.drop_table("partner_domains")

    with op.batch_alter_table("calls") as batch_op:
        batch_op.add_column(sa.Column("domains", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("publics", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("legal_forms", sa.JSON(), nullable=True))
    calls = sa.table("calls", sa.column("id"), sa.column("domains", sa.JSON), sa.column("publics", sa.JSON),
                     sa.column("legal_forms", sa.JSON))
    for column, link, key, table in (
        ("domains", "call_domains", "domain_id", "domains"),
        ("publics", "call_publics", "public_id", "target_publics"),
        ("legal_forms", "call_legal_forms", "legal_form_id", "legal_forms"),
    ):
        found = {}
        for call_id, slug in bind.execute(
            sa.text(f"SELECT l.call_id, v.slug FROM {link} l JOIN {table} v ON v.id = l.{key} ORDER BY v.position")
        ).all():
            found.setdefault(call_id, []).append(slug)
        for call_id, slugs in found.items():
            bind.execute(calls.update().where(calls.c.id == call_id).values({column: slugs}))
        op.drop_table(link)

    with op.batch_alter_table("associations") as batch_op:
        batch_op.add_column(sa.Column("legal_form", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE associations SET legal_form = (SELECT f.slug FROM legal_forms f WHERE f.id = associations.legal_form_id)"
    )
    with op.batch_alter_table("associations") as batch_op:
        batch_op.alter_column("legal_form", existing_type=sa.String(length=32), nullable=False)
        batch_op.drop_constraint(batch_op.f("fk_associations_legal_form_id_legal_forms"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_associations_legal_form_id"))
        batch_op.drop_column("legal_form_id")

    for name, owner, owner_table in (("idea_publics", "idea_id", "ideas"), ("proposal_publics", "proposal_id", "proposals")):
        rows = bind.execute(
            sa.text(f"SELECT l.{owner}, v.slug FROM {name} l JOIN target_publics v ON v.id = l.public_id")
        ).all()
        op.drop_table(name)
        op.create_table(
            name,
            sa.Column(owner, sa.Integer(), nullable=False),
            sa.Column("public", sa.String(length=32), nullable=False),
            sa.ForeignKeyConstraint(
                [owner], [f"{owner_table}.id"], name=op.f(f"fk_{name}_{owner}_{owner_table}"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint(owner, "public", name=op.f(f"pk_{name}")),
        )
        op.bulk_insert(sa.table(name, sa.column(owner), sa.column("public")), [{owner: r[0], "public": r[1]} for r in rows])

    for table in ("ideas", "proposals"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("domain", sa.String(length=32), nullable=True))
        op.execute(f"UPDATE {table} SET domain = (SELECT d.slug FROM domains d WHERE d.id = {table}.domain_id)")
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("domain", existing_type=sa.String(length=32), nullable=False)
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_subdomain_id_subdomains"), type_="foreignkey")
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_domain_id_domains"), type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_subdomain_id"))
            batch_op.drop_index(batch_op.f(f"ix_{table}_domain_id"))
            batch_op.drop_column("subdomain_id")
            batch_op.drop_column("domain_id")

    op.drop_table("subdomains")
    op.drop_table("legal_forms")
    op.drop_table("target_publics")
    op.drop_table("domains")

    if sqlite:
        for name, sql in triggers:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(sql)
        _sqlite_foreign_keys(bind, True)

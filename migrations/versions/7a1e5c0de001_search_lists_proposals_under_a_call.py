"""search: proposals submitted to a call (and decided) stay in the search index

Revision ID: 7a1e5c0de001
Revises: 35eaad820ee8
Create Date: 2026-11-23 15:30:00

"""
from alembic import op


revision = '7a1e5c0de001'
down_revision = '35eaad820ee8'
branch_labels = None
depends_on = None

# A proposal stays findable once submitted to a call and after the decision: the call is a
# public process. Only drafts and withdrawn proposals are left out.
LISTED = ("published", "submitted", "changes_requested", "selected", "waitlisted", "not_selected")
BODY = (
    "{r}.summary || ' ' || {r}.need || ' ' || {r}.experimentation || ' ' || {r}.outreach"
    " || ' ' || {r}.cooperation || ' ' || {r}.impact_indicators"
)
WATCHED = "title, summary, need, experimentation, outreach, cooperation, impact_indicators, state"


def _states(states):
    return ", ".join(f"'{s}'" for s in states)


def _sqlite(states):
    condition = f"new.state IN ({_states(states)})"
    insert = (
        "INSERT INTO search_index (rowid, kind, ref_id, title, body) "
        f"SELECT new.id * 4 + 1, 'proposal', new.id, new.title, {BODY.format(r='new')} WHERE {condition}"
    )
    delete = "DELETE FROM search_index WHERE rowid = old.id * 4 + 1"
    op.execute("DROP TRIGGER IF EXISTS search_index_proposals_ai")
    op.execute("DROP TRIGGER IF EXISTS search_index_proposals_au")
    op.execute(f"CREATE TRIGGER search_index_proposals_ai AFTER INSERT ON proposals BEGIN {insert} ; END")
    op.execute(f"CREATE TRIGGER search_index_proposals_au AFTER UPDATE OF {WATCHED} ON proposals BEGIN {delete} ; {insert} ; END")
    op.execute("DELETE FROM search_index WHERE kind = 'proposal'")
    op.execute(
        "INSERT INTO search_index (rowid, kind, ref_id, title, body) "
        f"SELECT id * 4 + 1, 'proposal', id, title, {BODY.format(r='proposals')} FROM proposals "
        f"WHERE state IN ({_states(states)})"
    )


def _postgresql(states):
    values = f"'proposal', NEW.id, NEW.title, {BODY.format(r='NEW')}"
    op.execute(
        "CREATE OR REPLACE FUNCTION search_index_proposals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM search_index WHERE kind = 'proposal' AND ref_id = OLD.id; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN IF NEW.state IN ({_states(states)}) THEN "
        "INSERT INTO search_index (kind, ref_id, title, body, tsv) "
        f"SELECT k, i, t, b, search_index_vector(t, b) FROM (SELECT {values}) AS v(k, i, t, b);"
        " END IF; END IF; RETURN NULL; END $$"
    )
    op.execute("DELETE FROM search_index WHERE kind = 'proposal'")
    op.execute(
        "INSERT INTO search_index (kind, ref_id, title, body, tsv) "
        f"SELECT 'proposal', id, title, {BODY.format(r='proposals')}, "
        f"search_index_vector(title, {BODY.format(r='proposals')}) FROM proposals WHERE state IN ({_states(states)})"
    )


def _apply(states):
    if op.get_bind().dialect.name == "postgresql":
        _postgresql(states)
    else:
        _sqlite(states)


def upgrade():
    _apply(LISTED)


def downgrade():
    _apply(("published",))

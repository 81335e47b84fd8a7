"""proposal questions as data: each call asks its own questions, answers in their own table

Revision ID: a16c0e5710a5
Revises: fa772100a49f
Create Date: 2026-11-30 13:55:00

Gironde's five columns (need, experimentation, outreach, cooperation, impact_indicators) become
the default questions, each call gets a copy, and every proposal's texts become answers. The
questions keep the columns' names as their keys, so revisions (snapshots keyed by field) and
amendments (``field``) written before stay readable without being rewritten.
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op


revision = 'a16c0e5710a5'
down_revision = 'fa772100a49f'
branch_labels = None
depends_on = None

# (key, label, help text, required by default): the texts of the proposal form until now.
# Publishing needed the first two; a call's eligibility check needed all five.
QUESTIONS = [
    ("need", "Le besoin social peu ou pas couvert",
     "Quel besoin, pour qui, et pourquoi les réponses actuelles ne suffisent pas.", True),
    ("experimentation", "Ce qui est expérimental",
     "Ce que le projet renouvelle dans la façon de faire ; comment les personnes sont au cœur de l'action.", True),
    ("outreach", "La démarche « aller vers »",
     "Comment le projet va à la rencontre des personnes les moins visibles, les moins entendues.", False),
    ("cooperation", "Coopération et partenaires",
     "Les ressources locales et les partenaires mobilisés, notamment le Pôle territorial de solidarité.", False),
    ("impact_indicators", "Indicateurs d'impact mesurables",
     "Ce que vous mesurerez, avec des valeurs cibles (exemple : 40 familles accompagnées en 12 mois).", False),
]
KEYS = [q[0] for q in QUESTIONS]
LISTED = ("published", "submitted", "changes_requested", "selected", "waitlisted", "not_selected")
WATCHED = "title, summary, state"


def _states():
    return ", ".join(f"'{s}'" for s in LISTED)


def _body(r, dialect):
    """The indexed body: the summary, then every answer."""
    agg = "string_agg(a.body, ' ' ORDER BY a.id)" if dialect == "postgresql" else "group_concat(a.body, ' ')"
    return (
        f"{r}.summary || ' ' || coalesce((SELECT {agg} FROM proposal_answers a WHERE a.proposal_id = {r}.id), '')"
    )


def _old_body(r):
    return " || ' ' || ".join([f"{r}.summary", *(f"{r}.{k}" for k in KEYS)])


def _dialect():
    return op.get_bind().dialect.name


# --- Search index: proposals read their answers; an answer's change re-indexes its proposal --------


def _sqlite_triggers(body, watched):
    insert = (
        "INSERT INTO search_index (rowid, kind, ref_id, title, body) "
        f"SELECT new.id * 4 + 1, 'proposal', new.id, new.title, {body('new')} WHERE new.state IN ({_states()})"
    )
    delete = "DELETE FROM search_index WHERE rowid = old.id * 4 + 1"
    op.execute(f"CREATE TRIGGER search_index_proposals_ai AFTER INSERT ON proposals BEGIN {insert} ; END")
    op.execute(
        f"CREATE TRIGGER search_index_proposals_au AFTER UPDATE OF {watched} ON proposals BEGIN {delete} ; {insert} ; END"
    )
    op.execute(f"CREATE TRIGGER search_index_proposals_ad AFTER DELETE ON proposals BEGIN {delete} ; END")


def _sqlite_drop_triggers():
    for suffix in ("ai", "au", "ad"):
        op.execute(f"DROP TRIGGER IF EXISTS search_index_proposals_{suffix}")
        op.execute(f"DROP TRIGGER IF EXISTS search_index_proposal_answers_{suffix}")


def _sqlite_answer_triggers():
    # Touching the title fires the proposal's own trigger, which reads every answer again.
    touch = "UPDATE proposals SET title = title WHERE id = {r}.proposal_id"
    op.execute(
        "CREATE TRIGGER search_index_proposal_answers_ai AFTER INSERT ON proposal_answers "
        f"BEGIN {touch.format(r='new')} ; END"
    )
    op.execute(
        "CREATE TRIGGER search_index_proposal_answers_au AFTER UPDATE OF body ON proposal_answers "
        f"BEGIN {touch.format(r='new')} ; END"
    )
    op.execute(
        "CREATE TRIGGER search_index_proposal_answers_ad AFTER DELETE ON proposal_answers "
        f"BEGIN {touch.format(r='old')} ; END"
    )


def _sqlite_reindex(body):
    op.execute("DELETE FROM search_index WHERE kind = 'proposal'")
    op.execute(
        "INSERT INTO search_index (rowid, kind, ref_id, title, body) "
        f"SELECT id * 4 + 1, 'proposal', id, title, {body('proposals')} FROM proposals WHERE state IN ({_states()})"
    )


def _pg_function(body, watched):
    values = f"'proposal', NEW.id, NEW.title, {body('NEW')}"
    op.execute("DROP TRIGGER IF EXISTS search_index_proposals ON proposals")
    op.execute(
        "CREATE OR REPLACE FUNCTION search_index_proposals() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP IN ('UPDATE', 'DELETE') THEN DELETE FROM search_index WHERE kind = 'proposal' AND ref_id = OLD.id; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN IF NEW.state IN ({_states()}) THEN "
        "INSERT INTO search_index (kind, ref_id, title, body, tsv) "
        f"SELECT k, i, t, b, search_index_vector(t, b) FROM (SELECT {values}) AS v(k, i, t, b);"
        " END IF; END IF; RETURN NULL; END $$"
    )
    op.execute(
        f"CREATE TRIGGER search_index_proposals AFTER INSERT OR DELETE OR UPDATE OF {watched} "
        "ON proposals FOR EACH ROW EXECUTE FUNCTION search_index_proposals()"
    )


def _pg_reindex(body):
    op.execute("DELETE FROM search_index WHERE kind = 'proposal'")
    op.execute(
        "INSERT INTO search_index (kind, ref_id, title, body, tsv) "
        f"SELECT 'proposal', id, title, {body('proposals')}, search_index_vector(title, {body('proposals')}) "
        f"FROM proposals WHERE state IN ({_states()})"
    )


def upgrade():
    dialect = _dialect()
    op.create_table('proposal_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('help_text', sa.String(length=600), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('max_length', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], name=op.f('fk_proposal_questions_call_id_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_questions')),
    sa.UniqueConstraint('call_id', 'key', name=op.f('uq_proposal_questions_call_id_key')),
    )
    with op.batch_alter_table('proposal_questions', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_questions_set', ['call_id', 'position'], unique=False)

    op.create_table('proposal_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_answers_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['proposal_questions.id'], name=op.f('fk_proposal_answers_question_id_proposal_questions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_answers')),
    sa.UniqueConstraint('proposal_id', 'question_id', name=op.f('uq_proposal_answers_proposal_id_question_id')),
    )
    with op.batch_alter_table('proposal_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_answers_question_id'), ['question_id'], unique=False)

    if dialect == 'sqlite':
        # No batch rebuild of proposals on SQLite: dropping the old table, with foreign keys on,
        # would cascade to its submissions, revisions and amendments. SQLite alters in place.
        _sqlite_drop_triggers()  # they name the columns dropped below
        op.execute(
            "ALTER TABLE proposals ADD COLUMN call_id INTEGER "
            "CONSTRAINT fk_proposals_call_id_calls REFERENCES calls (id)"
        )
    else:
        op.add_column('proposals', sa.Column('call_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_proposals_call_id_calls'), 'proposals', 'calls', ['call_id'], ['id']
        )
    op.create_index(op.f('ix_proposals_call_id'), 'proposals', ['call_id'], unique=False)

    questions = sa.table(
        'proposal_questions',
        sa.column('call_id', sa.Integer), sa.column('position', sa.Integer), sa.column('key', sa.String),
        sa.column('label', sa.String), sa.column('help_text', sa.String), sa.column('required', sa.Boolean),
        sa.column('max_length', sa.Integer),
    )
    bind = op.get_bind()
    call_ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM calls ORDER BY id"))]
    rows = [
        {"call_id": None, "position": i, "key": k, "label": label, "help_text": hint, "required": req, "max_length": 20000}
        for i, (k, label, hint, req) in enumerate(QUESTIONS)
    ]
    # Each call asked all five until now (its eligibility check required them): its copy says so.
    rows += [
        {"call_id": c, "position": i, "key": k, "label": label, "help_text": hint, "required": True, "max_length": 20000}
        for c in call_ids
        for i, (k, label, hint, _req) in enumerate(QUESTIONS)
    ]
    op.bulk_insert(questions, rows)

    # A submitted proposal was written for its call: it answers that call's questions.
    op.execute(
        "UPDATE proposals SET call_id = (SELECT s.call_id FROM call_submissions s WHERE s.proposal_id = proposals.id)"
    )
    for key in KEYS:
        op.execute(
            "INSERT INTO proposal_answers (proposal_id, question_id, body) "
            f"SELECT p.id, q.id, p.{key} FROM proposals p JOIN proposal_questions q ON q.key = '{key}' "
            "AND (q.call_id = p.call_id OR (p.call_id IS NULL AND q.call_id IS NULL)) "
            f"WHERE p.{key} <> ''"
        )

    if dialect == 'postgresql':
        # The old trigger watches the columns dropped below: replace it first.
        _pg_function(lambda r: _body(r, dialect), WATCHED)
    for key in KEYS:
        op.execute(f"ALTER TABLE proposals DROP COLUMN {key}")

    if dialect == 'postgresql':
        op.execute(
            "CREATE FUNCTION search_index_proposal_answers() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' THEN UPDATE proposals SET title = title WHERE id = OLD.proposal_id; "
            "ELSE UPDATE proposals SET title = title WHERE id = NEW.proposal_id; END IF; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER search_index_proposal_answers AFTER INSERT OR DELETE OR UPDATE OF body "
            "ON proposal_answers FOR EACH ROW EXECUTE FUNCTION search_index_proposal_answers()"
        )
        _pg_reindex(lambda r: _body(r, dialect))
    else:
        _sqlite_triggers(lambda r: _body(r, dialect), WATCHED)
        _sqlite_answer_triggers()
        _sqlite_reindex(lambda r: _body(r, dialect))


def downgrade():
    dialect = _dialect()
    if dialect == 'sqlite':
        _sqlite_drop_triggers()
    else:
        op.execute("DROP TRIGGER IF EXISTS search_index_proposal_answers ON proposal_answers")
        op.execute("DROP FUNCTION IF EXISTS search_index_proposal_answers()")
    for key in KEYS:
        op.add_column('proposals', sa.Column(key, sa.Text(), nullable=False, server_default=''))
    # Answers to questions of the same key go back to their column; other questions' are lost.
    for key in KEYS:
        op.execute(
            f"UPDATE proposals SET {key} = coalesce((SELECT a.body FROM proposal_answers a "
            "JOIN proposal_questions q ON q.id = a.question_id "
            f"WHERE a.proposal_id = proposals.id AND q.key = '{key}' ORDER BY a.id LIMIT 1), '')"
        )
    op.drop_index(op.f('ix_proposals_call_id'), table_name='proposals')
    if dialect == 'postgresql':
        op.drop_constraint(op.f('fk_proposals_call_id_calls'), 'proposals', type_='foreignkey')
        op.drop_column('proposals', 'call_id')
    else:
        # SQLite cannot drop a column a foreign key names without rebuilding the table (and the
        # rebuild would cascade): the column stays, unused, after a downgrade.
        pass
    old_watched = "title, summary, " + ", ".join(KEYS) + ", state"
    if dialect == 'postgresql':
        _pg_function(_old_body, old_watched)
        _pg_reindex(_old_body)
    else:
        _sqlite_triggers(_old_body, old_watched)
        _sqlite_reindex(_old_body)
    op.drop_table('proposal_answers')
    op.drop_table('proposal_questions')

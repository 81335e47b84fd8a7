from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_migrations_match_the_models(app):
    """Same as `flask db check`: the migrated schema has no pending change, on this database."""
    # The same options as `flask db` (e.g. which raw-SQL objects the comparison ignores).
    opts = {"compare_type": True, **app.extensions["migrate"].configure_args}
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_search_triggers_survive_every_migration(app):
    """Migrations that rebuild a table on SQLite must re-create its full-text search triggers."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            names = set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            expected = {
                f"search_index_{t}_{s}"
                for t in ("ideas", "proposals", "proposal_answers", "associations", "calls")
                for s in ("ai", "au", "ad")
            }
        else:
            names = set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())
            expected = {
                f"search_index_{t}{s}"
                for t in ("ideas", "proposals", "associations", "calls")
                for s in ("", "_truncate")
            } | {"search_index_proposal_answers"}
    assert expected <= names


def test_existing_accounts_are_verified_and_get_a_session_token_each(tmp_path):
    """The accounts migration on rows that exist: confirmed (they predate the rule), random tokens."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from tests.conftest import _base_config

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'before.sqlite3'}"))
    with app.app_context():
        upgrade(revision="8b2f6d1a9c02")
        with db.engine.begin() as conn:
            for n in (1, 2):
                conn.execute(
                    text(
                        "INSERT INTO users (email, display_name, display_name_key, password_hash, is_admin, created_at)"
                        " VALUES (:e, :n, :n, 'x', 0, '2025-01-02 03:04:05')"
                    ),
                    {"e": f"p{n}@exemple.fr", "n": f"p{n}"},
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT email_verified_at, session_token FROM users")).all()
        db.engine.dispose()
    assert [str(r[0]) for r in rows] == ["2025-01-02 03:04:05"] * 2
    assert len({r[1] for r in rows}) == 2 and all(len(r[1]) >= 16 for r in rows)


def test_demo_communes_get_their_insee_code_and_others_none(tmp_path):
    """The INSEE code migration fills the Gironde demo communes only: another deployment's commune
    with a same slug is not known to be Gironde's."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from app import create_app
    from tests.conftest import _base_config

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'before.sqlite3'}"))
    with app.app_context():
        upgrade(revision="c10a6a75a2e7")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO poles (id, slug, name, description) VALUES (1, 'sud', 'Sud', '')"))
            for slug, demo in (("cadillac", 1), ("pessac", 1), ("bourg", 0)):
                conn.execute(
                    text(
                        "INSERT INTO communes (slug, name, pole_id, is_rural, has_qpv, is_demo)"
                        " VALUES (:s, :s, 1, 0, 0, :d)"
                    ),
                    {"s": slug, "d": demo},
                )
        upgrade()
        with db.engine.connect() as conn:
            codes = dict(conn.execute(text("SELECT slug, insee_code FROM communes")).all())
        db.engine.dispose()
    assert codes == {"cadillac": "33081", "pessac": "33318", "bourg": None}


def test_existing_moderators_keep_their_unit_in_pole_roles(tmp_path):
    """users.moderated_pole_id becomes one pole_roles row each (and back on downgrade)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from app import create_app
    from tests.conftest import _base_config

    app = create_app(_base_config(f"sqlite:///{tmp_path / 'before.sqlite3'}"))
    with app.app_context():
        upgrade(revision="c10a6a75a2e7")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO poles (id, slug, name, description) VALUES (7, 'medoc', 'Médoc', '')"))
            for n, pole in ((1, 7), (2, None)):
                conn.execute(
                    text(
                        "INSERT INTO users (email, display_name, display_name_key, password_hash, is_admin, created_at,"
                        " hide_comments, session_token, moderated_pole_id)"
                        " VALUES (:e, :n, :n, 'x', 0, '2025-01-02 03:04:05', 0, :t, :p)"
                    ),
                    {"e": f"p{n}@exemple.fr", "n": f"p{n}", "t": f"token{n}", "p": pole},
                )
            # A reference to the account that the rebuilt users table must keep.
            conn.execute(
                text(
                    "INSERT INTO associations (id, slug, name, legal_form, description, contact_email, contact_phone,"
                    " created_at, updated_at) VALUES (3, 'a', 'A', 'association', '', '', '', :d, :d)"
                ),
                {"d": "2025-01-02 03:04:05"},
            )
            conn.execute(
                text(
                    "INSERT INTO memberships (association_id, user_id, role, show_publicly, created_at)"
                    " VALUES (3, 1, 'admin', 0, '2025-01-02 03:04:05')"
                )
            )
        upgrade(revision="fa772100a49f")
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT user_id, pole_id, role FROM pole_roles")).all()
        assert [tuple(r) for r in rows] == [(1, 7, "moderator")]
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT user_id FROM memberships")).scalars().all() == [1]
        downgrade(revision="c10a6a75a2e7")
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT id, moderated_pole_id FROM users ORDER BY id")).all()
        db.engine.dispose()
    assert [tuple(r) for r in back] == [(1, 7), (2, None)]

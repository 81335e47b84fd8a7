import sqlite3

import pytest
from sqlalchemy import text

from app import create_app
from app.config import ConfigError, from_env
from app.extensions import db


def test_production_without_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY est obligatoire en production"):
        from_env({"TISSER_ENV": "production", "TISSER_INSTANCE_DIR": str(tmp_path)})


def test_production_with_secret_key_uses_secure_cookies(tmp_path):
    config = from_env({"TISSER_ENV": "production", "SECRET_KEY": "s" * 64, "TISSER_INSTANCE_DIR": str(tmp_path)})
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["OUTBOX_READABLE"] is False


def test_development_generates_a_key_once(tmp_path):
    first = from_env({"TISSER_INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    second = from_env({"TISSER_INSTANCE_DIR": str(tmp_path)})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_under_instance(tmp_path):
    url = from_env({"TISSER_INSTANCE_DIR": str(tmp_path)})["SQLALCHEMY_DATABASE_URI"]
    assert url == f"sqlite:///{tmp_path / 'tisser.sqlite3'}"


@pytest.mark.parametrize("given", ["postgres://u:p@h/db", "postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"])
def test_database_url_uses_psycopg(tmp_path, given):
    url = from_env({"DATABASE_URL": given, "TISSER_INSTANCE_DIR": str(tmp_path)})["SQLALCHEMY_DATABASE_URI"]
    assert url == "postgresql+psycopg://u:p@h/db"


def test_sqlite_waits_for_concurrent_writers(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()
    assert sqlite3.sqlite_version_info >= (3, 35)


def _key_in_a_new_process(instance_dir: str) -> str:
    return from_env({"TISSER_INSTANCE_DIR": instance_dir})["SECRET_KEY"]


def test_processes_starting_together_agree_on_one_development_key(tmp_path):
    """Gunicorn or test workers starting at once: one key for all, none fails (a check-then-create
    race once failed a whole test worker with FileExistsError)."""
    import multiprocessing
    from unittest import mock

    # Every process sees no key yet, as when they all start in the same instant.
    with mock.patch.object(type(tmp_path), "exists", return_value=False):
        keys = [_key_in_a_new_process(str(tmp_path)) for _ in range(3)]
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    context = multiprocessing.get_context("spawn")  # fork from a threaded test process is unsafe
    with context.Pool(4) as pool:
        keys += pool.map(_key_in_a_new_process, [str(tmp_path / "fresh")] * 8)
    assert len(set(keys[3:])) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "secret_key"]
    assert (tmp_path / "fresh" / "secret_key").stat().st_mode & 0o077 == 0

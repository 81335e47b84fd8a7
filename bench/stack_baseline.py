"""``vote_pile``: the baseline's ``POST /vote`` through the stack Tisser must use (informative).

Same single-row UPDATE + SELECT and the same fragment as bench/baseline.py's ``vote``, but through
Flask-SQLAlchemy (typed 2.0 model, ``db.session``, ``update()`` then ``select()``), Flask-Login
(the person is loaded from the database from the session cookie) and Flask-WTF's CSRFProtect (the
request carries ``X-CSRFToken``). Served by its own gunicorn so that the bare baseline keeps no
extension hook. The gap between ``vote`` and ``vote_pile`` is the fixed stack's own cost; the gap
between ``vote_pile`` and Tisser's toggle is what Tisser adds on top.

``BASELINE_STACK_DATABASE``: a SQLite file path or a ``postgresql://`` URL;
``BASELINE_STACK_SECRET``: the session signing key.

    GET  /connexion   logs the single bench person in; answers the CSRF token (bench set-up only)
    POST /vote        login required, CSRF checked
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from flask import Flask
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import Engine, String, event, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE = os.environ.get("BASELINE_STACK_DATABASE", "/tmp/tisser-baseline-stack.sqlite3")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))


class Counter(db.Model):
    __tablename__ = "counter"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # The same SQLite settings as Tisser (app/__init__.py) and the bare ``vote``.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _database_uri() -> str:
    if DATABASE.startswith("postgresql://"):
        return DATABASE.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{DATABASE}"


app = Flask(__name__)
app.config.update(
    SECRET_KEY=os.environ.get("BASELINE_STACK_SECRET", "bench-stack-secret-" + "x" * 40),
    SQLALCHEMY_DATABASE_URI=_database_uri(),
    WTF_CSRF_TIME_LIMIT=None,  # as Tisser: one token for the whole session
)
db.init_app(app)
login_manager.init_app(app)
csrf.init_app(app)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@app.get("/connexion")
def log_in():
    # Bench set-up only: no password, the server listens on 127.0.0.1 for the run's duration.
    login_user(db.session.get(User, 1))
    return generate_csrf()


@app.post("/vote")
@login_required
def vote():
    db.session.execute(update(Counter).where(Counter.id == 1).values(n=Counter.n + 1))
    n = db.session.scalar(select(Counter.n).where(Counter.id == 1))
    db.session.commit()
    return f'<form method="post" class="support"><button type="submit" aria-pressed="true">Soutenu</button> <span>{n} soutiens</span></form>'


def create_schema() -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add(User(id=1, email="pile@bench.invalid", display_name="Pile"))
        db.session.add(Counter(id=1, n=0))
        db.session.commit()
        db.engine.dispose()


if __name__ == "__main__":
    create_schema()

"""``vote_pile`` and ``page_pile``: two baseline endpoints through the stack Tisser must use
(informative).

- ``POST /vote`` (``vote_pile``): the same single-row UPDATE + SELECT and the same fragment as
  bench/baseline.py's ``vote``, but through Flask-SQLAlchemy (typed 2.0 model, ``db.session``,
  ``update()`` then ``select()``), Flask-Login (the person is loaded from the database from the
  session cookie) and Flask-WTF's CSRFProtect (the request carries ``X-CSRFToken``).
- ``GET /modele`` (``page_pile``): the same template as bench/baseline.py's ``template``, but for
  an anonymous visitor through Flask-Login, Flask-Babel (locale "fr") and the signed session (a
  random-order seed stored on each request that has none, as Tisser does, and the CSRF token the
  page carries), with its 20 cards and total from a 10 000-row ``cards`` table: one ``count()`` and
  one ``select()`` ordered by ``created_at`` through ``db.session``. No cache.

Served by its own gunicorn so that the bare baseline keeps no extension hook. The gap between the
bare reference and its ``_pile`` twin is the fixed stack's own cost; the gap between the ``_pile``
twin and Tisser is what Tisser adds on top.

``BASELINE_STACK_DATABASE``: a SQLite file path or a ``postgresql://`` URL;
``BASELINE_STACK_SECRET``: the session signing key.

    GET  /connexion   logs the single bench person in; answers the CSRF token (bench set-up only)
    POST /vote        login required, CSRF checked
    GET  /modele      anonymous, the list-shaped page from the database
"""

from __future__ import annotations

import math
import os
import random
import sqlite3
from datetime import datetime, timedelta
from typing import Any

# The bare reference's static chrome and card texts (bench/ is on the path: gunicorn's cwd).
from baseline import CONTEXT, DOMAINS, ITEMS, POLES, PUBLIC_SETS
from flask import Flask, render_template, session
from flask_babel import Babel
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect, generate_csrf
from sqlalchemy import JSON, Engine, Index, String, event, func, insert, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

DATABASE = os.environ.get("BASELINE_STACK_DATABASE", "/tmp/tisser-baseline-stack.sqlite3")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
CARDS = 10_000
PER_PAGE = 20
SEED_KEY = "shuffle_seed"  # as Tisser's visitor_seed (app/search/filters.py)
SEED_MODULUS = 2147483647


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))


class Counter(db.Model):
    __tablename__ = "counter"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


class Card(db.Model):
    """One list card, denormalised: what bench/templates/_baseline_card.html shows, no joins."""

    __tablename__ = "cards"
    # The index a list sorted by date needs (Tisser has its own for its lists).
    __table_args__ = (Index("ix_cards_created", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    association: Mapped[str] = mapped_column(String(200))
    pole: Mapped[str] = mapped_column(String(80))
    # Domain and publics too: the card's tags, so that the page keeps the template's size.
    domain: Mapped[str] = mapped_column(String(120))
    publics: Mapped[list[str]] = mapped_column(JSON)
    supports: Mapped[int]
    comments: Mapped[int]
    created_at: Mapped[datetime]

    @property
    def poles(self) -> list[str]:
        return [self.pole]


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


app = Flask(__name__, template_folder=os.path.join(os.path.dirname(__file__), "templates"))
# Same whitespace control as Tisser and the bare baseline: the same markup gives the same bytes.
app.jinja_env.trim_blocks = True
app.jinja_env.lstrip_blocks = True
app.config.update(
    SECRET_KEY=os.environ.get("BASELINE_STACK_SECRET", "bench-stack-secret-" + "x" * 40),
    SQLALCHEMY_DATABASE_URI=_database_uri(),
    WTF_CSRF_TIME_LIMIT=None,  # as Tisser: one token for the whole session
    SESSION_COOKIE_SAMESITE="Lax",
)
db.init_app(app)
login_manager.init_app(app)
csrf.init_app(app)
babel.init_app(app, locale_selector=lambda: "fr", timezone_selector=lambda: "Europe/Paris")


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
    return (
        '<form method="post" class="support"><button type="submit" aria-pressed="true">Soutenu</button>'
        f" <span>{n} soutiens</span></form>"
    )


@app.get("/modele")
def page():
    # Written on each request that has none, as Tisser's random order does for a new visitor
    # (wrk sends no cookie: every response sets one).
    if SEED_KEY not in session:
        rng = random.SystemRandom()
        session[SEED_KEY] = [rng.randrange(1, SEED_MODULUS), rng.randrange(0, SEED_MODULUS)]
    total = db.session.scalar(select(func.count()).select_from(Card))
    cards = db.session.scalars(select(Card).order_by(Card.created_at.desc(), Card.id.desc()).limit(PER_PAGE)).all()
    # The menu depends on who is there (Flask-Login resolves the anonymous visitor), and the page
    # carries the session's CSRF token for htmx, as Tisser's base.html does.
    if current_user.is_authenticated:
        account = [{"href": "/compte", "label": current_user.display_name, "button": False}]
    else:
        account = CONTEXT["account"]
    page_info = {**CONTEXT["page"], "total": total, "number": 1, "pages": math.ceil(total / PER_PAGE)}
    return render_template(
        "baseline.html",
        **{
            **CONTEXT,
            "site": {**CONTEXT["site"], "token": generate_csrf()},
            "account": account,
            "items": cards,
            "page": page_info,
        },
    )


def _cards() -> list[dict]:
    # The template reference's 20 cards, cycled with growing ids: same text lengths, same page size.
    start = datetime(2026, 1, 1)
    rows = []
    for n in range(1, CARDS + 1):
        item = ITEMS[n % len(ITEMS)]
        rows.append(
            {
                "id": n,
                "title": f"Proposition test {n} : expérimentation de proximité",
                "summary": item["summary"],
                "association": f"Association test {(n * 7) % 24}",
                "pole": POLES[(n * 5) % len(POLES)][1],
                "domain": DOMAINS[n % len(DOMAINS)][1],
                "publics": PUBLIC_SETS[(n * 2) % len(PUBLIC_SETS)],
                "supports": (n * 13) % 33,
                "comments": (n * 11) % 43,
                "created_at": start + timedelta(minutes=37 * n),
            }
        )
    return rows


def create_schema() -> None:
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.add(User(id=1, email="pile@bench.invalid", display_name="Pile"))
        db.session.add(Counter(id=1, n=0))
        db.session.execute(insert(Card), _cards())
        db.session.commit()
        db.engine.dispose()


if __name__ == "__main__":
    create_schema()

"""The bare Flask baseline the benchmark compares Tisser with, under the same gunicorn settings.

- ``GET /``: a constant string (the floor of Flask + gunicorn);
- ``GET /modele``: a Jinja page comparable to Tisser's list (a layout, a header, 20 cards);
- ``POST /vote``: a single-row UPDATE + SELECT in SQLite (WAL, busy timeout, as Tisser) or
  PostgreSQL (``BASELINE_DATABASE`` = a file path or a ``postgresql://`` URL), answering a small
  fragment like the support button.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, render_template

app = Flask(__name__, template_folder=os.path.join(os.path.dirname(__file__), "templates"))
DATABASE = os.environ.get("BASELINE_DATABASE", "/tmp/tisser-baseline.sqlite3")
_local = threading.local()

ITEMS = [
    {
        "id": i,
        "title": f"Proposition test {i} : expérimentation de proximité",
        "summary": "Un lieu ouvert aux familles du quartier, animé avec le centre social et les associations locales, "
        "pour rompre l'isolement et accompagner les démarches du quotidien.",
        "association": f"Association test {i % 20}",
        "pole": "Médoc",
        "supports": i * 7 % 50,
        "comments": i * 3 % 40,
    }
    for i in range(1, 21)
]


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        if DATABASE.startswith("postgresql"):
            import psycopg

            conn = psycopg.connect(DATABASE)
        else:
            conn = sqlite3.connect(DATABASE, timeout=5)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = conn
    return conn


def create_schema() -> None:
    conn = _connection()
    conn.execute("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    conn.execute("DELETE FROM counter")
    conn.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    conn.commit()


@app.get("/")
def hello():
    return "ok"


@app.get("/modele")
def template_page():
    return render_template("baseline.html", items=ITEMS)


@app.post("/vote")
def vote():
    conn = _connection()
    conn.execute("UPDATE counter SET n = n + 1 WHERE id = 1")
    (n,) = conn.execute("SELECT n FROM counter WHERE id = 1").fetchone()
    conn.commit()
    return f'<form method="post" class="support"><button type="submit" aria-pressed="true">Soutenu</button> <span>{n} soutiens</span></form>'


if __name__ == "__main__":
    create_schema()

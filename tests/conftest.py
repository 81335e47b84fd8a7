"""Test fixtures, flaskr-style: an app per test on a migrated database, clients per role.

Run with ``--db sqlite`` (default) or ``--db postgresql`` (a throwaway cluster is started for the
session and removed afterwards). Every test that touches the database runs on both in ``make test``.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app, identity
from app.config import DEFAULT_RATELIMITS
from app.extensions import db, limiter
from app.proposals import question_presets
from app.taxonomy import GIRONDE_TAXONOMY, load_taxonomy
from tests import factories, speedups

speedups.install()

TEST_SECRET = "test-secret-key-not-for-production"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("TISSER_TEST_DB", "sqlite"),
        help="database the tests run on",
    )


def pytest_configure(config: pytest.Config) -> None:
    # The tests read both languages: a catalogue changed since make install (a merge, a new entry)
    # is compiled again here, once, before the xdist workers start.
    if not hasattr(config, "workerinput"):
        from app.i18n import compile_catalogues

        compile_catalogues()


def pytest_report_header(config: pytest.Config) -> str:
    return f"Tisser tests on: {config.getoption('--db')}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A skipped test is a test that did not run: never green.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    xfailed = len(reporter.stats.get("xfailed", [])) if reporter else 0
    if (skipped or xfailed) and session.exitstatus == 0:
        reporter.write_line(f"FAILED: {skipped} skipped and {xfailed} xfailed test(s): every test must run.", red=True)
        session.exitstatus = 1


def _base_config(url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET,
        "SQLALCHEMY_DATABASE_URI": url,
        # Scrypt costs ~70 ms a password: far too slow for hundreds of test accounts.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "OUTBOX_READABLE": True,
        "SERVER_NAME": None,
        # Rate limits are tested on their own (tests/test_security.py); elsewhere they are off.
        "RATELIMIT_ENABLED": False,
        # Spam brakes stay out of the way of other tests; test_moderation lowers them.
        "NEW_ACCOUNT_POSTS_PER_HOUR": 10_000,
        "REGISTRATIONS_PER_ADDRESS_PER_HOUR": 10_000,
        # The tests read the first preset's wording without writing its row; a new instance shows neutral wording.
        "IDENTITY_FALLBACK_PRESET": "gironde",
        # WeasyPrint takes a second or more per dossier: made when first opened instead (tests/test_budget.py
        # turns it back on to check the PDF kept at submission).
        "DOSSIER_PDF_AT_SUBMISSION": False,
        # Uploaded files go to a folder of this test process, never to the project's instance/.
        "ATTACHMENTS_DIR": str(Path(tempfile.gettempdir()) / f"tisser-test-attachments-{os.getpid()}"),
    }


PG_CLUSTER = pytest.StashKey()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database for this test session (one per xdist worker)."""
    kind = request.config.getoption("--db")
    cluster = None
    if kind == "postgresql":
        from tests.pgcluster import Cluster

        cluster = Cluster().start()
        url = cluster.create_database("tisser_test")
        # Tests that build a database of their own (migration tests) create it in this cluster.
        request.config.stash[PG_CLUSTER] = cluster
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tisser-test.sqlite3'}"
    app = create_app(_base_config(url))
    with app.app_context():
        # The schema comes from the migrations, exactly as in production.
        upgrade()
        db.engine.dispose()
    try:
        yield url
    finally:
        if cluster is not None:
            cluster.stop()


@pytest.fixture(scope="session")
def live_server(database_url: str) -> Iterator[str]:
    """A real threaded HTTP server on the test database (browser and concurrency tests)."""
    # The tests write the database behind this server's back: it reads the identity on every request.
    app = create_app({**_base_config(database_url), "IDENTITY_CACHE_SECONDS": 0})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="tisser-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _empty_postgresql_tables(conn, tables: list[str]) -> None:
    """Delete the rows of the tables a test filled and restart the id sequences it used.

    TRUNCATE of every table after each test cost 0.2-1 s (a new file per table, locks for the
    cascade), a good part of the PostgreSQL pass; a test fills a handful of small tables, which a
    DELETE empties in milliseconds. Two round trips: find them, then empty them."""
    holding = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables)
    filled = set(conn.execute(text(holding)).scalars())
    # A sequence that served an id since its last restart shows a last_value; ids start at 1 again.
    used = conn.execute(text("SELECT sequencename FROM pg_sequences WHERE last_value IS NOT NULL")).scalars()
    statements = [f"DELETE FROM {t}" for t in tables if t in filled]  # children before parents
    statements += [f"ALTER SEQUENCE {name} RESTART" for name in used]
    if statements:
        conn.exec_driver_sql(";".join(statements))


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            _empty_postgresql_tables(conn, tables)
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@contextmanager
def running_app(config: dict) -> Iterator[Flask]:
    """An app on the test database for one test; its tables are emptied and its engine closed after.

    A request context, so that services called directly (notifications carry links) can build
    URLs; the test client's own requests still get contexts of their own."""
    app = create_app(config)
    app.test_client_class = TisserClient
    with app.test_request_context():
        # The Gironde taxonomy, as the migration and the demo write it: tests name its slugs.
        load_taxonomy(GIRONDE_TAXONOMY)
        db.session.commit()
        # A worker reads the collectivity's identity once a minute, not per request: read it now, so
        # that query counts measure pages as they are served (app/identity.py).
        identity.current()
        try:
            # What the migration gives every database, emptied with the tables after each test.
            question_presets.install()
            db.session.remove()
            yield app
        finally:
            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()
            # The limiter is one object per process: leave it off for the next tests' servers.
            limiter.enabled = False


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    with running_app(_base_config(database_url)) as app:
        yield app


@pytest.fixture
def limited_app(database_url: str) -> Iterator[Flask]:
    """Rate limits on, each at 2 per minute, counters in memory (fresh for this app)."""
    config = {
        **_base_config(database_url),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMITS": {name: "2 per minute" for name in DEFAULT_RATELIMITS},
    }
    with running_app(config) as app:
        yield app


class TisserClient(FlaskClient):
    """A test client that sends the CSRF token like a browser would (``csrf=False`` to omit it).

    Each request runs in an application context of its own, as in production: its own database
    session and its own ``g``, not the test's. (Flask would otherwise reuse the test's context.)
    After a request, read fresh data with a new query or ``db.session.expire_all()``.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", os.urandom(20).hex())
        return URLSafeTimedSerializer(self.application.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):
        if csrf:
            data = kwargs.setdefault("data", {})
            if isinstance(data, dict):
                data.setdefault("csrf_token", self.csrf_token())
        return super().post(*args, **kwargs)

    def htmx(self, method: str, url: str, csrf_header: bool = True, **kwargs):
        """A request as htmx sends it: HX-Request header, CSRF token in the header only."""
        headers = {"HX-Request": "true", **kwargs.pop("headers", {})}
        if csrf_header:
            headers["X-CSRFToken"] = self.csrf_token()
        return self.open(url, method=method, headers=headers, **kwargs)

    def login_as(self, user) -> TisserClient:
        # The real log-in form is tested on its own; elsewhere the session is set directly.
        with self.session_transaction() as session:
            # The session id Flask-Login stores: "<id>:<session token>:<login stamp>".
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return self


@pytest.fixture
def client(app: Flask) -> TisserClient:
    return app.test_client()


@pytest.fixture
def territory(app: Flask) -> factories.Territory:
    return factories.make_territory()


@pytest.fixture
def resident(app: Flask):
    return factories.make_user("Camille Habitante")


@pytest.fixture
def member(app: Flask, territory):
    user = factories.make_user("Dominique Membre")
    factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[user])
    return user


@pytest.fixture
def moderator(app: Flask, territory):
    return factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)


@pytest.fixture
def admin(app: Flask):
    return factories.make_user("Administration", is_admin=True)


def _client_for(app: Flask, user) -> TisserClient:
    return app.test_client().login_as(user)


@pytest.fixture
def resident_client(app, resident) -> TisserClient:
    return _client_for(app, resident)


@pytest.fixture
def member_client(app, member) -> TisserClient:
    return _client_for(app, member)


@pytest.fixture
def moderator_client(app, moderator) -> TisserClient:
    return _client_for(app, moderator)


@pytest.fixture
def admin_client(app, admin) -> TisserClient:
    return _client_for(app, admin)


ROLES = ["anonymous", "resident", "member", "moderator", "admin"]


@pytest.fixture(params=ROLES)
def role_client(request: pytest.FixtureRequest, app: Flask) -> tuple[str, TisserClient]:
    """Parametrised over every role: (role name, client logged in as that role)."""
    role = request.param
    if role == "anonymous":
        return role, app.test_client()
    user = request.getfixturevalue(role)
    return role, _client_for(app, user)

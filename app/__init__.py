"""Tisser: a participatory platform for social-innovation calls for projects."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

# Only what every module needs loads with the package: importing one small module must not pull in
# every area's routes. create_app imports the areas (as flaskr and microblog do).
from app import models  # noqa: F401  (registers every table before migrations look)
from app.config import PROJECT_ROOT, from_env
from app.extensions import babel, csrf, db, limiter, migrate
from app.i18n import install_gettext, select_locale


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work together; the busy timeout makes concurrent writers
    # wait for each other instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.update(from_env())
    if config:
        app.config.update(config)

    # The areas load here, not with the package (see the imports at the top).
    from app.accompaniment.routes import bp as accompaniment_bp
    from app.admin.routes import bp as admin_bp
    from app.api.routes import bp as api_bp
    from app.associations.routes import bp as associations_bp
    from app.attachments.routes import bp as attachments_bp
    from app.auth.routes import bp as auth_bp
    from app.auth.services import setup_login
    from app.backup import register_backup_cli
    from app.calls.routes import bp as calls_bp
    from app.cli import register_cli
    from app.comments.routes import bp as comments_bp
    from app.compression import setup_compression
    from app.feeds.routes import bp as feeds_bp
    from app.follows.routes import bp as follows_bp
    from app.fragments import setup_fragments
    from app.ideas.routes import bp as ideas_bp
    from app.inputs import register_converters
    from app.mediation.routes import bp as mediation_bp
    from app.moderation.routes import bp as moderation_bp
    from app.mydata.routes import bp as mydata_bp
    from app.notifications.routes import bp as notifications_bp
    from app.pages.routes import bp as pages_bp
    from app.poles.routes import bp as poles_bp
    from app.profiles.routes import bp as profiles_bp
    from app.proposals.coconstruction_routes import bp as coconstruction_bp
    from app.proposals.routes import bp as proposals_bp
    from app.ratelimit_storage import DatabaseStorage  # noqa: F401  (registers database://)
    from app.scdl.routes import bp as scdl_bp
    from app.search.routes import bp as search_bp
    from app.search.schema import include_name as search_include_name
    from app.supports.routes import bp as supports_bp
    from app.templating import setup_templating
    from app.web import setup_web

    # Before any blueprint: every <int:...> in the routes is bounded (app/inputs.py).
    register_converters(app)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(PROJECT_ROOT / "migrations"),
        render_as_batch=True,
        # The full-text index is built by raw SQL in the migrations, not by the models.
        include_name=search_include_name,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Paris")
    install_gettext(app)

    setup_login(app)
    setup_web(app)
    setup_fragments(app)
    setup_templating(app)
    for bp in (
        pages_bp,
        auth_bp,
        ideas_bp,
        proposals_bp,
        poles_bp,
        calls_bp,
        admin_bp,
        comments_bp,
        supports_bp,
        coconstruction_bp,
        search_bp,
        notifications_bp,
        follows_bp,
        profiles_bp,
        associations_bp,
        moderation_bp,
        accompaniment_bp,
        mydata_bp,
        attachments_bp,
        mediation_bp,
        api_bp,
        feeds_bp,
        scdl_bp,
    ):
        app.register_blueprint(bp)
    from app.opendata.routes import bp as opendata_bp

    app.register_blueprint(opendata_bp)
    register_cli(app)
    register_backup_cli(app)
    setup_compression(app)
    # Rate limits and reverse proxy.
    limiter.init_app(app)
    # After the limiter: a page served from the cache still counts against the rate limits.
    from app.page_cache import setup_page_cache

    setup_page_cache(app)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX"]
        hosts = app.config.get("PROXY_FIX_HOST", 0)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hosts)  # type: ignore[method-assign]
    return app

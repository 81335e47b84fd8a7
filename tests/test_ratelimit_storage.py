"""Rate limits that hold across gunicorn workers and servers: the counters live in the database by
default (app/ratelimit_storage.py) or in Redis, never in one worker's memory."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from app import create_app
from app.config import DEFAULT_RATELIMITS, from_env
from app.extensions import db, limiter
from app.models import RateLimitCounter
from app.ratelimit import rate_limit
from app.ratelimit_storage import DatabaseStorage
from tests.conftest import TisserClient, _base_config
from tests.live import gunicorn

TOKEN = re.compile(r'hx-headers:inherited=\'\{"X-CSRFToken": "([^"]+)"\}\'')
LIVE_WORKERS = 4  # make run's


def test_the_default_storage_is_the_database():
    config = from_env({"SECRET_KEY": "k"})
    assert config["RATELIMIT_STORAGE_URI"] == "database://"
    assert config["RATELIMIT_STRATEGY"] == "fixed-window"


def test_the_database_storage_counts_windows(app):
    storage = DatabaseStorage("database://")
    assert storage.check()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get("autre") == 0
    assert time.time() + 55 < storage.get_expiry("k") <= time.time() + 60
    # A window that ended starts again at 1, with a new expiry.
    storage.incr("court", 1)
    db.session.execute(
        db.update(RateLimitCounter).where(RateLimitCounter.key == "court").values(expires_at=time.time() - 1)
    )
    db.session.commit()
    assert storage.get("court") == 0 and storage.incr("court", 60) == 1
    long_key = "LIMITER/" + "x" * 400
    assert storage.incr(long_key, 60) == 1 and storage.get(long_key) == 1
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.reset() == 2  # "court" and the long key
    assert db.session.scalar(select(func.count()).select_from(RateLimitCounter)) == 0


def test_concurrent_increments_are_all_counted(app):
    """Several connections at once (as several workers would): no increment is lost."""
    storage = DatabaseStorage("database://")
    flask_app = app

    def hit(_n: int) -> int:
        with flask_app.app_context():
            return storage.incr("concurrent", 60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = sorted(pool.map(hit, range(40)))
    assert results == list(range(1, 41))


def test_expired_windows_are_purged_now_and_then(app, monkeypatch):
    monkeypatch.setattr("app.ratelimit_storage.PURGE_EVERY", 3)
    storage = DatabaseStorage("database://")
    storage.incr("vieux", 60)
    db.session.execute(db.update(RateLimitCounter).values(expires_at=time.time() - 1))
    db.session.commit()
    storage.incr("a", 60)
    storage.incr("b", 60)
    keys = set(db.session.scalars(select(RateLimitCounter.key)))
    assert keys == {"a", "b"}


# --- A live 4-worker server gets limit + 1 attempts --------------------------------------------


@pytest.fixture(scope="module")
def redis_url():
    from tests.redisserver import RedisServer

    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


def _limit_of(name: str) -> int:
    """The first number of a limit as written: "10 per minute;60 per hour" -> 10."""
    return int(DEFAULT_RATELIMITS[name].split()[0])


def _failed_logins(base: str, attempts: int) -> list[int]:
    """``attempts`` wrong log-ins from one address, sent together so that every worker gets some."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    with opener.open(base + "/connexion", timeout=60) as response:
        token = TOKEN.search(response.read().decode()).group(1)
    body = urllib.parse.urlencode({"email": "personne@exemple.fr", "password": "mauvais"}).encode()

    def attempt(_n: int) -> int:
        request = urllib.request.Request(base + "/connexion", data=body, headers={"X-CSRFToken": token})
        try:
            with opener.open(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return list(pool.map(attempt, range(attempts)))


@pytest.mark.parametrize("storage", ["database", "redis"])
def test_a_live_four_worker_server_answers_429_after_the_limit(request, app, database_url, tmp_path: Path, storage):
    """make run's 4 workers with the log-in limit as written: the attempt after the limit is refused.
    With memory:// each worker would count alone and let up to 4 x 10 through."""
    env = {"RATELIMIT_ENABLED": "1"}
    if storage == "redis":
        env["RATELIMIT_STORAGE_URI"] = request.getfixturevalue("redis_url")
    limit = _limit_of("login")
    with gunicorn(database_url, tmp_path, LIVE_WORKERS, env) as base:
        statuses = _failed_logins(base, limit + 1)
    assert sorted(statuses) == [422] * limit + [429], statuses


# --- What the default storage costs ------------------------------------------------------------


def test_measure_what_a_limited_request_costs(database_url, redis_url, capsys):
    """Printed, not asserted: the time one limited POST takes with each storage (same app, same view)."""
    bp = Blueprint("limited_for_measure", __name__)

    @bp.post("/mesure")
    @rate_limit("comment")
    def measured():
        return "ok"

    figures = {}
    for label, config in (
        ("off", {"RATELIMIT_ENABLED": False}),
        ("memory://", {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}),
        ("database://", {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "database://"}),
        ("redis://", {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": redis_url}),
    ):
        app = create_app(
            {
                **_base_config(database_url),
                **config,
                "WTF_CSRF_ENABLED": False,
                "RATELIMITS": {**DEFAULT_RATELIMITS, "comment": "1000000 per minute;1000000 per day"},
            }
        )
        app.test_client_class = TisserClient
        app.register_blueprint(bp)
        try:
            client = app.test_client()
            for _ in range(20):  # warm up: connections, templates
                assert client.post("/mesure").status_code == 200
            # The best of several batches: the machine is shared, a slow batch measures the others.
            batches = []
            for _batch in range(6):
                start = time.perf_counter()
                for _ in range(50):
                    client.post("/mesure")
                batches.append((time.perf_counter() - start) / 50 * 1000)
            figures[label] = min(batches)
        finally:
            limiter.enabled = False
            with app.app_context():
                db.session.execute(db.delete(RateLimitCounter))
                db.session.commit()
                db.engine.dispose()
    with capsys.disabled():
        print(
            f"\n[rate limits, {database_url.split(':')[0]}] one POST under a two-window limit: "
            f"off {figures['off']:.2f} ms, memory:// {figures['memory://']:.2f} ms, "
            f"database:// {figures['database://']:.2f} ms, redis:// {figures['redis://']:.2f} ms; "
            f"the database costs +{figures['database://'] - figures['off']:.2f} ms a limited request"
        )
    assert set(figures) == {"off", "memory://", "database://", "redis://"}

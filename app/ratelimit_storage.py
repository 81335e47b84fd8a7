"""Rate-limit counters in the application's own database: ``RATELIMIT_STORAGE_URI=database://``.

Why the default: Flask-Limiter's ``memory://`` counts per gunicorn worker (``make run``'s four
workers let four times the limit through), and every other storage of the ``limits`` library
needs a server Tisser does not otherwise have (Redis, Memcached, MongoDB). The database is
already shared by every worker and every server, so a counter there holds everywhere with nothing
to install. One limited request costs one small upsert per limit (measured in
tests/test_ratelimit_storage.py); the views limited are the few a robot would repeat (log-in,
registration, comments...), never page views. Several servers at high traffic may prefer Redis
(``RATELIMIT_STORAGE_URI=redis://...``), which the tests run too.

Fixed windows only (Flask-Limiter's default strategy): one row per limit and visitor, counted by
an atomic ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite >= 3.35 and PostgreSQL),
autocommitted on a connection of its own, outside the request's session: a view that rolls back
does not give the attempt back.
"""

from __future__ import annotations

import functools
import hashlib
import time

from limits.storage import Storage
from sqlalchemy import bindparam, case, delete, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.models.ratelimits import RateLimitCounter

_table = RateLimitCounter.__table__
# Expired windows are deleted now and then by the process that counts, not by a cron job.
PURGE_EVERY = 1000


def _key(key: str) -> str:
    # Keys hold an address or an account id and fit; a longer one is hashed, never cut (collisions).
    return key if len(key) <= 255 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


@functools.cache
def _upsert(dialect: str):
    """The counting statement, built once per dialect with bound values: building it anew on each
    limited request cost more than running it (profile of the support toggle, bench/README.md)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # Typed like their columns: PostgreSQL must know what a bare parameter in a CASE is.
    amount, now = bindparam("amount", type_=_table.c.hits.type), bindparam("now", type_=_table.c.expires_at.type)
    expires_at = bindparam("expires_at", type_=_table.c.expires_at.type)
    expired = _table.c.expires_at <= now
    return (
        insert(_table)
        .values(key=bindparam("key", type_=_table.c.key.type), hits=amount, expires_at=expires_at)
        .on_conflict_do_update(
            index_elements=[_table.c.key],
            # Both expressions read the row as it was: a window that ended starts again.
            set_={
                "hits": case((expired, amount), else_=_table.c.hits + amount),
                "expires_at": case((expired, expires_at), else_=_table.c.expires_at),
            },
        )
        .returning(_table.c.hits)
    )


class DatabaseStorage(Storage):
    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._increments = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        statement = _upsert(db.engine.dialect.name)
        values = {"key": _key(key), "amount": amount, "now": now, "expires_at": now + expiry}
        # One statement is atomic on its own: autocommit spares the BEGIN and COMMIT round trips.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            hits = connection.execute(statement, values).scalar_one()
            self._increments += 1
            if self._increments % PURGE_EVERY == 0:
                connection.execute(delete(_table).where(_table.c.expires_at < now))
        return hits

    def get(self, key: str) -> int:
        with db.engine.connect() as connection:
            hits = connection.scalar(
                select(_table.c.hits).where(_table.c.key == _key(key), _table.c.expires_at > time.time())
            )
        return hits or 0

    def get_expiry(self, key: str) -> float:
        with db.engine.connect() as connection:
            expires_at = connection.scalar(
                select(_table.c.expires_at).where(_table.c.key == _key(key), _table.c.expires_at > time.time())
            )
        return expires_at or time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(_table)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(delete(_table).where(_table.c.key == _key(key)))

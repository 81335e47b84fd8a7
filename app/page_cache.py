"""Anonymous readers of the busiest pages served from a cache of whole responses.

Most traffic on a participatory platform is people reading without an account. Their home page,
idea and proposal lists and detail pages are the same for every anonymous visitor in a language, so
the first rendering is kept and served again while nothing it shows has changed.

Correct across workers and servers by construction:

- What a page shows is named by version counters (``cache_versions``): one per subject
  (``proposal:12``), one per list (``list:proposal``), one for the edits of any idea or proposal
  (titles shown on other pages) and one for the rest of the site (calls, territory, taxonomy,
  associations, settings). They are bumped in the SAME transaction as the change (``touch`` then
  ``before_commit``), and read from the database on every cached request (one query): a page is
  served only with the versions committed now, whatever process rendered it.
- Every ORM change is mapped to its versions after each flush (``_keys_of``); the few bulk
  ``UPDATE``/``INSERT`` statements on public content call ``touch`` themselves (supports, comment
  counts, partners, related projects, erasure).
- Only anonymous visitors are served or stored: no user in the session, no remember-me cookie, no
  flashed message waiting, nothing else in the session that could change the page. A logged-in
  person's page is never stored.
- A cached page carries no CSRF token (``page_is_shared()`` in base.html): the language switch,
  the only form an anonymous page holds, is checked for logged-in people only (see
  ``pages.language``). If anything still asked for a token while rendering, the page is not stored.
- The key also holds the time bucket (``PAGE_CACHE_SECONDS``): what depends on the clock alone (a
  call opening, the daily order of the lists) is at most that old.

Browsers get an ``ETag`` made of the versions and ``Cache-Control: public, no-cache``: they ask
each time, and a page that has not changed costs a 304 and one query.

The store is per process (an LRU) by default; with ``PAGE_CACHE_REDIS_URL`` it is Redis, shared by
every server. Either way the versions come from the database, so the store only saves rendering.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from typing import Any

from cachetools import LRUCache
from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from sqlalchemy import event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import CacheVersion, Idea, Proposal, User
from app.rendering import is_htmx
from app.search import filters as search_filters

SITE = "site"  # calls, territory, taxonomy, associations, identity: shown on every cached page
EDITS = "edits"  # any idea or proposal edited (their titles appear on each other's pages)

PENDING = "tisser_page_cache_keys"

# Rows no anonymous page shows: changing them invalidates nothing.
PRIVATE_MODELS = frozenset(
    {
        "AuditEntry",
        "Assignment",
        "CacheVersion",
        "CallEvaluator",
        "Contestation",
        "DataExport",
        "EndedSession",
        "Follow",
        "Invitation",
        "ModerationCase",
        "Notification",
        "NotificationPreference",
        "OutboxMessage",
        "PrivateMessage",
        "RateLimitCounter",
        "RegistrationAttempt",
        "Report",
        "Score",
        "SubmissionDossier",
        "SuspensionRequest",
    }
)
# What an account changes without changing anything its public pages show.
PRIVATE_USER_COLUMNS = frozenset(
    {"email", "password_hash", "last_login_at", "email_verified_at", "session_token", "locale", "email_mode"}
)
# The only session keys an anonymous visitor may have for a shared page: the language is in the
# key; the others do not change the page.
SHAREABLE_SESSION_KEYS = frozenset({"locale", "csrf_token", "shuffle_seed", "_permanent", "_fresh", "_id"})


# --- Versions: bumped with the change -----------------------------------------------------------


def subject_key(kind: str, subject_id: int) -> str:
    return f"{kind}:{subject_id}"


def list_key(kind: str) -> str:
    return f"list:{kind}"


def touch(*keys: str, session: Session | None = None) -> None:
    """Mark versions to bump when the current transaction commits (with it, not after)."""
    session = session if session is not None else db.session()
    session.info.setdefault(PENDING, set()).update(keys)


def touch_subject(subject: Any) -> None:
    """A subject (idea or proposal) changed by a bulk statement: its page and its list's cards."""
    kind = "idea" if isinstance(subject, Idea) else "proposal"
    touch(subject_key(kind, subject.id), list_key(kind))


def touch_object(obj: Any) -> None:
    """What a bulk statement on ``obj``'s row changes (the same versions as an ORM change of it)."""
    touch(*_keys_of(obj))


def touch_subjects(kind: str, ids: Iterable[int]) -> None:
    touch(list_key(kind), *(subject_key(kind, i) for i in ids))


def _keys_of(obj: Any) -> set[str]:
    name = type(obj).__name__
    if name in PRIVATE_MODELS:
        return set()
    if isinstance(obj, Proposal | Idea):
        kind = "idea" if isinstance(obj, Idea) else "proposal"
        keys = {subject_key(kind, obj.id), list_key(kind), EDITS}
        if isinstance(obj, Proposal) and obj.idea_id:
            keys.add(subject_key("idea", obj.idea_id))  # the idea's page lists what took it up
        return keys
    if isinstance(obj, User):
        changed = {a.key for a in inspect(obj).attrs if a.history.has_changes()}
        return {SITE} if changed - PRIVATE_USER_COLUMNS else set()
    keys = set()
    for kind in ("proposal", "idea"):
        subject_id = getattr(obj, f"{kind}_id", None)
        if isinstance(subject_id, int):
            keys |= {subject_key(kind, subject_id), list_key(kind)}
    # A row tied to no subject (a call, a pole, a domain, an association...) may show anywhere.
    return keys or {SITE}


def _after_flush(session: Session, flush_context: Any) -> None:
    keys: set[str] = set()
    for obj in session.new | session.deleted:
        keys |= _keys_of(obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=True):
            keys |= _keys_of(obj)
    if keys:
        touch(*keys, session=session)


def _before_commit(session: Session) -> None:
    # Flush first: the commit's own flush comes after this event, and may add keys.
    session.flush()
    keys = session.info.pop(PENDING, None)
    if not keys:
        return
    table = CacheVersion.__table__
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # One statement for all keys (in chunks: bulk loads touch thousands); sorted, so that two
    # transactions lock the rows in the same order.
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        statement = insert(table).values([{"key": key, "version": 1} for key in ordered[start : start + 500]])
        statement = statement.on_conflict_do_update(index_elements=["key"], set_={"version": table.c.version + 1})
        session.execute(statement)


def _forget(session: Session, *args: Any) -> None:
    session.info.pop(PENDING, None)


def read_versions(keys: list[str]) -> tuple[int, ...]:
    rows = db.session.execute(select(CacheVersion.key, CacheVersion.version).where(CacheVersion.key.in_(keys)))
    found = {key: version for key, version in rows}
    return tuple(found.get(key, 0) for key in keys)


# --- Stores ---------------------------------------------------------------------------------------


class MemoryStore:
    """Per process, least recently used pages make room (cachetools is not thread-safe alone)."""

    def __init__(self, maxsize: int) -> None:
        self._entries: LRUCache[str, bytes] = LRUCache(maxsize=max(1, maxsize))
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._entries.get(key)

    def set(self, key: str, value: bytes, seconds: int) -> None:
        with self._lock:
            self._entries[key] = value


class RedisStore:
    """Shared by every server; entries expire on their own (old versions are never asked again)."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def get(self, key: str) -> bytes | None:
        return self._redis.get("tisser:page:" + key)

    def set(self, key: str, value: bytes, seconds: int) -> None:
        self._redis.set("tisser:page:" + key, value, ex=seconds)


# --- Serving ---------------------------------------------------------------------------------------

# The cached pages and the versions each one shows.
PAGES = {
    "pages.home": lambda args: [list_key("proposal"), list_key("idea"), SITE],
    "proposals.index": lambda args: [list_key("proposal"), SITE],
    "ideas.index": lambda args: [list_key("idea"), SITE],
    "proposals.detail": lambda args: [subject_key("proposal", args["proposal_id"]), EDITS, SITE],
    "ideas.detail": lambda args: [subject_key("idea", args["idea_id"]), EDITS, SITE],
}


def page_is_shared() -> bool:
    """True while rendering a page that every anonymous visitor may receive (no CSRF token in it)."""
    return getattr(g, "page_cache", None) is not None


def _anonymous() -> bool:
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return False
    return set(session.keys()) <= SHAREABLE_SESSION_KEYS


def _plan() -> tuple[str, str] | None:
    """(store key, ETag) of this request if it may be served from the cache, else None."""
    versions_of = PAGES.get(request.endpoint or "")
    if not current_app.config["PAGE_CACHE_SIZE"]:
        return None  # turned off since the start (tests of what the cache would hide)
    if versions_of is None or request.method not in ("GET", "HEAD") or not _anonymous():
        return None
    keys = versions_of(request.view_args or {})
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    bucket = int(time.time() // seconds)
    # The day too: the lists' shared random order changes with it (app/search/filters.daily_seed).
    day = search_filters.today()
    raw = repr((request.full_path, str(get_locale()), is_htmx(), day, bucket, keys, read_versions(keys)))
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return digest, digest


def _headers(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    # Always revalidated: an anonymous reader never sees a stale count; a 304 costs one query.
    response.headers["Cache-Control"] = "public, no-cache"
    response.vary.add("Cookie")
    return response


def _serve() -> Response | None:
    plan = _plan()
    if plan is None:
        return None
    key, etag = plan
    g.page_cache = plan
    # Weak comparison, as If-None-Match wants (a compressing proxy may weaken the tag). A compressed
    # answer's tag carries its encoding (Flask-Compress, app/compression.py): the same version.
    for tag in (etag, f"{etag}:br", f"{etag}:gzip"):
        if request.if_none_match.contains_weak(tag):
            g.page_cache_hit = True
            return _headers(Response(status=304), tag)
    body = current_app.extensions["tisser_pages"].get(key)
    if body is None:
        return None
    g.page_cache_hit = True
    return _headers(Response(body, 200, content_type="text/html; charset=utf-8"), etag)


def _store(response: Response) -> Response:
    plan = getattr(g, "page_cache", None)
    if plan is None or getattr(g, "page_cache_hit", False):
        return response
    key, etag = plan
    if (
        response.status_code != 200
        or request.method != "GET"
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or "csrf_token" in g  # a token was rendered after all: this page is this visitor's alone
        or not _anonymous()  # logged in or flashed during the request
    ):
        return response
    current_app.extensions["tisser_pages"].set(key, response.get_data(), current_app.config["PAGE_CACHE_SECONDS"])
    return _headers(response, etag)


def setup_page_cache(app: Flask) -> None:
    app.config.setdefault("PAGE_CACHE_SECONDS", 300)
    app.config.setdefault("PAGE_CACHE_SIZE", 2048)
    app.config.setdefault("PAGE_CACHE_REDIS_URL", "")
    # The versions are always kept (another server may cache even if this one does not).
    session_class = db.session.session_factory.class_
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
        event.listen(session_class, "before_commit", _before_commit)
        event.listen(session_class, "after_rollback", _forget)
    size = 0 if app.debug else int(app.config["PAGE_CACHE_SIZE"])
    if size <= 0:
        return
    url = app.config["PAGE_CACHE_REDIS_URL"]
    app.extensions["tisser_pages"] = RedisStore(url) if url else MemoryStore(size)
    # After the rate limiter's own hook (registered before): a cached page still counts.
    app.before_request(_serve)
    app.after_request(_store)

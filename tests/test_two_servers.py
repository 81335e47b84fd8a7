"""Two Tisser servers on one PostgreSQL, as a deployment behind a load balancer runs them (issue 21):
two gunicorn servers (sync workers, 2 each) share the database, and one throwaway Redis holds the rate
limits and any cache shared between servers. 40 people toggle supports and post comments, each
request going to one server or the other. Afterwards: exact counts and every comment, in the database
and in the pages of both servers; an anonymous reader of server B sees within the polling interval what
was done on server A; the log-in limit counts the attempts made on both servers together.

PostgreSQL only: deselected (not skipped) on SQLite, whose one file is no multi-server database."""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from app.comments.services import DEFAULT_POLL_SECONDS, THREADS_PER_PAGE
from app.config import DEFAULT_RATELIMITS
from app.extensions import db
from app.models import Comment, Proposal, Support, User
from app.models.base import utcnow
from tests import factories
from tests.live import gunicorn
from tests.redisserver import RedisServer

pytestmark = pytest.mark.postgresql_only

PEOPLE = 40
WORKERS = 2  # per server
COMMENTS_EACH = 2
# Every setting naming a store that servers must share, all given the same Redis: the rate limits
# (app/config.py) and the rendered pages kept for anonymous readers (app/page_cache.py), so that a
# change on one server must be seen by the other through the shared versions and the shared store.
SHARED_STORE_SETTINGS = ("RATELIMIT_STORAGE_URI", "TISSER_PAGE_CACHE_REDIS_URL")
MESSAGE = re.compile(r"Message \d+ de la personne \d+")
COUNT = re.compile(r'id="soutien-compte"[^>]*>\s*(\d+) soutien')


@pytest.fixture
def redis_url() -> Iterator[str]:
    server = RedisServer().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def two_servers(app, database_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    env = {
        "RATELIMIT_ENABLED": "1",
        **{name: redis_url for name in SHARED_STORE_SETTINGS},
        # Accounts made for this test are minutes old: the new-account brake is tested elsewhere.
        "TISSER_NEW_ACCOUNT_POSTS_PER_HOUR": "1000",
    }

    def serve(name: str) -> str:
        (tmp_path / name).mkdir()  # each server its own log and instance folder
        return stack.enter_context(gunicorn(database_url, tmp_path / name, WORKERS, env))

    with ExitStack() as stack, ThreadPoolExecutor(max_workers=2) as pool:
        # Started together: each takes seconds to import the app.
        server_a, server_b = pool.map(serve, ("a", "b"))
        yield server_a, server_b


def http(base: str, method: str, path: str, *, cookie: str = "", token: str = "", data=None, htmx=False):
    headers = {"Cookie": cookie} if cookie else {}
    if token:
        headers["X-CSRFToken"] = token
    if htmx:
        headers["HX-Request"] = "true"
    body = urllib.parse.urlencode(data or {}).encode() if method == "POST" else None
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def signed_session(app, user: User | None) -> tuple[str, str]:
    """A session cookie (logged in as ``user``, or anonymous) and its CSRF token, signed with the servers'
    key: what the log-in form would give, without 40 log-ins (which the log-in limit, on here, refuses
    from one address). Either server accepts it: a session is a signed cookie, no server keeps state."""
    raw = os.urandom(20).hex()
    session = {"csrf_token": raw}
    if user is not None:
        session |= {"_user_id": user.get_id(), "_fresh": True}
    cookie = app.session_interface.get_signing_serializer(app).dumps(session)
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)
    return f"{app.config['SESSION_COOKIE_NAME']}={cookie}", token


def served_page(base: str, proposal_id: int) -> tuple[int, str]:
    """The proposal's page as an anonymous reader gets it, and the number of supports it shows."""
    status, page = http(base, "GET", f"/propositions/{proposal_id}")
    assert status == 200, status
    return int(COUNT.search(page).group(1)), page


def served_comments(base: str, proposal_id: int, after: int = 0) -> str:
    """What a page polling for new messages receives (up to 200 at once): every comment after ``after``."""
    status, html = http(base, "GET", f"/propositions/{proposal_id}/commentaires/nouveaux?apres={after}", htmx=True)
    assert status in (200, 204), status
    return html


def test_two_servers_share_counts_comments_invalidation_and_limits(app, two_servers, territory):
    server_a, server_b = two_servers
    editor = factories.make_user("Rédactrice")
    association = factories.make_association("Les Jardins", territory.medoc_commune, admins=[editor])
    proposal = factories.make_proposal(association, editor, communes=[territory.medoc_commune])
    proposal_id = proposal.id
    people = [
        User(email=f"habitant{i}@exemple.fr", display_name=f"Habitant·e {i}", password="-", email_verified_at=utcnow())
        for i in range(PEOPLE)
    ]
    db.session.add_all(people)
    db.session.flush()
    sessions = [signed_session(app, person) for person in people]  # get_id() stamps the login: commit after
    db.session.commit()

    # Person i toggles 1..3 times (supported when odd) and posts two comments; request k of person i
    # goes to server (i + k) % 2, so every person uses both servers and each server sees everything.
    toggles = [(i % 3) + 1 for i in range(PEOPLE)]

    def person(i: int) -> list[int]:
        cookie, token = sessions[i]
        actions = [(f"/propositions/{proposal_id}/soutien", {})] * toggles[i] + [
            (f"/propositions/{proposal_id}/commentaires", {"commentaire-body": f"Message {n} de la personne {i}"})
            for n in range(COMMENTS_EACH)
        ]
        statuses = []
        for k, (path, data) in enumerate(actions):
            base = (server_a, server_b)[(i + k) % 2]
            statuses.append(http(base, "POST", path, cookie=cookie, token=token, data=data, htmx=True)[0])
        return statuses

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=PEOPLE) as pool:
        statuses = [s for result in pool.map(person, range(PEOPLE)) for s in result]
    concurrent_seconds = time.perf_counter() - started
    assert len(statuses) == sum(toggles) + COMMENTS_EACH * PEOPLE
    assert [s for s in statuses if s != 200] == []

    # In the database: the rows and the counters agree with what each person did.
    expected = sum(1 for n in toggles if n % 2)
    bodies = sorted(f"Message {n} de la personne {i}" for i in range(PEOPLE) for n in range(COMMENTS_EACH))
    db.session.expire_all()
    rows = select(func.count()).select_from(Support).where(Support.proposal_id == proposal_id)
    assert db.session.scalar(rows) == expected
    saved = db.session.get(Proposal, proposal_id)
    assert saved.support_count == expected
    assert saved.comment_count == len(bodies)
    assert sorted(db.session.scalars(select(Comment.body).where(Comment.proposal_id == proposal_id))) == bodies
    newest = db.session.scalars(
        select(Comment.body)
        .where(Comment.proposal_id == proposal_id)
        .order_by(Comment.id.desc())
        .limit(THREADS_PER_PAGE)
    ).all()

    # In the pages each server serves: the same count, every comment once.
    for base in (server_a, server_b):
        count, page = served_page(base, proposal_id)
        assert count == expected, base
        assert f"{len(bodies)} commentaires" in page, base
        assert sorted(MESSAGE.findall(page)) == sorted(newest), base  # the discussion's first page
        html = served_comments(base, proposal_id)
        assert sorted(MESSAGE.findall(html)) == bodies, base

    # An anonymous reader on server B (whatever it keeps in cache now) sees, within the polling interval,
    # a support and a comment made on server A.
    assert served_page(server_b, proposal_id)[0] == expected
    last_seen = db.session.scalar(select(func.max(Comment.id)))
    newcomer = User(
        email="nouvelle@exemple.fr", display_name="Nouvelle venue", password="-", email_verified_at=utcnow()
    )
    db.session.add(newcomer)
    db.session.flush()
    cookie, token = signed_session(app, newcomer)
    db.session.commit()
    assert (
        http(server_a, "POST", f"/propositions/{proposal_id}/soutien", cookie=cookie, token=token, htmx=True)[0] == 200
    )
    comment = {"commentaire-body": "Vu depuis le serveur A"}
    path = f"/propositions/{proposal_id}/commentaires"
    assert http(server_a, "POST", path, cookie=cookie, token=token, data=comment, htmx=True)[0] == 200
    changed = time.monotonic()
    while True:
        count, page = served_page(server_b, proposal_id)
        if count == expected + 1 and "Vu depuis le serveur A" in page:
            break
        assert time.monotonic() - changed < DEFAULT_POLL_SECONDS, (count, expected + 1)
        time.sleep(0.2)
    seen_after = time.monotonic() - changed
    assert "Vu depuis le serveur A" in served_comments(server_b, proposal_id, after=last_seen)

    # The log-in limit, counted in Redis: limit + 1 wrong passwords from one address, sent together and
    # alternating the servers, get exactly one refusal. Each server counting alone would refuse none.
    limit = int(DEFAULT_RATELIMITS["login"].split()[0])
    anonymous, login_token = signed_session(app, None)
    wrong = {"email": "personne@exemple.fr", "password": "mauvais"}

    def failed_login(n: int) -> int:
        base = (server_a, server_b)[n % 2]
        return http(base, "POST", "/connexion", cookie=anonymous, token=login_token, data=wrong)[0]

    with ThreadPoolExecutor(max_workers=limit + 1) as pool:
        logins = list(pool.map(failed_login, range(limit + 1)))
    assert sorted(logins) == [422] * limit + [429], logins
    print(
        f"\n[two servers] {len(statuses)} POSTs in {concurrent_seconds:.2f} s; B saw A's change in {seen_after:.2f} s"
    )

"""Data safety under concurrency against a real gunicorn server (several processes) on the test
database, SQLite or PostgreSQL: many people at once toggle supports, post comments and save the
same proposal. Afterwards: exact counts, no comment lost, no silent overwrite, no 500."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, Idea, Proposal, Support
from app.proposals.questions import text_of
from tests import factories
from tests.live import gunicorn

WORKERS = 3
TOKEN = re.compile(r'hx-headers:inherited=\'\{"X-CSRFToken": "([^"]+)"\}\'')


@pytest.fixture
def gunicorn_server(app, database_url: str, tmp_path: Path) -> Iterator[str]:
    """gunicorn with sync workers, as in production, on the test database."""
    # A handful of people do many things here: the limits are tested in test_ratelimit_storage.py.
    with gunicorn(database_url, tmp_path, WORKERS, {"RATELIMIT_ENABLED": "0"}) as url:
        yield url


class Person:
    """A real HTTP client with its own cookies, logged in through the form."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def request(self, method: str, path: str, data: dict | None = None, htmx: bool = False) -> tuple[int, str]:
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if method == "POST" else None
        headers = {"X-CSRFToken": self.token} if method == "POST" else {}
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if match := TOKEN.search(text):
            self.token = match.group(1)
        return status, text

    def login(self, email: str) -> Person:
        self.request("GET", "/connexion")
        status, _ = self.request(
            "POST", "/connexion", {"email": email, "password": factories.PASSWORD, "csrf_token": self.token}
        )
        assert status == 200, status  # redirected to the account page
        return self


FIELDS = {
    "title": "Garde solidaire du soir",
    "summary": "Des parents se relaient pour garder les enfants le soir, avec l'appui de l'association.",
    "domain": "citoyennete",
    "publics": ["familles_monoparentales"],
    "poles": [],
    "is_rural": False,
    "is_qpv": False,
    "need": "Les familles monoparentales n'ont pas de solution de garde après 18 h.",
    "experimentation": "Une garde solidaire entre parents, coordonnée par l'association.",
    "budget_eur": 24000,
    "duration_months": 12,
}


def _form(fields: dict, version: int) -> dict:
    data = {k: v for k, v in fields.items() if v not in (False, None, [])}
    data = {k: ("y" if v is True else v) for k, v in data.items()}
    return {**data, "version": version}


def test_concurrent_supports_comments_and_saves_lose_nothing(app, gunicorn_server, territory):
    author = factories.make_user("Autrice de l'idée")
    idea = factories.make_idea(author, territory.medoc_commune)
    editors = [factories.make_user(f"Rédactrice {i}") for i in range(4)]
    association = factories.make_association("Les Jardins", territory.medoc_commune, admins=editors)
    proposal = factories.make_proposal(
        association, editors[0], communes=[territory.medoc_commune], via_services=True, **FIELDS
    )
    idea_id, proposal_id, version = idea.id, proposal.id, proposal.version
    fields = {**FIELDS, "communes": [territory.medoc_commune.id]}
    residents = [factories.make_user(f"Habitant·e {i}") for i in range(12)]
    resident_emails = [u.email for u in residents]
    editor_emails = [u.email for u in editors]

    with ThreadPoolExecutor(max_workers=8) as pool:
        people = list(pool.map(lambda email: Person(gunicorn_server).login(email), resident_emails))
        writers = list(pool.map(lambda email: Person(gunicorn_server).login(email), editor_emails))

    # Person i toggles the idea 1..4 times and the proposal 1..3 times (supported when odd), and
    # posts 3 comments. Editors 0 and 1 change the title, 2 the need, 3 the budget, all from the
    # same version, at the same moment.
    idea_toggles = [(i % 4) + 1 for i in range(len(people))]
    proposal_toggles = [(i % 3) + 1 for i in range(len(people))]
    edits = [
        {"title": "Titre choisi par la rédactrice 0"},
        {"title": "Titre choisi par la rédactrice 1"},
        {"need": "Le besoin réécrit par la rédactrice 2, plus précis."},
        {"budget_eur": 31000},
    ]
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()
    start = threading.Barrier(len(people) + len(writers))

    def resident(i: int) -> None:
        person = people[i]
        start.wait()
        actions = (
            [("POST", f"/idees/{idea_id}/soutien", None)] * idea_toggles[i]
            + [("POST", f"/propositions/{proposal_id}/soutien", None)] * proposal_toggles[i]
            + [
                ("POST", f"/idees/{idea_id}/commentaires", {"commentaire-body": f"Message {n} de la personne {i}"})
                for n in range(3)
            ]
        )
        for method, path, data in actions:
            status, _ = person.request(method, path, data, htmx=True)
            with lock:
                statuses.append((path, status))

    def writer(i: int) -> tuple[int, str]:
        start.wait()
        return writers[i].request(
            "POST", f"/propositions/{proposal_id}/modifier", _form({**fields, **edits[i]}, version)
        )

    with ThreadPoolExecutor(max_workers=len(people) + len(writers)) as pool:
        resident_futures = [pool.submit(resident, i) for i in range(len(people))]
        writer_futures = [pool.submit(writer, i) for i in range(len(writers))]
        for future in resident_futures:
            future.result()
        saves = [future.result() for future in writer_futures]

    # Nothing failed: every support and comment answered 200.
    assert [s for s in statuses if s[1] != 200] == []
    assert len(statuses) == sum(idea_toggles) + sum(proposal_toggles) + 3 * len(people)

    db.session.expire_all()
    # Supports: the counters and the rows agree with what each person did.
    expected_idea = sum(1 for n in idea_toggles if n % 2)
    expected_proposal = sum(1 for n in proposal_toggles if n % 2)
    assert (
        db.session.scalar(select(func.count()).select_from(Support).where(Support.idea_id == idea_id)) == expected_idea
    )
    assert db.session.get(Idea, idea_id).support_count == expected_idea
    assert (
        db.session.scalar(select(func.count()).select_from(Support).where(Support.proposal_id == proposal_id))
        == expected_proposal
    )
    assert db.session.get(Proposal, proposal_id).support_count == expected_proposal

    # Comments: every one is there, once, and the counter agrees.
    bodies = sorted(db.session.scalars(select(Comment.body).where(Comment.idea_id == idea_id)))
    assert bodies == sorted(f"Message {n} de la personne {i}" for i in range(len(people)) for n in range(3))
    assert db.session.get(Idea, idea_id).comment_count == 3 * len(people)

    # Saves: different fields merged; the same field once, the other person told (409) with
    # their text kept in the form. Never a silent overwrite, never a 500.
    codes = [status for status, _ in saves]
    assert all(code in (200, 409) for code in codes), codes  # 200 = after the redirect
    title_codes = sorted(codes[:2])
    assert title_codes == [200, 409], codes
    assert codes[2] == 200 and codes[3] == 200, codes
    loser = 0 if codes[0] == 409 else 1
    conflict_page = saves[loser][1]
    assert "Quelqu'un a enregistré cette proposition pendant que vous la modifiiez" in conflict_page
    assert f"Titre choisi par la rédactrice {loser}" in conflict_page
    saved = db.session.get(Proposal, proposal_id)
    assert saved.title == f"Titre choisi par la rédactrice {1 - loser}"
    assert text_of(saved, "need") == edits[2]["need"] and saved.budget_eur == 31000
    assert saved.version == version + 3  # three saves went through, each its own revision

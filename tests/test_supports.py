"""Supports: the rules (services), the route for every role, htmx vs no-JS, CSRF, and exact
counts under many concurrent toggles against a real threaded server."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Idea, Membership, Proposal, ProposalState, Support
from app.supports import services
from app.supports.services import SupportRefused, support_context, toggle_support
from tests import factories
from tests.helpers import count_queries, text


@dataclass
class Subjects:
    idea: Idea
    proposal: Proposal  # published, by the ``member`` fixture's association
    draft: Proposal
    withdrawn: Proposal


@pytest.fixture
def subjects(app, territory, member) -> Subjects:
    association_id = db.session.scalar(select(Membership.association_id).where(Membership.user_id == member.id))
    association = db.session.get(factories.Association, association_id)
    author = factories.make_user("Autrice de l'idée")
    return Subjects(
        idea=factories.make_idea(author, territory.medoc_commune),
        proposal=factories.make_proposal(association, member),
        draft=factories.make_proposal(association, member, state=ProposalState.DRAFT),
        withdrawn=factories.make_proposal(association, member, state=ProposalState.WITHDRAWN),
    )


def _rows(subject) -> int:
    column = Support.idea_id if isinstance(subject, Idea) else Support.proposal_id
    return db.session.scalar(select(func.count()).select_from(Support).where(column == subject.id))


def _count(subject) -> int:
    db.session.expire_all()
    return db.session.get(type(subject), subject.id).support_count


def _url(subject) -> str:
    slug = "idees" if isinstance(subject, Idea) else "propositions"
    return f"/{slug}/{subject.id}/soutien"


def _page(subject) -> str:
    return f"/idees/{subject.id}" if isinstance(subject, Idea) else f"/propositions/{subject.id}"


# --- Services ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["idea", "proposal"])
def test_toggle_on_then_off_keeps_count_exact(subjects, resident, kind):
    subject = getattr(subjects, kind)
    assert toggle_support(subject, resident) is True
    assert _count(subject) == 1 == _rows(subject)
    assert toggle_support(subject, resident) is False
    assert _count(subject) == 0 == _rows(subject)


def test_counts_add_up_over_several_people(subjects, resident, moderator, admin):
    for user in (resident, moderator, admin):
        toggle_support(subjects.proposal, user)
    toggle_support(subjects.proposal, moderator)  # changes their mind
    assert _count(subjects.proposal) == 2 == _rows(subjects.proposal)
    assert _count(subjects.idea) == 0


def test_members_cannot_support_their_own_associations_proposal(subjects, member):
    with pytest.raises(SupportRefused):
        toggle_support(subjects.proposal, member)
    assert _count(subjects.proposal) == 0 == _rows(subjects.proposal)
    # Their association's proposals only: ideas are open to them.
    assert toggle_support(subjects.idea, member) is True


@pytest.mark.parametrize("which", ["draft", "withdrawn"])
def test_unpublished_proposals_cannot_be_supported(subjects, resident, which):
    subject = getattr(subjects, which)
    with pytest.raises(SupportRefused):
        toggle_support(subject, resident)
    assert _count(subject) == 0 == _rows(subject)


def test_anonymous_cannot_support(subjects, app):
    from flask_login import AnonymousUserMixin

    with pytest.raises(SupportRefused):
        toggle_support(subjects.idea, AnonymousUserMixin())


def test_unique_constraint_is_the_final_guard(subjects, resident):
    db.session.add(Support(user_id=resident.id, idea_id=subjects.idea.id))
    db.session.commit()
    db.session.add(Support(user_id=resident.id, idea_id=subjects.idea.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_concurrent_duplicate_insert_answers_the_true_state(subjects, resident, monkeypatch):
    # As if another request of the same person inserted the row between our DELETE and INSERT.
    db.session.add(Support(user_id=resident.id, idea_id=subjects.idea.id))
    db.session.execute(Idea.__table__.update().values(support_count=1))
    db.session.commit()
    monkeypatch.setattr(services, "_delete", lambda subject, user: 0)
    assert toggle_support(subjects.idea, resident) is True
    assert _count(subjects.idea) == 1 == _rows(subjects.idea)


def test_support_context_costs_one_query_at_most(subjects, resident, app):
    from flask_login import AnonymousUserMixin

    with app.test_request_context():
        with count_queries() as log:
            assert support_context(subjects.idea, AnonymousUserMixin())["supported"] is False
        assert log.count == 0
        toggle_support(subjects.idea, resident)
        db.session.refresh(resident)  # the commit expired them: reloading is not the context's cost
        db.session.refresh(subjects.idea)
        with count_queries() as log:
            assert support_context(subjects.idea, resident)["supported"] is True
        assert log.count == 1


# --- Route, per role --------------------------------------------------------------------------

# Without htmx: 302 back to the page; "login" = sent to log in; 403 = refused.
EXPECTED = {
    "idea": {"anonymous": "login", "resident": 302, "member": 302, "moderator": 302, "admin": 302},
    "proposal": {"anonymous": "login", "resident": 302, "member": 403, "moderator": 302, "admin": 302},
    "draft": {"anonymous": "login", "resident": 403, "member": 403, "moderator": 403, "admin": 403},
    "withdrawn": {"anonymous": "login", "resident": 403, "member": 403, "moderator": 403, "admin": 403},
}


@pytest.mark.parametrize("which", list(EXPECTED))
def test_direct_post_per_role(role_client, subjects, which):
    role, client = role_client
    subject = getattr(subjects, which)
    response = client.post(_url(subject))
    expected = EXPECTED[which][role]
    if expected == "login":
        assert response.status_code == 302
        assert "/connexion" in response.headers["Location"]
        assert _count(subject) == 0 == _rows(subject)
    elif expected == 403:
        assert response.status_code == 403
        assert _count(subject) == 0 == _rows(subject)
    else:
        assert response.status_code == 302
        assert response.headers["Location"].endswith(_page(subject) + "#soutien")
        assert _count(subject) == 1 == _rows(subject)


@pytest.mark.parametrize("which", ["idea", "proposal"])
def test_page_shows_what_each_role_can_do(role_client, subjects, which):
    role, client = role_client
    subject = getattr(subjects, which)
    page = _support_box(text(client.get(_page(subject))))
    assert "0 soutien" in page
    if role == "anonymous":
        assert "Connectez-vous pour soutenir" in page
        assert f'class="support__login" href="/connexion?next={_page(subject)}"' in page
        assert "aria-pressed" not in page
    elif role == "member" and which == "proposal":
        assert "aria-pressed" not in page
        assert "Votre association porte cette proposition" in page
    else:
        assert 'aria-pressed="false"' in page
        assert f'action="{_url(subject)}" method="post"' in page
        assert "Soutenir" in page


def _support_box(page: str) -> str:
    """The support box alone (the page has other toggles, e.g. "Suivre")."""
    start = page.index('<div class="support" id="soutien">')
    return page[start : page.index("</div>", start)]


def test_withdrawn_proposal_shows_the_count_only(client, resident_client, subjects):
    for c in (client, resident_client):
        page = _support_box(text(c.get(_page(subjects.withdrawn))))
        assert "0 soutien" in page
        assert "aria-pressed" not in page
        assert "Connectez-vous pour soutenir" not in page


@pytest.mark.parametrize("which", ["idea", "proposal"])
def test_htmx_gets_the_fragment_in_place(resident_client, subjects, which):
    subject = getattr(subjects, which)
    response = resident_client.htmx("POST", _url(subject))
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body and body.lstrip().startswith('<div class="support" id="soutien">')
    assert 'aria-pressed="true"' in body
    assert "Vous soutenez. Appuyez de nouveau pour retirer votre soutien." in body
    assert "1 soutien" in body
    body = text(resident_client.htmx("POST", _url(subject)))
    assert 'aria-pressed="false"' in body and "0 soutien" in body
    assert _count(subject) == 0 == _rows(subject)


def test_fragment_shows_the_count_the_update_returned_without_reloading(resident_client, subjects, app):
    # Someone else supported in the meantime: the count shown is the database's, not a stale one.
    other = factories.make_user("Autre habitante")
    toggle_support(subjects.proposal, other)
    with count_queries() as log:
        body = text(resident_client.htmx("POST", _url(subjects.proposal)))
    assert "2 soutiens" in body and 'aria-pressed="true"' in body
    statements = [s.split()[0].upper() for s in log.statements]
    # person, proposal, then the writes; nothing reloaded after. A resident in no association
    # never needs the co-authors, nor a look at memberships (the person's row says "none"). Last,
    # the cache versions bumped in the same transaction (one INSERT ... ON CONFLICT, app/page_cache.py).
    assert statements.count("SELECT") == 2 and statements[-2:] == ["UPDATE", "INSERT"], log.statements
    with count_queries() as log:
        body = text(resident_client.htmx("POST", _url(subjects.proposal)))
    assert "1 soutien" in body and 'aria-pressed="false"' in body
    assert len(log.statements) == 5, log.statements


def test_without_javascript_the_form_redirects_back_with_a_message(resident_client, subjects):
    response = resident_client.post(_url(subjects.idea), follow_redirects=True)
    assert response.status_code == 200
    page = text(response)
    assert "Votre soutien est enregistré" in page
    assert 'aria-pressed="true"' in page and "1 soutien" in page


def test_missing_csrf_token_is_refused_and_changes_nothing(resident_client, subjects):
    assert resident_client.post(_url(subjects.idea), csrf=False).status_code == 400
    assert resident_client.htmx("POST", _url(subjects.idea), csrf_header=False).status_code == 400
    assert _count(subjects.idea) == 0 == _rows(subjects.idea)


def test_unknown_subject_is_404(resident_client, subjects):
    assert resident_client.post("/idees/999999/soutien").status_code == 404
    assert resident_client.post("/autres/1/soutien").status_code == 404


def test_get_is_not_allowed(resident_client, subjects):
    assert resident_client.get(_url(subjects.idea)).status_code == 405


# --- Concurrency against a live server ----------------------------------------------------------

TOKEN = re.compile(r'hx-headers:inherited=\'\{"X-CSRFToken": "([^"]+)"\}\'')
PRESSED = re.compile(r'aria-pressed="(true|false)"')


class Browserless:
    """A real HTTP client with its own cookies: logs in through the form, then toggles like htmx."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            body = response.read().decode()
        self.token = TOKEN.search(body).group(1)
        return body

    def login(self, email: str, password: str) -> None:
        self.get("/connexion")
        data = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": self.token}).encode()
        with self.opener.open(self.base + "/connexion", data=data, timeout=60) as response:
            assert response.url.endswith("/compte"), response.url
            self.token = TOKEN.search(response.read().decode()).group(1)

    def toggle(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(
            self.base + path,
            data=b"",
            method="POST",
            headers={"HX-Request": "true", "X-CSRFToken": self.token},
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def _voters(n: int) -> list:
    return [factories.make_user(f"Votant·e {i}") for i in range(n)]


def _logged_in(live_server: str, users: list) -> list[Browserless]:
    def login(email: str) -> Browserless:
        client = Browserless(live_server)
        client.login(email, factories.PASSWORD)
        return client

    emails = [user.email for user in users]  # read here: the threads have no app context
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(login, emails))


def test_many_concurrent_toggles_keep_counts_exact(app, live_server, subjects):
    voters = _voters(40)
    clients = _logged_in(live_server, voters)
    targets = [_url(subjects.idea), _url(subjects.proposal)]
    # Person i toggles each subject 1 to 4 times: supported at the end when the number is odd.
    toggles = [(i % 4) + 1 for i in range(len(voters))]
    start = threading.Barrier(len(clients))

    def vote(i: int) -> list[str]:
        problems = []
        start.wait()
        for k in range(toggles[i]):
            for path in targets:
                status, body = clients[i].toggle(path)
                pressed = PRESSED.search(body)
                if status != 200 or pressed is None or (pressed.group(1) == "true") != (k % 2 == 0):
                    problems.append(f"voter {i} toggle {k} {path}: {status} {body[:200]}")
        return problems

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        problems = [p for result in pool.map(vote, range(len(clients))) for p in result]
    assert not problems, "\n".join(problems[:10])

    expected = sum(1 for t in toggles if t % 2 == 1)
    assert sum(toggles) * 2 == 200  # requests sent
    for subject in (subjects.idea, subjects.proposal):
        assert _count(subject) == _rows(subject) == expected == 20


def test_double_clicks_racing_never_double_count(app, live_server, subjects):
    # The same person's two requests at the same instant: never a 500, never an extra count.
    voters = _voters(12)
    clients = _logged_in(live_server, voters)
    path = _url(subjects.proposal)
    start = threading.Barrier(len(clients) * 2)

    def click(i: int) -> int:
        start.wait()
        return clients[i // 2].toggle(path)[0]

    with ThreadPoolExecutor(max_workers=len(clients) * 2) as pool:
        statuses = list(pool.map(click, range(len(clients) * 2)))
    assert statuses == [200] * len(statuses)
    assert _count(subjects.proposal) == _rows(subjects.proposal) <= len(voters)

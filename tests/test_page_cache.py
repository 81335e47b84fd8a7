"""Anonymous readers served from the page cache (app/page_cache.py): never stale, never shared wrongly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.comments.services import get_comment
from app.extensions import db
from app.models import CacheVersion
from app.moderation.services import act, case_for
from tests import factories
from tests.helpers import count_queries, html, text


@pytest.fixture
def proposal(territory):
    asso = factories.make_association("Les Jardins du Médoc", territory.medoc_commune)
    return factories.make_proposal(asso, title="Jardin partagé", communes=(territory.medoc_commune,))


def _url(proposal) -> str:
    return f"/propositions/{proposal.id}"


def _served_from_cache(client, url: str) -> str:
    """The page as a second anonymous visitor gets it: one query (the versions), the same bytes."""
    first = client.get(url)
    assert first.status_code == 200
    with count_queries() as log:
        again = client.get(url)
    assert log.count == 1, log.statements
    assert again.get_data() == first.get_data()
    return text(again)


@pytest.mark.parametrize("path", ["/", "/propositions/", "/idees/", "detail", "idea"])
def test_a_second_anonymous_reader_costs_one_query_and_no_token(app, client, territory, proposal, path):
    idea = factories.make_idea(title="Idée du marché", commune=territory.medoc_commune)
    url = {"detail": _url(proposal), "idea": f"/idees/{idea.id}"}.get(path, path)
    body = _served_from_cache(client, url)
    # No visitor's CSRF token in a page every visitor receives, and no cookie set for one.
    assert "csrf_token" not in body and "X-CSRFToken" not in body
    response = app.test_client().get(url)
    assert response.headers["Cache-Control"] == "public, no-cache" and response.headers["ETag"]
    assert "Cookie" in response.headers["Vary"] and "Set-Cookie" not in response.headers


def test_a_support_shows_at_once_on_the_page_the_list_and_the_home(client, resident_client, proposal):
    for url in (_url(proposal), "/propositions/", "/"):
        assert "0 soutien" in _served_from_cache(client, url) or url == "/"
    resident_client.htmx("POST", f"/propositions/{proposal.id}/soutien")
    assert "1 soutien" in text(client.get(_url(proposal)))
    assert "1 soutien" in text(client.get("/propositions/"))


def test_a_new_comment_then_its_hiding_show_at_once(client, resident, moderator, proposal):
    assert "Une belle idée" not in _served_from_cache(client, _url(proposal))
    comment = factories.make_comment(proposal, resident, "Une belle idée pour le quartier")
    assert "Une belle idée pour le quartier" in _served_from_cache(client, _url(proposal))
    act(case_for(get_comment(comment.id)), "hide", moderator, reason="Hors sujet")
    db.session.commit()
    assert "Une belle idée pour le quartier" not in text(client.get(_url(proposal)))


def test_an_edit_shows_at_once_on_the_page_the_list_and_the_home(client, proposal):
    for url in (_url(proposal), "/propositions/", "/"):
        assert "Jardin partagé" in _served_from_cache(client, url)
    proposal = db.session.get(type(proposal), proposal.id)
    proposal.title = "Verger partagé"
    db.session.commit()
    for url in (_url(proposal), "/propositions/", "/"):
        page = text(client.get(url))
        assert "Verger partagé" in page and "Jardin partagé" not in page


def test_a_taxonomy_change_reaches_every_cached_page(client, proposal):
    _served_from_cache(client, "/propositions/")
    before = db.session.scalar(select(CacheVersion.version).where(CacheVersion.key == "site")) or 0
    domain = proposal.domain
    domain.label = "Nature en ville"
    db.session.commit()
    assert "Nature en ville" in text(client.get("/propositions/"))
    assert db.session.scalar(select(CacheVersion.version).where(CacheVersion.key == "site")) == before + 1


def test_a_logged_in_page_is_never_stored_nor_served_a_stored_one(app, client, member, proposal):
    assert "Se connecter" in _served_from_cache(client, _url(proposal))
    signed_in = app.test_client().login_as(member)
    response = signed_in.get(_url(proposal))
    assert member.display_name in text(response) and "Se connecter" not in text(response)
    assert response.headers["Cache-Control"] == "private, no-cache" and "ETag" not in response.headers
    # And the other way round: what the member saw is not what the next anonymous reader gets.
    anonymous = text(app.test_client().get(_url(proposal)))
    assert member.display_name not in anonymous.split("<main")[0] and "Se connecter" in anonymous


def test_two_anonymous_readers_each_get_their_language(app, proposal):
    french, english = app.test_client(), app.test_client()
    # The switch works from a cached page, which carries no token (an anonymous choice only).
    response = english.post("/langue", data={"locale": "en", "next": "/propositions/"}, csrf=False)
    assert response.status_code == 303
    # The flashed confirmation is shown, not a cached page without it.
    assert "Pages are now in English" in text(english.get("/propositions/"))
    for _ in range(2):
        assert '<html lang="fr">' in html(french.get("/propositions/"))
        assert '<html lang="en">' in html(english.get("/propositions/"))


def test_the_language_switch_still_checks_the_token_of_a_signed_in_person(app, member):
    signed_in = app.test_client().login_as(member)
    assert signed_in.post("/langue", data={"locale": "en", "next": "/"}, csrf=False).status_code == 400
    assert signed_in.post("/langue", data={"locale": "en", "next": "/"}).status_code == 303


def test_if_none_match_gives_304_until_the_page_changes(client, resident_client, proposal):
    etag = client.get(_url(proposal)).headers["ETag"]
    with count_queries() as log:
        response = client.get(_url(proposal), headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.headers["ETag"] == etag and not response.get_data()
    assert log.count == 1
    resident_client.htmx("POST", f"/propositions/{proposal.id}/soutien")
    response = client.get(_url(proposal), headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.headers["ETag"] != etag


def test_a_failed_change_bumps_nothing(app, proposal):
    before = {v.key: v.version for v in db.session.query(CacheVersion)}
    proposal.title = "Abandonné"
    db.session.flush()
    db.session.rollback()
    proposal = db.session.get(type(proposal), proposal.id)
    proposal.summary = "Résumé revu"
    db.session.commit()
    after = {v.key: v.version for v in db.session.query(CacheVersion)}
    assert after[f"proposal:{proposal.id}"] == before[f"proposal:{proposal.id}"] + 1  # once, not twice


def test_a_hidden_proposal_leaves_the_list_and_its_page_at_once(client, moderator, proposal):
    assert "Jardin partagé" in _served_from_cache(client, "/propositions/")
    _served_from_cache(client, _url(proposal))
    act(case_for(proposal), "hide", moderator, reason="Hors sujet")
    db.session.commit()
    assert "Jardin partagé" not in text(client.get("/propositions/"))
    page = text(client.get(_url(proposal)))
    assert "contenu masqué par la modération" in page and "Jardin partagé" not in page
